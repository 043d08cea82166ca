import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ALERT_SUBJECT_PREFIX } from '../domain/alerts';
import { DOSSIER_SUBJECT_PREFIX } from '../domain/events';
import { formatPartitionSet, LEGACY_FILTERS, partitionFilter } from '../domain/partitions';
import type { Config } from './config';
import type { Logger } from './logger';

export type { JetStreamClient, JetStreamManager, NatsConnection };

export interface Nats {
  nc: NatsConnection;
  /** NATS_STREAM_REPLICAS: replicas of the streams motcua creates. */
  replicas: number;
  js: JetStreamClient;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

/** The one NATS helper: connects and makes sure the dossier event stream exists with our settings. */
export async function connectNats(
  config: Pick<
    Config,
    | 'NATS_URL'
    | 'NATS_STREAM'
    | 'NATS_DUPLICATE_WINDOW_HOURS'
    | 'NATS_USER'
    | 'NATS_PASSWORD'
    | 'NATS_TLS_CA_FILE'
  > &
    Partial<Pick<Config, 'NATS_STREAM_REPLICAS'>>,
  logger: Logger,
  name = 'motcua',
): Promise<Nats> {
  const replicas = config.NATS_STREAM_REPLICAS ?? 1;
  const nc = await connect({
    servers: config.NATS_URL.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD } : {}),
    ...(config.NATS_TLS_CA_FILE ? { tls: { caFile: config.NATS_TLS_CA_FILE } } : {}),
  });
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect')
        logger.warn({ nats: s.type }, 'nats connection status');
    }
  })().catch(() => {});
  const jsm = await jetstreamManager(nc);
  await ensureDossierStream(jsm, { ...config, NATS_STREAM_REPLICAS: replicas }, logger);
  return {
    nc,
    replicas,
    js: jetstream(nc),
    jsm,
    close: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}

async function ensureDossierStream(
  jsm: JetStreamManager,
  config: Pick<Config, 'NATS_STREAM' | 'NATS_DUPLICATE_WINDOW_HOURS' | 'NATS_STREAM_REPLICAS'>,
  logger: Logger,
): Promise<void> {
  // Wider than Temporal's activity retry tail so a retried publish is still deduplicated.
  const duplicateWindow = nanos(config.NATS_DUPLICATE_WINDOW_HOURS * 3_600_000);
  const wanted = {
    name: config.NATS_STREAM,
    subjects: [`${DOSSIER_SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: duplicateWindow,
    num_replicas: config.NATS_STREAM_REPLICAS,
  };
  try {
    const info = await jsm.streams.info(config.NATS_STREAM);
    if (info.config.duplicate_window !== duplicateWindow) {
      await jsm.streams.update(config.NATS_STREAM, { duplicate_window: duplicateWindow });
      logger.info({ stream: config.NATS_STREAM }, 'stream duplicate window updated');
    }
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    await jsm.streams.add(wanted);
    logger.info({ stream: config.NATS_STREAM }, 'stream created');
  }
}

function isStreamNotFound(err: unknown): boolean {
  const e = err as { code?: number | string; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || /stream not found/i.test(e?.message ?? '');
}

/**
 * The alert stream (`alerts.<agency>.<kind>`), for other systems and the SSE feed. Alerts are
 * small and matter for weeks: keep 90 days.
 */
export async function ensureAlertStream(
  jsm: JetStreamManager,
  config: Pick<Config, 'NATS_ALERT_STREAM' | 'NATS_DUPLICATE_WINDOW_HOURS'> &
    Partial<Pick<Config, 'NATS_STREAM_REPLICAS'>>,
): Promise<void> {
  try {
    await jsm.streams.info(config.NATS_ALERT_STREAM);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    await jsm.streams.add({
      name: config.NATS_ALERT_STREAM,
      subjects: [`${ALERT_SUBJECT_PREFIX}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(90 * 24 * 3_600_000),
      num_replicas: config.NATS_STREAM_REPLICAS ?? 1,
      duplicate_window: nanos(config.NATS_DUPLICATE_WINDOW_HOURS * 3_600_000),
    });
  }
}

