/**
 * The one outbox dispatcher: alert deliveries and applicant notices are rows written in the same
 * transaction as what caused them, then sent from here. Rows are claimed with SKIP LOCKED and a
 * lease (several processes share the work; a crashed one's rows come back), marked `sent` after
 * the provider accepted them, and on failure wait longer each time until they are `dead` (the
 * dead-letter list). Providers resend under the same id (Message-ID, delivery id header), so the
 * receiver can drop the duplicate when a process dies between sending and marking.
 */
import { createHmac } from 'node:crypto';
import { Prisma, type PrismaClient } from './db';
import type { Logger } from './logger';

/** Retry delays of a failing send; after the last it is `dead`. */
export const DELIVERY_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
/** A claimed row is invisible to other dispatchers this long. */
const LEASE_MS = 60_000;
const BATCH = 20;

/** Outbox tables (same status/attempts/next_attempt_at/last_error/sent_at columns). */
export type OutboxTable = 'alert_delivery' | 'applicant_notice';

export interface OutboxDispatcherOptions<Row extends { id: string; attempts: number }> {
  prisma: PrismaClient;
  logger: Logger;
  table: OutboxTable;
  /** Log component and message prefix, e.g. `alert delivery`. */
  what: string;
  /** The claimed row, or null when it is gone or no longer pending. */
  load(id: string): Promise<Row | null>;
  send(row: Row): Promise<void>;
  /** Log fields of a row (dossier code, ids, channel). */
  context(row: Row): Record<string, unknown>;
  intervalMs?: number;
}

export interface OutboxDispatcher {
  /** Look now (a row was just written). */
  poke(): void;
  stop(): Promise<void>;
}

export function startOutboxDispatcher<Row extends { id: string; attempts: number }>(
  opts: OutboxDispatcherOptions<Row>,
): OutboxDispatcher {
  const { prisma, table, what, intervalMs = 500 } = opts;
  const log = opts.logger.child({ component: `${table.replace('_', '-')}-dispatch` });
  const tbl = Prisma.raw(table);
  let stopping = false;
  let wake: (() => void) | undefined;

  const claim = () =>
    prisma.$queryRaw<{ id: string }[]>`
      UPDATE ${tbl} SET next_attempt_at = now() + ${`${LEASE_MS} milliseconds`}::interval
      WHERE id IN (
        SELECT id FROM ${tbl}
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
      RETURNING id`;

  const sendOne = async (id: string) => {
    const row = await opts.load(id);
    if (!row) return;
    const ctx = opts.context(row);
    try {
      await opts.send(row);
      await prisma.$executeRaw`
        UPDATE ${tbl} SET status = 'sent', sent_at = now(), attempts = ${row.attempts + 1}, last_error = NULL
        WHERE id = ${row.id}`;
      log.info(ctx, `${what} sent`);
    } catch (err) {
      const attempts = row.attempts + 1;
      const dead = attempts > DELIVERY_BACKOFF_MS.length;
      const delay = DELIVERY_BACKOFF_MS[Math.min(attempts - 1, DELIVERY_BACKOFF_MS.length - 1)]!;
      await prisma.$executeRaw`
        UPDATE ${tbl} SET attempts = ${attempts}, status = ${dead ? 'dead' : 'pending'},
          last_error = ${String((err as Error).message ?? err).slice(0, 1000)},
          next_attempt_at = now() + ${`${delay} milliseconds`}::interval
        WHERE id = ${row.id}`;
      (dead ? log.error.bind(log) : log.warn.bind(log))(
        { ...ctx, attempts, err },
        dead ? `${what} dead` : `${what} failed, retrying`,
      );
    }
  };

  const done = (async () => {
    while (!stopping) {
      try {
        const batch = await claim();
        await Promise.all(batch.map((r) => sendOne(r.id)));
        if (batch.length > 0) continue;
      } catch (err) {
        if (!stopping) log.error({ err }, `${what} round failed`);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, intervalMs).unref();
      });
    }
  })();

  return {
    poke: () => wake?.(),
    stop: async () => {
      stopping = true;
      wake?.();
      await done;
    },
  };
}

/** HMAC-SHA256 over `<timestamp>.<body>` with the subscriber's secret (README: verifying webhooks). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * POSTs a signed webhook: `motcua-timestamp`, `motcua-signature: v1=…` when a secret is set, and
 * the caller's id header so a receiver can drop a resend. A non-2xx answer is a failure (retried).
 */
export async function postSignedWebhook(
  url: string,
  body: string,
  opts: { secret: string | null | undefined; headers: Record<string, string>; fetchImpl?: typeof fetch },
): Promise<void> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await (opts.fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...opts.headers,
      'motcua-timestamp': timestamp,
      ...(opts.secret && { 'motcua-signature': webhookSignature(opts.secret, timestamp, body) }),
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`webhook answered ${res.status}`);
}
