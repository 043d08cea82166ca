import { z } from 'zod';
import { formatVietnamInstant } from '../../domain/calendar';
import {
  agencyCodeSchema,
  channelSchema,
  instantSchema,
  outcomeSchema,
  procedureCodeSchema,
} from '../../domain/dossier';
import { actorSchema, resultKindSchema } from '../../domain/events';
import type { DossierState, DossierStatus, TimelineEntry } from '../../domain/lifecycle';
import { pinnedRulesSchema } from '../../domain/rulesets';

/**
 * What the dossier API answers, as zod schemas: the routes validate their responses against them,
 * OpenAPI is generated from them and the typed client infers its types from them. Pure (zod and
 * domain only), so the client can import it without pulling in any server code.
 */

const vnInstant = z.string().describe('ISO 8601 instant in Vietnam time (+07:00)');

export const dossierStatusSchema = z.enum([
  'received',
  'processing',
  'waiting_supplement',
  'result_ready',
  'returned',
  'rejected',
  'withdrawn',
]);
// The enum must list exactly the lifecycle's statuses.
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusesMatch: SameSet<z.infer<typeof dossierStatusSchema>, DossierStatus> = true;
void statusesMatch;

export const errorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const stepViewSchema = z.object({
  index: z.number().int(),
  key: z.string(),
  name: z.string(),
  agencyCode: z.string(),
  role: z.string(),
  budgetWorkingHours: z.number(),
  startedAt: vnInstant.nullable(),
  stepDueAt: vnInstant.nullable(),
  completedAt: vnInstant.nullable(),
  overBudget: z.boolean(),
});

/** `GET /v1/dossiers/{code}/applicant`: the applicant as given at intake (null: not given). */
export const applicantViewSchema = z.object({
  code: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  idNumber: z.string().nullable(),
});

/** A dossier in full (without its timeline, served at /timeline). */
export const dossierViewSchema = z.object({
  code: z.string(),
  workflowId: z.string(),
  procedureCode: z.string(),
  /** Receiving agency (one-stop desk). */
  agencyCode: z.string(),
  channel: channelSchema,
  applicantName: z.string(),
  status: dossierStatusSchema,
  receivedAt: vnInstant,
  /** Current appointment (after an apology: the new one). */
  dueAt: vnInstant.nullable(),
  /** Legal due before any extension; the outcome is classified against it. */
  originalDueAt: vnInstant.nullable(),
  /** Apology deadline: 1 working day before the due instant. */
  warningAt: vnInstant.nullable(),
  calendarVersion: z.string().nullable(),
  provisionalCalendar: z.boolean(),
  currentStep: z.number().int().nullable(),
  currentAgencyCode: z.string().nullable(),
  participants: z.array(z.string()),
  steps: z.array(stepViewSchema),
  /** Set while the legal clock is stopped for a supplement (Mẫu 02). */
  pausedAt: vnInstant.nullable(),
  pauses: z.array(z.object({ start: vnInstant, end: vnInstant })),
  supplementRequests: z.number().int(),
  dueSoon: z.boolean(),
  overdue: z.boolean(),
  delayReports: z.array(
    z.object({ at: vnInstant, reason: z.string(), proposedDueAt: vnInstant, faultParty: z.string() }),
  ),
  apology: z
    .object({
      at: vnInstant,
      reason: z.string(),
      faultParty: z.string(),
      newDueAt: vnInstant,
      signedBy: z.string().nullable(),
    })
    .nullable(),
  /** When the result was ready (the classified resolution instant). */
  completedAt: vnInstant.nullable(),
  outcome: outcomeSchema.nullable(),
  /** Both verdicts (classification granularity `instant` and `day`); `outcome` is the one that counts. */
  outcomeByInstant: outcomeSchema.nullable(),
  outcomeByDay: outcomeSchema.nullable(),
  resultKind: resultKindSchema.nullable(),
  returnedAt: vnInstant.nullable(),
  /** Deadline, unit, cut-off, procedure version and rule-set pinned at receipt (null: received before pinning). */
  rules: pinnedRulesSchema.nullable(),
  rejection: z.object({ at: vnInstant, reason: z.string() }).nullable(),
  withdrawal: z.object({ at: vnInstant, reason: z.string().nullable() }).nullable(),
  digitization: z.object({ components: z.array(z.string()), result: z.boolean() }),
  payments: z.array(
    z.object({
      amountVnd: z.number().int(),
      online: z.boolean(),
      reference: z.string().nullable(),
      at: vnInstant,
    }),
  ),
  rating: z.object({ score: z.number().int(), comment: z.string().nullable(), at: vnInstant }).nullable(),
  /** Migrated from an older system through the admin backfill (POST /v1/admin/backfill). */
  backfilled: z.boolean(),
  lastSeq: z.number().int(),
});
export type DossierView = z.infer<typeof dossierViewSchema>;

