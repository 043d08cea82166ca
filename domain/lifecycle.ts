import { classify, classifyByDay } from './calendar/classify';
import type { Command, CommandName } from './commands';
import type { Channel } from './dossier';
import type { Actor, DossierEvent, PlannedStep } from './events';
import type { PinnedRules } from './rulesets';

/**
 * Vòng đời hồ sơ: received → processing ⇄ waiting_supplement → result_ready → returned;
 * side exits rejected and withdrawn. Pure: the workflow, the projector and auditors' replay all
 * derive state from the same events with `applyEvent`.
 */
export type DossierStatus =
  | 'received'
  | 'processing'
  | 'waiting_supplement'
  | 'result_ready'
  | 'returned'
  | 'rejected'
  | 'withdrawn';

type Outcome = 'early' | 'on_time' | 'late';

export const TERMINAL_STATUSES: readonly DossierStatus[] = ['returned', 'rejected', 'withdrawn'];
/** Pending dossiers are "in time" or "overdue"; result_ready and later are resolved. */
export const PENDING_STATUSES: readonly DossierStatus[] = ['received', 'processing', 'waiting_supplement'];

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

/** A command the dossier cannot take in its current state; `code` is machine-readable. */
export class TransitionRejected extends Error {
  override readonly name = 'TransitionRejected';
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a command was refused. The API answers 409 when the dossier's state forbids it and 422
 * when the command itself is wrong (`rejectionStatus`).
 */
export type RejectionCode =
  | 'dossier_closed'
  | 'dossier_not_ready'
  | 'invalid_transition'
  | 'step_not_open'
  | 'step_not_completed'
  | 'no_next_step'
  | 'unknown_step'
  | 'apology_already_issued'
  | 'rating_already_recorded'
  | 'invalid_instant'
  | 'invalid_due_date'
  // Client instants (domain/instants.ts).
  | 'instant_in_future'
  | 'instant_before_last_event'
  | 'backdated_action'
  | 'instant_out_of_range'

  // Rules of issue 8 (validateCommandRules).
  | 'payment_already_recorded'
  | 'agency_not_allowed'
  | 'steps_open';

export const rejectionStatus: Record<RejectionCode, 409 | 422> = {
  dossier_closed: 409,
  dossier_not_ready: 409,
  invalid_transition: 409,
  step_not_open: 409,
  step_not_completed: 409,
  no_next_step: 409,
  unknown_step: 422,
  apology_already_issued: 409,
  rating_already_recorded: 409,
  invalid_instant: 422,
  invalid_due_date: 422,
  instant_in_future: 422,
  instant_before_last_event: 422,
  backdated_action: 422,
  instant_out_of_range: 422,
  payment_already_recorded: 409,
  agency_not_allowed: 422,
  steps_open: 409,
};

export const isTerminal = (status: DossierStatus): boolean => TERMINAL_STATUSES.includes(status);
export const isPending = (status: DossierStatus): boolean => PENDING_STATUSES.includes(status);

const ms = (instant: string): number => Date.parse(instant);

const statusLabel: Record<DossierStatus, string> = {
  received: 'đã tiếp nhận',
  processing: 'đang xử lý',
  waiting_supplement: 'đang chờ bổ sung',
  result_ready: 'đã có kết quả',
  returned: 'đã trả kết quả',
  rejected: 'đã bị từ chối',
  withdrawn: 'đã rút',
};

function refuse(code: RejectionCode, message: string): never {
  throw new TransitionRejected(code, message);
}

const requireStatus = (state: DossierState, allowed: readonly DossierStatus[], action: string): void => {
  if (!allowed.includes(state.status)) {
    refuse('invalid_transition', `Không thể ${action}: hồ sơ ${statusLabel[state.status]}.`);
  }
};

/** The step a handoff goes to, or why it cannot: shared by the validator and the workflow. */
export function handOffTarget(state: DossierState, toStep?: number): number {
  if (state.status === 'received') {
    const target = toStep ?? 0;
    if (!state.steps[target]) refuse('unknown_step', `Thủ tục không có bước xử lý số ${target + 1}.`);
    return target;
  }
  requireStatus(state, ['processing'], 'chuyển xử lý');
  const current = state.currentStep === null ? undefined : state.steps[state.currentStep];
  if (current && !current.completedAt) {
    refuse('step_not_completed', `Bước "${current.name}" chưa hoàn thành, chưa thể chuyển bước tiếp theo.`);
  }
  const target = toStep ?? (state.currentStep ?? -1) + 1;
  if (!state.steps[target]) {
    if (toStep === undefined) refuse('no_next_step', 'Đã hết các bước xử lý: hãy ghi nhận có kết quả.');
    refuse('unknown_step', `Thủ tục không có bước xử lý số ${target + 1}.`);
  }
  return target;
}

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
  const ratingAfterReturn = name === 'recordRating' && state.status === 'returned';
  if (isTerminal(state.status) && !ratingAfterReturn)
    refuse('dossier_closed', `Hồ sơ ${statusLabel[state.status]}, không thể thao tác.`);
  const at = ms(command.at);
  if (Number.isNaN(at)) refuse('invalid_instant', 'Thời điểm không hợp lệ.');
  if (at < ms(state.receivedAt))
    refuse('invalid_instant', 'Thời điểm thao tác trước thời điểm tiếp nhận hồ sơ.');

