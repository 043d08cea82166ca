import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierEvent } from '../../domain/events';
import { partitionOf } from '../../domain/partitions';
import { eventSigningKeys } from '../../services/config';
import { createPrisma, type PrismaClient } from '../../services/db';
import { publishSignedEvent } from '../../services/event-publisher';
import {
  connectNats,
  consumerGroupState,
  createConsumerGroupAt,
  deleteConsumerGroup,
  type Nats,
} from '../../services/nats';
import { projectorConsumerSettings, type RunningProjector, startProjector } from '../../services/projector';
import { rebuildCounters, verifyChains } from '../../services/rates/audit';
import { dossierEvents } from '../bench/projector.bench';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

/**
 * Scale-out of the projector (issue 12): two projector processes of one consumer group, each owning
 * half of the partitions, project many dossiers in parallel; every event is stored once, each
 * dossier's chain is valid, the counters are those of one ordered fold of the event log, and events
 * published before partitioning (and a dossier that straddles the upgrade) are still projected.
 */
const PARTITIONS = 4;
const config = testConfig({ MOTCUA_EVENT_PARTITIONS: String(PARTITIONS), PROJECTOR_BATCH_SIZE: '16' });
const keys = eventSigningKeys(config);
const group = `scale-${process.pid}`;
// A day of its own, so the counter comparison sees only this file's dossiers.
const day = new Date(Date.UTC(2031, 0, 2 + (process.pid % 300), 1, 0));
const dayText = day.toISOString().slice(0, 10);
let prisma: PrismaClient;
let nats: Nats;
const running: RunningProjector[] = [];

const publishPartitioned = (e: DossierEvent) =>
  publishSignedEvent(nats.js, keys, e, 'X-AN-BINH', { partitions: PARTITIONS });
const publishLegacy = (e: DossierEvent, agency: string | undefined) =>
  publishSignedEvent(nats.js, keys, e, agency);

beforeAll(async () => {
  prisma = createPrisma(config.DATABASE_URL!);
  nats = await connectNats(config, testLogger());
  // The shared test stream holds other files' events: this group starts after them.
  const start = (await nats.jsm.streams.info(config.NATS_STREAM)).state.last_seq + 1;
  await createConsumerGroupAt(
    nats.jsm,
    config.NATS_STREAM,
    group,
    PARTITIONS,
    projectorConsumerSettings(),
    start,
    testLogger(),
  );
});

afterAll(async () => {
  for (const r of running) await r.stop();
  if (nats) await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, group);
  await nats?.close();
  await prisma?.$disconnect();
});