/** One row of a list: the read-model columns, no nested state. */
export const dossierSummarySchema = z.object({
  code: z.string(),
  procedureCode: z.string(),
  agencyCode: z.string(),
  currentAgencyCode: z.string().nullable(),
  currentStep: z.number().int().nullable(),
  participants: z.array(z.string()),
  channel: z.string(),
  applicantName: z.string(),
  status: z.string(),
  receivedAt: vnInstant,
  dueAt: vnInstant,
  originalDueAt: vnInstant.nullable(),
  pausedAt: vnInstant.nullable(),
  dueSoon: z.boolean(),
  overdue: z.boolean(),
  apologyIssuedAt: vnInstant.nullable(),
  completedAt: vnInstant.nullable(),
  outcome: z.string().nullable(),
  resultKind: z.string().nullable(),
  returnedAt: vnInstant.nullable(),
  backfilled: z.boolean(),
  lastSeq: z.number().int(),
});
export type DossierSummary = z.infer<typeof dossierSummarySchema>;

const booleanParam = z.enum(['true', 'false']).transform((v) => v === 'true');
const repeatable = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const MAX_PAGE_SIZE = 200;

/**
 * GET /v1/dossiers. Newest receipt first; keyset pagination: pass `nextCursor` back as `cursor`
 * until it is null. Filters combine with AND; `status` may repeat (any of them).
 */
export const dossierListQuerySchema = z
  .object({
    agency: agencyCodeSchema
      .optional()
      .describe('receiving agency, agency holding it now, or a participating agency (liên thông)'),
    status: repeatable(dossierStatusSchema).optional().describe('repeatable: any of these statuses'),
    overdue: booleanParam
      .optional()
      .describe('pending (received, processing, waiting for a supplement) and past its due instant'),
    wasLate: booleanParam
      .optional()
      .describe('went past its due instant at some point: overdue now, or finished late (stays true)'),
    dueSoon: booleanParam
      .optional()
      .describe('pending, warned (one working day before due) and not overdue yet'),
    procedure: procedureCodeSchema.optional(),
    paused: booleanParam
      .optional()
      .describe('true: the legal clock is stopped for a supplement; false: the clock runs'),
    sort: z
      .enum(['received', 'due'])
      .default('received')
      .describe('received: newest receipt first (default); due: most urgent first (earliest due instant)'),
    backfilled: booleanParam
      .optional()
      .describe('true: only dossiers migrated by the admin backfill; false: only live ones'),
    receivedFrom: instantSchema
      .optional()
      .describe('received at or after this instant (ISO 8601 with offset)'),
    receivedTo: instantSchema.optional().describe('received before this instant (exclusive)'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(50)
      .describe(`page size, 1–${MAX_PAGE_SIZE}`),
    cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
  })
  .strict();
/** The list filters once parsed (what the route sees). */
export type DossierListFilters = z.output<typeof dossierListQuerySchema>;
/** The list filters as a caller gives them (the typed client turns them into the query string). */
export type DossierListQuery = Partial<Omit<DossierListFilters, 'status' | 'sort'>> & {
  sort?: 'received' | 'due';
  status?: z.infer<typeof dossierStatusSchema> | z.infer<typeof dossierStatusSchema>[];
};

export const dossierListSchema = z.object({
  items: z.array(dossierSummarySchema),
  /** Null on the last page. */
  nextCursor: z.string().nullable(),
});
export type DossierList = z.infer<typeof dossierListSchema>;

/** One line of Mẫu 05 (phiếu kiểm soát quá trình giải quyết hồ sơ). */
export const timelineEntryViewSchema = z.object({
  seq: z.number().int(),
  at: vnInstant,
  type: z.string(),
  status: dossierStatusSchema,
  actor: actorSchema.nullable(),
  agencyCode: z.string(),
  step: z.number().int().nullable(),
  note: z.string().nullable(),
});

export const timelineSchema = z.object({
  code: z.string(),
  /** `workflow`: live from Temporal; `read_model`: the projected state (workflow unreachable or gone). */
  source: z.enum(['workflow', 'read_model']),
  entries: z.array(timelineEntryViewSchema),
});
export type Timeline = z.infer<typeof timelineSchema>;

/** A stored event exactly as hash-chained: hash = sha256(prevHash ‖ canonical JSON of `event`). */
export const storedEventSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  version: z.number().int(),
  occurredAt: vnInstant,
  event: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
  streamSeq: z.string().describe('JetStream sequence of the message'),
  recordedAt: vnInstant,
});

export const eventLogSchema = z.object({
  code: z.string(),
  events: z.array(storedEventSchema),
});
export type EventLog = z.infer<typeof eventLogSchema>;

const vn = (iso: string | Date | null | undefined): string | null =>
  iso ? formatVietnamInstant(new Date(iso)) : null;
const vnRequired = (iso: string | Date): string => formatVietnamInstant(new Date(iso));

