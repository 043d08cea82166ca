import { z } from 'zod';
import { instantSchema } from './instant-schema';
import { safeString, safeText } from './text';

/** Dossier codes as issued by one-stop desk software, e.g. `000.00.20.H47-260101-0001`. */
export const dossierCodeSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, 'must be 3–64 characters of letters, digits, ".", "_" or "-"');

export const agencyCodeSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'invalid agency code');
export const procedureCodeSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'invalid procedure code');

/**
 * An ISO 8601 instant that states its offset (a legal receipt time is never ambiguous), inside the
 * calendar's range: the one instant schema of every request (domain/instant-schema.ts).
 */
export { instantSchema } from './instant-schema';

/** Kênh tiếp nhận: trực tiếp, trực tuyến, bưu chính. */
export const channelSchema = z.enum(['direct', 'online', 'postal']);
export type Channel = z.infer<typeof channelSchema>;

export const outcomeSchema = z.enum(['early', 'on_time', 'late']);

export const dossierStatusSchema = z.enum(['received', 'completed']);
export type DossierStatus = z.infer<typeof dossierStatusSchema>;

/** Body of POST /v1/dossiers: what the one-stop desk records at receipt (Mẫu 01). */
export const intakeRequestSchema = z
  .object({
    code: dossierCodeSchema,
    procedureCode: procedureCodeSchema,
    agencyCode: agencyCodeSchema,
    channel: channelSchema,
    applicant: z.object({
      // A name must name someone: invisible or punctuation-only text would disguise it in letters.
      name: safeText(200).refine(
        // An empty name is already reported once by the length check.
        (n) => n.length === 0 || /[\p{L}\p{N}]/u.test(n),
        'must contain a letter or digit',
      ),
      phone: safeString(30).optional(),
      /** Where applicant notices go (received, supplement needed, delayed, result ready). */
      email: z.email().max(200).optional(),
      /** Personal identification number (số định danh cá nhân / CCCD, or a passport number). */
      idNumber: z
        .string()
        .regex(/^[A-Za-z0-9]{6,20}$/, 'expected 6–20 letters or digits')
        .optional(),
    }),
    receivedAt: instantSchema,
  })
  .strict();
export type IntakeRequest = z.infer<typeof intakeRequestSchema>;

/** Body of POST /v1/dossiers/{code}/complete. `completedAt` defaults to the time of the call. */
export const completeRequestSchema = z
  .object({
    completedAt: instantSchema.optional(),
    actor: safeText(200).optional(),
  })
  .strict();
export type CompleteRequest = z.infer<typeof completeRequestSchema>;

/** Workflow and event ids (zod-free, for the workflow bundle). */
export { eventIdFor, workflowIdFor } from './ids';
