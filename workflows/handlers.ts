import { ActivityFailure, ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import { actions, decisionsWith } from '../domain/actions';
import type { Command, CommandName } from '../domain/commands';
import type { DeadlinePort } from '../domain/deadline';
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
  TransitionRejected,
  validateCommand,
  validateCommandRules,
} from '../domain/lifecycle';
import { deadlines } from './activities';
import {
  appointmentUpdate,
  dossierStateQuery,
  dossierTimelineQuery,
  dossierUpdates,
  slimOf,
  type UpdateCommand,
} from './definitions';
import type { Dossier } from './outbox';
import { isPatched } from './patches';

/** A command as decided: `judgedAt`, when given, is the instant lateness is judged at. */
export type Decided<N extends CommandName> = Command<N> & { judgedAt?: string };
/** The deadline activities a decision may ask (the workflow's proxies, or the functions themselves). */
export type { DeadlinePort };
export type Decisions = ReturnType<typeof decisionsWith>;

/**
 * What each action decides (domain/actions/<action>.ts), with the workflow's deadline activities
 * and patch markers. Validation already passed; decisions that need the calendar ask an activity
 * (never a clock or calendar read in here).
 */
export const decideWith = (port: DeadlinePort): Decisions => decisionsWith({ deadlines: port, isPatched });

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
    // A new appointment (apology, delay report) lies within the law's maximum extension.
    const action = actions[name];
    if (state && limits && 'newAppointment' in action) {
      checkNewAppointment(state, action.newAppointment(dated as never), limits.maxAppointmentExtensionDays);
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
  setHandler(appointmentUpdate, async () => {
    await condition(() => dossier.state !== undefined && !dossier.backfilling);
    return slimOf(dossier.state!);
  });
  for (const name of Object.keys(dossierUpdates) as CommandName[]) registerCommand(dossier, name, limits);
}
