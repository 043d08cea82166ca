import { ActivityFailure, ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import { classify } from '../domain/calendar';
import type { Command, CommandName } from '../domain/commands';
import type { DossierEventBody } from '../domain/events';
import {
  type DossierState,
  handOffTarget,
  TransitionRejected,
  validateCommand,
  validateCommandRules,
} from '../domain/lifecycle';
import { deadlines } from './activities';
import { appointmentUpdate, dossierStateQuery, dossierTimelineQuery, dossierUpdates } from './definitions';
import { type Dossier, eventBody } from './outbox';

type Decide<N extends CommandName> = (state: DossierState, command: Command<N>) => Promise<DossierEventBody>;

/**
 * What each action decides, in the words of the process. Validation already passed; decisions
 * that need the calendar ask an activity (never a clock or calendar read in here).
 */
const decide: { [N in CommandName]: Decide<N> } = {
  // Chuyển xử lý: the step's budget runs on the calendar of the agency that takes it.
  async handOff(state, c) {
    const toStep = handOffTarget(state, c.toStep);
    const step = state.steps[toStep]!;
    const toAgencyCode = c.toAgencyCode ?? step.agencyCode;
    const stepDueAt = await deadlines.stepDueInstant({
      agencyCode: toAgencyCode,
      from: c.at,
      budgetWorkingHours: step.budgetWorkingHours,
    });
    return eventBody('dossier.handed_off', c.at, {
      fromStep: state.currentStep,
      toStep,
      stepKey: step.key,
      fromAgencyCode: state.currentAgencyCode,
      toAgencyCode,
      stepDueAt,
      actor: c.actor,
      ...(c.note !== undefined && { note: c.note }),
    });
  },

  async completeStep(state, c) {
    const step = state.steps[state.currentStep!]!;
    const overBudget =
      step.overBudget ||
      (step.stepDueAt !== undefined && Date.parse(c.at) > Date.parse(step.stepDueAt)) ||
      // Handed back to a step that was late before: the step stays over budget.
      (step.overBudgetBefore === true && patched('step-over-budget-kept'));
    return eventBody('dossier.step_completed', c.at, {
      step: step.index,
      stepKey: step.key,
      agencyCode: step.agencyCode,
      overBudget,
      actor: c.actor,
      ...(c.note !== undefined && { note: c.note }),
    });
  },

  // Mẫu 02: the legal clock (and the open step's budget) stops until the supplement arrives.
  async requestSupplement(_state, c) {
    return eventBody('dossier.supplement_requested', c.at, {
      reason: c.reason,
      items: c.items,
      actor: c.actor,
    });
  },

  async receiveSupplement(state, c) {
    const pausedFrom = state.pausedAt!;
    const pauses = [...state.pauses, { start: pausedFrom, end: c.at }];
    const clock = await deadlines.resumeClock({
      procedureCode: state.procedureCode,
      agencyCode: state.agencyCode,
      receivedAt: state.receivedAt,
      pauses,
      ...(state.apology && { extension: { originalDueAt: state.originalDueAt, dueAt: state.dueAt } }),
    });
    const step = state.currentStep === null ? undefined : state.steps[state.currentStep];
    let stepDueAt: string | undefined;
    if (step?.startedAt && !step.completedAt) {
      const since = Date.parse(step.startedAt);
      stepDueAt = await deadlines.stepDueInstant({
        agencyCode: step.agencyCode,
        from: step.startedAt,
        budgetWorkingHours: step.budgetWorkingHours,
        pauses: pauses.filter((p) => Date.parse(p.end) > since),
      });
    }
    return eventBody('dossier.supplement_received', c.at, {
      pausedFrom,
      dueAt: clock.dueAt,
      warningAt: clock.warningAt,
      originalDueAt: clock.originalDueAt,
      ...(stepDueAt !== undefined && { stepDueAt }),
      calendarVersion: clock.calendarVersion,
      actor: c.actor,
    });
  },

  async reportDelay(_state, c) {
    return eventBody('dossier.delay_reported', c.at, {
      reason: c.reason,
      proposedDueAt: c.proposedDueAt,
      faultParty: c.faultParty,
      actor: c.actor,
    });
  },

  // Mẫu 04: the appointment moves once; lateness keeps being judged against the original due.
  async issueApology(state, c) {
    const extended = await deadlines.extendDueInstant({
      agencyCode: state.agencyCode,
      dueAt: state.dueAt,
      warningAt: state.warningAt,
      calendarVersion: state.calendarVersion,
      provisional: state.provisionalCalendar,
      newDueAt: c.newDueAt,
    });
    return eventBody('dossier.apology_issued', c.at, {
      reason: c.reason,
      faultParty: c.faultParty,
      originalDueAt: state.originalDueAt,
      dueAt: extended.dueAt,
      warningAt: extended.warningAt,
      ...(c.signedBy !== undefined && { signedBy: c.signedBy }),
      calendarVersion: extended.calendarVersion,
      actor: c.actor,
    });
  },

  // Classified here, once: early / on time / late against the legal due before any extension.
  async markResultReady(state, c) {
    return eventBody('dossier.result_ready', c.at, {
      resultKind: c.resultKind,
      completedAt: c.at,
      dueAt: state.dueAt,
      originalDueAt: state.originalDueAt,
      outcome: classify(new Date(state.originalDueAt), new Date(c.at)),
      actor: c.actor,
    });
  },

  async returnResult(_state, c) {
    return eventBody('dossier.result_returned', c.at, { returnedAt: c.at, actor: c.actor });
  },

  // Mẫu 03.
  async reject(_state, c) {
    return eventBody('dossier.rejected', c.at, { reason: c.reason, actor: c.actor });
  },

  async withdraw(_state, c) {
    return eventBody('dossier.withdrawn', c.at, {
      ...(c.reason !== undefined && { reason: c.reason }),
      actor: c.actor,
    });
  },

  async recordDigitization(_state, c) {
    return eventBody('dossier.digitized', c.at, {
      components: c.components,
      result: c.result,
      actor: c.actor,
    });
  },

  async recordPayment(_state, c) {
    return eventBody('dossier.payment_recorded', c.at, {
      amountVnd: c.amountVnd,
      online: c.online,
      ...(c.reference !== undefined && { reference: c.reference }),
      actor: c.actor,
    });
  },

  async recordRating(_state, c) {
    return eventBody('dossier.rating_recorded', c.at, {
      score: c.score,
      ...(c.comment !== undefined && { comment: c.comment }),
      actor: c.actor,
    });
  },
};

/** A refused transition reaches the caller as a failure typed with its code (API: 409/422). */
function asFailure(err: unknown): unknown {
  if (err instanceof TransitionRejected) {
    return ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true });
  }
  // A deadline activity refused its input (e.g. unknown agency): pass its type on.
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    const cause = err.cause;
    return ApplicationFailure.create({
      type: cause.type ?? 'activity_failed',
      message: cause.message,
      nonRetryable: true,
    });
  }
  return err;
}

