import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { type DossierEvent, dossierEventSchema } from '../domain/events';
import { applyEvent, type DossierState } from '../domain/lifecycle';
import type { Config } from './config';
import type { Prisma, PrismaClient } from './db';
import { chainHash, GENESIS_HASH } from './eventlog';
import type { Logger } from './logger';
import type { Nats } from './nats';
import { recordCounters } from './rates/counters';

export type ProjectionResult = 'applied' | 'duplicate' | 'out_of_order';

/** Redeliveries (about a second apart) before a missing predecessor is reported as a gap. */
const GAP_ALERT_DELIVERIES = 60;

type DossierColumns = Omit<
  Prisma.DossierUncheckedCreateInput,
  'code' | 'workflowId' | 'lastSeq' | 'lastHash' | 'updatedAt' | 'events'
>;

/**
 * The read-model columns of a dossier state: what lists filter on (status, agencies, clock flags,
 * outcome, digitization, payment, rating) plus the whole state as JSON for `GET /v1/dossiers/:code`.
 */
export function dossierColumns(state: DossierState): DossierColumns {
  const date = (iso: string | undefined | null) => (iso ? new Date(iso) : null);
  return {
    procedureCode: state.procedureCode,
    agencyCode: state.agencyCode,
    channel: state.channel,
    applicantName: state.applicantName,
    status: state.status,
    receivedAt: new Date(state.receivedAt),
    dueAt: new Date(state.dueAt),
    originalDueAt: date(state.originalDueAt),
    warningAt: date(state.warningAt),
    calendarVersion: state.calendarVersion,
    currentStep: state.currentStep,
    currentAgencyCode: state.currentAgencyCode || null,
    participants: state.participants,
    pausedAt: date(state.pausedAt),
    dueSoon: state.dueSoon,
    overdue: state.overdue,
    apologyIssuedAt: date(state.apology?.at),
    completedAt: date(state.result?.readyAt),
    outcome: state.result?.outcome ?? null,
    resultKind: state.result?.kind ?? null,
    returnedAt: date(state.returnedAt),
    componentsDigitized: state.digitization.components.length > 0,
    resultDigitized: state.digitization.result,
    // null: nothing paid (yet); a dossier counts as paid online when any payment was online.
    paidOnline: state.payments.length > 0 ? state.payments.some((p) => p.online) : null,
    ratingScore: state.rating?.score ?? null,
    state: state as unknown as Prisma.InputJsonValue,
  };
}

/** Re-derives a dossier's state from its stored events (rows projected before `state` existed). */
export async function foldStoredEvents(
  prisma: Pick<PrismaClient, 'dossierEvent'>,
  dossierCode: string,
): Promise<DossierState | undefined> {
  const rows = await prisma.dossierEvent.findMany({ where: { dossierCode }, orderBy: { seq: 'asc' } });
  let state: DossierState | undefined;
  for (const row of rows) {
    const parsed = dossierEventSchema.safeParse(row.payload);
    // Events of retired types (the first slice's dossier.completed) have no place in the new state.
    if (parsed.success) state = applyEvent(state, parsed.data);
  }
  return state;
}

/**
 * Applies one event to the read model in one transaction. The event id is unique and the
 * dossier row moves only from seq-1 to seq, so redelivery never counts twice. The row's state is
 * folded with the same `applyEvent` the workflow uses, so both always agree.
 */
