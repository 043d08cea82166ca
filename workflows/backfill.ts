import type { Activities } from '../activities';
import type { Command, CommandName } from '../domain/commands';
import type { DossierEventBody } from '../domain/events';
import { checkNewAppointment, isInstantInRange, lastEventInstant } from '../domain/instants';
import {
  type DossierState,
  TransitionRejected,
  validateCommand,
  validateCommandRules,
} from '../domain/lifecycle';
import type { BackfillAction, DossierWorkflowInput } from './definitions';
import { type DeadlinePort, type Decided, decideWith } from './handlers';
import { nextTimer, timerEvent } from './timers';

/**
 * Backfill (admin): a dossier from an older system, recorded at its historical instants. One pure
 * fold over the lifecycle, run twice with different ports: by the API as a dry run against the
 * deadline functions themselves (a refused action answers 4xx and nothing starts), then by the
 * workflow against its activities, recording each event with `backfilled: true`.
 *
 * Before each action, the alarms that fell due while the dossier was still pending are emitted at
 * their own instants (due_soon, overdue, step_overdue); after the last action the dossier continues
 * live, so one still open and past due goes overdue at once.
 */
export type BackfillPort = DeadlinePort & Pick<Activities, 'planDossier'>;
export type DossierPlan = Awaited<ReturnType<Activities['planDossier']>>;

/** Where the fold records: the workflow's outbox, or the dry run's state. */
export interface Recorder {
  readonly state: DossierState | undefined;
  emit(body: DossierEventBody, opts: { backfilled: boolean }): Promise<void>;
}

/** The first action the dossier could not take, with its index in `actions` (-1: the receipt). */
export class BackfillRefused extends Error {
  override readonly name = 'BackfillRefused';
  constructor(
    readonly index: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How many days an apology may move the appointment when the input pins nothing. */
const DEFAULT_EXTENSION_DAYS = 365;

async function recordDueTimers(recorder: Recorder, before: number): Promise<void> {
  for (;;) {
    const state = recorder.state!;
    const timer = nextTimer(state);
    if (!timer || Date.parse(timer.at) >= before) return;
    const body = timerEvent(state, timer);
    if (!body) return;
    await recorder.emit(body, { backfilled: true });
  }
}

/** Checks one historical action; throws BackfillRefused with its index. */
function checkAction(
  state: DossierState,
  action: BackfillAction,
  index: number,
  nowMs: number,
  extensionDays: number,
) {
  const at = Date.parse(action.command.at);
  try {
    if (!isInstantInRange(at)) {
      throw new TransitionRejected('instant_out_of_range', 'Thời điểm nằm ngoài phạm vi lịch (1900–2199).');
    }
    if (at > nowMs) throw new TransitionRejected('instant_in_future', 'Thời điểm thao tác ở tương lai.');
    if (at < lastEventInstant(state)) {
      throw new TransitionRejected(
        'instant_before_last_event',
        'Thời điểm thao tác trước sự kiện trước đó của hồ sơ.',
      );
    }
    validateCommand(state, action.name, action.command as Command<CommandName>);
    validateCommandRules(state, action.name, action.command as Command<CommandName>);
    if (action.name === 'issueApology') checkNewAppointment(state, action.command.newDueAt, extensionDays);
    if (action.name === 'reportDelay')
      checkNewAppointment(state, action.command.proposedDueAt, extensionDays);
  } catch (err) {
    if (err instanceof TransitionRejected) throw new BackfillRefused(index, err.code, err.message);
    throw err;
  }
}

/**
 * Records receipt and every action in order (see above). `receipt` builds the `dossier.received`
 * body from the plan exactly as a live intake does. `nowMs` bounds the instants: history only.
 */
export async function foldBackfill(
  recorder: Recorder,
  port: BackfillPort,
  input: DossierWorkflowInput,
  receipt: (input: DossierWorkflowInput, plan: DossierPlan) => DossierEventBody,
  nowMs: number,
): Promise<void> {
  const actions = input.backfill?.actions ?? [];
  if (Date.parse(input.receivedAt) > nowMs) {
    throw new BackfillRefused(-1, 'instant_in_future', 'Thời điểm tiếp nhận ở tương lai.');
  }
  const plan = await port.planDossier({
    procedureCode: input.procedureCode,
    agencyCode: input.agencyCode,
    receivedAt: input.receivedAt,
  });
  await recorder.emit(receipt(input, plan), { backfilled: true });
  const decide = decideWith(port);
  const extensionDays = input.instantLimits?.maxAppointmentExtensionDays ?? DEFAULT_EXTENSION_DAYS;
  for (const [index, action] of actions.entries()) {
    const at = Date.parse(action.command.at);
    await recordDueTimers(recorder, at);
    checkAction(recorder.state!, action, index, nowMs, extensionDays);
    const command = action.command as Decided<CommandName>;
    let body: DossierEventBody;
    try {
      body = await (
        decide[action.name] as (s: DossierState, c: Decided<CommandName>) => Promise<DossierEventBody>
      )(recorder.state!, command);
    } catch (err) {
      // A deadline function refused the action's input (e.g. an unknown agency).
      const failure = (err as { cause?: { type?: string }; type?: string }) ?? {};
      const type = failure.type ?? failure.cause?.type;
      if (type) throw new BackfillRefused(index, type, (err as Error).message);
      throw err;
    }
    await recorder.emit(body, { backfilled: true });
  }
}
