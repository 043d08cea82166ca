import {
  type Consumer,
  type ConsumerMessages,
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
import type { Config } from './config';
import type { Logger } from './logger';

export type { JetStreamClient, JetStreamManager, NatsConnection };

export interface Nats {
  nc: NatsConnection;
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
  >,
  logger: Logger,
  name = 'motcua',
): Promise<Nats> {
  const nc = await connect({
    servers: config.NATS_URL,
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
  await ensureDossierStream(jsm, config, logger);
  return {
    nc,
    js: jetstream(nc),
    jsm,
    close: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}

async function ensureDossierStream(
  jsm: JetStreamManager,
  config: Pick<Config, 'NATS_STREAM' | 'NATS_DUPLICATE_WINDOW_HOURS'>,
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
  config: Pick<Config, 'NATS_ALERT_STREAM' | 'NATS_DUPLICATE_WINDOW_HOURS'>,
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
  let messages: ConsumerMessages | undefined;
  let stopping = false;
  const done = (async () => {
    while (!stopping) {
      try {
        messages = await consumer.consume({ max_messages: maxMessages });
        for await (const m of messages) await handle(m);
      } catch (err) {
        if (stopping) break;
        logger.error({ err }, 'consume loop failed, restarting');
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
