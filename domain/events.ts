import { z } from 'zod';
import { channelSchema, dossierCodeSchema, outcomeSchema } from './dossier';
import { classificationGranularities, pinnedRulesSchema } from './rulesets';

/**
 * The dossier event catalogue (README "Event catalogue"). Every event is published on the subject
 * `dossier.<receiving agency>.<kind>` (`subjectFor`), with `Nats-Msg-Id = <dossier code>:<seq>`.
 * Versions are per type; a new payload shape is a new version, old ones stay readable.
 */
export const DOSSIER_SUBJECT_PREFIX = 'dossier';

const instant = z.iso.datetime({ offset: true });

const envelope = {
  id: z.string().min(1),
  dossierCode: dossierCodeSchema,
  workflowId: z.string().min(1),
  seq: z.number().int().positive(),
  occurredAt: instant,
  /** The workflow's own time when it recorded the event (absent on events recorded before it existed). */
  recordedAt: instant.optional(),
  /** Recorded by the admin backfill of a dossier migrated from an older system. */
  backfilled: z.literal(true).optional(),
};

/** Who did it and for which agency: every transition carries both (Mẫu 05: phiếu kiểm soát). */
export const actorSchema = z.object({
  /** API key id, officer id or `system` for timers. */
  id: z.string().min(1),
  name: z.string().optional(),
  role: z.enum(['intake', 'officer', 'supervisor', 'auditor', 'admin', 'system']),
  agencyCode: z.string().min(1),
});
export type Actor = z.infer<typeof actorSchema>;

/** Who caused a delay; the apology is signed by that side (desk → centre director). */
export const faultPartySchema = z.enum(['desk', 'processing_agency', 'other_agency']);
export const resultKindSchema = z.enum(['electronic', 'paper']);

/** A processing step as planned by the procedure (agency resolved at receipt). */
export const plannedStepSchema = z.object({
  key: z.string(),
  name: z.string(),
  agencyCode: z.string(),
  role: z.string(),
  budgetWorkingHours: z.number().positive(),
});
export type PlannedStep = z.infer<typeof plannedStepSchema>;

const event = <T extends string, P extends z.ZodRawShape>(type: T, payload: P) =>
  z.object({ ...envelope, type: z.literal(type), version: z.literal(1), payload: z.object(payload) });

// Tiếp nhận (Mẫu 01: giấy tiếp nhận hồ sơ và hẹn trả kết quả).
export const dossierReceivedV1 = event('dossier.received', {
  procedureCode: z.string(),
  agencyCode: z.string(),
  channel: channelSchema,
  applicantName: z.string(),
  receivedAt: instant,
  dueAt: instant,
  warningAt: instant,
  calendarVersion: z.string(),
  /** The due instant falls in a year without an official schedule (computed from the rules). */
  provisionalCalendar: z.boolean().optional(),
  steps: z.array(plannedStepSchema).default([]),
  /**
   * Rules pinned at receipt (deadline and unit, same-day cut-off, procedure version, legal
   * rule-set and classification granularity); every later recomputation uses them. Absent on
   * dossiers received before pinning: those fall back to the catalogue version of their receipt.
   */
  rules: pinnedRulesSchema.optional(),
  actor: actorSchema.optional(),
});

// Chuyển xử lý: the dossier moves to a step (and possibly another agency: liên thông).
export const dossierHandedOffV1 = event('dossier.handed_off', {
  fromStep: z.number().int().nonnegative().nullable(),
  toStep: z.number().int().nonnegative(),
  stepKey: z.string(),
  fromAgencyCode: z.string(),
  toAgencyCode: z.string(),
  /** Step budget as an instant (working hours from the handoff on the agency's calendar). */
  stepDueAt: instant,
  actor: actorSchema,
  note: z.string().optional(),
});

export const dossierStepCompletedV1 = event('dossier.step_completed', {
  step: z.number().int().nonnegative(),
  stepKey: z.string(),
  agencyCode: z.string(),
  overBudget: z.boolean(),
  actor: actorSchema,
  note: z.string().optional(),
});

