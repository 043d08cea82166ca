import {
  computeDue,
  type DueRequest,
  type DueResult,
  extendDue,
  type Pause,
  type WorkingCalendar,
  workingMinutesPerDay,
  workingMsBetween,
} from './calendar';
import type { Deadline, PinnedRules } from './rulesets';

/**
 * The one place a due request is built from a procedure's deadline: the activities (receipt,
 * supplement, impact of a calendar), `GET /v1/calendar/due` and `motcua calendar due` all call
 * it, so the same-day cut-off and the unit are never forgotten.
 */

/** A catalogue procedure's deadline columns (exactly one of the three amounts is set). */
export interface ProcedureDeadlineColumns {
  deadlineWorkingDays: number | null;
  deadlineWorkingHours: number | null;
  deadlineCalendarDays?: number | null;
  sameDayCutoff: string | null;
}

export function deadlineOf(p: ProcedureDeadlineColumns): Deadline {
  const cutoff = p.sameDayCutoff === null ? {} : { sameDayCutoff: p.sameDayCutoff };
  if (p.deadlineWorkingHours !== null)
    return { amount: p.deadlineWorkingHours, unit: 'working_hours', ...cutoff };
  if (p.deadlineCalendarDays !== undefined && p.deadlineCalendarDays !== null)
    return { amount: p.deadlineCalendarDays, unit: 'calendar_days', ...cutoff };
  return { amount: p.deadlineWorkingDays ?? 0, unit: 'working_days', ...cutoff };
}

export function buildDueRequest(
  deadline: Deadline,
  received: Date,
  opts: { pauses?: Pause[]; warningWorkingMinutes?: number } = {},
): DueRequest {
  const req: DueRequest = { received };
  if (deadline.unit === 'working_days') req.workingDays = deadline.amount;
  else if (deadline.unit === 'working_hours') req.workingHours = deadline.amount;
  else req.calendarDays = deadline.amount;
  if (deadline.sameDayCutoff !== undefined) req.sameDayCutoff = deadline.sameDayCutoff;
  if (opts.pauses && opts.pauses.length > 0) req.pauses = opts.pauses;
  if (opts.warningWorkingMinutes !== undefined) req.warningWorkingMinutes = opts.warningWorkingMinutes;
  return req;
}

/**
 * The deadline in working hours, for step budgets: one working day = the office's working
 * minutes per day (`workingMinutesPerDay`, 8 h by default). A calendar-day deadline is counted
 * as that many working days (an upper bound).
 */
export function deadlineWorkingHours(deadline: Deadline, minutesPerDay = workingMinutesPerDay()): number {
  return deadline.unit === 'working_hours' ? deadline.amount : (deadline.amount * minutesPerDay) / 60;
}

const HOUR_MS = 3_600_000;

export interface ClockInput {
  deadline: Deadline;
  receivedAt: Date;
  /** Every supplement pause so far. */
  pauses: Pause[];
  /** The appointment moved once (Mẫu 04): the extension keeps its working-time length. */
  extension?: { originalDueAt: Date; dueAt: Date };
}

export interface Clock extends DueResult {
  /** The legal due instant before the extension (= due without one). */
  originalDue: Date;
}

/**
 * The due instant of a dossier recomputed from receipt with every pause (supplement received,
 * impact of a new calendar); an extension already granted keeps its working-time length after
 * the (moved) legal due instant.
 */
export function recomputeClock(calendar: WorkingCalendar, input: ClockInput): Clock {
  const legal = computeDue(
    calendar,
    buildDueRequest(input.deadline, input.receivedAt, { pauses: input.pauses }),
  );
  if (!input.extension) return { ...legal, originalDue: legal.due };
  const { originalDueAt, dueAt } = input.extension;
  const extensionMs = workingMsBetween(calendar, originalDueAt, dueAt);
  const moved =
    extensionMs > 0
      ? computeDue(calendar, {
          received: legal.due,
          workingHours: extensionMs / HOUR_MS,
          pauses: input.pauses,
          warningWorkingMinutes: 0,
        }).due
      : new Date(Math.max(dueAt.getTime(), legal.due.getTime() + 1));
  const extended = extendDue(calendar, legal, { newDue: moved });
  return {
    due: extended.due,
    warning: extended.warning,
    calendarVersion: extended.calendarVersion,
    provisional: extended.provisional,
    originalDue: legal.due,
  };
}

// The legal-time activities' inputs and answers (activities/deadlines.ts implements them; actions
// ask them through `DeadlinePort` in domain/actions/common.ts).

export interface PauseInstants {
  start: string;
  end: string;
}

export interface ResumeClockInput {
  procedureCode: string;
  agencyCode: string;
  receivedAt: string;
  /** Every supplement pause so far, the one just ended included. */
  pauses: PauseInstants[];
  /** The appointment moved once (Mẫu 04): the extension keeps its working-time length. */
  extension?: { originalDueAt: string; dueAt: string };
  /** The rules pinned at receipt; without them (older dossiers) the catalogue version of the receipt. */
  rules?: PinnedRules;
}

export interface ResumedClock {
  dueAt: string;
  warningAt: string;
  calendarVersion: string;
  provisional: boolean;
  /** The legal due instant before the extension (= dueAt without one). */
  originalDueAt: string;
}

export interface ExtendDueInput {
  agencyCode: string;
  dueAt: string;
  warningAt: string;
  calendarVersion: string;
  provisional: boolean;
  newDueAt: string;
}

export interface StepDueInput {
  agencyCode: string;
  /** When the agency received the dossier (handoff instant). */
  from: string;
  budgetWorkingHours: number;
  /** Supplement pauses also stop the step budget. */
  pauses?: PauseInstants[];
}

/** The legal-time questions an action's decision may ask (workflow proxies, or the functions). */
export interface DeadlinePort {
  stepDueInstant(input: StepDueInput): Promise<string>;
  resumeClock(input: ResumeClockInput): Promise<ResumedClock>;
  extendDueInstant(input: ExtendDueInput): Promise<ResumedClock>;
}