/**
 * The consume loop every durable consumer of motcua runs: messages one at a time through
 * `handle`, the subscription re-opened after a failure, until `stop()`.
 */
export function consumeUntilStopped(
  consumer: Consumer,
  handle: (m: JsMsg) => Promise<void>,
  logger: Logger,
  maxMessages: number,
): { done: Promise<void>; stop(): Promise<void> } {
  return consumeBatchesUntilStopped(
    consumer,
    async (batch) => {
      for (const m of batch) await handle(m);
    },
    logger,
    maxMessages,
    1,
  );
}

/** What a durable consumer of the dossier stream may tune; the rest is fixed at creation. */
export interface DurableSettings {
  ack_wait: number;
  backoff: number[];
  max_deliver: number;
  max_ack_pending: number;
}

/** Redelivery delays after a failure (JetStream `backoff`) of the alerts and letters consumers; the last repeats. */
export const REDELIVERY_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000] as const;

/**
 * Settings of a consumer that must act on every event (alerts, letters): redelivered after
 * `REDELIVERY_BACKOFF_MS`, and never given up on (after the list, every minute until it goes through).
 */
export function redeliveringConsumerSettings(ackWaitMs: number): DurableSettings {
  return {
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: 1000,
    backoff: REDELIVERY_BACKOFF_MS.map((ms) => nanos(ms)),
    max_deliver: 100_000,
  };
}

/** The delay before the next delivery of a message that failed `deliveryCount` times (explicit: nats-server 2.9 redelivers a bare nak at once). */
export const redeliveryDelayMs = (deliveryCount: number) =>
  REDELIVERY_BACKOFF_MS[Math.min(Math.max(0, deliveryCount - 1), REDELIVERY_BACKOFF_MS.length - 1)]!;

function isConsumerNotFound(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10014 || /consumer not found/i.test(e?.message ?? '');
}

/**
 * The one way motcua makes sure a durable pull consumer exists (explicit acks): created with
 * `wanted` when missing; when present, its tunable settings (ack wait, backoff, max deliver, max ack
 * pending) are brought up to date. The filter and the start position stay as created (NATS 2.9
 * cannot change them).
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  stream: string,
  wanted: DurableSettings & { durable_name: string } & Partial<
      Pick<ConsumerConfig, 'filter_subject' | 'deliver_policy' | 'opt_start_seq'>
    >,
  logger: Logger,
): Promise<'created' | 'updated' | 'unchanged'> {
  const log = logger.child({ durable: wanted.durable_name });
  try {
    const c = (await jsm.consumers.info(stream, wanted.durable_name)).config;
    if (
      c.ack_wait === wanted.ack_wait &&
      c.max_deliver === wanted.max_deliver &&
      c.max_ack_pending === wanted.max_ack_pending &&
      JSON.stringify(c.backoff ?? []) === JSON.stringify(wanted.backoff)
    )
      return 'unchanged';
    await jsm.consumers.update(stream, wanted.durable_name, {
      ack_wait: wanted.ack_wait,
      backoff: wanted.backoff,
      max_deliver: wanted.max_deliver,
      max_ack_pending: wanted.max_ack_pending,
    });
    log.info('durable consumer settings updated');
    return 'updated';
  } catch (err) {
    if (!isConsumerNotFound(err)) throw err;
    await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...wanted,
    });
    log.info({ filter: wanted.filter_subject }, 'durable consumer created');
    return 'created';
  }
}

const startAt = (seq: number | undefined) =>
  seq === undefined ? {} : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq };

/** One durable consumer of a group: a partition, or the pre-partition subjects. */
export interface PartitionConsumer {
  name: string;
  /** The partition, or `legacy` for the subjects published before partitioning. */
  partition: number | 'legacy';
  consumer: Consumer;
}