// Mẫu 02: phiếu yêu cầu bổ sung, hoàn thiện hồ sơ. The legal clock stops.
export const dossierSupplementRequestedV1 = event('dossier.supplement_requested', {
  reason: z.string(),
  items: z.array(z.string()),
  actor: actorSchema,
});

// The clock resumes with the time not yet used.
export const dossierSupplementReceivedV1 = event('dossier.supplement_received', {
  pausedFrom: instant,
  dueAt: instant,
  warningAt: instant,
  /** The legal due instant (before any extension) moved by the pause, when an extension applies. */
  originalDueAt: instant.optional(),
  /** The open step's budget, moved by the pause. */
  stepDueAt: instant.optional(),
  /** Calendar version the resumed clock was computed with (the one in force at resumption). */
  calendarVersion: z.string().optional(),
  actor: actorSchema,
});

export const dossierDelayReportedV1 = event('dossier.delay_reported', {
  reason: z.string(),
  proposedDueAt: instant,
  faultParty: faultPartySchema,
  actor: actorSchema,
});

// Mẫu 04: phiếu xin lỗi và hẹn lại ngày trả kết quả (once only; lateness stays counted).
export const dossierApologyIssuedV1 = event('dossier.apology_issued', {
  reason: z.string(),
  faultParty: faultPartySchema,
  originalDueAt: instant,
  dueAt: instant,
  warningAt: instant,
  signedBy: z.string().optional(),
  calendarVersion: z.string().optional(),
  actor: actorSchema,
  /** The letter (services/letters) that carries this apology; absent for the bare action. */
  letterId: z.string().optional(),
});

// Timers: the apology deadline, the due instant, a step budget.
export const dossierDueSoonV1 = event('dossier.due_soon', {
  dueAt: instant,
  warningAt: instant,
  apologyIssued: z.boolean(),
  /** The agency holding the dossier when the warning fired (the one that must apologise). */
  agencyCode: z.string().optional(),
});
export const dossierOverdueV1 = event('dossier.overdue', {
  dueAt: instant,
  apologyIssued: z.boolean(),
  agencyCode: z.string(),
  step: z.number().int().nonnegative().nullable(),
});
export const dossierStepOverdueV1 = event('dossier.step_overdue', {
  step: z.number().int().nonnegative(),
  stepKey: z.string(),
  agencyCode: z.string(),
  stepDueAt: instant,
});

// Kết quả: classification happens here, against the original legal due instant.
export const dossierResultReadyV1 = event('dossier.result_ready', {
  resultKind: resultKindSchema,
  completedAt: instant,
  dueAt: instant,
  originalDueAt: instant,
  /** The verdict that counts (by the dossier's pinned classification granularity). */
  outcome: outcomeSchema,
  /** Both verdicts, so a province can reconcile with reports made by the other rule. */
  outcomeByInstant: outcomeSchema.optional(),
  outcomeByDay: outcomeSchema.optional(),
  granularity: z.enum(classificationGranularities).optional(),
  actor: actorSchema,
});

// Trả kết quả.
export const dossierResultReturnedV1 = event('dossier.result_returned', {
  returnedAt: instant,
  actor: actorSchema,
});

// Mẫu 03: phiếu từ chối tiếp nhận, giải quyết hồ sơ.
export const dossierRejectedV1 = event('dossier.rejected', {
  reason: z.string(),
  actor: actorSchema,
});

// Rút hồ sơ, at the applicant's request.
export const dossierWithdrawnV1 = event('dossier.withdrawn', {
  reason: z.string().optional(),
  actor: actorSchema,
});

// Số hóa: components of the dossier and/or its result digitized.
export const dossierDigitizedV1 = event('dossier.digitized', {
  components: z.array(z.string()),
  result: z.boolean(),
  actor: actorSchema,
});

export const dossierPaymentRecordedV1 = event('dossier.payment_recorded', {
  amountVnd: z.number().int().nonnegative(),
  online: z.boolean(),
  reference: z.string().optional(),
  actor: actorSchema,
});

