import { z } from 'zod';
import { workingMinutesPerDay } from './calendar';
import { deadlineOf, deadlineWorkingHours } from './deadline';
import { agencyCodeSchema } from './dossier';
import type { PlannedStep } from './events';

/**
 * Administrative levels (cấp thực hiện). Since 1 July 2025 local government is province + commune;
 * `district` stays for procedures and dossiers from before the reorganisation.
 */
export const administrativeLevels = ['central', 'province', 'district', 'commune'] as const;
export type AdministrativeLevel = (typeof administrativeLevels)[number];

/** Administrative levels are data; the hierarchy below them is any depth. */
export const agencySchema = z.object({
  /** A NATS subject token once `.` is mapped (`subjectToken`): no wildcard, no whitespace. */
  code: agencyCodeSchema,
  name: z.string().min(1),
  level: z.string().min(1),
  parentCode: z.string().min(1).nullable(),
  isSample: z.boolean().default(false),
});

/** Roles a procedure step can be assigned to: the desk (intake), an officer or a leader (supervisor). */
export const stepRoles = ['intake', 'officer', 'supervisor'] as const;

/**
 * One processing step of a procedure. `agencyCode: null` means the receiving agency; a code names
 * another agency (liên thông). The budget is in working hours on that agency's calendar.
 */
export const procedureStepSchema = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'mã bước: chữ thường không dấu, số, "-" hoặc "_" (tối đa 64 ký tự)'),
  name: z.string().min(1),
  role: z
    .string()
    .min(1)
    .refine((r) => (stepRoles as readonly string[]).includes(r), {
      message: `vai trò phải là một trong: ${stepRoles.join(', ')}`,
    }),
  agencyCode: z.string().min(1).nullable(),
  budgetWorkingHours: z.number().positive(),
});
export type ProcedureStep = z.infer<typeof procedureStepSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ phải có dạng HH:mm, ví dụ 15:00');

/** Fields of a procedure without the cross-field rules (shared with the catalogue file schema). */
export const procedureShape = {
  code: z.string().min(1),
  name: z.string().min(1),
  level: z.string().min(1),
  deadlineWorkingDays: z.number().int().positive().nullable(),
  deadlineWorkingHours: z.number().int().positive().nullable(),
  /** Calendar days ("ngày" where the law does not say working days); due on a day off → next working day. */
  deadlineCalendarDays: z.number().int().positive().nullable().default(null),
  /** A receipt at or after it (HH:mm) counts from the next working day. */
  sameDayCutoff: hhmm.nullable(),
  /** Ordered processing steps; empty = one step at the receiving agency for the whole deadline. */
  steps: z.array(procedureStepSchema).default([]),
  /** Fee or charge (phí, lệ phí) in VND: `0` = free (miễn), `null` = not stated. */
  feeVnd: z.number().int().nonnegative().nullable().default(null),
  /** Thanh toán trực tuyến is offered. */
  onlinePayment: z.boolean().default(false),
  /** Dịch vụ công trực tuyến toàn trình. */
  fullyOnline: z.boolean().default(false),
  /** Nhóm thủ tục liên thông this procedure belongs to. */
  groupCode: z.string().min(1).nullable().default(null),
  isSample: z.boolean(),
};

/** Structural rules every procedure obeys, wherever it comes from. */
export function checkProcedure(
  p: {
    deadlineWorkingDays: number | null;
    deadlineWorkingHours: number | null;
    deadlineCalendarDays?: number | null;
    steps: { key: string }[];
  },
  ctx: z.RefinementCtx,
): void {
  const given = [p.deadlineWorkingDays, p.deadlineWorkingHours, p.deadlineCalendarDays ?? null];
  if (given.filter((v) => v !== null).length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['deadlineWorkingDays'],
      message: 'thời hạn giải quyết ghi bằng ngày làm việc, giờ làm việc hoặc ngày (lịch): đúng một trong ba',
    });
  }
  const seen = new Set<string>();
  p.steps.forEach((s, i) => {
    if (seen.has(s.key)) {
      ctx.addIssue({ code: 'custom', path: ['steps', i, 'key'], message: `mã bước '${s.key}' bị trùng` });
    }
    seen.add(s.key);
  });
}

export const procedureSchema = z.object(procedureShape).superRefine(checkProcedure);

/** Nhóm thủ tục liên thông: procedures handled together across agencies. */
export const procedureGroupSchema = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  isSample: z.boolean().default(false),
});

export type Agency = z.infer<typeof agencySchema>;
export type AgencyInput = z.input<typeof agencySchema>;
export type Procedure = z.infer<typeof procedureSchema>;
export type ProcedureInput = z.input<typeof procedureSchema>;
export type ProcedureGroup = z.infer<typeof procedureGroupSchema>;
export type ProcedureGroupInput = z.input<typeof procedureGroupSchema>;