export async function projectEvent(
  prisma: PrismaClient,
  event: DossierEvent,
  streamSeq: number,
): Promise<ProjectionResult> {
  return prisma.$transaction(async (tx) => {
    if (await tx.dossierEvent.findUnique({ where: { id: event.id }, select: { id: true } }))
      return 'duplicate';
    const dossier = await tx.dossier.findUnique({ where: { code: event.dossierCode } });
    const expected = (dossier?.lastSeq ?? 0) + 1;
    if (event.seq < expected) return 'duplicate';
    if (event.seq > expected) return 'out_of_order';
    const hash = chainHash(dossier?.lastHash ?? GENESIS_HASH, event);

    if (!dossier) {
      if (event.type !== 'dossier.received') {
        throw new Error(`${event.type} ${event.id} for a dossier that was never received`);
      }
      const state = applyEvent(undefined, event);
      await tx.dossier.create({
        data: {
          code: event.dossierCode,
          workflowId: event.workflowId,
          ...dossierColumns(state),
          lastSeq: event.seq,
          lastHash: hash,
        },
      });
    } else {
      const previous =
        (dossier.state as unknown as DossierState | null) ?? (await foldStoredEvents(tx, event.dossierCode));
      const state = applyEvent(previous, event);
      const moved = await tx.dossier.updateMany({
        where: { code: event.dossierCode, lastSeq: event.seq - 1 },
        data: { ...dossierColumns(state), lastSeq: event.seq, lastHash: hash },
      });
      if (moved.count !== 1) throw new Error(`concurrent projection of ${event.id}`);
    }
    await recordCounters(tx, event, dossier); // counter buckets, in this transaction (issue 10)
    await tx.dossierEvent.create({
      data: {
        id: event.id,
        dossierCode: event.dossierCode,
        seq: event.seq,
        type: event.type,
        schemaVersion: event.version,
        occurredAt: new Date(event.occurredAt),
        payload: event as object,
        prevHash: dossier?.lastHash ?? GENESIS_HASH,
        hash,
        streamSeq: BigInt(streamSeq),
      },
    });
    return 'applied';
  });
}

export interface ProjectorDeps {
  config: Pick<Config, 'NATS_STREAM'>;
  logger: Logger;
  prisma: PrismaClient;
  nats: Nats;
  durableName?: string;
}

export interface RunningProjector {
  /** Resolves when the consume loop has ended. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Durable pull consumer DOSSIER_EVENTS → PostgreSQL read model; explicit acks. */
export async function startProjector({
  config,
  logger,
  prisma,
  nats,
  durableName = 'projector',
}: ProjectorDeps): Promise<RunningProjector> {
  const log = logger.child({ consumer: durableName });
  try {
    await nats.jsm.consumers.info(config.NATS_STREAM, durableName);
  } catch {
    await nats.jsm.consumers.add(config.NATS_STREAM, {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 1000,
    });
    log.info('durable consumer created');
  }
  const consumer = await nats.js.consumers.get(config.NATS_STREAM, durableName);
  let messages: ConsumerMessages | undefined;
  let stopping = false;

  const handle = async (m: JsMsg) => {
    let event: DossierEvent;
    try {
      event = dossierEventSchema.parse(m.json());
    } catch (err) {
      log.error({ streamSeq: m.seq, subject: m.subject, err }, 'invalid dossier event, terminated');
      m.term('invalid event');
      return;
    }
    const ctx = { dossierCode: event.dossierCode, workflowId: event.workflowId, eventId: event.id };
    try {
      const result = await projectEvent(prisma, event, m.seq);
      if (result === 'out_of_order') {
        // Normally the predecessor is just behind (redelivery). Still missing after a minute of
        // retries means a gap in the log: an operator must look (the read model is stuck there).
        const deliveries = m.info.deliveryCount;
        if (deliveries >= GAP_ALERT_DELIVERIES && deliveries % GAP_ALERT_DELIVERIES === 0) {
          log.error({ ...ctx, seq: event.seq, deliveries }, 'event gap: predecessor still missing');
        } else {
          log.warn({ ...ctx, deliveries }, 'event ahead of its predecessor, redelivering later');
        }
        m.nak(1000);
        return;
      }
      await m.ackAck();
      log.debug({ ...ctx, result }, 'event projected');
    } catch (err) {
      log.error({ ...ctx, err }, 'projection failed, redelivering later');
      m.nak(2000);
    }
  };

  const done = (async () => {
    while (!stopping) {
      try {
        messages = await consumer.consume({ max_messages: 256 });
        for await (const m of messages) await handle(m);
      } catch (err) {
        if (stopping) break;
        log.error({ err }, 'consume loop failed, restarting');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();

  return {
    done,
    stop: async () => {
      stopping = true;
      await messages?.close();
      await done;
    },
  };
}