describe('two projector processes, each owning half of the partitions', () => {
  it('project every event once, in order per dossier, with the counters of one ordered fold', async () => {
    const tag = uniqueCode('SC');
    const partitioned = Array.from({ length: 80 }, (_, i) => `${tag}-${i}`);
    const legacyAgency = Array.from({ length: 6 }, (_, i) => `${tag}-LA${i}`);
    const legacyKind = Array.from({ length: 3 }, (_, i) => `${tag}-LK${i}`);
    const straddling = Array.from({ length: 4 }, (_, i) => `${tag}-UP${i}`);
    const all = [...partitioned, ...legacyAgency, ...legacyKind, ...straddling];
    const eventsOf = new Map(
      all.map((code, i) => [code, dossierEvents(code, new Date(day.getTime() + i * 1000))]),
    );
    // The codes spread over every partition.
    expect(new Set(partitioned.map((c) => partitionOf(c, PARTITIONS))).size).toBe(PARTITIONS);

    // Before the upgrade: old subjects (with and without the agency); a dossier whose first two
    // events went out on the old subject and the rest on its partition.
    for (const code of legacyAgency) for (const e of eventsOf.get(code)!) await publishLegacy(e, 'X-AN-BINH');
    for (const code of legacyKind) for (const e of eventsOf.get(code)!) await publishLegacy(e, undefined);
    for (const code of straddling)
      for (const e of eventsOf.get(code)!.slice(0, 2)) await publishLegacy(e, 'X-AN-BINH');
    // After: partitioned subjects, published concurrently across dossiers, in order within each.
    await Promise.all(
      [...partitioned, ...straddling].map(async (code) => {
        const events = eventsOf.get(code)!;
        for (const e of straddling.includes(code) ? events.slice(2) : events) await publishPartitioned(e);
      }),
    );
    const total = all.length * 5;

    const start = (partitions: string) =>
      startProjector({
        config: { ...config, PROJECTOR_PARTITIONS: partitions },
        logger: testLogger(),
        prisma,
        nats,
        durableName: group,
      });
    running.push(await start('0-1'), await start('2-3'));

    await eventually(async () => {
      const heads = await prisma.dossier.findMany({
        where: { code: { in: all } },
        select: { lastSeq: true },
      });
      return heads.length === all.length && heads.every((h) => h.lastSeq === 5) ? true : undefined;
    }, 90_000);
    await eventually(async () =>
      (await consumerGroupState(nats.jsm, config.NATS_STREAM, group)).caughtUp ? true : undefined,
    );

    // Every event stored exactly once, with its chain intact.
    const stored = await prisma.dossierEvent.findMany({
      where: { dossierCode: { in: all } },
      select: { id: true },
    });
    expect(stored.length).toBe(total);
    expect(new Set(stored.map((s) => s.id)).size).toBe(total);
    for (const code of all) {
      const [verdict] = await verifyChains(prisma, { dossier: code });
      expect(verdict, code).toMatchObject({ ok: true, events: 5 });
    }
    // Counters: the live buckets of that day equal the single ordered fold auditors rebuild.
    expect(await rebuildCounters(prisma, dayText, dayText, { agencies: ['X-AN-BINH'] })).toEqual([]);
    const [bucket] = await prisma.$queryRawUnsafe<Array<{ received: bigint }>>(
      `SELECT sum("received_direct") AS received FROM "counter_bucket" WHERE "day" = $1::date AND "agency_code" = 'X-AN-BINH'`,
      dayText,
    );
    expect(Number(bucket!.received)).toBe(all.length);
    // Each partition was read by one process only: the two own disjoint consumers of the group.
    const state = await consumerGroupState(nats.jsm, config.NATS_STREAM, group);
    expect(state.consumers).toEqual(
      [
        ...Array.from({ length: PARTITIONS }, (_, p) => `${group}-p${p}`),
        `${group}-legacy-agency`,
        `${group}-legacy-kind`,
      ].sort(),
    );
    // Stopped here: they would also read the next test's events.
    for (const r of running.splice(0)) await r.stop();
  });
});

describe('upgrading a projector group from the single durable consumer', () => {
  it('starts the legacy-subject consumers where the old durable had acknowledged everything: nothing lost, nothing replayed', async () => {
    const old = `upgrade-${process.pid}`;
    const handled = uniqueCode('UPG-DONE');
    const waiting = uniqueCode('UPG-WAIT');
    // The group before the upgrade: one unfiltered durable, starting now, that handled `handled`.
    const from = (await nats.jsm.streams.info(config.NATS_STREAM)).state.last_seq + 1;
    await nats.jsm.consumers.add(config.NATS_STREAM, {
      durable_name: old,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    await publishLegacy(dossierEvents(handled, day)[0]!, 'X-AN-BINH');
    const consumer = await nats.js.consumers.get(config.NATS_STREAM, old);
    const m = await consumer.next({ expires: 5000 });
    expect(m?.subject).toBe('dossier.X-AN-BINH.received');
    await m!.ackAck();
    // Published before the upgrade, not yet handled.
    await publishLegacy(dossierEvents(waiting, day)[0]!, 'X-AN-BINH');

    const upgraded = await startProjector({ config, logger: testLogger(), prisma, nats, durableName: old });
    try {
      await eventually(() => prisma.dossier.findUnique({ where: { code: waiting } }));
      await eventually(async () =>
        (await consumerGroupState(nats.jsm, config.NATS_STREAM, old)).caughtUp ? true : undefined,
      );
      // The old projector had stored `handled`; the new group does not replay it.
      expect(await prisma.dossier.findUnique({ where: { code: handled } })).toBeNull();
    } finally {
      await upgraded.stop();
      await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, old);
      await nats.jsm.consumers.delete(config.NATS_STREAM, old).catch(() => {});
    }
  });
});