/**
 * The durable consumers of one consumer group (`projector`, `alerts`, `letters`) that this process
 * owns: `<group>-p<k>` on `dossier.*.*.<k>` for each owned partition k, and, for the owner of
 * partition 0, `<group>-legacy-agency` (`dossier.*.*`) and `<group>-legacy-kind` (`dossier.*`),
 * which read what was published before partitioning. When the group's pre-partition durable
 * (`<group>`, unfiltered) exists, the legacy consumers start where it had acknowledged everything,
 * so an upgrade neither loses nor replays the old subjects' history.
 */
export async function openPartitionConsumers(
  nats: Pick<Nats, 'js' | 'jsm'>,
  stream: string,
  group: string,
  partitions: readonly number[],
  settings: DurableSettings,
  logger: Logger,
  /** For a NEW group that must not read the stream's history: where its consumers start. */
  startSeq?: number,
): Promise<PartitionConsumer[]> {
  const specs: Array<{
    name: string;
    partition: number | 'legacy';
    filter: string;
    legacy: boolean;
  }> = partitions.map((p) => ({
    name: `${group}-p${p}`,
    partition: p,
    filter: partitionFilter(p),
    legacy: false,
  }));
  if (partitions.includes(0))
    for (const l of LEGACY_FILTERS)
      specs.push({ name: `${group}-${l.suffix}`, partition: 'legacy', filter: l.filter, legacy: true });
  let legacyStart: number | undefined;
  if (specs.some((s) => s.legacy)) {
    try {
      const old = await nats.jsm.consumers.info(stream, group);
      legacyStart = old.ack_floor.stream_seq + 1;
    } catch (err) {
      if (!isConsumerNotFound(err)) throw err;
    }
  }
  const out: PartitionConsumer[] = [];
  for (const spec of specs) {
    await ensureDurableConsumer(
      nats.jsm,
      stream,
      {
        ...settings,
        durable_name: spec.name,
        filter_subject: spec.filter,
        ...startAt(spec.legacy && legacyStart !== undefined ? legacyStart : startSeq),
      },
      logger,
    );
    out.push({
      name: spec.name,
      partition: spec.partition,
      consumer: await nats.js.consumers.get(stream, spec.name),
    });
  }
  logger.info(
    { group, partitions: formatPartitionSet(partitions), legacy: partitions.includes(0) },
    'consuming dossier event partitions',
  );
  return out;
}

/**
 * `consumeUntilStopped` over every consumer of a group (each partition in order, the partitions in
 * parallel), stopped together.
 */
