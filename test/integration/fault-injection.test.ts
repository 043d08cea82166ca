import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Role } from '../../domain/commands';
import { createMotcuaClient } from '../../services/api/client';
import { type RunningServices, startServices } from '../../services/app';
import type { GuardedProcess } from '../../services/infra';
import { createLogger } from '../../services/logger';
import { connectTemporalClient } from '../../services/temporal';
import { type PrivateStack, startPrivateStack } from '../setup/private-stack';
import { createTestKey } from './auth-helpers';
import { driveDossiers, PATHS, planDossiers } from './dossier-paths';
import { CONSUMERS, consumersOf, deleteConsumers, expectInvariants, settle, type World } from './invariants';
import {
  type MailCatcher,
  startMailCatcher,
  startWebhookCatcher,
  type WebhookCatcher,
} from './mail-fixtures';

/*
 * Issue 12, fault injection: FAULT_DOSSIERS dossiers (default 64 in CI, 8 per path; `npm run test:soak` runs
 * 500) in flight across every lifecycle path (test/integration/dossier-paths.ts) while, one after
 * the other as the batch progresses:
 *   10 %  the worker process is SIGKILLed (a second one takes over),
 *   25 %  NATS is SIGKILLed and restarted (same port and JetStream store),
 *   40 %  the projector process is SIGKILLed and restarted,
 *   55 %  PostgreSQL is SIGKILLed and restarted (same port and data),
 *   70 %  the alerts process (alerts + letters consumers, email/webhook dispatch) is SIGKILLed
 *         and restarted,
 *   85 %  every event is delivered twice: the projector and alerts processes are stopped, their
 *         durable consumers deleted, and they start again from the first message of the stream.
 * Afterwards the invariants of test/integration/invariants.ts must hold.
 */

const DOSSIERS = Number(process.env.FAULT_DOSSIERS ?? 64);
const CONCURRENCY = Number(process.env.FAULT_CONCURRENCY ?? 12);
const AGENCY = 'X-AN-BINH';
const logger = createLogger('test', process.env.LOG_LEVEL ?? 'error');

let ps: PrivateStack;
let smtp: MailCatcher;
let webhooks: WebhookCatcher;
let api: RunningServices;
let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
const tokens: Partial<Record<Role, string>> = {};
let subscriptions: World['subscriptions'];

beforeAll(async () => {
  smtp = await startMailCatcher();
  webhooks = await startWebhookCatcher();
  ps = await startPrivateStack({
    databaseName: 'motcua_fault',
    logger,
    eventSigningKeys: inject('stack').eventSigningKeys,
    payloadKeys: inject('stack').payloadKeys,
    config: { SMTP_URL: smtp.url },
  });
  api = await startServices(ps.config, logger, { api: true });
  temporal = await connectTemporalClient(ps.config);
  for (const role of ['intake', 'officer', 'supervisor'] as const) {
    tokens[role] = (await createTestKey(api.prisma, { role, agencyCode: AGENCY })).token;
  }
  const admin = createMotcuaClient({
    baseUrl: api.apiUrl!,
    token: (await createTestKey(api.prisma, { role: 'admin', agencyCode: '*' })).token,
  });
  const emailTarget = 'lanh-dao@an-binh.test';
  subscriptions = {
    emailTarget,
    email: (await admin.subscribeAlerts({ agencyCode: AGENCY, channel: 'email', target: emailTarget })).id,
    webhook: (
      await admin.subscribeAlerts({
        agencyCode: AGENCY,
        channel: 'webhook',
        target: webhooks.url('/canh-bao'),
      })
    ).id,
  };
}, 300_000);

afterAll(async () => {
  await api?.stop();
  await temporal?.connection.close();
  await ps?.stop();
  await smtp?.close();
  await webhooks?.close();
});

/** SIGKILL a motcua child process and check it died of it. */
async function sigkill(proc: GuardedProcess): Promise<void> {
  process.kill(proc.pid, 'SIGKILL');
  expect(await proc.exited).toMatchObject({ code: 137 });
}

