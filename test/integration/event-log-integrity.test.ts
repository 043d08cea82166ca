import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { checkpointStream, checkpointSubject, verifyChainAnchors } from '../../services/checkpoints';
import { eventSigningKeys } from '../../services/config';
import { createPrisma, createScratchDatabase, type PrismaClient, prepareDatabase } from '../../services/db';
import { publishSignedEvent } from '../../services/event-publisher';
import { chainHash, GENESIS_HASH } from '../../services/eventlog';
import { connectNats, deleteConsumerGroup, type Nats } from '../../services/nats';
import { type RunningProjector, startProjector } from '../../services/projector';
import { received as receivedFixture, resultReady as resultReadyBody } from '../lifecycle/fixtures';
import { eventually, streamTail, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * The hash-chained event log is evidence only if nobody can quietly rewrite it: the app's database
 * role cannot disable its trigger or truncate it, the owner is stopped by the trigger (TRUNCATE
 * included), and a rewrite by a superuser who recomputes every hash still differs from the chain
 * heads the projector published to JetStream.
 */

const config = testConfig();
const ownerUrl = inject('stack').databaseOwnerUrl;
const durableName = `integrity-${process.pid}`;
let prisma: PrismaClient;
let nats: Nats;
let projector: RunningProjector;

const received = (code: string): DossierEvent => ({
  ...receivedFixture(),
  id: eventIdFor(code, 1),
  dossierCode: code,
  workflowId: `dossier-${code}`,
});
const resultReady = (code: string): DossierEvent =>
  ({
    ...resultReadyBody('2026-11-02T08:00:00.000Z'),
    id: eventIdFor(code, 2),
    dossierCode: code,
    workflowId: `dossier-${code}`,
    seq: 2,
    version: 1,
  }) as DossierEvent;

async function sql(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** A dossier projected by the real projector (so its chain head is checkpointed). */
async function projectedDossier(prefix: string): Promise<string> {
  const code = uniqueCode(prefix);
  const keys = eventSigningKeys(config);
  await publishSignedEvent(nats.js, keys, received(code), 'X-AN-BINH');
  await publishSignedEvent(nats.js, keys, resultReady(code), 'X-AN-BINH');
  await eventually(async () =>
    (await prisma.dossier.findUnique({ where: { code } }))?.lastSeq === 2 ? true : undefined,
  );
  // The head reaches the checkpoint stream within a second.
  await eventually(() =>
    nats.jsm.streams
      .getMessage(checkpointStream(config.NATS_STREAM), {
        last_by_subj: checkpointSubject(config.NATS_STREAM, code),
      })
      .then((m) => (m?.json<{ seq: number }>().seq === 2 ? true : undefined)),
  );
  return code;
}

beforeAll(async () => {
  prisma = createPrisma(config.DATABASE_URL!);
  nats = await connectNats(config, testLogger());
  projector = await startProjector({
    config,
    logger: testLogger(),
    prisma,
    nats,
    durableName,
    startSeq: await streamTail(nats.jsm),
  });
});

afterAll(async () => {
  await projector?.stop();
  if (nats) await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, durableName);
  await nats?.close();
  await prisma?.$disconnect();
});

describe('the app runs as a database role that cannot rewrite the event log', () => {
  it('is not the owner of the event log and cannot disable its trigger, truncate, update or delete it', async () => {
    const app = config.DATABASE_URL!;
    const who = await sql(
      app,
      'SELECT current_user AS u, usesuper FROM pg_user WHERE usename = current_user',
    );
    expect(who.rows[0]).toMatchObject({ usesuper: false });
    expect(who.rows[0].u).not.toBe(new URL(ownerUrl).username);
    await expect(sql(app, 'ALTER TABLE dossier_event DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
    await expect(sql(app, 'TRUNCATE dossier_event CASCADE')).rejects.toThrow(/permission denied/);
    await expect(sql(app, "UPDATE dossier_event SET type = 'x' WHERE false")).rejects.toThrow(
      /permission denied/,
    );
    await expect(sql(app, 'DELETE FROM dossier_event WHERE false')).rejects.toThrow(/permission denied/);
    await expect(sql(app, 'CREATE TABLE sneaky (x int)')).rejects.toThrow(/permission denied/);
  });

  it('starts as that role against an up-to-date schema (migrations ran as the owner)', async () => {
    expect(await prepareDatabase(config.DATABASE_URL!)).toEqual([]);
  });

  it('stops even the owner from truncating the event log (statement trigger)', async () => {
    await projectedDossier('TRUNC');
    await expect(sql(ownerUrl, 'TRUNCATE dossier_event CASCADE')).rejects.toThrow(/append-only/);
    expect(await prisma.dossierEvent.count()).toBeGreaterThan(0);
  });
});

describe('the hash chain is anchored outside PostgreSQL', () => {
  it('finds nothing wrong with a log the projector wrote', async () => {
    const code = await projectedDossier('CHAIN');
    expect(await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, [code])).toEqual([]);
  });

  it('detects a table rewritten by a superuser who recomputed every hash', async () => {
    const code = await projectedDossier('REWRITE');
    // The superuser disables the trigger, turns "early" into … a different applicant, and recomputes the chain.
    const rows = await prisma.dossierEvent.findMany({
      where: { dossierCode: code },
      orderBy: { seq: 'asc' },
    });
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE dossier_event DISABLE TRIGGER USER');
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const payload = structuredClone(row.payload) as DossierEvent;
        if (payload.type === 'dossier.received') payload.payload.applicantName = 'Người Khác';
        const hash = chainHash(prev, payload);
        await client.query('UPDATE dossier_event SET payload = $1, prev_hash = $2, hash = $3 WHERE id = $4', [
          JSON.stringify(payload),
          prev,
          hash,
          row.id,
        ]);
        prev = hash;
      }
      await client.query('UPDATE dossier SET last_hash = $1, applicant_name = $2 WHERE code = $3', [
        prev,
        'Người Khác',
        code,
      ]);
      await client.query('ALTER TABLE dossier_event ENABLE TRIGGER USER');
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    // Inside PostgreSQL everything is consistent again…
    const problems = await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, [code]);
    expect(problems.filter((p) => p.problem === 'chain_broken' || p.problem === 'head_mismatch')).toEqual([]);
    // …but not with the head the projector published when it wrote the real events.
    expect(problems).toEqual([
      {
        dossierCode: code,
        problem: 'checkpoint_mismatch',
        detail: 'hash at seq 2 differs from the checkpoint',
      },
    ]);
  });

  it('finds every stored event in the stream, and detects one inserted in PostgreSQL alone', async () => {
    const code = await projectedDossier('INSERT');
    expect(
      await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, [code], { againstStream: true }),
    ).toEqual([]);
    // The app's role may append: someone with its password appends a well-chained third event.
    const head = await prisma.dossier.findUniqueOrThrow({ where: { code } });
    const fake = { ...resultReady(code), id: eventIdFor(code, 3), seq: 3 } as DossierEvent;
    const hash = chainHash(head.lastHash, fake);
    await prisma.dossierEvent.create({
      data: {
        id: fake.id,
        dossierCode: code,
        seq: 3,
        type: fake.type,
        schemaVersion: 1,
        occurredAt: new Date(fake.occurredAt),
        payload: fake as object,
        prevHash: head.lastHash,
        hash,
        streamSeq: 1n,
      },
    });
    await prisma.dossier.update({ where: { code }, data: { lastSeq: 3, lastHash: hash } });
    expect(
      await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, [code], { againstStream: true }),
    ).toEqual([
      {
        dossierCode: code,
        problem: 'not_in_stream',
        detail: 'seq 3 differ from the stream (or are not in it)',
      },
    ]);
  });

  it('detects a dossier deleted from the table altogether', async () => {
    const code = await projectedDossier('GONE');
    await sql(
      ownerUrl,
      `BEGIN; ALTER TABLE dossier_event DISABLE TRIGGER USER;
       DELETE FROM dossier_event WHERE dossier_code = '${code}'; DELETE FROM dossier WHERE code = '${code}';
       ALTER TABLE dossier_event ENABLE TRIGGER USER; COMMIT;`,
    );
    expect(await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, [code])).toEqual([
      { dossierCode: code, problem: 'dossier_missing', detail: 'checkpointed, not in the table' },
    ]);
    const all = await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM);
    expect(all.filter((p) => p.dossierCode === code).map((p) => p.problem)).toEqual(['dossier_missing']);
  });

  it('detects an edited payload whose hash was not recomputed', async () => {
    const code = await projectedDossier('EDIT');
    await sql(
      ownerUrl,
      `BEGIN; ALTER TABLE dossier_event DISABLE TRIGGER USER;
       UPDATE dossier_event SET payload = jsonb_set(payload, '{payload,outcome}', '"on_time"') WHERE dossier_code = '${code}' AND seq = 2;
       ALTER TABLE dossier_event ENABLE TRIGGER USER; COMMIT;`,
    );
    const problems = await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, [code]);
    expect(problems[0]).toEqual({ dossierCode: code, problem: 'chain_broken', detail: 'at seq 2' });
  });
});

describe('tests never write into the database DATABASE_URL names', () => {
  it('run in a scratch database of their own', () => {
    expect(new URL(ownerUrl).pathname).toMatch(/^\/motcua_test_\d+$/);
    expect(new URL(config.DATABASE_URL!).pathname).toBe(new URL(ownerUrl).pathname);
    if (process.env.DATABASE_URL)
      expect(new URL(ownerUrl).pathname).not.toBe(new URL(process.env.DATABASE_URL).pathname);
  });

  it('refuse to run when the server does not let them create that database', async () => {
    // The app role has no CREATEDB, like a DATABASE_URL that only reaches a production database.
    await expect(createScratchDatabase(config.DATABASE_URL!, `motcua_test_${process.pid}_x`)).rejects.toThrow(
      /tests never write into the DATABASE_URL database itself/,
    );
    const scratch = await createScratchDatabase(ownerUrl, `motcua_test_${process.pid}_y`);
    expect((await sql(scratch.url, 'SELECT current_database() AS d')).rows[0].d).toBe(
      `motcua_test_${process.pid}_y`,
    );
    await scratch.drop();
    const left = await sql(ownerUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [
      `motcua_test_${process.pid}_y`,
    ]);
    expect(left.rowCount).toBe(0);
  });
});