/**
 * The legal deadline in working hours: days × the working minutes of a day of the given office
 * hours (`workingMinutesPerDay`, the default office hours' 8 h unless an agency's are given).
 */
export function deadlineHours(
  p: Pick<Procedure, 'deadlineWorkingDays' | 'deadlineWorkingHours'> &
    Partial<Pick<Procedure, 'deadlineCalendarDays' | 'sameDayCutoff'>>,
  minutesPerDay = workingMinutesPerDay(),
): number {
  return deadlineWorkingHours(deadlineOf({ sameDayCutoff: null, ...p }), minutesPerDay);
}

/** Whether the procedure's steps pass through agencies other than the receiving one (liên thông). */
export function isInterAgency(p: Pick<Procedure, 'steps'>): boolean {
  return p.steps.some((s) => s.agencyCode !== null);
}

/**
 * The steps a dossier of this procedure will go through, resolved to agencies at receipt:
 * `agencyCode: null` becomes the receiving agency. A procedure without steps gets one processing
 * step at the receiving agency with the whole deadline as its budget.
 */
export function planSteps(
  p: Pick<Procedure, 'steps' | 'deadlineWorkingDays' | 'deadlineWorkingHours'> &
    Partial<Pick<Procedure, 'deadlineCalendarDays'>>,
  receivingAgencyCode: string,
  /** Working minutes of a day of the receiving agency's office hours. */
  minutesPerDay = workingMinutesPerDay(),
): PlannedStep[] {
  if (p.steps.length === 0) {
    return [
      {
        key: 'xu-ly',
        name: 'Giải quyết hồ sơ',
        role: 'officer',
        agencyCode: receivingAgencyCode,
        budgetWorkingHours: deadlineHours(p, minutesPerDay),
      },
    ];
  }
  return p.steps.map((s) => ({
    key: s.key,
    name: s.name,
    role: s.role,
    agencyCode: s.agencyCode ?? receivingAgencyCode,
    budgetWorkingHours: s.budgetWorkingHours,
  }));
}

// ---------------------------------------------------------------------------------------------
// Dữ liệu mẫu: a small, realistic sample so a fresh system can take dossiers. Every record is
// marked (isSample, "(dữ liệu mẫu)" in agency names); real catalogues are imported
// (`motcua catalogue import`, `POST /v1/admin/catalogue`) and overwrite sample records by code.
//
// Since 1 July 2025 local government is province + commune (no district level). Codes:
//   T-MAU          Ủy ban nhân dân tỉnh Mẫu                         province, root
//   X-AN-BINH      Ủy ban nhân dân xã An Bình                        commune, under T-MAU
//   X-BINH-MINH    Ủy ban nhân dân xã Bình Minh                      commune, under T-MAU
//   CA-T-MAU       Công an tỉnh Mẫu                                  province, root (vertical sector)
//   CA-X-AN-BINH   Công an xã An Bình                                commune, under CA-T-MAU
//   BHXH-T-MAU     Bảo hiểm xã hội tỉnh Mẫu                          province, root (vertical sector:
//                  Bảo hiểm xã hội Việt Nam; the former district offices became its local units)
// Police and social insurance are not under the people's committees, so they get their own roots:
// a UBND supervisor sees their liên thông dossiers through the receiving commune, not by hierarchy.
//
// Fees and deadlines are sample values modelled on common provincial resolutions, not the law of
// any one province: chứng thực 2.000 đ/trang, kết hôn/khai sinh/khai tử free, giấy phép xây dựng
// nhà ở riêng lẻ 75.000 đ, đăng ký thường trú 20.000 đ.
// ---------------------------------------------------------------------------------------------

export const SAMPLE_DEATH_GROUP_CODE = 'MAU-LT-KHAI-TU';
/** The inter-agency procedure whose steps pass through the commune, the police and social insurance. */
export const SAMPLE_DEATH_LIEN_THONG_CODE = 'MAU-LT-KHAI-TU-THUONG-TRU-MAI-TANG';

export const sampleAgencies: Agency[] = [
  {
    code: 'T-MAU',
    name: 'Ủy ban nhân dân tỉnh Mẫu (dữ liệu mẫu)',
    level: 'province',
    parentCode: null,
    isSample: true,
  },
  {
    code: 'X-AN-BINH',
    name: 'Ủy ban nhân dân xã An Bình (dữ liệu mẫu)',
    level: 'commune',
    parentCode: 'T-MAU',
    isSample: true,
  },
  {
    code: 'X-BINH-MINH',
    name: 'Ủy ban nhân dân xã Bình Minh (dữ liệu mẫu)',
    level: 'commune',
    parentCode: 'T-MAU',
    isSample: true,
  },
  {
    code: 'CA-T-MAU',
    name: 'Công an tỉnh Mẫu (dữ liệu mẫu)',
    level: 'province',
    parentCode: null,
    isSample: true,
  },
  {
    code: 'CA-X-AN-BINH',
    name: 'Công an xã An Bình (dữ liệu mẫu)',
    level: 'commune',
    parentCode: 'CA-T-MAU',
    isSample: true,
  },
  {
    code: 'BHXH-T-MAU',
    name: 'Bảo hiểm xã hội tỉnh Mẫu (dữ liệu mẫu)',
    level: 'province',
    parentCode: null,
    isSample: true,
  },
];

