import type { DossierEventType } from './events';

/*
 * The dossier event catalogue's schema check without zod, for the workflow: `Dossier.emit`
 * (workflows/outbox.ts) refuses an event that fails it before the event touches the state. It
 * accepts exactly what `dossierEventSchema` (domain/events.ts, zod) accepts — the same types,
 * formats, bounds and optional fields; unknown keys are ignored as zod objects ignore them —
 * and test/events/event-check.test.ts holds the two to that on every event of the committed
 * histories and thousands of mutations of them. A change to an event schema changes both.
 *
 * Why not zod itself: every new (or evicted) workflow evaluates the workflow bundle's modules
 * again, and zod plus the catalogue's schemas cost more CPU and memory per workflow than the rest
 * of the workflow code (bench/results/analysis.md, "Audit").
 */

export interface EventIssue {
  path: (string | number)[];
  message: string;
}

type Check = (value: unknown, path: (string | number)[], issues: EventIssue[]) => void;

const fail = (issues: EventIssue[], path: (string | number)[], message: string) => {
  issues.push({ path, message });
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const string =
  (opts: { min?: number; regex?: RegExp } = {}): Check =>
  (v, path, issues) => {
    if (typeof v !== 'string') return fail(issues, path, 'expected string');
    if (opts.min !== undefined && v.length < opts.min) fail(issues, path, `too short (min ${opts.min})`);
    if (opts.regex && !opts.regex.test(v)) fail(issues, path, 'invalid format');
  };

const number =
  (opts: { int?: boolean; min?: number; max?: number; positive?: boolean } = {}): Check =>
  (v, path, issues) => {
    // zod 4: finite numbers only; `.int()` means a safe integer.
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(issues, path, 'expected number');
    if (opts.int && !Number.isSafeInteger(v)) fail(issues, path, 'expected integer');
    if (opts.positive && !(v > 0)) fail(issues, path, 'must be positive');
    if (opts.min !== undefined && v < opts.min) fail(issues, path, `must be ≥ ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) fail(issues, path, `must be ≤ ${opts.max}`);
  };

const boolean: Check = (v, path, issues) => {
  if (typeof v !== 'boolean') fail(issues, path, 'expected boolean');
};

const literal =
  (expected: string | number | boolean): Check =>
  (v, path, issues) => {
    if (v !== expected) fail(issues, path, `expected ${JSON.stringify(expected)}`);
  };

const oneOf =
  (values: readonly string[]): Check =>
  (v, path, issues) => {
    if (typeof v !== 'string' || !values.includes(v))
      fail(issues, path, `expected one of ${values.join(', ')}`);
  };

const optional =
  (check: Check): Check =>
  (v, path, issues) => {
    if (v !== undefined) check(v, path, issues);
  };

const nullable =
  (check: Check): Check =>
  (v, path, issues) => {
    if (v !== null) check(v, path, issues);
  };

const array =
  (item: Check): Check =>
  (v, path, issues) => {
    if (!Array.isArray(v)) return fail(issues, path, 'expected array');
    for (let i = 0; i < v.length; i++) item(v[i], [...path, i], issues);
  };

const object =
  (shape: Record<string, Check>): Check =>
  (v, path, issues) => {
    if (!isRecord(v)) return fail(issues, path, 'expected object');
    for (const [key, check] of Object.entries(shape)) check(v[key], [...path, key], issues);
  };

// zod 4's `z.iso.datetime({ offset: true })`: a valid calendar date, seconds required, any
// fraction, `Z` or a ±hh:mm offset.
const date =
  '(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))';
const isoInstant = new RegExp(
  `^${date}T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$`,
);
const instant = string({ regex: isoInstant });
const text = string();
const nonEmpty = string({ min: 1 });
const count = number({ int: true, min: 0 });

// The same codes as domain/dossier.ts `dossierCodeSchema`.
const dossierCode = string({ regex: /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/ });
const channel = oneOf(['direct', 'online', 'postal']);
const outcome = oneOf(['early', 'on_time', 'late']);
const faultParty = oneOf(['desk', 'processing_agency', 'other_agency']);
const resultKind = oneOf(['electronic', 'paper']);
const granularity = oneOf(['instant', 'day']);

const actor = object({
  id: nonEmpty,
  name: optional(text),
  role: oneOf(['intake', 'officer', 'supervisor', 'auditor', 'admin', 'system']),
  agencyCode: nonEmpty,
});

const plannedStep = object({
  key: text,
  name: text,
  agencyCode: text,
  role: text,
  budgetWorkingHours: number({ positive: true }),
});

// domain/rulesets.ts `pinnedRulesSchema`.
const pinnedRules = object({
  deadline: object({
    amount: number({ positive: true }),
    unit: oneOf(['working_days', 'working_hours', 'calendar_days']),
    sameDayCutoff: optional(string({ regex: /^([01]\d|2[0-3]):[0-5]\d$/ })),
  }),
  procedureVersion: optional(number({ int: true, positive: true })),
  ruleSet: object({
    id: nonEmpty,
    name: nonEmpty,
    effectiveFrom: text,
    apologyForm: object({ id: text, title: text, circular: text }),
    classificationGranularity: granularity,
  }),
});

const payloads: Record<DossierEventType, Record<string, Check>> = {
  'dossier.received': {
    procedureCode: text,
    agencyCode: text,
    channel,
    applicantName: text,
    receivedAt: instant,
    dueAt: instant,
    warningAt: instant,
    calendarVersion: text,
    provisionalCalendar: optional(boolean),
    steps: optional(array(plannedStep)),
    rules: optional(pinnedRules),
    actor: optional(actor),
  },
  'dossier.handed_off': {
    fromStep: nullable(count),
    toStep: count,
    stepKey: text,
    fromAgencyCode: text,
    toAgencyCode: text,
    stepDueAt: instant,
    actor,
    note: optional(text),
  },
  'dossier.step_completed': {
    step: count,
    stepKey: text,
    agencyCode: text,
    overBudget: boolean,
    actor,
    note: optional(text),
  },
  'dossier.supplement_requested': { reason: text, items: array(text), actor },
  'dossier.supplement_received': {
    pausedFrom: instant,
    dueAt: instant,
    warningAt: instant,
    originalDueAt: optional(instant),
    stepDueAt: optional(instant),
    calendarVersion: optional(text),
    actor,
  },
  'dossier.delay_reported': { reason: text, proposedDueAt: instant, faultParty, actor },
  'dossier.apology_issued': {
    reason: text,
    faultParty,
    originalDueAt: instant,
    dueAt: instant,
    warningAt: instant,
    signedBy: optional(text),
    calendarVersion: optional(text),
    actor,
    letterId: optional(text),
  },
  'dossier.due_soon': {
    dueAt: instant,
    warningAt: instant,
    apologyIssued: boolean,
    agencyCode: optional(text),
  },
  'dossier.overdue': { dueAt: instant, apologyIssued: boolean, agencyCode: text, step: nullable(count) },
  'dossier.step_overdue': { step: count, stepKey: text, agencyCode: text, stepDueAt: instant },
  'dossier.result_ready': {
    resultKind,
    completedAt: instant,
    dueAt: instant,
    originalDueAt: instant,
    outcome,
    outcomeByInstant: optional(outcome),
    outcomeByDay: optional(outcome),
    granularity: optional(granularity),
    actor,
  },
  'dossier.result_returned': { returnedAt: instant, actor },
  'dossier.rejected': { reason: text, actor },
  'dossier.withdrawn': { reason: optional(text), actor },
  'dossier.digitized': { components: array(text), result: boolean, actor },
  'dossier.payment_recorded': {
    amountVnd: count,
    online: boolean,
    reference: optional(text),
    actor,
  },
  'dossier.rating_recorded': { score: number({ int: true, min: 1, max: 5 }), comment: optional(text), actor },
};

const envelope: Record<string, Check> = {
  id: nonEmpty,
  dossierCode,
  workflowId: nonEmpty,
  seq: number({ int: true, positive: true }),
  occurredAt: instant,
  recordedAt: optional(instant),
  backfilled: optional(literal(true)),
  version: literal(1),
};

const byType = new Map<string, Check>(
  Object.entries(payloads).map(([type, payload]) => [
    type,
    object({ ...envelope, payload: object(payload) }),
  ]),
);

/** What is wrong with `event` against the catalogue (empty when it is a valid dossier event). */
export function dossierEventIssues(event: unknown): EventIssue[] {
  const issues: EventIssue[] = [];
  if (!isRecord(event)) return [{ path: [], message: 'expected object' }];
  const check = typeof event.type === 'string' ? byType.get(event.type) : undefined;
  if (!check) return [{ path: ['type'], message: 'unknown event type' }];
  check(event, [], issues);
  return issues;
}