// Mức độ hài lòng: 1 (rất không hài lòng) … 5 (rất hài lòng).
export const dossierRatingRecordedV1 = event('dossier.rating_recorded', {
  score: z.number().int().min(1).max(5),
  comment: z.string().optional(),
  actor: actorSchema,
});

export const dossierEventSchema = z.discriminatedUnion('type', [
  dossierReceivedV1,
  dossierHandedOffV1,
  dossierStepCompletedV1,
  dossierSupplementRequestedV1,
  dossierSupplementReceivedV1,
  dossierDelayReportedV1,
  dossierApologyIssuedV1,
  dossierDueSoonV1,
  dossierOverdueV1,
  dossierStepOverdueV1,
  dossierResultReadyV1,
  dossierResultReturnedV1,
  dossierRejectedV1,
  dossierWithdrawnV1,
  dossierDigitizedV1,
  dossierPaymentRecordedV1,
  dossierRatingRecordedV1,
]);
export type DossierEvent = z.infer<typeof dossierEventSchema>;
export type DossierEventType = DossierEvent['type'];
export type DossierEventOf<T extends DossierEventType> = Extract<DossierEvent, { type: T }>;

/** What the workflow decides; the envelope (id, seq, version, codes) is added when emitting. */
export type DossierEventBody = {
  [T in DossierEventType]: Pick<DossierEventOf<T>, 'type' | 'occurredAt' | 'payload'>;
}[DossierEventType];

/** A decided event, before its envelope (zod-free module: actions and workflows import it). */
export { eventBody } from './event-body';

/**
 * Subject of an event: `dossier.<receiving agency>.<kind>`, e.g. `dossier.X-AN-BINH.received`, so a
 * consumer can subscribe to one agency (`dossier.X-AN-BINH.>`) or one kind (`dossier.*.overdue`).
 * Without the agency (events published before subjects carried it) the subject is the legacy
 * `dossier.<kind>`; consumers of `dossier.>` read both.
 */
export function subjectFor(event: Pick<DossierEvent, 'type'>, receivingAgencyCode?: string): string {
  const kind = event.type.slice(DOSSIER_SUBJECT_PREFIX.length + 1);
  if (receivingAgencyCode === undefined) return event.type;
  return `${DOSSIER_SUBJECT_PREFIX}.${subjectToken(receivingAgencyCode)}.${kind}`;
}

/**
 * Subject an event is published on since partitioning: `dossier.<receiving agency>.<kind>.<partition>`
 * (domain/partitions.ts `partitionOf` of the dossier code). The partition is the last token, so
 * `dossier.<agency>.>` still selects one agency and `dossier.*.*.<p>` one partition.
 */
export function partitionedSubjectFor(
  event: Pick<DossierEvent, 'type'>,
  receivingAgencyCode: string,
  partition: number,
): string {
  if (!Number.isInteger(partition) || partition < 0) throw new Error(`not a partition: ${partition}`);
  return `${subjectFor(event, receivingAgencyCode)}.${partition}`;
}

/** The subjects of one receiving agency's events (legacy subjects carry no agency). */
export function agencySubjects(receivingAgencyCode: string): string {
  return `${DOSSIER_SUBJECT_PREFIX}.${subjectToken(receivingAgencyCode)}.>`;
}

/**
 * A code as one NATS subject token. Agency and dossier codes are letters, digits, `_`, `-` and `.`
 * (official agency codes look like `000.00.20.H47`); a `.` separates tokens, so it becomes `~`,
 * a character codes never contain: the mapping is reversible and two codes never share a token.
 */
export function subjectToken(code: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(code)) throw new Error(`not a code usable in a subject: ${code}`);
  return code.replaceAll('.', '~');
}

/**
 * The receiving agency a subject names (`dossier.<agency>.<kind>` or, partitioned,
 * `dossier.<agency>.<kind>.<partition>`), or undefined for a legacy `dossier.<kind>` subject.
 */
export function agencyOfSubject(subject: string): string | undefined {
  const tokens = subject.split('.');
  return (tokens.length === 3 || tokens.length === 4) && tokens[0] === DOSSIER_SUBJECT_PREFIX
    ? tokens[1]!.replaceAll('~', '.')
    : undefined;
}
