import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuardedProcess } from '../../services/infra';
import { type AgencyStack, startAgencyStack } from './agency-stack';
import { driveDossiers, PATHS, planDossiers } from './dossier-paths';
import { CONSUMERS, consumersOf, expectInvariants, settle } from './invariants';

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
/** Waits that grow with the batch (500 dossiers on 2 shared cores settle far slower than 80). */
const SETTLE_MS = Math.max(300_000, DOSSIERS * 1_200);

let s: AgencyStack;
const children: GuardedProcess[] = [];

describe('scale-out: 3 workers, 2 projectors, 2 alerts processes on one stack', () => {
  beforeAll(async () => {
    s = await startAgencyStack({
      databaseName: 'motcua_scale',
      config: { MOTCUA_EVENT_PARTITIONS: String(PARTITIONS) },
    });
  }, 300_000);

  afterAll(async () => {
    await s?.stop();
  });

  it(
    `${DOSSIERS} dossiers: the same invariants as a single process, every partition worked by its owner`,
    async () => {
      expect(DOSSIERS).toBeGreaterThanOrEqual(PATHS.length * 5);
      const { ps, api } = s;
      const halves = ['0-3', '4-7'];
      // Started in parallel: each process spends most of its start-up compiling and bundling.
      children.push(
        ...(await Promise.all([
          ...[1, 2, 3].map((n) => ps.spawnRole('worker', `worker-${n}`)),
          ...halves.map((p, i) =>
            ps.spawnRole('projector', `projector-${i + 1}`, { PROJECTOR_PARTITIONS: p }),
          ),
          ...halves.map((p, i) => ps.spawnRole('alerts', `alerts-${i + 1}`, { ALERTS_PARTITIONS: p })),
        ])),
      );
      const plan = planDossiers(DOSSIERS, 'SCL');
      const { answers } = await driveDossiers(
        {
          apiUrl: s.apiUrl,
          tokens: s.tokens,
          agencyCode: s.agencyCode,
          temporal: s.temporal,
          concurrency: CONCURRENCY,
        },
        plan,
      );
      console.info('API answers:', JSON.stringify(Object.fromEntries(answers)));
      const world = s.world(plan);
      await settle(world, SETTLE_MS);
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
    },
    900_000 + DOSSIERS * 2_000,
  );
});
