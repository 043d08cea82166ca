import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { isTerminal } from '../domain/lifecycle';
import { deadlines } from './activities';
import type { DossierSnapshot, DossierWorkflowInput } from './definitions';
import { registerHandlers } from './handlers';
import { Dossier, eventBody } from './outbox';
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
  registerHandlers(dossier);

  if (!dossier.state) await receive(dossier, input);
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
    await dossier.serially(async () => {
      const body = timerEvent(state(), timer);
      if (body) await dossier.emit(body);
    });
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
  return continueAsNew<typeof dossierWorkflow>({ ...input, carriedState: state() });
}

/** Tiếp nhận (Mẫu 01): the appointment and the procedure's steps, resolved outside the workflow. */
async function receive(dossier: Dossier, input: DossierWorkflowInput): Promise<void> {
  const plan = await deadlines.planDossier({
    procedureCode: input.procedureCode,
    agencyCode: input.agencyCode,
    receivedAt: input.receivedAt,
  });
  await dossier.emit(
    eventBody('dossier.received', input.receivedAt, {
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
      ...(input.actor && { actor: input.actor }),
    }),
  );
  log.info('dossier received', { dossierCode: input.code, dueAt: plan.dueAt });
}
