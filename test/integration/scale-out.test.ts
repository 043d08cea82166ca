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
import { CONSUMERS, consumersOf, expectInvariants, settle, type World } from './invariants';
import {
  type MailCatcher,
  startMailCatcher,
  startWebhookCatcher,
  type WebhookCatcher,
} from './mail-fixtures';

/*
 * Issue 12, scale-out: "An integration test runs 3 workers, 2 projectors and 2 alerts processes on
 * one stack and checks the same invariants" (test/integration/invariants.ts) over every lifecycle
 * path. The projectors and alerts processes split the partitioned event stream
 * (MOTCUA_EVENT_PARTITIONS=8: PROJECTOR_PARTITIONS / ALERTS_PARTITIONS 0-3 and 4-7, README "Growing
 * from one machine to a province"); the three workers share the Temporal task queue.
 */

const DOSSIERS = Number(process.env.SCALE_DOSSIERS ?? 80);
const CONCURRENCY = Number(process.env.SCALE_CONCURRENCY ?? 12);
const PARTITIONS = 8;
const AGENCY = 'X-AN-BINH';
const logger = createLogger('test', process.env.LOG_LEVEL ?? 'error');

let ps: PrivateStack;
let smtp: MailCatcher;
let webhooks: WebhookCatcher;
let api: RunningServices;
let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
const tokens: Partial<Record<Role, string>> = {};
let subscriptions: World['subscriptions'];
const children: GuardedProcess[] = [];

describe('scale-out: 3 workers, 2 projectors, 2 alerts processes on one stack', () => {
  beforeAll(async () => {
    smtp = await startMailCatcher();
    webhooks = await startWebhookCatcher();
    ps = await startPrivateStack({
      databaseName: 'motcua_scale',
      logger,
      eventSigningKeys: inject('stack').eventSigningKeys,
      payloadKeys: inject('stack').payloadKeys,
      config: { SMTP_URL: smtp.url, MOTCUA_EVENT_PARTITIONS: String(PARTITIONS) },
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

  it(`${DOSSIERS} dossiers: the same invariants as a single process, every partition worked by its owner`, async () => {
    expect(DOSSIERS).toBeGreaterThanOrEqual(PATHS.length * 5);
    const halves = ['0-3', '4-7'];
    // Started in parallel: each process spends most of its start-up compiling and bundling.
    children.push(
      ...(await Promise.all([
        ...[1, 2, 3].map((n) => ps.spawnRole('worker', `worker-${n}`)),
        ...halves.map((p, i) => ps.spawnRole('projector', `projector-${i + 1}`, { PROJECTOR_PARTITIONS: p })),
        ...halves.map((p, i) => ps.spawnRole('alerts', `alerts-${i + 1}`, { ALERTS_PARTITIONS: p })),
      ])),
    );
    const plan = planDossiers(DOSSIERS, 'SCL');
    const { answers } = await driveDossiers(
      { apiUrl: api.apiUrl!, tokens, agencyCode: AGENCY, temporal, concurrency: CONCURRENCY },
      plan,
    );
    console.info('API answers:', JSON.stringify(Object.fromEntries(answers)));
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
    await settle(world, 300_000);
    await expectInvariants(world);

    // Every partition has one durable consumer per group, and the work was spread: each of the
    // 8 partitions delivered events to its projector, its alerts and its letters consumer.
    for (const group of CONSUMERS) {
      const infos = await consumersOf(api.nats, ps.config.NATS_STREAM, group);
      const perPartition = Array.from({ length: PARTITIONS }, (_, p) =>
        infos.find((c) => c.name === `${group}-p${p}`),
      );
      expect(
        perPartition.map((c) => (c?.delivered.consumer_seq ?? 0) > 0),
        group,
      ).toEqual(Array.from({ length: PARTITIONS }, () => true));
    }
    // All seven processes are still up: none crashed on a message meant for another.
    expect(children.map((c) => c.isRunning())).toEqual(children.map(() => true));
  }, 900_000);
});
