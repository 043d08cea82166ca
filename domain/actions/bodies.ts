import { z } from 'zod';
import { agencyCodeSchema } from '../dossier';
import { faultPartySchema, resultKindSchema } from '../events';
import { instantSchema } from '../instant-schema';
import { safeText } from '../text';

/*
 * What the API accepts for each action (`POST /v1/dossiers/{code}/<path>`; domain/commands.ts
 * `commandBodySchemas`). The schemas live here, apart from the action modules (decisions and folds),
 * because the workflow bundle imports the action modules and must stay zod-free: every new workflow
 * evaluates the bundle again (test/workflow/bundle.test.ts).
 */

/** `at`: when it happened, left out to mean "now" (the workflow's own time decides). */
export const atField = { at: instantSchema.optional() };

/** Free text: safe (no control characters, lone surrogates or bidi overrides), trimmed, NFC. */
export const actionText = (max = 2000) => safeText(max);

/** The body of each action, keyed by action name (domain/actions/index.ts). */
export const actionBodies = {
  // domain/actions/complete-step.ts
  completeStep: z.object({ ...atField, note: actionText().optional() }).strict(),
  // domain/actions/hand-off.ts
  handOff: z
    .object({
      ...atField,
      toStep: z.number().int().nonnegative().optional(),
      toAgencyCode: agencyCodeSchema.optional(),
      note: actionText().optional(),
    })
    .strict(),
  // domain/actions/issue-apology.ts
  issueApology: z
    .object({
      ...atField,
      reason: actionText(),
      faultParty: faultPartySchema,
      newDueAt: instantSchema,
      signedBy: actionText(200).optional(),
      /** The Mẫu 04 letter this apology issues (set by `POST /v1/letters/{id}/issue`). */
      letterId: actionText(100).optional(),
    })
    .strict(),
  // domain/actions/mark-result-ready.ts
  markResultReady: z.object({ ...atField, resultKind: resultKindSchema }).strict(),
  // domain/actions/receive-supplement.ts
  receiveSupplement: z.object({ ...atField }).strict(),
  // domain/actions/record-digitization.ts
  recordDigitization: z
    .object({
      ...atField,
      components: z.array(actionText(200)).max(200).default([]),
      result: z.boolean().default(false),
    })
    .strict()
    .refine((b) => b.components.length > 0 || b.result, {
      message: 'name digitized components or set result',
    }),
  // domain/actions/record-payment.ts
  recordPayment: z
    .object({
      ...atField,
      amountVnd: z.number().int().nonnegative(),
      online: z.boolean(),
      reference: actionText(200).optional(),
    })
    .strict(),
  // domain/actions/record-rating.ts
  recordRating: z
    .object({ ...atField, score: z.number().int().min(1).max(5), comment: actionText().optional() })
    .strict(),
  // domain/actions/reject.ts
  reject: z.object({ ...atField, reason: actionText() }).strict(),
  // domain/actions/report-delay.ts
  reportDelay: z
    .object({ ...atField, reason: actionText(), proposedDueAt: instantSchema, faultParty: faultPartySchema })
    .strict(),
  // domain/actions/request-supplement.ts
  requestSupplement: z
    .object({ ...atField, reason: actionText(), items: z.array(actionText(500)).min(1).max(100) })
    .strict(),
  // domain/actions/return-result.ts
  returnResult: z.object({ ...atField }).strict(),
  // domain/actions/withdraw.ts
  withdraw: z.object({ ...atField, reason: actionText().optional() }).strict(),
} as const;
