/**
 * What a letter says: the complete, self-contained input of the renderer, stored as the
 * letter's `content` JSON. Rendering the same content always yields the same PDF bytes
 * (the document date comes from `issuedAt`, never from the clock).
 */
import { z } from 'zod';
import { actorSchema, faultPartySchema } from '../events';
import { FORMS, type FormDefinition, type FormId, formIdSchema } from './forms';

const instant = z.iso.datetime({ offset: true });
/** Generous bounds: the renderer wraps and flows any length, these only stop abuse. */
const line = (max = 500) => z.string().trim().min(1).max(max);
const paragraph = (max = 4000) => z.string().trim().min(1).max(max);

export const letterAgencySchema = z.object({
  code: z.string().min(1).max(64),
  /** "BỘ PHẬN MỘT CỬA UBND XÃ AN BÌNH", printed bold in capitals. */
  name: line(300),
  /** The governing body printed above the name, e.g. "UBND HUYỆN LONG THÀNH". */
  parentName: line(300).optional(),
});
export type LetterAgency = z.infer<typeof letterAgencySchema>;

export const signerSchema = z.object({
  /** "GIÁM ĐỐC", "CHỦ TỊCH", "THỦ TRƯỞNG CƠ QUAN". */
  title: line(200),
  /** Printed above the title when signing on behalf, e.g. "KT. CHỦ TỊCH". */
  onBehalfOf: line(200).optional(),
  name: line(200),
});
export type Signer = z.infer<typeof signerSchema>;

export const applicantSchema = z.object({
  name: line(300),
  address: line(500).optional(),
  phone: line(50).optional(),
  email: line(200).optional(),
});

const common = {
  formId: formIdSchema,
  /** Agency whose letterhead the letter carries (and whose head signs). */
  issuingAgency: letterAgencySchema,
  /** Place name of the date line ("An Bình, ngày …"). */
  place: line(200),
  /** The document date (and the PDF creation date): issue time, or drafting time for a draft. */
  issuedAt: instant,
  /** Sequence number within the issuing agency and year; null until issued. */
  number: z.number().int().positive().nullable().default(null),
  /** A draft prints "DỰ THẢO" and no number. */
  draft: z.boolean().default(false),
  dossierCode: line(100),
  applicant: applicantSchema,
  procedureName: line(1000),
  signer: signerSchema,
};

/** Mẫu 04: apology with a new appointment (2018) or apology asking for an extension (2025). */
export const apologyContentSchema = z.object({
  kind: z.literal('apology'),
  ...common,
  receivedAt: instant,
  /** The appointment given at receipt (Mẫu 01). */
  originalDueAt: instant,
  reason: paragraph(),
  newDueAt: instant,
  faultParty: faultPartySchema,
  /** Name of the desk that received the dossier, when different from the issuing agency. */
  receivingAgencyName: line(300).optional(),
});
export type ApologyContent = z.infer<typeof apologyContentSchema>;

/** Mẫu 01: receipt with the appointment. */
export const receiptContentSchema = z.object({
  kind: z.literal('receipt'),
  ...common,
  receivedAt: instant,
  dueAt: instant,
  /** Thành phần hồ sơ. */
  documents: z
    .array(z.object({ name: line(1000), copies: z.number().int().positive().optional() }))
    .default([]),
  /** Where the result is returned ("Bộ phận Một cửa UBND xã An Bình" or "trực tuyến"). */
  returnPlace: line(500).optional(),
});
export type ReceiptContent = z.infer<typeof receiptContentSchema>;

/** One line of the control slip: shaped like domain/lifecycle.ts TimelineEntry, plus names. */
export const controlSlipEntrySchema = z.object({
  seq: z.number().int().nonnegative(),
  at: instant,
  type: z.string().min(1).max(100),
  actor: actorSchema.optional(),
  agencyCode: z.string().min(1).max(64),
  /** Display name of the agency; the code is printed when absent. */
  agencyName: line(300).optional(),
  note: z.string().max(2000).optional(),
});
export type ControlSlipEntry = z.infer<typeof controlSlipEntrySchema>;

/** Mẫu 05: control slip, the handoff history of one dossier. */
export const controlSlipContentSchema = z.object({
  kind: z.literal('control_slip'),
  ...common,
  receivedAt: instant,
  dueAt: instant,
  /** Cơ quan (bộ phận) giải quyết hồ sơ. */
  processingAgencyName: line(300).optional(),
  /** Cơ quan phối hợp giải quyết hồ sơ (inter-agency procedures). */
  coordinatingAgencyNames: z.array(line(300)).max(50).default([]),
  entries: z.array(controlSlipEntrySchema).max(2000),
});
export type ControlSlipContent = z.infer<typeof controlSlipContentSchema>;

export const letterContentSchema = z
  .discriminatedUnion('kind', [apologyContentSchema, receiptContentSchema, controlSlipContentSchema])
  .superRefine((c, ctx) => {
    const form: FormDefinition = FORMS[c.formId as FormId];
    if (form.kind !== c.kind) {
      ctx.addIssue({ code: 'custom', path: ['formId'], message: `form ${c.formId} is not a ${c.kind} form` });
    }
    if (c.draft && c.number !== null) {
      ctx.addIssue({ code: 'custom', path: ['number'], message: 'a draft has no number' });
    }
  });
export type LetterContent = z.infer<typeof letterContentSchema>;
export type LetterContentInput = z.input<typeof letterContentSchema>;

/** Vietnamese label of each dossier event type, for the control slip. */
export const EVENT_LABELS: Record<string, string> = {
  'dossier.received': 'Tiếp nhận hồ sơ',
  'dossier.handed_off': 'Chuyển hồ sơ',
  'dossier.step_completed': 'Hoàn thành bước xử lý',
  'dossier.supplement_requested': 'Yêu cầu bổ sung hồ sơ',
  'dossier.supplement_received': 'Nhận hồ sơ bổ sung',
  'dossier.delay_reported': 'Báo cáo chậm giải quyết',
  'dossier.apology_issued': 'Ban hành văn bản xin lỗi',
  'dossier.due_soon': 'Sắp đến hạn',
  'dossier.overdue': 'Quá hạn giải quyết',
  'dossier.step_overdue': 'Bước xử lý quá hạn',
  'dossier.result_ready': 'Có kết quả giải quyết',
  'dossier.result_returned': 'Trả kết quả',
  'dossier.rejected': 'Từ chối giải quyết',
  'dossier.withdrawn': 'Rút hồ sơ',
  'dossier.digitized': 'Số hóa hồ sơ',
  'dossier.payment_recorded': 'Thanh toán phí, lệ phí',
  'dossier.rating_recorded': 'Đánh giá mức độ hài lòng',
};

/** The label of an event type; an unknown type is printed as it is. */
export function eventLabel(type: string): string {
  return EVENT_LABELS[type] ?? EVENT_LABELS[`dossier.${type}`] ?? type;
}
