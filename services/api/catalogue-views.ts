import { z } from 'zod';
import { catalogueFormats } from '../../domain/catalogue';

/**
 * Response shapes of the catalogue endpoints, shared by the routes (validation, OpenAPI) and the
 * typed client (types). Pure: zod and domain only.
 */
export const stepView = z.object({
  key: z.string(),
  name: z.string(),
  role: z.string().describe('intake (Bộ phận Một cửa), officer (chuyên viên) or supervisor (lãnh đạo)'),
  agencyCode: z
    .string()
    .nullable()
    .describe('null = the receiving agency; a code = another agency (liên thông)'),
  budgetWorkingHours: z.number(),
});

export const procedureView = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string().describe('administrative level: central, province, district (before 1/7/2025), commune'),
  deadlineWorkingDays: z.number().int().nullable(),
  deadlineWorkingHours: z.number().int().nullable(),
  deadlineCalendarDays: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe('calendar days ("ngày"): due on a day off → the next working day\'s closing'),
  sameDayCutoff: z
    .string()
    .nullable()
    .describe('HH:mm: a receipt at or after it counts from the next working day'),
  steps: z.array(stepView),
  feeVnd: z.number().int().nullable().describe('0 = free (miễn), null = not stated'),
  onlinePayment: z.boolean(),
  fullyOnline: z.boolean().describe('dịch vụ công trực tuyến toàn trình'),
  groupCode: z.string().nullable(),
  interAgency: z.boolean().describe('some step is handled by another agency (liên thông)'),
  isSample: z.boolean(),
});

export const agencyView = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  parentCode: z.string().nullable(),
  isSample: z.boolean(),
});

export const groupView = z.object({
  code: z.string(),
  name: z.string(),
  isSample: z.boolean(),
  procedureCodes: z.array(z.string()),
});

export const issueView = z.object({
  severity: z.enum(['error', 'warning']),
  field: z.string().describe('dot path: procedures.2.steps.1.role (JSON) or steps.1.role (CSV)'),
  row: z.number().int().optional().describe('CSV row; the header is row 1'),
  record: z.string().optional(),
  message: z.string(),
});

export const changeCount = z.object({
  created: z.array(z.string()),
  updated: z.array(z.string()),
  unchanged: z.number().int(),
  replacedSample: z.array(z.string()).describe('sample records (dữ liệu mẫu) replaced by real ones'),
});

export const importResponse = z.object({
  dryRun: z.boolean(),
  format: z.enum(catalogueFormats),
  summary: z.object({ agencies: changeCount, groups: changeCount, procedures: changeCount }),
  warnings: z.array(issueView),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export type ProcedureView = z.infer<typeof procedureView>;
export type AgencyView = z.infer<typeof agencyView>;
export type ProcedureGroupView = z.infer<typeof groupView>;
export type CatalogueImportResult = z.infer<typeof importResponse>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