/** The view of a dossier state (from an Update result, a Query or the read model's `state`). */
export function viewOfState(s: DossierState): DossierView {
  return {
    code: s.code,
    workflowId: s.workflowId,
    procedureCode: s.procedureCode,
    agencyCode: s.agencyCode,
    channel: s.channel,
    applicantName: s.applicantName,
    status: s.status,
    receivedAt: vnRequired(s.receivedAt),
    dueAt: vn(s.dueAt),
    originalDueAt: vn(s.originalDueAt ?? s.dueAt),
    warningAt: vn(s.warningAt),
    calendarVersion: s.calendarVersion || null,
    provisionalCalendar: Boolean(s.provisionalCalendar),
    currentStep: s.currentStep ?? null,
    currentAgencyCode: s.currentAgencyCode || null,
    participants: [...(s.participants ?? [])],
    steps: (s.steps ?? []).map((step) => ({
      index: step.index,
      key: step.key,
      name: step.name,
      agencyCode: step.agencyCode,
      role: step.role,
      budgetWorkingHours: step.budgetWorkingHours,
      startedAt: vn(step.startedAt),
      stepDueAt: vn(step.stepDueAt),
      completedAt: vn(step.completedAt),
      overBudget: Boolean(step.overBudget || step.overBudgetBefore),
    })),
    pausedAt: vn(s.pausedAt),
    pauses: (s.pauses ?? []).map((p) => ({ start: vnRequired(p.start), end: vnRequired(p.end) })),
    supplementRequests: s.supplementRequests ?? 0,
    dueSoon: Boolean(s.dueSoon),
    overdue: Boolean(s.overdue),
    delayReports: (s.delayReports ?? []).map((d) => ({
      at: vnRequired(d.at),
      reason: d.reason,
      proposedDueAt: vnRequired(d.proposedDueAt),
      faultParty: d.faultParty,
    })),
    apology: s.apology
      ? {
          at: vnRequired(s.apology.at),
          reason: s.apology.reason,
          faultParty: s.apology.faultParty,
          newDueAt: vnRequired(s.apology.newDueAt),
          signedBy: s.apology.signedBy ?? null,
        }
      : null,
    completedAt: vn(s.result?.readyAt),
    outcome: s.result?.outcome ?? null,
    outcomeByInstant: s.result?.outcomeByInstant ?? null,
    outcomeByDay: s.result?.outcomeByDay ?? null,
    resultKind: s.result?.kind ?? null,
    returnedAt: vn(s.returnedAt),
    rules: s.rules ?? null,
    rejection: s.rejection ? { at: vnRequired(s.rejection.at), reason: s.rejection.reason } : null,
    withdrawal: s.withdrawal
      ? { at: vnRequired(s.withdrawal.at), reason: s.withdrawal.reason ?? null }
      : null,
    digitization: {
      components: [...(s.digitization?.components ?? [])],
      result: Boolean(s.digitization?.result),
    },
    payments: (s.payments ?? []).map((p) => ({
      amountVnd: p.amountVnd,
      online: p.online,
      reference: p.reference ?? null,
      at: vnRequired(p.at),
    })),
    rating: s.rating
      ? { score: s.rating.score, comment: s.rating.comment ?? null, at: vnRequired(s.rating.at) }
      : null,
    backfilled: s.backfilled === true,
    lastSeq: s.lastSeq,
  };
}

export function timelineEntryView(e: TimelineEntry) {
  return {
    seq: e.seq,
    at: vnRequired(e.at),
    type: e.type,
    status: e.status,
    actor: e.actor ?? null,
    agencyCode: e.agencyCode,
    step: e.step ?? null,
    note: e.note ?? null,
  };
}

/** Read-model row columns as a list item. */
export function summaryOfRow(d: {
  code: string;
  procedureCode: string;
  agencyCode: string;
  currentAgencyCode: string | null;
  currentStep: number | null;
  participants: string[];
  channel: string;
  applicantName: string;
  status: string;
  receivedAt: Date;
  dueAt: Date;
  originalDueAt: Date | null;
  pausedAt: Date | null;
  dueSoon: boolean;
  overdue: boolean;
  apologyIssuedAt: Date | null;
  completedAt: Date | null;
  outcome: string | null;
  resultKind: string | null;
  returnedAt: Date | null;
  backfilled?: boolean;
  lastSeq: number;
}): DossierSummary {
  return {
    code: d.code,
    procedureCode: d.procedureCode,
    agencyCode: d.agencyCode,
    currentAgencyCode: d.currentAgencyCode,
    currentStep: d.currentStep,
    participants: d.participants,
    channel: d.channel,
    applicantName: d.applicantName,
    status: d.status,
    receivedAt: vnRequired(d.receivedAt),
    dueAt: vnRequired(d.dueAt),
    originalDueAt: vn(d.originalDueAt),
    pausedAt: vn(d.pausedAt),
    dueSoon: d.dueSoon,
    overdue: d.overdue,
    apologyIssuedAt: vn(d.apologyIssuedAt),
    completedAt: vn(d.completedAt),
    outcome: d.outcome,
    resultKind: d.resultKind,
    returnedAt: vn(d.returnedAt),
    backfilled: d.backfilled ?? false,
    lastSeq: d.lastSeq,
  };
}

export { vn as vietnamInstantOrNull };