describe('fault injection: every lifecycle path while processes and servers die', () => {
  it(`${DOSSIERS} dossiers reach their final state, each event stored once, counters, rates, alerts, letters and emails exact`, async () => {
    expect(DOSSIERS).toBeGreaterThanOrEqual(PATHS.length * 5);
    const plan = planDossiers(DOSSIERS, 'FLT');
    let worker = await ps.spawnRole('worker', 'worker-1');
    let projector = await ps.spawnRole('projector', 'projector-1');
    let alerts = await ps.spawnRole('alerts', 'alerts-1');

    let done = 0;
    // Fault k fires when FRACTIONS[k] of the dossiers are done; dossiers beyond that point plus one
    // round of lanes wait until it was injected, so every fault lands with dossiers in flight.
    const FRACTIONS = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85];
    let faultsDone = 0;
    /** Messages in the stream when the consumers were reset: each is delivered a second time. */
    let redelivered = 0;
    const mayStart = async (index: number) => {
      for (;;) {
        const pending = FRACTIONS.findIndex(
          (f, k) => k >= faultsDone && index >= Math.min(Math.ceil(DOSSIERS * f) + CONCURRENCY, DOSSIERS - 1),
        );
        if (pending < 0) return;
        await sleep(100);
      }
    };
    const driving = driveDossiers(
      {
        apiUrl: api.apiUrl!,
        tokens,
        agencyCode: AGENCY,
        temporal,
        concurrency: CONCURRENCY,
        onDossierDone: (n) => {
          done = n;
        },
        mayStart,
      },
      plan,
    );
    const failed = driving.then(
      () => undefined,
      (err: unknown) => err,
    );
    const at = async (fraction: number) => {
      while (done < Math.ceil(DOSSIERS * fraction)) {
        const err = await Promise.race([failed, sleep(200).then(() => 'waiting' as const)]);
        if (err !== 'waiting' && err !== undefined) throw err;
        if (err === undefined) return; // driving finished
      }
    };
    const faults: { fault: string; atDossier: number; tookMs: number }[] = [];
    const injectFault = async (fraction: number, fault: string, act: () => Promise<void>) => {
      await at(fraction);
      const started = Date.now();
      const atDossier = done;
      await act();
      faults.push({ fault, atDossier, tookMs: Date.now() - started });
      faultsDone += 1;
    };

    await injectFault(FRACTIONS[0]!, 'SIGKILL worker', async () => {
      await sigkill(worker);
      worker = await ps.spawnRole('worker', 'worker-2');
    });
    await injectFault(FRACTIONS[1]!, 'restart NATS', () => ps.crashAndRestart('nats'));
    await injectFault(FRACTIONS[2]!, 'SIGKILL projector', async () => {
      await sigkill(projector);
      projector = await ps.spawnRole('projector', 'projector-2');
    });
    await injectFault(FRACTIONS[3]!, 'restart PostgreSQL', () => ps.crashAndRestart('postgres'));
    await injectFault(FRACTIONS[4]!, 'SIGKILL alerts', async () => {
      await sigkill(alerts);
      alerts = await ps.spawnRole('alerts', 'alerts-2');
    });
    await injectFault(FRACTIONS[5]!, 'deliver every event twice', async () => {
      await Promise.all([projector.stop(), alerts.stop()]);
      for (const group of CONSUMERS) await deleteConsumers(api.nats, ps.config.NATS_STREAM, group);
      redelivered = (await api.nats.jsm.streams.info(ps.config.NATS_STREAM)).state.messages;
      [projector, alerts] = await Promise.all([
        ps.spawnRole('projector', 'projector-3'),
        ps.spawnRole('alerts', 'alerts-3'),
      ]);
    });
    const { answers } = await driving;
    console.info(
      'faults:',
      JSON.stringify(faults),
      'API answers:',
      JSON.stringify(Object.fromEntries(answers)),
    );
    // Every fault happened while dossiers were still being driven.
    expect(faults.map((f) => f.atDossier < DOSSIERS)).toEqual(faults.map(() => true));

    const world: World = {
      prisma: api.prisma,
      temporal,
      nats: api.nats,
      stream: ps.config.NATS_STREAM,
      agencyCode: AGENCY,
      plan,
      subscriptions,
      mails: smtp.mails,
      hooks: webhooks.hooks,
    };
    // A delivery claimed by a killed alerts process comes back when its lease (60 s) runs out.
    await settle(world, 300_000);
    // The reset really delivered again every message published before it, to every group.
    for (const group of CONSUMERS) {
      const infos = await consumersOf(api.nats, ps.config.NATS_STREAM, group);
      const delivered = infos.reduce((n, c) => n + c.delivered.consumer_seq, 0);
      expect(delivered, group).toBeGreaterThanOrEqual(redelivered);
    }
    await expectInvariants(world);
    await worker.stop();
  }, 1_200_000);
});
