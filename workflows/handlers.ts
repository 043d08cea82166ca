import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { classify, classifyCompletion } from '../domain/calendar/classify';
import type { Command, CommandName } from '../domain/commands';
import type { DossierEventBody } from '../domain/events';
import {
  checkCallerInstant,
  checkNewAppointment,
  defaultInstantLimits,
  type InstantLimits,
  judgedInstant,
  lastEventInstant,
} from '../domain/instants';
import {
  type DossierState,
  handOffTarget,
  TransitionRejected,
  validateCommand,
  validateCommandRules,
} from '../domain/lifecycle';
import { deadlines } from './activities';
import {
  type AppointmentAnswer,
  appointmentUpdate,
  dossierStateQuery,
  dossierTimelineQuery,
  dossierUpdates,
  slimOf,
  type UpdateCommand,
} from './definitions';
import { type Dossier, eventBody } from './outbox';
import { isPatched } from './patches';

/**
 * A command as decided: `at` is when it happened (the event's instant); `judgedAt`, when given, is
 * the instant lateness is judged at (live: the later of the caller's and the workflow's time).
 */
export type Decided<N extends CommandName> = Command<N> & { judgedAt?: string };
type Decide<N extends CommandName> = (state: DossierState, command: Decided<N>) => Promise<DossierEventBody>;
/** The deadline activities a decision may ask (the workflow's proxies, or the functions themselves). */
export type DeadlinePort = Pick<Activities, 'stepDueInstant' | 'resumeClock' | 'extendDueInstant'>;
export type Decisions = { [N in CommandName]: Decide<N> };

/**
 * What each action decides, in the words of the process. Validation already passed; decisions
 * that need the calendar ask an activity (never a clock or calendar read in here).
 */
export const decideWith = (deadlines: DeadlinePort): Decisions => ({
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
    const judged = c.judgedAt ?? c.at;
    const overBudget =
      step.overBudget ||
      (step.stepDueAt !== undefined && Date.parse(judged) > Date.parse(step.stepDueAt)) ||
      // Handed back to a step that was late before: the step stays over budget.
      (step.overBudgetBefore === true && isPatched('step-over-budget-kept'));
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
      // The deadline pinned at receipt, not the catalogue's current one.
      ...(state.rules && { rules: state.rules }),
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
      ...(c.letterId !== undefined && { letterId: c.letterId }),
    });
  },

  // Classified here, once: early / on time / late against the legal due before any extension.
  // Both verdicts are recorded; the pinned granularity says which counts. Lateness is monotonic:
  // once the dossier went overdue nothing classifies it early or on time.
  async markResultReady(state, c) {
    const granularity = state.rules?.ruleSet.classificationGranularity ?? 'instant';
    const verdicts = isPatched('classification-granularity')
      ? classifyCompletion({
          originalDueAt: new Date(state.originalDueAt),
          completedAt: new Date(c.judgedAt ?? c.at),
          granularity,
          overdueFired: state.overdue,
        })
      : undefined;
    return eventBody('dossier.result_ready', c.at, {
      resultKind: c.resultKind,
      completedAt: c.at,
      dueAt: state.dueAt,
      originalDueAt: state.originalDueAt,
      outcome:
        verdicts?.outcome ??
        (state.overdue ? 'late' : classify(new Date(state.originalDueAt), new Date(c.judgedAt ?? c.at))),
      ...(verdicts && {
        outcomeByInstant: verdicts.outcomeByInstant,
        outcomeByDay: verdicts.outcomeByDay,
        granularity,
      }),
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
});

const decide = decideWith(deadlines);

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
  if (err instanceof ApplicationFailure) return err;
  // Anything else (a bug, an activity that gave up) would fail the workflow task and retry it
  // forever, wedging the dossier: the caller gets a typed failure instead.
  if (patched('update-failures-answered')) {
    const failure = err as { name?: string; message?: string } | undefined;
    return ApplicationFailure.create({
      type: 'workflow_failure',
      message: `${failure?.name ?? 'Error'}: ${failure?.message ?? String(err)}`,
      nonRetryable: true,
    });
  }
  return err;
}

