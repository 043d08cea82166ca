import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { expect } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import type { GuardedProcess } from '../../services/infra';
import type { Nats } from '../../services/nats';
import type { DriveProgress } from './dossier-paths';
import { consumersOf } from './invariants';

/**
 * Tools that make a fault land mid-flight, and the evidence that it did (fault-injection suite).
 */

/** SIGKILL a motcua child process and check it died of it. */
export async function sigkill(proc: GuardedProcess): Promise<void> {
  process.kill(proc.pid, 'SIGKILL');
  expect(await proc.exited).toMatchObject({ code: 137 });
}

/** Messages a consumer group has not acknowledged yet: not delivered, and delivered but unacknowledged. */
export async function backlogOf(
  nats: Nats,
  stream: string,
  group: string,
): Promise<{ pending: number; ackPending: number }> {
  const infos = await consumersOf(nats, stream, group);
  return {
    pending: infos.reduce((n, c) => n + c.num_pending, 0),
    ackPending: infos.reduce((n, c) => n + c.num_ack_pending, 0),
  };
}

/**
 * Holds `LOCK TABLE … IN EXCLUSIVE MODE` on tables a consumer writes (reads go on; the API does not
 * write them), so the consumer stops inside its transaction with a batch it received and has not
 * acknowledged: a process killed then dies mid-batch, a server crashed then cuts the transaction.
 */
export interface TableHold {
  /** Waits until some other session waits for one of the tables (a consumer is stuck in its batch). */
  untilSomeoneWaits(timeoutMs?: number): Promise<number>;
  /** Ends the hold (a no-op when the connection already died with the server). */
  release(): Promise<void>;
}

export async function holdTables(databaseUrl: string, tables: readonly string[]): Promise<TableHold> {
  const client = new pg.Client({ connectionString: databaseUrl });
  let dead = false;
  // PostgreSQL may be SIGKILLed while the hold is on: the connection then just dies.
  client.on('error', () => {
    dead = true;
  });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${tables.map((t) => `"${t}"`).join(', ')} IN EXCLUSIVE MODE`);
  return {
    async untilSomeoneWaits(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE NOT l.granted AND c.relname = ANY($1)`,
          [tables],
        );
        if (rows[0]!.n > 0) return rows[0]!.n;
        if (Date.now() > deadline)
          throw new Error(`nobody wrote ${tables.join(', ')} within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    async release() {
      if (!dead) await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** Waits until at least one HTTP call of the drive is waiting for its answer. */
export async function untilCallsInFlight(progress: DriveProgress, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (progress.callsInFlight === 0) {
    if (Date.now() > deadline) throw new Error('no call in flight');
    await sleep(5);
  }
}

/**
 * Work Temporal holds for the open dossiers' workflows (pending activities, a pending workflow
 * task), once there is any: what a killed worker leaves to its successor.
 */
export async function pendingWorkflowWork(
  temporal: Client,
  codes: readonly string[],
  timeoutMs = 15_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let n = 0;
    for (const code of codes) {
      const d = await temporal.workflow
        .getHandle(workflowIdFor(code))
        .describe()
        .catch(() => undefined);
      n += (d?.raw.pendingActivities?.length ?? 0) + (d?.raw.pendingWorkflowTask ? 1 : 0);
    }
    // Work a dead worker held shows once its tasks time out (an Update's task may not show before).
    if (n > 0 || Date.now() > deadline) return n;
    await sleep(500);
  }
}