export const sampleProcedureGroups: ProcedureGroup[] = [
  {
    code: SAMPLE_DEATH_GROUP_CODE,
    name: 'Nhóm thủ tục liên thông: đăng ký khai tử, xóa đăng ký thường trú, trợ cấp mai táng (dữ liệu mẫu)',
    isSample: true,
  },
];

type StepSpec = [key: string, name: string, role: (typeof stepRoles)[number], hours: number, agency?: string];
const steps = (...specs: StepSpec[]): ProcedureStep[] =>
  specs.map(([key, name, role, budgetWorkingHours, agencyCode]) => ({
    key,
    name,
    role,
    agencyCode: agencyCode ?? null,
    budgetWorkingHours,
  }));

/** Desk receipt → officer review → leader approval → result back at the desk. */
const deskSteps = (review: string, reviewH: number, approve: string, approveH: number, deskH: number) =>
  steps(
    ['tiep-nhan', 'Tiếp nhận, kiểm tra hồ sơ tại Bộ phận Một cửa', 'intake', deskH],
    ['tham-dinh', review, 'officer', reviewH],
    ['phe-duyet', approve, 'supervisor', approveH],
    ['tra-ket-qua', 'Chuyển kết quả về Bộ phận Một cửa, trả kết quả', 'intake', deskH],
  );

const procedure = (
  p: Omit<
    Procedure,
    | 'deadlineWorkingDays'
    | 'deadlineWorkingHours'
    | 'deadlineCalendarDays'
    | 'sameDayCutoff'
    | 'groupCode'
    | 'isSample'
  > &
    Partial<
      Pick<
        Procedure,
        | 'deadlineWorkingDays'
        | 'deadlineWorkingHours'
        | 'deadlineCalendarDays'
        | 'sameDayCutoff'
        | 'groupCode'
      >
    >,
): Procedure => ({
  deadlineWorkingDays: null,
  deadlineCalendarDays: null,
  deadlineWorkingHours: null,
  sameDayCutoff: null,
  groupCode: null,
  ...p,
  isSample: true,
});

