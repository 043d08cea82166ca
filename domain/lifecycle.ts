import { actions, foldOf } from './actions';
import { withStep } from './actions/common';
import type { Command, CommandName } from './commands';
import type { Channel } from './dossier';
import type { Actor, DossierEvent, PlannedStep } from './events';
import { refuse } from './refusals';
import type { PinnedRules } from './rulesets';
import { type DossierStatus, isTerminal, statusLabel } from './status';

export { type RejectionCode, rejectionStatus, TransitionRejected } from './refusals';
export {
  type DossierStatus,
  isPending,
  isTerminal,
  PENDING_STATUSES,
  TERMINAL_STATUSES,
} from './status';

/**
 * Vòng đời hồ sơ: received → processing ⇄ waiting_supplement → result_ready → returned;
 * side exits rejected and withdrawn. Pure: the workflow, the projector and auditors' replay all
 * derive state from the same events with `applyEvent`.
 */

type Outcome = 'early' | 'on_time' | 'late';

export interface StepState extends PlannedStep {
  index: number;
  startedAt?: string;
  stepDueAt?: string;
  completedAt?: string;
  /** Over its time budget in the current visit of the step. */
  overBudget: boolean;
  /** Over budget in an earlier visit (a handoff back to it keeps that history). */
  overBudgetBefore?: boolean;
}

/** One line of Mẫu 05 (phiếu kiểm soát quá trình giải quyết hồ sơ): time, actor, agency, what. */
export interface TimelineEntry {
  seq: number;
  at: string;
  type: string;
  status: DossierStatus;
  actor?: Actor;
  agencyCode: string;
  step: number | null;
  note?: string;
}

export interface DossierState {
  code: string;
  workflowId: string;
  procedureCode: string;
  /** The receiving agency (one-stop desk). */
  agencyCode: string;
  channel: Channel;
  applicantName: string;
  status: DossierStatus;
  receivedAt: string;
  /** Current due instant (after an extension: the new appointment). */
  dueAt: string;
  warningAt: string;
  /** The legal due instant before any extension: classification uses it. */
  originalDueAt: string;
  calendarVersion: string;
  provisionalCalendar: boolean;
  /** Deadline, unit, cut-off and rule-set pinned at receipt (absent on older dossiers). */
  rules?: PinnedRules;
  steps: StepState[];
  currentStep: number | null;
  /** Agency currently holding the dossier. */
  currentAgencyCode: string;
  /** Every agency that took part (liên thông); scopes access. */
  participants: string[];
  /** Pause in progress (Mẫu 02), if any. */
  pausedAt?: string;
  pauses: { start: string; end: string }[];
  dueSoon: boolean;
  overdue: boolean;
  apology?: { at: string; reason: string; faultParty: string; newDueAt: string; signedBy?: string };
  delayReports: { at: string; reason: string; proposedDueAt: string; faultParty: string }[];
  supplementRequests: number;
  result?: {
    kind: 'electronic' | 'paper';
    readyAt: string;
    /** The verdict that counts (pinned granularity). */
    outcome: Outcome;
    /** Both verdicts (derived for results recorded before they were in the event). */
    outcomeByInstant?: Outcome;
    outcomeByDay?: Outcome;
  };
  returnedAt?: string;
  rejection?: { at: string; reason: string };
  withdrawal?: { at: string; reason?: string };
  digitization: { components: string[]; result: boolean };
  payments: { amountVnd: number; online: boolean; reference?: string; at: string }[];
  rating?: { score: number; comment?: string; at: string };
  timeline: TimelineEntry[];
  lastSeq: number;
  /** Migrated from an older system through the admin backfill (its receipt event says so). */
  backfilled?: true;
}

const ms = (instant: string): number => Date.parse(instant);

/**
 * Checks that a command may be applied to the dossier as it is now; throws TransitionRejected
 * otherwise. Runs in the Update validator, so an invalid action never reaches history.
 */
export function validateCommand<N extends CommandName>(
  state: DossierState | undefined,
  name: N,
  command: Command<N>,
): void {
  if (!state) refuse('dossier_not_ready', 'Hồ sơ đang được tiếp nhận, vui lòng thử lại.');
  // The applicant may still rate the service once the result is returned (đánh giá sau khi nhận kết quả).
  const openAfterReturn = 'openAfterReturn' in actions[name] && state.status === 'returned';
  if (isTerminal(state.status) && !openAfterReturn)
    refuse('dossier_closed', `Hồ sơ ${statusLabel[state.status]}, không thể thao tác.`);
  const at = ms(command.at);
  if (Number.isNaN(at)) refuse('invalid_instant', 'Thời điểm không hợp lệ.');
  if (at < ms(state.receivedAt))
    refuse('invalid_instant', 'Thời điểm thao tác trước thời điểm tiếp nhận hồ sơ.');

  actions[name].validate(state, command as never);
}

