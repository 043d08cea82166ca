import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { classify } from '../domain/calendar';
import { eventIdFor } from '../domain/dossier';
import type { DossierEvent } from '../domain/events';
import {
  appointmentUpdate,
  type CompleteCommand,
  completeUpdate,
  type DossierSnapshot,
  type DossierWorkflowInput,
  dossierStateQuery,
} from './definitions';

const { computeDueInstant } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// Publishing retries until NATS is back: an event must never be lost.
const { publishDossierEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

type EventBody = Pick<DossierEvent, 'type' | 'payload' | 'occurredAt'>;

/** One dossier from receipt (tiếp nhận) to result; Temporal holds its state and clock. */
export async function dossierWorkflow(input: DossierWorkflowInput): Promise<DossierSnapshot> {
  const state: DossierSnapshot = {
    ...input,
    workflowId: workflowInfo().workflowId,
    status: 'received',
    lastSeq: 0,
  };

  // Events leave in sequence order, one at a time, whichever handler emits them.
  let outbox: Promise<void> = Promise.resolve();
  const emit = (body: EventBody): Promise<void> => {
    state.lastSeq += 1;
    const event = {
      ...body,
      id: eventIdFor(state.code, state.lastSeq),
      dossierCode: state.code,
      workflowId: state.workflowId,
      seq: state.lastSeq,
      version: 1,
    } as DossierEvent;
    outbox = outbox.then(async () => {
      await publishDossierEvent(event);
    });
    return outbox;
  };

  setHandler(dossierStateQuery, () => state);
  setHandler(appointmentUpdate, async () => {
    await condition(() => state.dueAt !== undefined);
    return state;
  });
  setHandler(
    completeUpdate,
    async (cmd: CompleteCommand) => {
      await condition(() => state.dueAt !== undefined);
      if (state.status === 'completed') throw ApplicationFailure.nonRetryable('dossier is already completed');
      const outcome = classify(new Date(state.dueAt!), new Date(cmd.completedAt));
      state.status = 'completed';
      state.completedAt = cmd.completedAt;
      state.outcome = outcome;
      await emit({
        type: 'dossier.completed',
        occurredAt: cmd.completedAt,
        payload: { completedAt: cmd.completedAt, dueAt: state.dueAt!, outcome, actor: cmd.actor },
      });
      log.info('dossier completed', { dossierCode: state.code, outcome });
      return state;
    },
    {
      validator: (cmd: CompleteCommand) => {
        if (state.status === 'completed') throw new Error('dossier is already completed');
        const completed = Date.parse(cmd?.completedAt ?? '');
        if (Number.isNaN(completed)) throw new Error('completedAt must be an ISO 8601 instant');
        if (completed < Date.parse(state.receivedAt)) throw new Error('completedAt is before receivedAt');
      },
    },
  );

  const due = await computeDueInstant({
    procedureCode: input.procedureCode,
    agencyCode: input.agencyCode,
    receivedAt: input.receivedAt,
  });
  state.dueAt = due.dueAt;
  state.warningAt = due.warningAt;
  state.calendarVersion = due.calendarVersion;
  state.provisionalCalendar = due.provisional;
  await emit({
    type: 'dossier.received',
    occurredAt: input.receivedAt,
    payload: {
      procedureCode: input.procedureCode,
      agencyCode: input.agencyCode,
      channel: input.channel,
      applicantName: input.applicantName,
      receivedAt: input.receivedAt,
      dueAt: due.dueAt,
      warningAt: due.warningAt,
      calendarVersion: due.calendarVersion,
    },
  });
  log.info('dossier received', { dossierCode: state.code, dueAt: state.dueAt });

  await condition(() => state.status === 'completed');
  await outbox;
  await condition(allHandlersFinished);
  return state;
}
