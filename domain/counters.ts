import { epochDayOf, isoDateOf } from './calendar/time';
import type { DossierEvent } from './events';
import type { DossierState } from './lifecycle';

/**
 * Counter buckets (README "Counters and rates"): one row per receiving agency × procedure × local
 * day (Asia/Ho_Chi_Minh) × backfilled, one column per counter. The projector adds the deltas of an
 * event in the same transaction as the event row, so a redelivered event (already stored) never
 * counts twice, and `motcua audit rebuild-counters` recomputes the same buckets from the log.
 *
 * Pure: from (state before, event, state after) to a list of bucket deltas.
 */
export const COUNTERS = [
  // Tiếp nhận, by receipt day.
  'receivedDirect',
  'receivedOnline',
  'receivedPostal',
  /** Received online for a fully-online procedure (dịch vụ công trực tuyến toàn trình). */
  'receivedOnlineFull',
  /** Received dossiers with ≥ 1 digitized component, counted once, on their receipt day. */
  'receivedDigitized',
  // Giải quyết: result ready, by completion day, classified per the dossier's pinned granularity.
  'resolvedEarly',
  'resolvedOnTime',
  'resolvedLate',
  // The same resolutions classified by day (a finish on the due day is on time).
  'resolvedByDayEarly',
  'resolvedByDayOnTime',
  'resolvedByDayLate',
  /** Resolved with an electronic result (by completion day). */
  'resolvedElectronic',
  /** Resolved whose result is electronic or was digitized (by completion day, counted once). */
  'resolvedResultDigitized',
  'returned',
  'rejected',
  'withdrawn',
  /** Dossiers that paid on that day (a dossier counts once per day). */
  'paid',
  /** Dossiers that paid online on that day (once per day). */
  'paidOnline',
  'rating1',
  'rating2',
  'rating3',
  'rating4',
  'rating5',
  /** Apologies issued (Mẫu 04), by issue day. */
  'apologies',
  'supplementRequests',
  /** Handoffs INTO the bucket's agency (per processing agency, liên thông). */
  'handoffsIn',
  /** Pending dossiers that passed their due instant (dossier.overdue), by that day. */
  'becameOverdue',
  /** Dossiers that left the pending stock (resolved, rejected, withdrawn) while overdue. */
  'closedOverdue',
  /** Processing steps completed BY the bucket's agency (the step's agency: per processing agency). */
  'stepsCompleted',
  /** Of those, steps completed after their own time budget (liên thông: each participant's share). */
  'stepsOverBudget',
] as const;
export type CounterName = (typeof COUNTERS)[number];
export type Counts = Record<CounterName, number>;

export const emptyCounts = (): Counts => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as unknown as Counts;

/** SQL column of a counter: `resolvedOnTime` → `resolved_on_time`, `rating1` → `rating_1`. */
export function counterColumn(name: CounterName): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/(\D)(\d)/g, '$1_$2');
}

export interface BucketKey {
  agencyCode: string;
  procedureCode: string;
  /** Local day YYYY-MM-DD (Asia/Ho_Chi_Minh). */
  day: string;
  /** The dossier was loaded through the admin backfill (counted apart, included by default). */
  backfilled: boolean;
}

export interface BucketDelta extends BucketKey {
  deltas: Partial<Counts>;
}

/** Facts not carried by older events: whether the procedure is fully online (looked up at receipt). */
export interface CounterContext {
  fullyOnline?: boolean;
}

/** Local day (Asia/Ho_Chi_Minh) of an instant, YYYY-MM-DD. */
export function localDay(instant: string): string {
  return isoDateOf(epochDayOf(Date.parse(instant)));
}

type Outcome = 'early' | 'on_time' | 'late';

/**
 * The by-day verdict: the pinned `outcomeByDay` when the event carries one; otherwise derived from
 * the local days of completion and the legal due instant (before the due day → early, on it → on
 * time, after → late).
 */
export function outcomeByDay(completedAt: string, originalDueAt: string, given?: unknown): Outcome {
  if (given === 'early' || given === 'on_time' || given === 'late') return given;
  const done = localDay(completedAt);
  const due = localDay(originalDueAt);
  return done < due ? 'early' : done === due ? 'on_time' : 'late';
}

/**
 * Whether a dossier came in through the admin backfill: the state's `backfilled` flag when the
 * state carries one (set from the backfilled `dossier.received`), else the event's own flag.
 */
export function isBackfilled(state: DossierState | undefined, event: DossierEvent): boolean {
  const flag = (x: unknown) => (x as { backfilled?: unknown } | undefined)?.backfilled === true;
  if (state && 'backfilled' in state) return flag(state);
  return flag(event);
}

const outcomeCounter: Record<Outcome, CounterName> = {
  early: 'resolvedEarly',
  on_time: 'resolvedOnTime',
  late: 'resolvedLate',
};
const byDayCounter: Record<Outcome, CounterName> = {
  early: 'resolvedByDayEarly',
  on_time: 'resolvedByDayOnTime',
  late: 'resolvedByDayLate',
};
const channelCounter = {
  direct: 'receivedDirect',
  online: 'receivedOnline',
  postal: 'receivedPostal',
} as const satisfies Record<string, CounterName>;