  const pending = PENDING_STATUSES;
  switch (name) {
    case 'handOff': {
      const c = command as unknown as Command<'handOff'>;
      handOffTarget(state, c.toStep);
      return;
    }
    case 'completeStep': {
      requireStatus(state, ['processing'], 'hoàn thành bước');
      const step = state.currentStep === null ? undefined : state.steps[state.currentStep];
      if (!step || step.completedAt) refuse('step_not_open', 'Không có bước xử lý nào đang mở.');
      return;
    }
    case 'requestSupplement':
      requireStatus(state, ['received', 'processing'], 'yêu cầu bổ sung hồ sơ');
      return;
    case 'receiveSupplement':
      requireStatus(state, ['waiting_supplement'], 'nhận hồ sơ bổ sung');
      if (state.pausedAt && at < ms(state.pausedAt)) {
        refuse('invalid_instant', 'Thời điểm nhận bổ sung trước thời điểm yêu cầu bổ sung.');
      }
      return;
    case 'reportDelay': {
      requireStatus(state, pending, 'báo cáo chậm trễ');
      const c = command as unknown as Command<'reportDelay'>;
      if (ms(c.proposedDueAt) <= ms(state.dueAt)) {
        refuse('invalid_due_date', 'Ngày hẹn trả đề xuất phải sau thời hạn hiện tại.');
      }
      return;
    }
    case 'issueApology': {
      if (state.apology)
        refuse('apology_already_issued', 'Đã xin lỗi và hẹn lại một lần; không được hẹn lại lần nữa.');
      requireStatus(state, pending, 'xin lỗi và hẹn lại ngày trả kết quả');
      const c = command as unknown as Command<'issueApology'>;
      if (ms(c.newDueAt) <= ms(state.dueAt)) {
        refuse('invalid_due_date', 'Ngày hẹn trả mới phải sau thời hạn hiện tại.');
      }
      return;
    }
    case 'markResultReady':
      if (state.status === 'waiting_supplement') {
        refuse('invalid_transition', 'Hồ sơ đang chờ bổ sung, chưa thể có kết quả.');
      }
      requireStatus(state, ['received', 'processing'], 'ghi nhận có kết quả');
      return;
    case 'returnResult':
      requireStatus(state, ['result_ready'], 'trả kết quả');
      return;
    case 'reject':
      requireStatus(state, pending, 'từ chối hồ sơ');
      return;
    case 'withdraw':
      requireStatus(state, pending, 'rút hồ sơ');
      return;
    case 'recordDigitization': {
      const c = command as unknown as Command<'recordDigitization'>;
      if (c.result && state.status !== 'result_ready') {
        refuse('invalid_transition', 'Chưa có kết quả để số hóa.');
      }
      return;
    }
    case 'recordPayment':
      return;
    case 'recordRating':
      requireStatus(state, ['result_ready', 'returned'], 'ghi nhận đánh giá');
      if (state.rating) refuse('rating_already_recorded', 'Người dân đã đánh giá hồ sơ này.');
      return;
    default:
      refuse('invalid_transition', `Thao tác không xác định: ${String(name)}.`);
  }
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
  switch (name) {
    case 'recordPayment': {
      const c = command as unknown as Command<'recordPayment'>;
      if (c.reference !== undefined && state.payments.some((p) => p.reference === c.reference)) {
        refuse(
          'payment_already_recorded',
          `Giao dịch thanh toán ${c.reference} đã được ghi nhận cho hồ sơ này.`,
        );
      }
      return;
    }
    case 'handOff': {
      const c = command as unknown as Command<'handOff'>;
      if (c.toAgencyCode === undefined) return;
      const target = state.steps[handOffTarget(state, c.toStep)]!;
      if (c.toAgencyCode !== target.agencyCode) {
        refuse(
          'agency_not_allowed',
          `Bước "${target.name}" của thủ tục do cơ quan ${target.agencyCode} xử lý, không thể chuyển cho ${c.toAgencyCode}.`,
        );
      }
      return;
    }
    case 'markResultReady': {
      const step = state.currentStep === null ? undefined : state.steps[state.currentStep];
      if (state.status === 'processing' && step?.startedAt && !step.completedAt) {
        refuse('steps_open', `Bước "${step.name}" chưa hoàn thành, chưa thể ghi nhận có kết quả.`);
      }
      return;
    }
    default:
      return;
  }
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

const withStep = (steps: StepState[], index: number, patch: Partial<StepState>): StepState[] =>
  steps.map((s) => (s.index === index ? { ...s, ...patch } : s));

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
  const at = event.occurredAt;
  switch (event.type) {
    case 'dossier.handed_off': {
      const p = event.payload;
      const earlier = prev.steps[p.toStep];
      return {
        ...prev,
        status: 'processing',
        steps: withStep(prev.steps, p.toStep, {
          agencyCode: p.toAgencyCode,
          startedAt: at,
          stepDueAt: p.stepDueAt,
          completedAt: undefined,
          // A new visit gets its own budget (and alarm); lateness of an earlier visit is kept.
          overBudget: false,
          ...((earlier?.overBudget || earlier?.overBudgetBefore) && { overBudgetBefore: true }),
        }),
        currentStep: p.toStep,
        currentAgencyCode: p.toAgencyCode,
        participants: prev.participants.includes(p.toAgencyCode)
          ? prev.participants
          : [...prev.participants, p.toAgencyCode],
      };
    }
    case 'dossier.step_completed': {
      const p = event.payload;
      const overBudget = p.overBudget || (prev.steps[p.step]?.overBudget ?? false);
      return { ...prev, steps: withStep(prev.steps, p.step, { completedAt: at, overBudget }) };
    }
    case 'dossier.supplement_requested':
      return {
        ...prev,
        status: 'waiting_supplement',
        pausedAt: at,
        supplementRequests: prev.supplementRequests + 1,
      };
    case 'dossier.supplement_received': {
      const p = event.payload;
      const { pausedAt: _ended, ...rest } = prev;
      let steps = prev.steps;
      if (p.stepDueAt !== undefined && prev.currentStep !== null) {
        steps = withStep(steps, prev.currentStep, { stepDueAt: p.stepDueAt });
      }
      return {
        ...rest,
        status: prev.currentStep === null ? 'received' : 'processing',
        pauses: [...prev.pauses, { start: p.pausedFrom, end: at }],
        dueAt: p.dueAt,
        warningAt: p.warningAt,
        originalDueAt: p.originalDueAt ?? (prev.apology ? prev.originalDueAt : p.dueAt),
        // The clock moved: warn again before the new due instant.
        dueSoon: prev.dueSoon && ms(p.warningAt) <= ms(at),
        steps,
        // A recomputation uses the calendar in force at that moment, and says which.
        calendarVersion: p.calendarVersion ?? prev.calendarVersion,
      };
    }
    case 'dossier.delay_reported': {
      const p = event.payload;
      return {
        ...prev,
        delayReports: [
          ...prev.delayReports,
          { at, reason: p.reason, proposedDueAt: p.proposedDueAt, faultParty: p.faultParty },
        ],
      };
    }
    case 'dossier.apology_issued': {
      const p = event.payload;
      const apology: NonNullable<DossierState['apology']> = {
        at,
        reason: p.reason,
        faultParty: p.faultParty,
        newDueAt: p.dueAt,
      };
      if (p.signedBy !== undefined) apology.signedBy = p.signedBy;
      return {
        ...prev,
        apology,
        originalDueAt: p.originalDueAt,
        dueAt: p.dueAt,
        warningAt: p.warningAt,
        dueSoon: prev.dueSoon && ms(p.warningAt) <= ms(at),
        calendarVersion: p.calendarVersion ?? prev.calendarVersion,
      };
    }
    case 'dossier.due_soon':
      return { ...prev, dueSoon: true };
    case 'dossier.overdue':
      return { ...prev, overdue: true };
    case 'dossier.step_overdue':
      return { ...prev, steps: withStep(prev.steps, event.payload.step, { overBudget: true }) };
    case 'dossier.result_ready': {
      const p = event.payload;
      return {
        ...prev,
        status: 'result_ready',
        result: {
          kind: p.resultKind,
          readyAt: p.completedAt,
          outcome: p.outcome,
          outcomeByInstant:
            p.outcomeByInstant ?? classify(new Date(p.originalDueAt), new Date(p.completedAt)),
          outcomeByDay: p.outcomeByDay ?? classifyByDay(new Date(p.originalDueAt), new Date(p.completedAt)),
        },
        // The result goes back to the one-stop desk that received the dossier.
        currentAgencyCode: prev.agencyCode,
      };
    }
    case 'dossier.result_returned':
      return { ...prev, status: 'returned', returnedAt: event.payload.returnedAt };
    case 'dossier.rejected':
      return { ...prev, status: 'rejected', rejection: { at, reason: event.payload.reason } };
    case 'dossier.withdrawn': {
      const withdrawal: NonNullable<DossierState['withdrawal']> = { at };
      if (event.payload.reason !== undefined) withdrawal.reason = event.payload.reason;
      return { ...prev, status: 'withdrawn', withdrawal };
    }
    case 'dossier.digitized': {
      const p = event.payload;
      const components = [...prev.digitization.components];
      for (const c of p.components) if (!components.includes(c)) components.push(c);
      return { ...prev, digitization: { components, result: prev.digitization.result || p.result } };
    }
    case 'dossier.payment_recorded': {
      const p = event.payload;
      const payment: DossierState['payments'][number] = { amountVnd: p.amountVnd, online: p.online, at };
      if (p.reference !== undefined) payment.reference = p.reference;
      return { ...prev, payments: [...prev.payments, payment] };
    }
    case 'dossier.rating_recorded': {
      const p = event.payload;
      const rating: NonNullable<DossierState['rating']> = { score: p.score, at };
      if (p.comment !== undefined) rating.comment = p.comment;
      return { ...prev, rating };
    }
  }
}
