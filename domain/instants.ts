import type { DossierState } from './lifecycle';
import { TransitionRejected } from './refusals';

/**
 * Instants the system accepts, and when a caller's instant counts. Pure: the API, the workflow's
 * Update validators and the backfill dry run apply the same rules.
 *
 * - Every instant lies in the calendar's range (years 1900–2199, Vietnam time), so the legal-time
 *   engine can always compute with it: `instant_out_of_range` otherwise.
 * - A live action happens when the workflow receives it. A caller's `at` is accepted only within a
 *   tolerance of that instant (desk queues of a few minutes), never before the dossier's last event;
 *   lateness is judged at the later of the two, so backdating cannot make a dossier early.
 */

/** First and last instants of the calendar's range: 1900-01-01 00:00 and 2200-01-01 00:00 (+07:00). */
export const EARLIEST_INSTANT_MS = Date.parse('1900-01-01T00:00:00+07:00');
export const LATEST_INSTANT_MS = Date.parse('2200-01-01T00:00:00+07:00');

/** The marker of an out-of-range instant in a schema issue (the API answers it 422 `instant_out_of_range`). */
export const INSTANT_OUT_OF_RANGE = 'instant_out_of_range';

export const DEFAULT_INSTANT_TOLERANCE_MINUTES = 15;
/** How far a new appointment (Mẫu 04) may be set after the current due instant, by default. */
export const DEFAULT_MAX_APPOINTMENT_EXTENSION_DAYS = 365;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export const isInstantInRange = (ms: number): boolean =>
  Number.isFinite(ms) && ms >= EARLIEST_INSTANT_MS && ms < LATEST_INSTANT_MS;

/** The request schema of an instant (zod) is domain/instant-schema.ts: workflows import this module. */

/** What a live dossier pins at its start so every decision about instants replays the same. */
export interface InstantLimits {
  /** How far a caller's instant may stray from the workflow's own time. */
  toleranceMinutes: number;
  /** How far after the current due instant a new appointment may be set. */
  maxAppointmentExtensionDays: number;
}

export const defaultInstantLimits: InstantLimits = {
  toleranceMinutes: DEFAULT_INSTANT_TOLERANCE_MINUTES,
  maxAppointmentExtensionDays: DEFAULT_MAX_APPOINTMENT_EXTENSION_DAYS,
};

export type InstantRejectionCode =
  | 'instant_in_future'
  | 'instant_before_last_event'
  | 'backdated_action'
  | 'instant_out_of_range';

const refuse = (code: InstantRejectionCode | 'invalid_due_date', message: string): never => {
  throw new TransitionRejected(code, message);
};

/** The instant of the dossier's last event (receipt included). */
export function lastEventInstant(state: DossierState): number {
  const last = state.timeline[state.timeline.length - 1];
  return Math.max(Date.parse(state.receivedAt), last ? Date.parse(last.at) : Number.NEGATIVE_INFINITY);
}

/**
 * A caller's instant against the system's: not later than now + tolerance, not before the dossier's
 * last event (when there is a dossier), not earlier than now − tolerance. Throws TransitionRejected.
 */
export function checkCallerInstant(
  at: string,
  nowMs: number,
  toleranceMinutes: number,
  state?: DossierState,
): void {
  const t = Date.parse(at);
  if (!isInstantInRange(t)) refuse('instant_out_of_range', 'Thời điểm nằm ngoài phạm vi lịch (1900–2199).');
  const tolerance = toleranceMinutes * MINUTE_MS;
  if (t > nowMs + tolerance) {
    refuse(
      'instant_in_future',
      `Thời điểm thao tác ở tương lai (quá ${toleranceMinutes} phút so với hệ thống).`,
    );
  }
  if (state && t < lastEventInstant(state)) {
    refuse('instant_before_last_event', 'Thời điểm thao tác trước sự kiện gần nhất của hồ sơ.');
  }
  if (t < nowMs - tolerance) {
    refuse(
      'backdated_action',
      `Thời điểm thao tác sớm hơn thời gian hệ thống quá ${toleranceMinutes} phút: không được ghi lùi ngày.`,
    );
  }
}

/** A new appointment (Mẫu 04) or a proposed one: in range and at most the allowed span after the due. */
export function checkNewAppointment(state: DossierState, newDueAt: string, maxExtensionDays: number): void {
  const t = Date.parse(newDueAt);
  if (!isInstantInRange(t)) refuse('instant_out_of_range', 'Ngày hẹn nằm ngoài phạm vi lịch (1900–2199).');
  if (t > Date.parse(state.dueAt) + maxExtensionDays * DAY_MS) {
    refuse(
      'invalid_due_date',
      `Ngày hẹn trả mới không được quá ${maxExtensionDays} ngày sau thời hạn hiện tại.`,
    );
  }
}

/** The instant lateness is judged at: the later of the caller's and the system's (never earlier). */
export const judgedInstant = (at: string, nowMs: number): string =>
  new Date(Math.max(Date.parse(at), nowMs)).toISOString();