/**
 * What one event adds to the buckets. `prev` is the state before the event (undefined for
 * `dossier.received`), `next` the state after. Everything is keyed by the RECEIVING agency
 * (liên thông dossiers count for the desk that received them), except handoffs and completed steps,
 * which count for the agency the dossier was handed to / the agency that held the step.
 */
export function counterDeltas(
  prev: DossierState | undefined,
  event: DossierEvent,
  next: DossierState,
  ctx: CounterContext = {},
): BucketDelta[] {
  const backfilled = isBackfilled(next, event);
  const key = (day: string, agencyCode = next.agencyCode): BucketKey => ({
    agencyCode,
    procedureCode: next.procedureCode,
    day,
    backfilled,
  });
  const out: BucketDelta[] = [];
  const add = (k: BucketKey, deltas: Partial<Counts>) => {
    const existing = out.find(
      (d) => d.agencyCode === k.agencyCode && d.procedureCode === k.procedureCode && d.day === k.day,
    );
    if (!existing) {
      out.push({ ...k, deltas: { ...deltas } });
      return;
    }
    for (const [c, v] of Object.entries(deltas) as [CounterName, number][]) {
      existing.deltas[c] = (existing.deltas[c] ?? 0) + v;
    }
  };
  const eventDay = localDay(event.occurredAt);
  const wasOverdue = prev?.overdue === true;
  const receiptDay = localDay(next.receivedAt);

  switch (event.type) {
    case 'dossier.received': {
      const p = event.payload as typeof event.payload & { fullyOnline?: unknown };
      const deltas: Partial<Counts> = { [channelCounter[p.channel]]: 1 };
      const fullyOnline = typeof p.fullyOnline === 'boolean' ? p.fullyOnline : ctx.fullyOnline === true;
      if (p.channel === 'online' && fullyOnline) deltas.receivedOnlineFull = 1;
      add(key(localDay(p.receivedAt)), deltas);
      break;
    }
    case 'dossier.handed_off':
      add(key(eventDay, event.payload.toAgencyCode), { handoffsIn: 1 });
      break;
    case 'dossier.step_completed':
      // Per processing agency: the agency that held the step, whichever agency received the dossier.
      add(key(eventDay, event.payload.agencyCode), {
        stepsCompleted: 1,
        ...(event.payload.overBudget ? { stepsOverBudget: 1 } : {}),
      });
      break;
    case 'dossier.supplement_requested':
      add(key(eventDay), { supplementRequests: 1 });
      break;
    case 'dossier.apology_issued':
      add(key(eventDay), { apologies: 1 });
      break;
    case 'dossier.overdue':
      // Only a transition counts (a repeated timer on an already-overdue dossier adds nothing).
      if (!wasOverdue) add(key(eventDay), { becameOverdue: 1 });
      break;
    case 'dossier.result_ready': {
      const p = event.payload as typeof event.payload & { outcomeByDay?: unknown };
      const day = localDay(p.completedAt);
      const deltas: Partial<Counts> = {
        [outcomeCounter[p.outcome]]: 1,
        [byDayCounter[outcomeByDay(p.completedAt, p.originalDueAt, p.outcomeByDay)]]: 1,
      };
      if (p.resultKind === 'electronic') deltas.resolvedElectronic = 1;
      if (p.resultKind === 'electronic' || next.digitization.result) deltas.resolvedResultDigitized = 1;
      if (wasOverdue) deltas.closedOverdue = 1;
      add(key(day), deltas);
      break;
    }
    case 'dossier.result_returned':
      add(key(localDay(event.payload.returnedAt)), { returned: 1 });
      break;
    case 'dossier.rejected':
      add(key(eventDay), { rejected: 1, ...(wasOverdue ? { closedOverdue: 1 } : {}) });
      break;
    case 'dossier.withdrawn':
      add(key(eventDay), { withdrawn: 1, ...(wasOverdue ? { closedOverdue: 1 } : {}) });
      break;
    case 'dossier.digitized': {
      // A dossier counts once, when its first component is digitized, on its RECEIPT day.
      if ((prev?.digitization.components.length ?? 0) === 0 && next.digitization.components.length > 0) {
        add(key(receiptDay), { receivedDigitized: 1 });
      }
      // A result digitized after resolution counts once, on the completion day (unless electronic).
      const result = next.result;
      if (result && result.kind !== 'electronic' && next.digitization.result && !prev?.digitization.result) {
        add(key(localDay(result.readyAt)), { resolvedResultDigitized: 1 });
      }
      break;
    }
    case 'dossier.payment_recorded': {
      const paidBefore = (prev?.payments ?? []).filter((x) => localDay(x.at) === eventDay);
      const deltas: Partial<Counts> = {};
      if (paidBefore.length === 0) deltas.paid = 1;
      if (event.payload.online && !paidBefore.some((x) => x.online)) deltas.paidOnline = 1;
      if (Object.keys(deltas).length > 0) add(key(eventDay), deltas);
      break;
    }
    case 'dossier.rating_recorded': {
      const counter = `rating${event.payload.score}` as CounterName;
      add(key(eventDay), { [counter]: 1 });
      break;
    }
    default:
      break;
  }
  return out;
}
