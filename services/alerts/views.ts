import { z } from 'zod';
import { alertKindSchema, supervisorAlertKinds } from '../../domain/alerts';
import { agencyCodeSchema } from '../../domain/dossier';

/** Alert answers and queries of the API (pure: the typed client shares them). */
export const alertViewSchema = z.object({
  id: z.string(),
  kind: alertKindSchema,
  label: z.string().describe('Vietnamese name of the kind'),
  audience: z.enum(['supervisor', 'operator']),
  dossierCode: z.string().nullable(),
  agencyCode: z.string().nullable().describe('agency that must act'),
  targetAgencyCode: z.string().nullable().describe('agency whose supervisors the alert has reached'),
  level: z.number().int().describe('0 at the agency, +1 per escalation'),
  raisedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  closedReason: z.string().nullable(),
  escalations: z.unknown(),
  details: z.unknown(),
});
export type AlertView = z.infer<typeof alertViewSchema>;

export const alertListQuerySchema = z
  .object({
    agency: agencyCodeSchema.optional().describe('the agency that must act, or the one the alert reached'),
    kind: alertKindSchema.optional(),
    state: z.enum(['open', 'acknowledged', 'closed']).optional(),
    dossier: z.string().max(100).optional(),
    audience: z.enum(['supervisor', 'operator']).default('supervisor'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export type AlertListQuery = Partial<z.input<typeof alertListQuerySchema>>;

export const alertListSchema = z.object({
  items: z.array(alertViewSchema),
  nextCursor: z.string().nullable(),
});
export type AlertList = z.infer<typeof alertListSchema>;

export const alertSubscriptionBodySchema = z
  .object({
    agencyCode: agencyCodeSchema,
    kinds: z.array(z.enum(supervisorAlertKinds)).max(supervisorAlertKinds.length).default([]),
    channel: z.enum(['email', 'webhook']),
    target: z.string().min(3).max(500),
    includeSubtree: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    const ok =
      b.channel === 'email'
        ? z.email().safeParse(b.target).success
        : /^https?:\/\//.test(b.target) && z.url().safeParse(b.target).success;
    if (!ok) ctx.addIssue({ code: 'custom', path: ['target'], message: `not a valid ${b.channel} target` });
  });
export type AlertSubscriptionBody = z.input<typeof alertSubscriptionBodySchema>;

export const alertSubscriptionViewSchema = z.object({
  id: z.string(),
  agencyCode: z.string(),
  kinds: z.array(z.string()),
  channel: z.string(),
  target: z.string(),
  includeSubtree: z.boolean(),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
});
export type AlertSubscriptionView = z.infer<typeof alertSubscriptionViewSchema>;
