/**
 * Classification of a completion against its due instant (trước hạn / đúng hạn / quá hạn). Pure
 * arithmetic on instants in Vietnam time: no calendar, no data, no schemas, so workflow code imports
 * this module without pulling the calendar package and its official schedules into the bundle.
 */
import { CalendarError } from './errors';
import { DAY_MS, VN_OFFSET_MS } from './time';
import type { ClassificationGranularity, Outcome } from './types';

function instantMs(d: unknown, what: string): number {
  if (!(d instanceof Date)) throw new CalendarError('INVALID_INSTANT', `${what} must be a Date`);
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new CalendarError('INVALID_INSTANT', `${what} is an invalid Date`);
  return t;
}

/**
 * early: completed on a local calendar day before the due day; on_time: on the due day and
 * not after the due instant; late: after the due instant.
 */
export function classify(due: Date, completed: Date): Outcome {
  const d = instantMs(due, 'due');
  const c = instantMs(completed, 'completed');
  if (c > d) return 'late';
  const dueDay = Math.floor((d + VN_OFFSET_MS) / DAY_MS);
  const doneDay = Math.floor((c + VN_OFFSET_MS) / DAY_MS);
  return doneDay < dueDay ? 'early' : 'on_time';
}

/** day: a completion on the due day (local) is on time, whatever the hour; only a later day is late. */
export function classifyByDay(due: Date, completed: Date): Outcome {
  const dueDay = Math.floor((instantMs(due, 'due') + VN_OFFSET_MS) / DAY_MS);
  const doneDay = Math.floor((instantMs(completed, 'completed') + VN_OFFSET_MS) / DAY_MS);
  return doneDay < dueDay ? 'early' : doneDay === dueDay ? 'on_time' : 'late';
}

export interface CompletionVerdicts {
  /** The verdict that counts: by the granularity pinned in the dossier's rule-set. */
  outcome: Outcome;
  /** Today's rule (`classify`): late after the due instant. */
  outcomeByInstant: Outcome;
  /** Many provincial systems' rule: late only on a later day. */
  outcomeByDay: Outcome;
}

/**
 * Both verdicts of a completion against the legal (original) due instant, and the one the
 * dossier's granularity counts. Lateness is monotonic: once the overdue alarm fired, the instant
 * verdict is late, and no verdict is early.
 */
export function classifyCompletion(input: {
  originalDueAt: Date;
  completedAt: Date;
  granularity: ClassificationGranularity;
  overdueFired: boolean;
}): CompletionVerdicts {
  const byInstant = input.overdueFired ? 'late' : classify(input.originalDueAt, input.completedAt);
  let byDay = classifyByDay(input.originalDueAt, input.completedAt);
  if (input.overdueFired && byDay === 'early') byDay = 'on_time';
  return {
    outcome: input.granularity === 'day' ? byDay : byInstant,
    outcomeByInstant: byInstant,
    outcomeByDay: byDay,
  };
}