export const sampleProcedures: Procedure[] = [
  procedure({
    code: 'MAU-CHUNG-THUC-BAN-SAO',
    name: 'Chứng thực bản sao từ bản chính',
    level: 'commune',
    deadlineWorkingHours: 4,
    // Received after 15:00 → counted from the next working day.
    sameDayCutoff: '15:00',
    steps: deskSteps('Đối chiếu bản sao với bản chính', 1.5, 'Lãnh đạo ký chứng thực', 1.5, 0.5),
    feeVnd: 2_000, // per page (trang); sample value
    onlinePayment: true,
    fullyOnline: false, // the original must be shown at the desk
  }),
  procedure({
    code: 'MAU-DANG-KY-KHAI-SINH',
    name: 'Đăng ký khai sinh',
    level: 'commune',
    deadlineWorkingDays: 1,
    steps: deskSteps(
      'Công chức tư pháp - hộ tịch kiểm tra, ghi sổ hộ tịch',
      4,
      'Lãnh đạo ký giấy khai sinh',
      2,
      1,
    ),
    feeVnd: 0, // miễn lệ phí khi đăng ký đúng hạn
    onlinePayment: false,
    fullyOnline: true,
  }),
  procedure({
    code: 'MAU-DANG-KY-KET-HON',
    name: 'Đăng ký kết hôn',
    level: 'commune',
    deadlineWorkingDays: 5,
    steps: deskSteps(
      'Công chức tư pháp - hộ tịch kiểm tra, xác minh',
      24,
      'Lãnh đạo ký giấy chứng nhận kết hôn',
      8,
      4,
    ),
    feeVnd: 0, // free in many provinces; sample value
    onlinePayment: false,
    fullyOnline: false, // both parties sign the register in person
  }),
  procedure({
    code: 'MAU-GIAY-PHEP-XAY-DUNG',
    name: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    // A commune procedure since the district level was abolished (1 July 2025).
    level: 'commune',
    deadlineWorkingDays: 15,
    steps: deskSteps('Thẩm định hồ sơ, kiểm tra thực địa', 80, 'Lãnh đạo ký giấy phép xây dựng', 24, 6),
    feeVnd: 75_000, // sample value
    onlinePayment: true,
    fullyOnline: false,
  }),
  procedure({
    code: 'MAU-XAC-NHAN-TINH-TRANG-HON-NHAN',
    name: 'Cấp Giấy xác nhận tình trạng hôn nhân',
    level: 'commune',
    deadlineWorkingDays: 3,
    steps: deskSteps('Công chức tư pháp - hộ tịch kiểm tra, xác minh', 14, 'Lãnh đạo ký giấy xác nhận', 6, 2),
    feeVnd: 0, // sample value
    onlinePayment: false,
    fullyOnline: true,
  }),
  procedure({
    code: 'MAU-DANG-KY-THUONG-TRU',
    name: 'Đăng ký thường trú',
    level: 'commune',
    deadlineWorkingDays: 7,
    // Received by the commune police (Công an xã).
    steps: deskSteps('Cán bộ đăng ký cư trú kiểm tra, thẩm định', 36, 'Trưởng Công an xã phê duyệt', 12, 4),
    feeVnd: 20_000, // sample value (lower online in most provinces)
    onlinePayment: true,
    fullyOnline: true,
  }),
  // The three component procedures of the liên thông group, each also available on its own.
  procedure({
    code: 'MAU-DANG-KY-KHAI-TU',
    name: 'Đăng ký khai tử',
    level: 'commune',
    deadlineWorkingDays: 1,
    steps: deskSteps(
      'Công chức tư pháp - hộ tịch kiểm tra, ghi sổ hộ tịch',
      4,
      'Lãnh đạo ký trích lục khai tử',
      2,
      1,
    ),
    feeVnd: 0,
    onlinePayment: false,
    fullyOnline: true,
    groupCode: SAMPLE_DEATH_GROUP_CODE,
  }),
  procedure({
    code: 'MAU-XOA-DANG-KY-THUONG-TRU',
    name: 'Xóa đăng ký thường trú',
    level: 'commune',
    deadlineWorkingDays: 1,
    steps: steps(
      ['tiep-nhan', 'Tiếp nhận hồ sơ', 'intake', 1],
      ['xoa-thuong-tru', 'Xóa đăng ký thường trú trong Cơ sở dữ liệu về cư trú', 'officer', 6],
      ['tra-ket-qua', 'Thông báo kết quả', 'intake', 1],
    ),
    feeVnd: 0,
    onlinePayment: false,
    fullyOnline: true,
    groupCode: SAMPLE_DEATH_GROUP_CODE,
  }),
  procedure({
    code: 'MAU-TRO-CAP-MAI-TANG',
    name: 'Giải quyết hưởng trợ cấp mai táng',
    level: 'province',
    deadlineWorkingDays: 5,
    steps: steps(
      ['tiep-nhan', 'Tiếp nhận hồ sơ', 'intake', 2],
      ['tham-dinh', 'Xét duyệt hồ sơ hưởng trợ cấp mai táng', 'officer', 26],
      ['phe-duyet', 'Lãnh đạo ký quyết định hưởng trợ cấp', 'supervisor', 8],
      ['chi-tra', 'Chi trả trợ cấp, trả kết quả', 'intake', 4],
    ),
    feeVnd: 0,
    onlinePayment: false,
    fullyOnline: true,
    groupCode: SAMPLE_DEATH_GROUP_CODE,
  }),
  // One dossier through three agencies, each with its own budget (the workflow's handoff path).
  procedure({
    code: SAMPLE_DEATH_LIEN_THONG_CODE,
    name: 'Liên thông: Đăng ký khai tử, xóa đăng ký thường trú, trợ cấp mai táng',
    level: 'commune',
    deadlineWorkingDays: 8,
    steps: steps(
      ['tiep-nhan', 'Tiếp nhận hồ sơ liên thông tại Bộ phận Một cửa xã', 'intake', 1],
      ['khai-tu', 'Đăng ký khai tử, cập nhật Cơ sở dữ liệu hộ tịch', 'officer', 5],
      ['phe-duyet-khai-tu', 'Lãnh đạo UBND xã ký trích lục khai tử', 'supervisor', 2],
      ['xoa-thuong-tru', 'Công an xã xóa đăng ký thường trú', 'officer', 8, 'CA-X-AN-BINH'],
      ['tro-cap-mai-tang', 'Bảo hiểm xã hội xét duyệt trợ cấp mai táng', 'officer', 32, 'BHXH-T-MAU'],
      ['phe-duyet-mai-tang', 'Lãnh đạo Bảo hiểm xã hội ký quyết định', 'supervisor', 8, 'BHXH-T-MAU'],
      ['tra-ket-qua', 'Trả kết quả liên thông tại Bộ phận Một cửa xã', 'intake', 4],
    ),
    feeVnd: 0,
    onlinePayment: false,
    fullyOnline: true,
    groupCode: SAMPLE_DEATH_GROUP_CODE,
  }),
];
