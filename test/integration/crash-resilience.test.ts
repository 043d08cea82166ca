import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { type RunningServices, startServices } from '../../services/app';
import type { Config } from '../../services/config';
import { createPrisma } from '../../services/db';
import { chainHash, GENESIS_HASH } from '../../services/eventlog';
import { createLogger } from '../../services/logger';
import { connectTemporalClient } from '../../services/temporal';
import { dossierStateQuery } from '../../workflows/definitions';
import { type PrivateStack, startPrivateStack } from '../setup/private-stack';
import { createTestKey } from './auth-helpers';
import { eventually, uniqueCode } from './helpers';

/*
 * Crash tests on PRIVATE servers: NATS and PostgreSQL are SIGKILLed and restarted on the same
 * port and data, which the shared stack of the other test files must never see.
 */

const DOSSIERS = 20;
// Quiet by default: the kills make every layer warn on purpose.
const logger = createLogger('test', process.env.LOG_LEVEL ?? 'error');
let ps: PrivateStack;
let config: Config;
let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
/** API keys of X-AN-BINH's desk (intake) and officer; created before any kill. */
const tokens = { intake: '', officer: '' };

beforeAll(async () => {
  // Always the embedded PostgreSQL: this file kills it.
  ps = await startPrivateStack({
    databaseName: 'motcua_crash',
    logger,
    eventSigningKeys: inject('stack').eventSigningKeys,
    payloadKeys: inject('stack').payloadKeys,
  });
  config = ps.config;
  const prisma = createPrisma(config.DATABASE_URL!);
  tokens.intake = (await createTestKey(prisma, { role: 'intake', agencyCode: 'X-AN-BINH' })).token;
  tokens.officer = (await createTestKey(prisma, { role: 'officer', agencyCode: 'X-AN-BINH' })).token;
  await prisma.$disconnect();
  temporal = await connectTemporalClient(config);
}, 120_000);

afterAll(async () => {
  await temporal?.connection.close();
  await ps?.stop();
});

const intake = (code: string) => ({
  code,
  procedureCode: 'MAU-DANG-KY-KET-HON',
  agencyCode: 'X-AN-BINH',
  channel: 'direct',
  applicant: { name: 'Nguyễn Văn An' },
  // Far enough ahead that no due-soon/overdue timer fires during the test: exactly two events each.
  receivedAt: '2030-03-04T08:00:00+07:00', // due Mon 11 Mar 2030 08:00 (+07:00)
});

/**
 * What an intake system does: posts until it gets an answer, retrying 5xx and network errors.
 * `alsoOkOnRetry`: an answer that proves an earlier attempt went through (409 after a lost reply).
 */
/** Status codes the API answered during the current test (the kills should only cause 503s). */
const answers = new Map<number, number>();

async function post(
  url: string,
  body: unknown,
  ok: number,
  alsoOkOnRetry: number,
  token: string,
): Promise<void> {
  const deadline = Date.now() + 150_000;
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    const res = await fetch(url, {
      method: 'POST',
      // Key checks read PostgreSQL too: an outage must answer 503, never 401.
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }).catch((err: Error) => err);
    if (res instanceof Error) {
      problem = String(res);
    } else {
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      if (res.status === ok || (attempt > 1 && res.status === alsoOkOnRetry)) return;
      const text = await res.text();
      problem = `${res.status} ${text}`;
      if (res.status < 500) throw new Error(`POST ${url} answered ${problem}`);
      // An outage is a retryable 503 with its code, never an opaque 500.
      expect({ status: res.status, body: JSON.parse(text) }).toMatchObject({
        status: 503,
        body: { code: 'dependency_unavailable' },
      });
    }
    if (Date.now() > deadline) throw new Error(`POST ${url} kept failing: ${problem}`);
    await sleep(500);
  }
}

/** Receives and completes `count` dossiers concurrently (staggered); `progress.received` counts 201s. */
function receiveAndComplete(apiUrl: string, prefix: string, count = DOSSIERS) {
  const codes = Array.from({ length: count }, () => uniqueCode(prefix));
  const progress = { received: 0, completed: 0 };
  const all = Promise.all(
    codes.map(async (code, i) => {
      await sleep(i * 100);
      await post(`${apiUrl}/v1/dossiers`, intake(code), 201, 409, tokens.intake);
      progress.received += 1;
      // Early (8 Mar) for even dossiers, late (12 Mar) for odd ones.
      const completedAt = i % 2 === 0 ? '2030-03-08T10:00:00+07:00' : '2030-03-12T10:00:00+07:00';
      await post(`${apiUrl}/v1/dossiers/${code}/complete`, { completedAt }, 200, 409, tokens.officer);
      progress.completed += 1;
    }),
  );
  return { codes, progress, all };
}

const streamMessages = async (services: RunningServices): Promise<number> =>
  (await services.nats.jsm.streams.info(config.NATS_STREAM)).state.messages;

/**
 * The rule: every dossier has exactly its two events, seq 1..n, ids `<code>:<seq>`, each hash the
 * recomputed chain over the previous one; the dossier row agrees; JetStream holds each event once;
 * every workflow holds the outcome the read model shows.
 */