/**
 * Rules added after the first release (issue 8), checked after `validateCommand`. The workflow
 * applies them behind a patch so histories recorded before them replay unchanged.
 *
 * - A payment's `reference` (the transaction id) is recorded once per dossier.
 * - A handoff may only name the agency the procedure's target step was planned for at receipt
 *   (liên thông agencies come from the procedure, never from the caller).
 * - The result is not ready while the step being processed is still open (handed off, not
 *   completed). A dossier still at the desk (never handed off) may get its result at once.
 */
export function validateCommandRules<N extends CommandName>(
  state: DossierState,
  name: N,
  command: Command<N>,
): void {
  const action = actions[name];
  if ('validateRules' in action) action.validateRules(state, command as never);
}

const noteOf = (event: DossierEvent): string | undefined => {
  switch (event.type) {
    case 'dossier.handed_off':
    case 'dossier.step_completed':
      return event.payload.note;
    case 'dossier.supplement_requested':
      return [event.payload.reason, ...event.payload.items].join('; ');
    case 'dossier.delay_reported':
    case 'dossier.apology_issued':
    case 'dossier.rejected':
      return event.payload.reason;
    case 'dossier.withdrawn':
      return event.payload.reason;
    case 'dossier.rating_recorded':
      return event.payload.comment;
    default:
      return undefined;
  }
};

const actorOf = (event: DossierEvent): Actor | undefined =>
  'actor' in event.payload ? event.payload.actor : undefined;

/**
 * Folds one event into the dossier state (pure: returns a new object). `dossier.received`
 * creates the state; every event appends its Mẫu 05 line to the timeline.
 */
export function applyEvent(state: DossierState | undefined, event: DossierEvent): DossierState {
  const next = transition(state, event);
  const entry: TimelineEntry = {
    seq: event.seq,
    at: event.occurredAt,
    type: event.type,
    status: next.status,
    agencyCode: actorOf(event)?.agencyCode ?? next.currentAgencyCode,
    step: next.currentStep,
  };
  const actor = actorOf(event);
  if (actor) entry.actor = actor;
  const note = noteOf(event);
  if (note !== undefined) entry.note = note;
  return { ...next, timeline: [...next.timeline, entry], lastSeq: event.seq };
}

function transition(prev: DossierState | undefined, event: DossierEvent): DossierState {
  if (event.type === 'dossier.received') {
    if (prev) throw new Error(`dossier ${event.dossierCode} was already received`);
    const p = event.payload;
    return {
      code: event.dossierCode,
      workflowId: event.workflowId,
      procedureCode: p.procedureCode,
      agencyCode: p.agencyCode,
      channel: p.channel,
      applicantName: p.applicantName,
      status: 'received',
      receivedAt: p.receivedAt,
      dueAt: p.dueAt,
      warningAt: p.warningAt,
      originalDueAt: p.dueAt,
      calendarVersion: p.calendarVersion,
      provisionalCalendar: p.provisionalCalendar ?? false,
      ...(p.rules && { rules: p.rules }),
      steps: p.steps.map((s, index) => ({ ...s, index, overBudget: false })),
      currentStep: null,
      currentAgencyCode: p.agencyCode,
      participants: [p.agencyCode],
      pauses: [],
      dueSoon: false,
      overdue: false,
      delayReports: [],
      supplementRequests: 0,
      digitization: { components: [], result: false },
      payments: [],
      timeline: [],
      lastSeq: 0,
      ...(event.backfilled && { backfilled: true as const }),
    };
  }
  if (!prev) throw new Error(`event ${event.type} before dossier.received`);
  // What an action made, its module folds.
  const fold = foldOf(event.type);
  if (fold) return fold(prev, event);
  switch (event.type) {
    case 'dossier.due_soon':
      return { ...prev, dueSoon: true };
    case 'dossier.overdue':
      return { ...prev, overdue: true };
    case 'dossier.step_overdue':
      return { ...prev, steps: withStep(prev.steps, event.payload.step, { overBudget: true }) };
    default:
      throw new Error(`no fold for event ${event.type}`);
  }
}