/** The instants of a live action: its own (`at`) and the one lateness is judged at. */
function instantsOf(
  state: DossierState,
  at: string | undefined,
  nowMs: number,
): { at: string; judgedAt: string } {
  // Left out: the workflow's time, never before the last event (a caller may date up to the tolerance ahead).
  const occurred = at ?? new Date(Math.max(nowMs, lastEventInstant(state))).toISOString();
  return { at: occurred, judgedAt: judgedInstant(occurred, nowMs) };
}

/** Patch of the rules added by issue 8 (validateCommandRules); older histories replay without them. */
export const COMMAND_RULES_PATCH = 'command-rules-issue-8';

function check<N extends CommandName>(
  state: DossierState | undefined,
  name: N,
  command: UpdateCommand<N>,
  limits: InstantLimits | undefined,
  withRules: boolean,
): void {
  try {
    // Server time decides: the caller's instant must lie within the tolerance of the workflow's.
    if (state && command.at !== undefined && limits) {
      checkCallerInstant(command.at, Date.now(), limits.toleranceMinutes, state);
    }
    const at = state && command.at === undefined ? instantsOf(state, undefined, Date.now()).at : command.at;
    const dated = { ...command, at } as Command<N>;
    validateCommand(state, name, dated);
    if (withRules && state) validateCommandRules(state, name, dated);
    if (state && limits && (name === 'issueApology' || name === 'reportDelay')) {
      const c = command as unknown as { newDueAt?: string; proposedDueAt?: string };
      checkNewAppointment(state, (c.newDueAt ?? c.proposedDueAt)!, limits.maxAppointmentExtensionDays);
    }
  } catch (err) {
    throw asFailure(err);
  }
}

function registerCommand<N extends CommandName>(dossier: Dossier, name: N, pinned?: InstantLimits): void {
  const update = dossierUpdates[name] as (typeof dossierUpdates)[CommandName];
  // Old runs (before server time decided) validate as they did: `at` as given.
  const limits = () => (patched('server-time-decides') ? (pinned ?? defaultInstantLimits) : undefined);
  const handler = (command: UpdateCommand<N>) =>
    dossier.serially(async () => {
      await condition(() => dossier.state !== undefined && !dossier.backfilling);
      const pinnedLimits = limits();
      // Again, in order: an earlier action may have changed the dossier since validation.
      check(dossier.state, name, command, pinnedLimits, patched(COMMAND_RULES_PATCH));
      try {
        const decided = (
          pinnedLimits ? { ...command, ...instantsOf(dossier.state!, command.at, Date.now()) } : command
        ) as Decided<N>;
        await dossier.emit(await decide[name](dossier.state!, decided));
      } catch (err) {
        throw asFailure(err);
      }
      return slimOf(dossier.state!);
    });
  setHandler(update, handler as never, {
    // Before receipt is recorded the handler waits and validates then; afterwards the caller
    // gets an immediate rejection and nothing reaches history.
    validator: ((command: UpdateCommand<N>) => {
      // Validators never replay: the newest rules always apply here.
      if (dossier.state) check(dossier.state, name, command, pinned ?? defaultInstantLimits, true);
    }) as never,
  });
}

/** Queries and one Update per action. Registered before the workflow's first await. */
export function registerHandlers(dossier: Dossier, limits?: InstantLimits): void {
  setHandler(dossierStateQuery, () => {
    if (!dossier.state)
      throw ApplicationFailure.create({ type: 'dossier_not_ready', message: 'dossier not received yet' });
    return dossier.state;
  });
  setHandler(dossierTimelineQuery, () => dossier.state?.timeline ?? []);
  setHandler(appointmentUpdate, async (): Promise<AppointmentAnswer> => {
    await condition(() => dossier.state !== undefined && !dossier.backfilling);
    if (patched('intake-answer-full-state')) {
      const memo = workflowInfo().memo ?? {};
      const mark = (k: string) => (typeof memo[k] === 'string' ? (memo[k] as string) : undefined);
      return {
        ...dossier.state!,
        startedBy: { intakeId: mark('intakeId'), idempotencyKey: mark('idempotencyKey') },
      };
    }
    return slimOf(dossier.state!);
  });
  for (const name of Object.keys(dossierUpdates) as CommandName[]) registerCommand(dossier, name, limits);
}