async function expectExactlyOnce(services: RunningServices, codes: string[], streamBefore: number) {
  const { prisma } = services;
  await eventually(async () => {
    const n = await prisma.dossier.count({ where: { code: { in: codes }, status: 'result_ready' } });
    return n === codes.length ? n : undefined;
  }, 120_000);
  const rows = await prisma.dossierEvent.findMany({
    where: { dossierCode: { in: codes } },
    orderBy: [{ dossierCode: 'asc' }, { seq: 'asc' }],
  });
  expect(rows).toHaveLength(codes.length * 2);
  expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  expect(new Set(rows.map((r) => r.streamSeq)).size).toBe(rows.length);
  const dossiers = await prisma.dossier.findMany({ where: { code: { in: codes } } });
  expect(dossiers).toHaveLength(codes.length);
  codes.forEach((code, i) => {
    const events = rows.filter((r) => r.dossierCode === code);
    expect(events.map((e) => [e.id, e.seq, e.type])).toEqual([
      [`${code}:1`, 1, 'dossier.received'],
      [`${code}:2`, 2, 'dossier.result_ready'],
    ]);
    let prev = GENESIS_HASH;
    for (const e of events) {
      expect(e.prevHash).toBe(prev);
      expect(e.hash).toBe(chainHash(prev, e.payload as unknown as DossierEvent));
      prev = e.hash;
    }
    const dossier = dossiers.find((d) => d.code === code);
    expect(dossier).toMatchObject({
      status: 'result_ready',
      outcome: i % 2 === 0 ? 'early' : 'late',
      lastSeq: 2,
      lastHash: prev,
    });
  });
  // Published once each: no activity retry slipped past JetStream's deduplication.
  expect((await streamMessages(services)) - streamBefore).toBe(codes.length * 2);
  // The workflows wait for the result to be returned; their state agrees with the read model.
  const states = await Promise.all(
    codes.map((code) => temporal.workflow.getHandle(workflowIdFor(code)).query(dossierStateQuery)),
  );
  expect(states.map((s) => s.result?.outcome)).toEqual(codes.map((_, i) => (i % 2 === 0 ? 'early' : 'late')));
}

/** Resolves once `n` dossiers have been received, so the kill lands mid-flight. */
const afterReceived = (progress: { received: number }, n: number) =>
  eventually(async () => (progress.received >= n ? true : undefined), 60_000);

describe('crash resilience: no dossier event lost or counted twice', () => {
  beforeEach(() => answers.clear());
  afterEach(() => console.info('API answers:', Object.fromEntries(answers)));

  it('loses and duplicates no event when NATS is killed while dossiers are being received', async () => {
    const services = await startServices(config, logger, { worker: true, projector: true, api: true });
    try {
      const before = await streamMessages(services);
      const run = receiveAndComplete(services.apiUrl!, 'CRN');
      await afterReceived(run.progress, 5);
      const killedAt = { ...run.progress };
      await ps.crashAndRestart('nats', 3000); // same port, same JetStream store
      await run.all;
      console.info(`NATS killed after ${killedAt.received} received / ${killedAt.completed} completed`);
      await expectExactlyOnce(services, run.codes, before);
    } finally {
      await services.stop();
    }
  }, 180_000);

  it('loses and duplicates no event when PostgreSQL is killed while dossiers are being received', async () => {
    const services = await startServices(config, logger, { worker: true, projector: true, api: true });
    try {
      const before = await streamMessages(services);
      const run = receiveAndComplete(services.apiUrl!, 'CRP');
      await afterReceived(run.progress, 5);
      const killedAt = { ...run.progress };
      await ps.crashAndRestart('postgres', 3000); // same port, same data directory
      await run.all;
      console.info(`PostgreSQL killed after ${killedAt.received} received / ${killedAt.completed} completed`);
      await expectExactlyOnce(services, run.codes, before);
    } finally {
      await services.stop();
    }
  }, 180_000);

  it('finishes every workflow exactly once when the worker process is killed mid-flight', async () => {
    // The worker runs as `motcua worker` in a child process (under the infra guard, so it never
    // outlives this test); API and projector stay in this process.
    const startWorker = (n: number) => ps.spawnRole('worker', `worker-${n}`);

    const services = await startServices(config, logger, { projector: true, api: true });
    try {
      const before = await streamMessages(services);
      const first = await startWorker(1);
      const run = receiveAndComplete(services.apiUrl!, 'CRW');
      await afterReceived(run.progress, 5);
      process.kill(first.pid, 'SIGKILL');
      const killedAt = { ...run.progress };
      expect(await first.exited).toMatchObject({ code: 137 });
      const second = await startWorker(2);
      await run.all;
      console.info(`worker killed after ${killedAt.received} received / ${killedAt.completed} completed`);
      await expectExactlyOnce(services, run.codes, before);
      await second.stop();
    } finally {
      await services.stop();
    }
  }, 180_000);
});
