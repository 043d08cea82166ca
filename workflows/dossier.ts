import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { DossierEventBody } from '../domain/events';
import { checkCallerInstant, defaultInstantLimits } from '../domain/instants';
import { isTerminal, TransitionRejected } from '../domain/lifecycle';
import { deadlines, localDeadlines } from './activities';
import { BackfillRefused, type DossierPlan, foldBackfill } from './backfill';
import type { DossierSnapshot, DossierWorkflowInput } from './definitions';
import { registerHandlers } from './handlers';
import { Dossier, eventBody } from './outbox';
import { isPatched } from './patches';
import { nextTimer, timerEvent } from './timers';

/** Continue-as-new well before Temporal's 51,200-event hard limit. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/** How long a returned dossier still takes the applicant's rating before it closes. */
export const RATING_WINDOW = '30 days';

/*
 * Workflow logic changes from here on go behind `patched('<change-id>')` (old histories in
 * test/histories replay the old branch): in the handlers' decisions (workflows/handlers.ts),
 * the alarms (workflows/timers.ts) and this loop. Patches so far:
 * - 'rating-window-after-return': a returned dossier waits RATING_WINDOW for the rating.
 * - 'pinned-rules-at-receipt': `dossier.received` carries the rules pinned at receipt (deadline,
 *   unit, cut-off, procedure version, rule-set); later recomputations use them.
 * - 'classification-granularity': `dossier.result_ready` carries both verdicts (by instant, by
 *   day) and counts the one of the pinned granularity; lateness is monotonic after `overdue`.
 * - 'server-time-decides': a caller's instant counts only within the pinned tolerance of the
 *   workflow's time; lateness is judged at the later of the two and never undone after overdue.
 * - 'receipt-instant-checked': a receipt outside the tolerance fails the run before anything is
 *   recorded (the code stays usable).
 * - 'event-recorded-at': events carry `recordedAt` and are checked against their schema first.
 * - 'update-failures-answered': an unexpected error in an action answers the caller, typed.
 * - 'command-rules-issue-8' (handlers.ts): payment references once, handoffs only to the planned
 *   agency, no result while a step is open (domain/lifecycle.ts validateCommandRules).
 * - 'step-over-budget-kept' (handlers.ts): a step handed back to after being over budget is
 *   completed over budget.
 */

/**
 * One dossier from receipt (tiếp nhận) to returned, rejected or withdrawn. Temporal holds its
 * state and clock; every transition is an event, published in order and folded into the state.
 */
export async function dossierWorkflow(input: DossierWorkflowInput): Promise<DossierSnapshot> {
  const dossier = new Dossier(input.code, workflowInfo().workflowId, input.carriedState);
  registerHandlers(dossier, input.instantLimits);

  if (!dossier.state) {
    if (input.backfill) await backfill(dossier, input);
    else await receive(dossier, input);
  }
  const state = () => dossier.state!;

  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;

  // Wait for the next transition or the next alarm, whichever comes first.
  while (!isTerminal(state().status) && !shouldContinueAsNew()) {
    const timer = nextTimer(state());
    const seen = state().lastSeq;
    const changed = () => state().lastSeq !== seen || shouldContinueAsNew();
    if (!timer) {
      await condition(changed);
      continue;
    }
    const wait = Date.parse(timer.at) - Date.now();
    if (wait > 0 && (await condition(changed, wait))) continue;
    const fired = await dossier
      .serially(async () => {
        const body = timerEvent(state(), timer);
        if (body) await dossier.emit(body);
        return true;
      })
      .catch((err: unknown) => {
        // An alarm whose event fails its schema must not fail the dossier (its code would become
        // reusable) nor spin: it waits for the next transition, which may re-arm it.
        if (!(err instanceof ApplicationFailure) || err.type !== 'invalid_event') throw err;
        log.error('alarm event refused', { dossierCode: input.code, kind: timer.kind, error: err.message });
        return false;
      });
    if (!fired) await condition(changed);
  }

  // Trả kết quả is not the end for the applicant: the rating often comes afterwards.
  if (state().status === 'returned' && !state().rating && patched('rating-window-after-return')) {
    await condition(() => state().rating !== undefined, RATING_WINDOW);
  }

  // Let running actions finish and every event leave before closing or continuing.
  await condition(allHandlersFinished);
  await dossier.drained();
  if (isTerminal(state().status)) {
    log.info('dossier closed', { dossierCode: input.code, status: state().status });
    return state();
  }
  log.info('dossier continues as new', {
    dossierCode: input.code,
    historyLength: workflowInfo().historyLength,
  });
  // The backfilled history is in the carried state: its actions need not travel along.
  const { backfill: _recorded, ...carried } = input;
  return continueAsNew<typeof dossierWorkflow>({ ...carried, carriedState: state() });
}

/** Tiếp nhận (Mẫu 01): the appointment and the procedure's steps, resolved outside the workflow. */
async function receive(dossier: Dossier, input: DossierWorkflowInput): Promise<void> {
  // The API checked the receipt instant before starting; the workflow's clock is the authority.
  if (patched('receipt-instant-checked')) {
    try {
      const limits = input.instantLimits ?? defaultInstantLimits;
      checkCallerInstant(input.receivedAt, Date.now(), limits.toleranceMinutes);
    } catch (err) {
      if (!(err instanceof TransitionRejected)) throw err;
      throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true });
    }
  }
  const planner = patched('intake-plan-local-activity') ? localDeadlines : deadlines;
  const plan = await planner.planDossier({
    procedureCode: input.procedureCode,
    agencyCode: input.agencyCode,
    receivedAt: input.receivedAt,
  });
  await dossier.emit(receiptOf(input, plan));
  log.info('dossier received', { dossierCode: input.code, dueAt: plan.dueAt });
}

/** Admin backfill (workflows/backfill.ts): history first, then the dossier lives on. */
async function backfill(dossier: Dossier, input: DossierWorkflowInput): Promise<void> {
  dossier.backfilling = true;
  try {
    // The API's dry run checked the instants on its clock; allow its skew up to the tolerance.
    const skew = (input.instantLimits ?? defaultInstantLimits).toleranceMinutes * 60_000;
    await foldBackfill(dossier, deadlines, input, receiptOf, Date.now() + skew);
  } catch (err) {
    if (!(err instanceof BackfillRefused)) throw err;
    throw ApplicationFailure.create({
      type: err.code,
      message: `backfill action ${err.index}: ${err.message}`,
      details: [{ index: err.index, code: err.code }],
      nonRetryable: true,
    });
  } finally {
    dossier.backfilling = false;
  }
  log.info('dossier backfilled', { dossierCode: input.code, events: dossier.state?.lastSeq });
}

/** The `dossier.received` event of an intake, live or backfilled. */
export function receiptOf(input: DossierWorkflowInput, plan: DossierPlan): DossierEventBody {
  return eventBody('dossier.received', input.receivedAt, {
    procedureCode: input.procedureCode,
    agencyCode: input.agencyCode,
    channel: input.channel,
    applicantName: input.applicantName,
    receivedAt: input.receivedAt,
    dueAt: plan.dueAt,
    warningAt: plan.warningAt,
    calendarVersion: plan.calendarVersion,
    provisionalCalendar: plan.provisional,
    steps: input.steps ?? plan.steps,
    ...(plan.rules && isPatched('pinned-rules-at-receipt') && { rules: plan.rules }),
    ...(input.actor && { actor: input.actor }),
  });
}
