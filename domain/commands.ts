import { z } from 'zod';
import { actionText, atField } from './actions/common';
import * as handOff from './actions/hand-off';
import { instantSchema } from './dossier';
import { type Actor, faultPartySchema, resultKindSchema } from './events';

/**
 * Actions on a running dossier. Each body is what the API accepts (`POST /v1/dossiers/{code}/<path>`)
 * and, with the acting principal and the instant resolved, what the workflow's Update receives.
 * `at` defaults to the API's clock when left out; workflows never read a clock.
 */
const at = atField;
const text = actionText;

export const commandBodySchemas = {
  // Chuyển xử lý (domain/actions/hand-off.ts).
  handOff: handOff.body,
  completeStep: z.object({ ...at, note: text().optional() }).strict(),
  // Mẫu 02.
  requestSupplement: z.object({ ...at, reason: text(), items: z.array(text(500)).min(1).max(100) }).strict(),
  receiveSupplement: z.object({ ...at }).strict(),
  reportDelay: z
    .object({ ...at, reason: text(), proposedDueAt: instantSchema, faultParty: faultPartySchema })
    .strict(),
  // Mẫu 04: once only.
  issueApology: z
    .object({
      ...at,
      reason: text(),
      faultParty: faultPartySchema,
      newDueAt: instantSchema,
      signedBy: text(200).optional(),
      /** The Mẫu 04 letter this apology issues (set by `POST /v1/letters/{id}/issue`). */
      letterId: text(100).optional(),
    })
    .strict(),
  markResultReady: z.object({ ...at, resultKind: resultKindSchema }).strict(),
  returnResult: z.object({ ...at }).strict(),
  // Mẫu 03.
  reject: z.object({ ...at, reason: text() }).strict(),
  withdraw: z.object({ ...at, reason: text().optional() }).strict(),
  recordDigitization: z
    .object({
      ...at,
      components: z.array(text(200)).max(200).default([]),
      result: z.boolean().default(false),
    })
    .strict()
    .refine((b) => b.components.length > 0 || b.result, {
      message: 'name digitized components or set result',
    }),
  recordPayment: z
    .object({
      ...at,
      amountVnd: z.number().int().nonnegative(),
      online: z.boolean(),
      reference: text(200).optional(),
    })
    .strict(),
  recordRating: z
    .object({ ...at, score: z.number().int().min(1).max(5), comment: text().optional() })
    .strict(),
} as const;

export type CommandName = keyof typeof commandBodySchemas;
export const commandNames = Object.keys(commandBodySchemas) as CommandName[];
export type CommandBody<N extends CommandName> = z.infer<(typeof commandBodySchemas)[N]>;

/** What an Update handler receives: the body with its instant and actor resolved. */
export type Command<N extends CommandName> = Omit<CommandBody<N>, 'at'> & { at: string; actor: Actor };

/** URL segment of each action: `POST /v1/dossiers/{code}/<path>`. */
export const commandPaths: Record<CommandName, string> = {
  handOff: handOff.path,
  completeStep: 'complete-step',
  requestSupplement: 'request-supplement',
  receiveSupplement: 'receive-supplement',
  reportDelay: 'report-delay',
  issueApology: 'issue-apology',
  markResultReady: 'result-ready',
  returnResult: 'return-result',
  reject: 'reject',
  withdraw: 'withdraw',
  recordDigitization: 'digitization',
  recordPayment: 'payment',
  recordRating: 'rating',
};

export const roleSchema = z.enum(['intake', 'officer', 'supervisor', 'auditor', 'admin']);
export type Role = z.infer<typeof roleSchema>;

/**
 * Who may do what (within their agency scope). Intake systems are the one-stop desk: receipt,
 * supplements, return, withdrawal and what the applicant does at the desk. Officers process.
 * Supervisors (lãnh đạo) sign apologies (only they) and may reject. Auditors only read. Admin all.
 * Steps also carry a role (domain/access.ts `stepRoleAllows`): a desk key cannot complete a leader's
 * approval step.
 */
export const commandRoles: Record<CommandName, readonly Role[]> = {
  handOff: handOff.roles,
  // Steps belong to the desk (tiếp nhận, trả), officers (thẩm định) or leaders (phê duyệt).
  completeStep: ['officer', 'intake', 'supervisor', 'admin'],
  requestSupplement: ['officer', 'intake', 'admin'],
  receiveSupplement: ['intake', 'officer', 'admin'],
  reportDelay: ['officer', 'supervisor', 'admin'],
  // Mẫu 04 is signed by a head: of the processing agency, or the centre director when the desk was at fault.
  issueApology: ['supervisor', 'admin'],
  markResultReady: ['officer', 'admin'],
  returnResult: ['intake', 'admin'],
  reject: ['officer', 'supervisor', 'intake', 'admin'],
  withdraw: ['intake', 'admin'],
  recordDigitization: ['intake', 'officer', 'admin'],
  recordPayment: ['intake', 'admin'],
  recordRating: ['intake', 'admin'],
};