export function consumeAllUntilStopped(
  consumers: readonly PartitionConsumer[],
  handle: (m: JsMsg) => Promise<void>,
  logger: Logger,
  maxMessages: number,
): { done: Promise<void>; stop(): Promise<void> } {
  const loops = consumers.map((c) =>
    consumeUntilStopped(c.consumer, handle, logger.child({ durable: c.name }), maxMessages),
  );
  return {
    done: Promise.all(loops.map((l) => l.done)).then(() => {}),
    stop: async () => {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}

/**
 * Like `consumeUntilStopped`, but hands over what has already arrived as one batch (up to
 * `maxBatch`, in stream order): a backlog is processed in batches, a trickle one message at a time,
 * with no added latency. At most `maxBatch` messages wait in memory besides the client's
 * `maxMessages` prefetch, so nothing waits long enough to pass its ack wait.
 */
export function consumeBatchesUntilStopped(
  consumer: Consumer,
  handleBatch: (batch: JsMsg[]) => Promise<void>,
  logger: Logger,
  maxMessages: number,
  maxBatch: number,
): { done: Promise<void>; stop(): Promise<void> } {
  let messages: ConsumerMessages | undefined;
  let stopping = false;
  const done = (async () => {
    while (!stopping) {
      const queue: JsMsg[] = [];
      let wake: (() => void) | undefined;
      let drained: (() => void) | undefined;
      let ended = false;
      let failure: unknown;
      const worker = (async () => {
        for (;;) {
          if (queue.length === 0) {
            if (ended) return;
            await new Promise<void>((r) => {
              wake = r;
            });
            wake = undefined;
            continue;
          }
          const batch = queue.splice(0, maxBatch);
          drained?.();
          await handleBatch(batch);
        }
      })().catch(async (err) => {
        failure = err;
        drained?.();
        await messages?.close();
      });
      try {
        messages = await consumer.consume({ max_messages: maxMessages });
        for await (const m of messages) {
          queue.push(m);
          wake?.();
          while (queue.length >= maxBatch && !stopping && failure === undefined) {
            await new Promise<void>((r) => {
              drained = r;
            });
            drained = undefined;
          }
        }
      } catch (err) {
        failure = err;
      }
      ended = true;
      wake?.();
      await worker;
      if (stopping) break;
      if (failure) logger.error({ err: failure }, 'consume loop failed, restarting');
      await new Promise((r) => setTimeout(r, 1000));
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

/** Whether a durable name belongs to a consumer group (`<group>-p<k>`, `<group>-legacy-…`). */
export function isGroupConsumer(group: string, name: string): boolean {
  return (
    name.startsWith(`${group}-`) && /^(p\d+|legacy-agency|legacy-kind)$/.test(name.slice(group.length + 1))
  );
}

/**
 * The state of a consumer group summed over its durable consumers (every partition, whoever owns
 * it): what is still to deliver and what is delivered but unacknowledged. `caughtUp` when both are 0.
 */
export async function consumerGroupState(
  jsm: JetStreamManager,
  stream: string,
  group: string,
): Promise<{ consumers: string[]; numPending: number; numAckPending: number; caughtUp: boolean }> {
  const infos = await groupConsumers(jsm, stream, group);
  const numPending = infos.reduce((n, c) => n + c.num_pending, 0);
  const numAckPending = infos.reduce((n, c) => n + c.num_ack_pending, 0);
  return {
    consumers: infos.map((c) => c.name).sort(),
    numPending,
    numAckPending,
    caughtUp: infos.length > 0 && numPending === 0 && numAckPending === 0,
  };
}

/** Deletes every durable consumer of a group (tests, or an operator retiring a group). */
export async function deleteConsumerGroup(
  jsm: JetStreamManager,
  stream: string,
  group: string,
): Promise<void> {
  const infos = await groupConsumers(jsm, stream, group);
  for (const c of infos) await jsm.consumers.delete(stream, c.name).catch(() => {});
}

async function groupConsumers(jsm: JetStreamManager, stream: string, group: string) {
  const out: ConsumerInfo[] = [];
  for await (const c of jsm.consumers.list(stream)) if (isGroupConsumer(group, c.name)) out.push(c);
  return out;
}

/**
 * Creates every durable consumer of a group (all `count` partitions and the legacy ones) starting
 * at stream sequence `startSeq`, for a NEW group that must not read the stream's history (a bench,
 * a test on a shared stream, an extra read model that starts now). Existing ones are left as they are.
 */
export async function createConsumerGroupAt(
  jsm: JetStreamManager,
  stream: string,
  group: string,
  count: number,
  settings: DurableSettings,
  startSeq: number,
  logger: Logger,
): Promise<void> {
  const specs = [
    ...Array.from({ length: count }, (_, p) => ({ name: `${group}-p${p}`, filter: partitionFilter(p) })),
    ...LEGACY_FILTERS.map((l) => ({ name: `${group}-${l.suffix}`, filter: l.filter })),
  ];
  for (const { name, filter } of specs)
    await ensureDurableConsumer(
      jsm,
      stream,
      {
        ...settings,
        durable_name: name,
        filter_subject: filter,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: startSeq,
      },
      logger,
    );
}
