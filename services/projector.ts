import type { JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { BucketDelta } from '../domain/counters';
import { type DossierEvent, dossierEventSchema } from '../domain/events';
import { applyEvent, type DossierState } from '../domain/lifecycle';
import { raiseOperatorAlert } from './alerts/operator';
import { type ChainHead, startCheckpointPublisher } from './checkpoints';
import { type Config, eventSigningKeys, ownedPartitions } from './config';
import type { Prisma, PrismaClient } from './db';
import {
  hasUnstorableText,
  type QuarantineEntry,
  type QuarantineReason,
  quarantinedPredecessor,
  quarantineMessage,
  type StreamMessage,
  storableJson,
} from './event-quarantine';
import { readSignedEvent, streamMessageOf } from './event-reader';
import type { SigningKeys } from './event-signature';
import { chainHash, GENESIS_HASH } from './eventlog';
import type { Logger } from './logger';
import {
  consumeBatchesUntilStopped,
  consumeUntilStopped,
  type DurableSettings,
  type Nats,
  openPartitionConsumers,
} from './nats';
import { applyBucketDeltas, eventCounterDeltas, mergeBucketDeltas, recordCounters } from './rates/counters';

export type ProjectionResult = 'applied' | 'duplicate' | 'out_of_order';

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
    outcomeByInstant: state.result?.outcomeByInstant ?? null,
    outcomeByDay: state.result?.outcomeByDay ?? null,
    resultKind: state.result?.kind ?? null,
    returnedAt: date(state.returnedAt),
    componentsDigitized: state.digitization.components.length > 0,
    resultDigitized: state.digitization.result,
    // null: nothing paid (yet); a dossier counts as paid online when any payment was online.
    paidOnline: state.payments.length > 0 ? state.payments.some((p) => p.online) : null,
    ratingScore: state.rating?.score ?? null,
    backfilled: state.backfilled === true,
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

type Tx = Prisma.TransactionClient;
type Applied = { seq: number; hash: string };

/**
 * Applies one event to the read model inside `tx`. The event id is unique and the dossier row moves
 * only from seq-1 to seq, so redelivery never counts twice. The row's state is folded with the same
 * `applyEvent` the workflow uses, so both always agree. `counters` records the event's bucket deltas
 * (at once, or collected for the end of a batch).
 */
async function projectInTx(
  tx: Tx,
  event: DossierEvent,
  streamSeq: number,
  counters: (tx: Tx, event: DossierEvent, dossier: { state: unknown } | null) => Promise<void>,
  batch?: BatchCache,
): Promise<Applied | 'duplicate' | 'out_of_order'> {
  if (!batch && event.type === 'dossier.received' && event.seq === 1)
    return projectReceiptInTx(tx, event, streamSeq, counters);
  if (
    batch
      ? batch.storedIds.has(event.id)
      : await tx.dossierEvent.findUnique({ where: { id: event.id }, select: { id: true } })
  )
    return 'duplicate';
  const dossier = batch
    ? (batch.dossiers.get(event.dossierCode) ?? null)
    : await tx.dossier.findUnique({ where: { code: event.dossierCode } });
  const expected = (dossier?.lastSeq ?? 0) + 1;
  if (event.seq < expected) return 'duplicate';
  if (event.seq > expected) return 'out_of_order';
  const hash = chainHash(dossier?.lastHash ?? GENESIS_HASH, event);

  let state: DossierState;
  if (!dossier) {
    if (event.type !== 'dossier.received') {
      throw new Error(`${event.type} ${event.id} for a dossier that was never received`);
    }
    state = applyEvent(undefined, event);
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
    state = applyEvent(previous, event);
    const moved = await tx.dossier.updateMany({
      where: { code: event.dossierCode, lastSeq: event.seq - 1 },
      data: { ...dossierColumns(state), lastSeq: event.seq, lastHash: hash },
    });
    if (moved.count !== 1) throw new Error(`concurrent projection of ${event.id}`);
  }
  await counters(tx, event, dossier); // counter buckets, in this transaction (issue 10)
  const row = {
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
  };
  if (batch) {
    // Written together at the end of the batch, in this order; the batch's later events see this
    // one through the cache (the dossier row as it now is).
    batch.rows.push(row);
    batch.storedIds.add(event.id);
    batch.dossiers.set(event.dossierCode, {
      ...(dossier ?? {}),
      lastSeq: event.seq,
      lastHash: hash,
      state: state as unknown as Prisma.JsonValue,
    } as DossierRow);
  } else await tx.dossierEvent.create({ data: row });
  return { seq: event.seq, hash };
}

/**
 * `projectInTx` for the event that creates the dossier row, in three statements instead of five:
 * the row is inserted unless its code exists (`ON CONFLICT DO NOTHING`), which is exactly when the
 * receipt is a duplicate (its row and event are stored together), so nothing is read first.
 */
async function projectReceiptInTx(
  tx: Tx,
  event: Extract<DossierEvent, { type: 'dossier.received' }>,
  streamSeq: number,
  counters: (tx: Tx, event: DossierEvent, dossier: { state: unknown } | null) => Promise<void>,
): Promise<Applied | 'duplicate'> {
  const hash = chainHash(GENESIS_HASH, event);
  const state = applyEvent(undefined, event);
  const created = await tx.dossier.createMany({
    data: [
      {
        code: event.dossierCode,
        workflowId: event.workflowId,
        ...dossierColumns(state),
        lastSeq: event.seq,
        lastHash: hash,
      },
    ],
    skipDuplicates: true,
  });
  if (created.count === 0) {
    // Skipped: the code is projected already (or, never expected, its workflow id is another code's).
    if (await tx.dossier.findUnique({ where: { code: event.dossierCode }, select: { code: true } }))
      return 'duplicate';
    throw new Error(`workflow id ${event.workflowId} of ${event.id} belongs to another dossier`);
  }
  await counters(tx, event, null); // counter buckets, in this transaction (issue 10)
  await tx.dossierEvent.create({
    data: {
      id: event.id,
      dossierCode: event.dossierCode,
      seq: event.seq,
      type: event.type,
      schemaVersion: event.version,
      occurredAt: new Date(event.occurredAt),
      payload: event as object,
      prevHash: GENESIS_HASH,
      hash,
      streamSeq: BigInt(streamSeq),
    },
  });
  return { seq: event.seq, hash };
}

type DossierRow = NonNullable<Awaited<ReturnType<Tx['dossier']['findUnique']>>>;

/** What a batch transaction read once for all its events, and the event rows it writes at the end. */
interface BatchCache {
  storedIds: Set<string>;
  dossiers: Map<string, DossierRow>;
  rows: Prisma.DossierEventCreateManyInput[];
}

/** Applies one event to the read model in one transaction (see `projectInTx`). */
export async function projectEvent(
  prisma: PrismaClient,
  event: DossierEvent,
  streamSeq: number,
  onApplied?: (head: ChainHead) => void,
): Promise<ProjectionResult> {
  const result = await prisma.$transaction((tx) => projectInTx(tx, event, streamSeq, recordCounters));
  if (typeof result === 'string') return result;
  onApplied?.({ dossierCode: event.dossierCode, ...result });
  return 'applied';
}

/**
 * Applies several events (in the given order, normally one partition's stream order) in ONE
 * transaction: each exactly as `projectEvent` would, the counter deltas summed and written once per
 * bucket at the end (in the fixed bucket order, so concurrent partitions never deadlock on them and
 * hold the shared rows only for the commit). All or nothing: when any event throws, nothing is stored
 * and the caller retries them one by one. An `out_of_order` result stores nothing for that event.
 */
export async function projectBatch(
  prisma: PrismaClient,
  items: ReadonlyArray<{ event: DossierEvent; streamSeq: number }>,
  onApplied?: (head: ChainHead) => void,
): Promise<ProjectionResult[]> {
  const results = await prisma.$transaction(
    async (tx) => {
      const deltas: BucketDelta[] = [];
      const collect = async (t: Tx, event: DossierEvent, dossier: { state: unknown } | null) => {
        deltas.push(...(await eventCounterDeltas(t, event, dossier)));
      };
      // Two reads for the whole batch instead of two per event.
      const codes = [...new Set(items.map((i) => i.event.dossierCode))];
      const stored = await tx.dossierEvent.findMany({
        where: { id: { in: items.map((i) => i.event.id) } },
        select: { id: true },
      });
      const dossiers = await tx.dossier.findMany({ where: { code: { in: codes } } });
      const cache: BatchCache = {
        storedIds: new Set(stored.map((r) => r.id)),
        dossiers: new Map(dossiers.map((d) => [d.code, d])),
        rows: [],
      };
      const out: Array<Applied | 'duplicate' | 'out_of_order'> = [];
      for (const { event, streamSeq } of items)
        out.push(await projectInTx(tx, event, streamSeq, collect, cache));
      if (cache.rows.length > 0) await tx.dossierEvent.createMany({ data: cache.rows });
      await applyBucketDeltas(tx, mergeBucketDeltas(deltas));
      return out;
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  return results.map((r, i) => {
    if (typeof r === 'string') return r;
    onApplied?.({ dossierCode: items[i]!.event.dossierCode, ...r });
    return 'applied';
  });
}

/**
 * Redelivery schedule of the projector's durable consumer (JetStream `backoff`: the delay before
 * delivery n+1, the last one repeating). An event is redelivered while its predecessor is missing;
 * after `PROJECTOR_MAX_DELIVER` deliveries (about 75 minutes) it is set aside in quarantine rather
 * than retried forever. The first step is also the ack wait, so it leaves room for a batch.
 */
export const PROJECTOR_BACKOFF_MS = [5_000, 10_000, 30_000, 60_000, 120_000, 300_000];
export const PROJECTOR_MAX_DELIVER = 20;
/** The redelivery delay after delivery n (1-based), as the consumer's `backoff` schedule says. */
export const backoffFor = (deliveryCount: number): number =>
  PROJECTOR_BACKOFF_MS[Math.min(Math.max(deliveryCount, 1), PROJECTOR_BACKOFF_MS.length) - 1]!;
/** Deliveries after which a still-missing predecessor is an `event_gap` alert (about 45 s). */
const GAP_ALERT_DELIVERIES = 4;
/**
 * Unacknowledged messages the consumer may have out at once. Events waiting for a predecessor stay
 * unacknowledged until it comes; this is far above what a stuck dossier (held events are quarantined
 * and acknowledged) or a burst of gaps leaves out, so the other dossiers keep flowing.
 */
export const PROJECTOR_MAX_ACK_PENDING = 20_000;

export interface ProjectorDeps {
  config: Pick<Config, 'NATS_STREAM' | 'MOTCUA_EVENT_SIGNING_KEYS'> &
    Partial<Pick<Config, 'MOTCUA_EVENT_PARTITIONS' | 'PROJECTOR_PARTITIONS' | 'PROJECTOR_BATCH_SIZE'>>;
  logger: Logger;
  prisma: PrismaClient;
  nats: Nats;
  durableName?: string;
  /** A new consumer group starts at this stream sequence instead of the stream's beginning. */
  startSeq?: number;
}

export interface RunningProjector {
  /** Resolves when the consume loop has ended. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export type MessageOutcome =
  | { action: 'ack'; result: 'applied' | 'duplicate'; event: DossierEvent }
  | { action: 'term'; quarantined: QuarantineReason }
  | { action: 'nak'; reason: 'out_of_order' | 'projection_failed' }
  | { action: 'retry'; reason: 'database_unavailable' };

/**
 * What the projector does with one message of the stream, whatever its content: project it,
 * wait for its predecessor (nak: JetStream redelivers on the consumer's backoff), or store it in
 * quarantine with an operator alert (term) when it is unsigned or mis-signed, unreadable (a newer
 * version, not JSON), held behind a quarantined event of its dossier, or still without its
 * predecessor at its last delivery. Text PostgreSQL cannot store (NUL, lone surrogates) is projected
 * with U+FFFD in its place and the raw message kept in quarantine. Never throws for the message's
 * content; `retry` means the database itself did not answer.
 */
export async function processMessage(
  deps: {
    prisma: PrismaClient;
    keys: SigningKeys;
    maxDeliver?: number;
    /** Told the new chain head after each applied event (checkpoints). */
    onApplied?: (head: ChainHead) => void;
  },
  msg: StreamMessage,
  /** Already projected in a batch that found its predecessor missing: decide what to do only. */
  known?: 'out_of_order',
): Promise<MessageOutcome> {
  const { prisma, keys } = deps;
  const maxDeliver = deps.maxDeliver ?? PROJECTOR_MAX_DELIVER;
  const quarantine = async (entry: QuarantineEntry): Promise<MessageOutcome> => {
    await quarantineMessage(prisma, msg, entry);
    return { action: 'term', quarantined: entry.reason };
  };

  const read = readSignedEvent(keys, msg);
  if (!read.ok) {
    return quarantine({
      reason: read.reason,
      detail: read.detail,
      ...read.envelope,
      authentic: read.reason === 'unreadable',
    });
  }
  const envelope = read.envelope;
  let event = read.event;
  if (hasUnstorableText(event)) {
    await quarantineMessage(prisma, msg, {
      reason: 'unstorable_text',
      detail: 'NUL or lone surrogate replaced by U+FFFD in the projected event',
      ...envelope,
      authentic: true,
      resolution: 'projected_sanitized',
    });
    event = storableJson(event);
  }

  let result: ProjectionResult;
  try {
    result = known ?? (await projectEvent(prisma, event, msg.streamSeq, deps.onApplied));
  } catch (err) {
    if (!(await databaseAnswers(prisma))) return { action: 'retry', reason: 'database_unavailable' };
    if (msg.deliveryCount >= maxDeliver) {
      return quarantine({ reason: 'projection_failed', detail: String(err), ...envelope, authentic: true });
    }
    return { action: 'nak', reason: 'projection_failed' };
  }
  if (result !== 'out_of_order') return { action: 'ack', result, event };

  const blocking = await quarantinedPredecessor(prisma, event.dossierCode, event.seq);
  if (blocking) {
    return quarantine({
      reason: 'held_behind_quarantined',
      detail: `event ${blocking.seq} of this dossier is in quarantine (${blocking.reason})`,
      ...envelope,
      authentic: true,
    });
  }
  if (msg.deliveryCount >= maxDeliver) {
    return quarantine({
      reason: 'gap',
      detail: `predecessor still missing after ${msg.deliveryCount} deliveries`,
      ...envelope,
      authentic: true,
    });
  }
  if (msg.deliveryCount >= GAP_ALERT_DELIVERIES) {
    await raiseOperatorAlert(prisma, {
      kind: 'event_gap',
      sourceId: event.id,
      dossierCode: event.dossierCode,
      details: { waiting: event.id, seq: event.seq, deliveries: msg.deliveryCount, subject: msg.subject },
    });
  }
  return { action: 'nak', reason: 'out_of_order' };
}

async function databaseAnswers(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/** The durable consumers' settings (applied on creation and brought up to date on start). */
export function projectorConsumerSettings(): DurableSettings {
  return {
    ack_wait: nanos(PROJECTOR_BACKOFF_MS[0]!),
    backoff: PROJECTOR_BACKOFF_MS.map((ms) => nanos(ms)),
    max_deliver: PROJECTOR_MAX_DELIVER,
    max_ack_pending: PROJECTOR_MAX_ACK_PENDING,
  };
}

/**
 * The projector: one durable pull consumer per owned partition of DOSSIER_EVENTS (plus the
 * pre-partition subjects for the owner of partition 0), explicit acks. Each partition is projected in
 * stream order, the partitions in parallel; what has already arrived on a partition is applied in
 * batches of up to PROJECTOR_BATCH_SIZE events per transaction (`projectBatch`), acknowledged after
 * the commit.
 */
export async function startProjector({
  config,
  logger,
  prisma,
  nats,
  durableName = 'projector',
  startSeq,
}: ProjectorDeps): Promise<RunningProjector> {
  const log = logger.child({ consumer: durableName });
  const keys = eventSigningKeys(config);
  const batchSize = config.PROJECTOR_BATCH_SIZE ?? 32;
  const consumers = await openPartitionConsumers(
    nats,
    config.NATS_STREAM,
    durableName,
    ownedPartitions(config, 'PROJECTOR_PARTITIONS'),
    projectorConsumerSettings(),
    log,
    startSeq,
  );
  const checkpoints = await startCheckpointPublisher(nats, config.NATS_STREAM, log);
  let stopping = false;

  const handle = async (m: JsMsg, known?: 'out_of_order') => {
    const msg = streamMessageOf(m);
    for (;;) {
      let outcome: MessageOutcome;
      try {
        outcome = await processMessage({ prisma, keys, onApplied: checkpoints.applied }, msg, known);
        known = undefined; // a `retry` projects again
      } catch (err) {
        // The quarantine or alert write failed: the database is in trouble, not the message.
        log.error({ streamSeq: m.seq, err }, 'could not record the message, redelivering later');
        m.nak(backoffFor(msg.deliveryCount));
        return;
      }
      const ctx = { streamSeq: m.seq, subject: m.subject, deliveries: msg.deliveryCount };
      switch (outcome.action) {
        case 'ack':
          await m.ackAck();
          log.debug({ ...ctx, eventId: outcome.event.id, result: outcome.result }, 'event projected');
          return;
        case 'term':
          m.term(); // no reason text: servers before 2.10 ignore a TERM that has one
          log.error({ ...ctx, reason: outcome.quarantined }, 'event quarantined, operator alert raised');
          return;
        case 'nak':
          // The delay of the consumer's backoff for this delivery, given explicitly: servers before
          // 2.10 apply `backoff` to ack timeouts only and redeliver a bare nak at once.
          m.nak(backoffFor(msg.deliveryCount));
          if (outcome.reason === 'out_of_order' && msg.deliveryCount >= GAP_ALERT_DELIVERIES)
            log.error(ctx, 'event gap: predecessor still missing');
          else log.warn({ ...ctx, reason: outcome.reason }, 'event not projected yet, redelivering later');
          return;
        case 'retry':
          // The database is down: every message would fail; wait here (the message stays ours).
          log.warn(ctx, 'database unavailable, waiting before projecting again');
          while (!stopping && !(await databaseAnswers(prisma))) {
            m.working();
            await new Promise((r) => setTimeout(r, 1000));
          }
          if (stopping) return;
      }
    }
  };

  /**
   * A partition's messages in stream order: runs of signed, readable, storable events go through
   * `projectBatch` (one transaction); anything else, a failed batch, and events still waiting for
   * their predecessor take the one-message path above (quarantine, gap alert, backoff).
   */
  const handleBatch = async (batch: JsMsg[]) => {
    let i = 0;
    while (i < batch.length) {
      const run: Array<{ m: JsMsg; event: DossierEvent; streamSeq: number }> = [];
      while (i < batch.length) {
        const m = batch[i]!;
        const msg = streamMessageOf(m);
        // A redelivery (waiting for its predecessor, or after a failure) takes the one-message path.
        if (msg.deliveryCount > 1) break;
        const read = readSignedEvent(keys, msg);
        if (!read.ok || hasUnstorableText(read.event)) break;
        run.push({ m, event: read.event, streamSeq: m.seq });
        i++;
      }
      if (run.length <= 1) {
        await handle(run[0]?.m ?? batch[i++]!);
        continue;
      }
      let results: ProjectionResult[] | undefined;
      try {
        results = await projectBatch(prisma, run, checkpoints.applied);
      } catch (err) {
        log.warn({ events: run.length, err }, 'batch not projected, projecting its events one by one');
      }
      if (!results) {
        for (const r of run) await handle(r.m);
        continue;
      }
      await Promise.all(
        run.map(async (r, k) => {
          if (results[k] === 'out_of_order') return;
          try {
            await r.m.ackAck();
          } catch (err) {
            // Stored already: the redelivery is a duplicate and is acknowledged then.
            log.warn({ streamSeq: r.m.seq, err }, 'ack not confirmed');
          }
        }),
      );
      for (const [k, r] of run.entries())
        if (results[k] === 'out_of_order') await handle(r.m, 'out_of_order');
    }
  };

  const loops = consumers.map((c) =>
    batchSize > 1
      ? consumeBatchesUntilStopped(
          c.consumer,
          handleBatch,
          log.child({ durable: c.name }),
          batchSize,
          batchSize,
        )
      : consumeUntilStopped(c.consumer, handle, log.child({ durable: c.name }), 64),
  );

  return {
    done: Promise.all(loops.map((l) => l.done)).then(() => {}),
    stop: async () => {
      stopping = true;
      await Promise.all(loops.map((l) => l.stop()));
      await checkpoints.stop();
    },
  };
}

/**
 * Re-projects quarantined events of our own workers (signature valid) in order, e.g. after the
 * upgrade that reads a newer event version: each one that now applies (or was already there) is
 * marked resolved, so the dossier's held events follow. Forged or unsigned messages stay.
 */
export async function releaseQuarantined(
  prisma: PrismaClient,
  keys: SigningKeys,
  opts: { dossierCode?: string } = {},
): Promise<{ released: string[]; remaining: number }> {
  const rows = await prisma.eventQuarantine.findMany({
    where: {
      resolvedAt: null,
      authentic: true,
      ...(opts.dossierCode ? { dossierCode: opts.dossierCode } : {}),
    },
    orderBy: [{ dossierCode: 'asc' }, { seq: 'asc' }, { streamSeq: 'asc' }],
  });
  const released: string[] = [];
  for (const row of rows) {
    const read = readSignedEvent(keys, {
      subject: row.subject,
      data: Buffer.from(row.raw),
      headers: row.headers as Record<string, string[]>,
    });
    if (!read.ok) continue;
    const result = await projectEvent(prisma, storableJson(read.event), Number(row.streamSeq));
    if (result === 'out_of_order') continue;
    await prisma.eventQuarantine.update({
      where: { stream_streamSeq: { stream: row.stream, streamSeq: row.streamSeq } },
      data: { resolvedAt: new Date(), resolution: 'projected' },
    });
    released.push(read.event.id);
  }
  const remaining = await prisma.eventQuarantine.count({
    where: { resolvedAt: null, ...(opts.dossierCode ? { dossierCode: opts.dossierCode } : {}) },
  });
  return { released, remaining };
}
