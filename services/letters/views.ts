import { z } from 'zod';
import { instantSchema } from '../../domain/dossier';
import { safeText } from '../../domain/text';

/** Letter answers and bodies of the API (pure: the typed client shares them). */
export const letterViewSchema = z.object({
  id: z.string(),
  dossierCode: z.string(),
  kind: z.string(),
  formId: z.string(),
  ruleSet: z.string(),
  status: z.enum(['draft', 'issued']),
  issuingAgencyCode: z.string(),
  faultParty: z.string().nullable(),
  number: z.number().nullable(),
  year: z.number().nullable(),
  reason: z.string().nullable(),
  proposedDueAt: z.string().nullable(),
  newDueAt: z.string().nullable(),
  signerName: z.string().nullable(),
  signerTitle: z.string().nullable(),
  createdAt: z.string(),
  issuedAt: z.string().nullable(),
  issuedBy: z.string().nullable(),
  pdfUrl: z.string().nullable(),
});
export type LetterView = z.infer<typeof letterViewSchema>;

/** Body of `POST /v1/letters/{id}/issue`: what the supervisor may change in the draft. */
export const issueLetterBodySchema = z
  .object({
    // Printed in the letter: safe text only (no control or bidi characters).
    reason: safeText(4000).optional(),
    newDueAt: instantSchema.optional(),
    // Printed in the letter: safe text only.
    signer: z
      .object({ title: safeText(200), onBehalfOf: safeText(200).optional(), name: safeText(200) })
      .strict()
      .optional(),
  })
  .strict();
export type IssueLetterBody = z.input<typeof issueLetterBodySchema>;