/** Patch of the rules added by issue 8 (validateCommandRules); older histories replay without them. */
export const COMMAND_RULES_PATCH = 'command-rules-issue-8';

function check<N extends CommandName>(
  state: DossierState | undefined,
  name: N,
  command: Command<N>,
  withRules: boolean,
): void {
  try {
    validateCommand(state, name, command);
    if (withRules && state) validateCommandRules(state, name, command);
  } catch (err) {
    throw asFailure(err);
  }
}

function registerCommand<N extends CommandName>(dossier: Dossier, name: N): void {
  const update = dossierUpdates[name] as (typeof dossierUpdates)[CommandName];
  const handler = (command: Command<N>) =>
    dossier.serially(async () => {
      await condition(() => dossier.state !== undefined);
      // Again, in order: an earlier action may have changed the dossier since validation.
      check(dossier.state, name, command, patched(COMMAND_RULES_PATCH));
      try {
        await dossier.emit(await decide[name](dossier.state!, command));
      } catch (err) {
        throw asFailure(err);
      }
      return dossier.state!;
    });
  setHandler(update, handler as never, {
    // Before receipt is recorded the handler waits and validates then; afterwards the caller
    // gets an immediate rejection and nothing reaches history.
    validator: ((command: Command<N>) => {
      // Validators never replay: the newest rules always apply here.
      if (dossier.state) check(dossier.state, name, command, true);
    }) as never,
  });
}

/** Queries and one Update per action. Registered before the workflow's first await. */
export function registerHandlers(dossier: Dossier): void {
  setHandler(dossierStateQuery, () => {
    if (!dossier.state)
      throw ApplicationFailure.create({ type: 'dossier_not_ready', message: 'dossier not received yet' });
    return dossier.state;
  });
  setHandler(dossierTimelineQuery, () => dossier.state?.timeline ?? []);
  setHandler(appointmentUpdate, async () => {
    await condition(() => dossier.state !== undefined);
    return dossier.state!;
  });
  for (const name of Object.keys(dossierUpdates) as CommandName[]) registerCommand(dossier, name);
}
