import { z } from 'zod';

/** Administrative levels are data; the hierarchy below them is any depth. */
export const agencySchema = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  level: z.string().min(1),
  parentCode: z.string().min(1).nullable(),
});

export const procedureSchema = z
  .object({
    code: z.string().min(1),
    name: z.string().min(1),
    level: z.string().min(1),
    deadlineWorkingDays: z.number().int().positive().nullable(),
    deadlineWorkingHours: z.number().int().positive().nullable(),
    sameDayCutoff: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm')
      .nullable(),
    isSample: z.boolean(),
  })
  .refine((p) => (p.deadlineWorkingDays === null) !== (p.deadlineWorkingHours === null), {
    message: 'a procedure has a deadline in working days or in working hours, not both',
  });

export type Agency = z.infer<typeof agencySchema>;
export type Procedure = z.infer<typeof procedureSchema>;

/** Dữ liệu mẫu: a small sample so a fresh system can take dossiers; real catalogues are imported. */
export const sampleAgencies: Agency[] = [
  { code: 'T-MAU', name: 'Ủy ban nhân dân tỉnh Mẫu (dữ liệu mẫu)', level: 'province', parentCode: null },
  {
    code: 'X-AN-BINH',
    name: 'Ủy ban nhân dân xã An Bình (dữ liệu mẫu)',
    level: 'commune',
    parentCode: 'T-MAU',
  },
];

export const sampleProcedures: Procedure[] = [
  {
    code: 'MAU-CHUNG-THUC-BAN-SAO',
    name: 'Chứng thực bản sao từ bản chính',
    level: 'commune',
    deadlineWorkingDays: null,
    deadlineWorkingHours: 4,
    // Received after 15:00 → counted from the next working day.
    sameDayCutoff: '15:00',
    isSample: true,
  },
  {
    code: 'MAU-DANG-KY-KHAI-SINH',
    name: 'Đăng ký khai sinh',
    level: 'commune',
    deadlineWorkingDays: 1,
    deadlineWorkingHours: null,
    sameDayCutoff: null,
    isSample: true,
  },
  {
    code: 'MAU-DANG-KY-KET-HON',
    name: 'Đăng ký kết hôn',
    level: 'commune',
    deadlineWorkingDays: 5,
    deadlineWorkingHours: null,
    sameDayCutoff: null,
    isSample: true,
  },
  {
    code: 'MAU-GIAY-PHEP-XAY-DUNG',
    name: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    level: 'province',
    deadlineWorkingDays: 15,
    deadlineWorkingHours: null,
    sameDayCutoff: null,
    isSample: true,
  },
];
