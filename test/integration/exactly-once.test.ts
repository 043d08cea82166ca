import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventActivities, type Published } from '../../activities/events';
import { eventIdFor } from '../../domain/dossier';
import type { Actor, DossierEvent } from '../../domain/events';
import { eventSigningKeys } from '../../services/config';
import { createPrisma, type PrismaClient } from '../../services/db';
import { connectNats, deleteConsumerGroup, type Nats } from '../../services/nats';
import { projectEvent, type RunningProjector, startProjector } from '../../services/projector';
import { eventually, streamTail, testConfig, testLogger, uniqueCode } from './helpers';

const config = testConfig();
let prisma: PrismaClient;
let nats: Nats;

const desk: Actor = { id: 'desk-1', role: 'intake', agencyCode: 'X-AN-BINH' };

const received = (code: string): DossierEvent => ({
  id: eventIdFor(code, 1),
  dossierCode: code,
  workflowId: `dossier-${code}`,
  seq: 1,
  type: 'dossier.received',
  version: 1,
  occurredAt: '2026-11-02T01:00:00.000Z',
  payload: {
    procedureCode: 'MAU-DANG-KY-KHAI-SINH',
    agencyCode: 'X-AN-BINH',
    channel: 'direct',
    applicantName: 'Phạm Minh Đức',
    receivedAt: '2026-11-02T01:00:00.000Z',
    dueAt: '2026-11-03T01:00:00.000Z',
    warningAt: '2026-11-02T01:00:00.000Z',
    calendarVersion: 'test',
    steps: [],
    actor: desk,
  },
});

// Kết quả (classified against the original due instant); `dossier.completed` is gone.
const resultReady = (code: string): DossierEvent => ({
  id: eventIdFor(code, 2),
  dossierCode: code,
  workflowId: `dossier-${code}`,
  seq: 2,
  type: 'dossier.result_ready',
  version: 1,
  occurredAt: '2026-11-02T08:00:00.000Z',
  payload: {
    resultKind: 'electronic',
    completedAt: '2026-11-02T08:00:00.000Z',
    dueAt: '2026-11-03T01:00:00.000Z',
    originalDueAt: '2026-11-03T01:00:00.000Z',
    outcome: 'early',
    actor: { id: 'officer-1', role: 'officer', agencyCode: 'X-AN-BINH' },
  },
});

/** Runs the real publish activity (real JetStream) inside an activity context, as a retry would. */
const publish = (event: DossierEvent): Promise<Published> =>
  new MockActivityEnvironment().run(
    createEventActivities({ js: nats.js, signingKeys: eventSigningKeys(config) }).publishDossierEvent,
    event,
  ) as Promise<Published>;

beforeAll(async () => {
  prisma = createPrisma(config.DATABASE_URL!);
  nats = await connectNats(config, testLogger());
});

afterAll(async () => {
  await nats?.close();
  await prisma?.$disconnect();
});

describe('exactly-once from at-least-once delivery', () => {
  it('stores a retried publish of the same event once in JetStream', async () => {
    const event = received(uniqueCode('PUB'));
    const before = (await nats.jsm.streams.info(config.NATS_STREAM)).state.messages;
    const first = await publish(event);
    const retry = await publish(event);
    expect(first.duplicate).toBe(false);
    expect(retry).toEqual({ streamSeq: first.streamSeq, duplicate: true });
    expect((await nats.jsm.streams.info(config.NATS_STREAM)).state.messages).toBe(before + 1);
  });

  it('keeps the duplicate window wider than the activity retry tail', async () => {
    const info = await nats.jsm.streams.info(config.NATS_STREAM);
    expect(info.config.duplicate_window).toBe(config.NATS_DUPLICATE_WINDOW_HOURS * 3_600 * 1e9);
  });

  it('projects a redelivered event once and holds an event that arrives before its predecessor', async () => {
    const code = uniqueCode('PRJ');
    expect(await projectEvent(prisma, resultReady(code), 11)).toBe('out_of_order');
    expect(await projectEvent(prisma, received(code), 10)).toBe('applied');
    expect(await projectEvent(prisma, received(code), 10)).toBe('duplicate');
    expect(await projectEvent(prisma, resultReady(code), 11)).toBe('applied');
    expect(await projectEvent(prisma, resultReady(code), 11)).toBe('duplicate');
    const rows = await prisma.dossierEvent.findMany({
      where: { dossierCode: code },
      orderBy: { seq: 'asc' },
    });
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    const dossier = await prisma.dossier.findUniqueOrThrow({ where: { code } });
    expect(dossier).toMatchObject({
      status: 'result_ready',
      outcome: 'early',
      lastSeq: 2,
      lastHash: rows[1]!.hash,
    });
  });

  it('refuses to edit or delete a recorded event (append-only log)', async () => {
    const code = uniqueCode('APP');
    await projectEvent(prisma, received(code), 1);
    // The app's role may not even try; the trigger stops the schema owner (test/integration/event-log-integrity).
    await expect(
      prisma.dossierEvent.updateMany({ where: { dossierCode: code }, data: { type: 'tampered' } }),
    ).rejects.toThrow(/append-only|permission denied/);
    await expect(prisma.dossierEvent.deleteMany({ where: { dossierCode: code } })).rejects.toThrow(
      /append-only|permission denied/,
    );
  });

  it('resumes after a projector restart without losing or double-counting events', async () => {
    const codes = Array.from({ length: 20 }, () => uniqueCode('RST'));
    const logger = testLogger();
    const durableName = `restart-test-${process.pid}`;
    const startSeq = await streamTail(nats.jsm);
    let projector: RunningProjector = await startProjector({
      config,
      logger,
      prisma,
      nats,
      durableName,
      startSeq,
    });
    for (const code of codes.slice(0, 10)) await publish(received(code));
    await projector.stop();
    for (const code of codes.slice(10)) await publish(received(code));
    for (const code of codes) await publish(resultReady(code));
    // Redeliver everything once more: the projector must absorb the duplicates.
    for (const code of codes.slice(0, 5)) await publish(received(code));
    projector = await startProjector({ config, logger, prisma, nats, durableName });
    try {
      await eventually(async () => {
        const n = await prisma.dossier.count({ where: { code: { in: codes }, status: 'result_ready' } });
        return n === codes.length ? n : undefined;
      });
      expect(await prisma.dossierEvent.count({ where: { dossierCode: { in: codes } } })).toBe(
        codes.length * 2,
      );
    } finally {
      await projector.stop();
      await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, durableName);
    }
  });
});
