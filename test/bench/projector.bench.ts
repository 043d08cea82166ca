/**
 * Projector: events projected/s from a batch of dossier events published to JetStream before the
 * projector starts (received → digitized → payment → result ready → returned, 5 per dossier),
 * through the real `startProjector`, three ways on fresh dossiers each:
 * - `1`: one consumer, one event per transaction (the design before partitioning: PROJECTOR_BATCH_SIZE=1,
 *   one partition);
 * - `1_batched`: one consumer, batches of PROJECTOR_BATCH_SIZE events per transaction;
 * - `N`: N projector instances of one group, each owning one of N partitions, batched.
 * Baseline in the same run: bare single-row INSERTs (autocommit, serially, one connection) of the
 * very rows the projector wrote.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Actor, DossierEvent } from '../../domain/events';
import { evenShare, formatPartitionSet } from '../../domain/partitions';
import { eventSigningKeys } from '../../services/config';
import { createPrisma } from '../../services/db';
import { publishSignedEvent } from '../../services/event-publisher';
import {
  connectNats,
  consumerGroupState,
  createConsumerGroupAt,
  deleteConsumerGroup,
} from '../../services/nats';
import { projectorConsumerSettings, startProjector } from '../../services/projector';
import { metric, round } from './harness';
import { type Scenario, sleep } from './scenario';
import { scenarioConfig } from './stack';

const actor: Actor = { id: 'bench', role: 'officer', agencyCode: 'X-AN-BINH' };

/** The five events of one dossier, valid against the catalogue and the lifecycle fold. */
export function dossierEvents(code: string, receivedAt: Date): DossierEvent[] {
  const iso = (minutes: number) => new Date(receivedAt.getTime() + minutes * 60_000).toISOString();
  const due = iso(5 * 24 * 60);
  const envelope = (seq: number, occurredAt: string) => ({
    id: `${code}:${seq}`,
    dossierCode: code,
    workflowId: `dossier-${code}`,
    seq,
    occurredAt,
    version: 1 as const,
  });
  return [
    {
      ...envelope(1, iso(0)),
      type: 'dossier.received',
      payload: {
        procedureCode: 'MAU-DANG-KY-KET-HON',
        agencyCode: 'X-AN-BINH',
        channel: 'direct',
        applicantName: 'Nguyễn Văn An',
        receivedAt: iso(0),
        dueAt: due,
        warningAt: iso(4 * 24 * 60),
        calendarVersion: 'bench',
        steps: [],
        actor: { ...actor, role: 'intake' },
      },
    },
    {
      ...envelope(2, iso(10)),
      type: 'dossier.digitized',
      payload: { components: ['don-dang-ky'], result: false, actor },
    },
    {
      ...envelope(3, iso(20)),
      type: 'dossier.payment_recorded',
      payload: { amountVnd: 50_000, online: true, actor },
    },
    {
      ...envelope(4, iso(60)),
      type: 'dossier.result_ready',
      payload: {
        resultKind: 'electronic',
        completedAt: iso(60),
        dueAt: due,
        originalDueAt: due,
        outcome: 'early',
        actor,
      },
    },
    {
      ...envelope(5, iso(120)),
      type: 'dossier.result_returned',
      payload: { returnedAt: iso(120), actor },
    },
  ] as DossierEvent[];
}

/** Single-row INSERTs of `rows` into a copy of `table`, one statement each; returns elapsed ms. */
async function bareInserts(
  client: pg.Client,
  table: string,
  rows: Record<string, unknown>[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const copy = `bench_${table}_${process.pid}`;
  await client.query(
    `CREATE TABLE IF NOT EXISTS "${copy}" (LIKE "${table}" INCLUDING DEFAULTS INCLUDING INDEXES)`,
  );
  const cols = Object.keys(rows[0]!);
  const sql = `INSERT INTO "${copy}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
  const t0 = performance.now();
  for (const row of rows) {
    await client.query(
      sql,
      cols.map((c) => {
        const v = row[c];
        // json columns go as text; arrays (text[] columns) and dates as pg converts them
        return v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v)
          ? JSON.stringify(v)
          : v;
      }),
    );
  }
  const elapsed = performance.now() - t0;
  await client.query(`DROP TABLE "${copy}"`);
  return elapsed;
}

interface ProjectionRun {
  label: string;
  dossiers: number;
  events: number;
  stored: number;
  ms: number;
  eventsPerSecond: number;
}

export const projector: Scenario = {
  name: 'projector',
  description:
    'events/s projected by 1 consumer (serial, batched) and N partitioned consumers vs bare INSERTs',
  async run({ quick, log, stack, at }) {
    const bench = await stack();
    const base = scenarioConfig(bench.config, 'projector', {
      // The projector verifies signatures: sign with a key of this run when the stack has none.
      MOTCUA_EVENT_SIGNING_KEYS:
        bench.config.MOTCUA_EVENT_SIGNING_KEYS ?? `bench:${randomBytes(32).toString('base64url')}`,
    });
    const dossiers = quick ? 300 : 2_000;
    const consumersN = 4;
    const batch = 32;
    const nats = await connectNats(base, bench.logger);
    const prisma = createPrisma(base.DATABASE_URL!);
    const db = new pg.Client({ connectionString: base.DATABASE_URL });
    await db.connect();
    const keys = eventSigningKeys(base);
    const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const allCodes: string[] = [];

    /** Publishes fresh dossiers, then projects them with `instances` projectors of a new group. */
    const projectRun = async (
      label: string,
      opts: { partitions: number; instances: number; batchSize: number },
    ): Promise<ProjectionRun> => {
      const codes = Array.from({ length: dossiers }, (_, i) => `BP-${tag}-${label}-${i}`);
      allCodes.push(...codes);
      const events = codes.flatMap((code, i) =>
        dossierEvents(code, new Date(Date.UTC(2026, 10, 2, 1, i % 600))),
      );
      const startSeq = (await nats.jsm.streams.info(base.NATS_STREAM)).state.last_seq + 1;
      log(`projector[${label}]: publishing ${events.length} events of ${dossiers} dossiers…`);
      for (let i = 0; i < events.length; i += 500) {
        await Promise.all(
          events
            .slice(i, i + 500)
            .map((e) => publishSignedEvent(nats.js, keys, e, 'X-AN-BINH', { partitions: opts.partitions })),
        );
      }
      const group = `bench-projector-${label}-${tag}`;
      await createConsumerGroupAt(
        nats.jsm,
        base.NATS_STREAM,
        group,
        opts.partitions,
        projectorConsumerSettings(),
        startSeq,
        bench.logger,
      );
      log(`projector[${label}]: projecting with ${opts.instances} consumer(s), batch ${opts.batchSize}…`);
      const t0 = performance.now();
      const running = await Promise.all(
        Array.from({ length: opts.instances }, (_, i) =>
          startProjector({
            config: {
              ...base,
              MOTCUA_EVENT_PARTITIONS: opts.partitions,
              PROJECTOR_PARTITIONS: formatPartitionSet(evenShare(i, opts.instances, opts.partitions)),
              PROJECTOR_BATCH_SIZE: opts.batchSize,
            },
            logger: bench.logger,
            prisma,
            nats,
            durableName: group,
          }),
        ),
      );
      let lastLog = t0;
      for (;;) {
        const state = await consumerGroupState(nats.jsm, base.NATS_STREAM, group);
        if (state.caughtUp) break;
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(`  ${events.length - state.numPending - state.numAckPending}/${events.length} projected`);
        }
        await sleep(50);
      }
      const ms = performance.now() - t0;
      for (const r of running) await r.stop();
      await deleteConsumerGroup(nats.jsm, base.NATS_STREAM, group);
      const stored = await prisma.dossierEvent.count({ where: { dossierCode: { in: codes } } });
      const eventsPerSecond = round((events.length / ms) * 1000, 1);
      log(`  ${label}: ${eventsPerSecond} events/s (${stored}/${events.length} stored)`);
      return { label, dossiers, events: events.length, stored, ms: Math.round(ms), eventsPerSecond };
    };

    try {
      const serial = await projectRun('1', { partitions: 1, instances: 1, batchSize: 1 });
      const batched = await projectRun('1_batched', { partitions: 1, instances: 1, batchSize: batch });
      const parallel = await projectRun('N', {
        partitions: consumersN,
        instances: consumersN,
        batchSize: batch,
      });

      log('projector: baseline, bare INSERTs of the same rows…');
      const codes = allCodes.filter((c) => c.includes('-1-'));
      const dossierRows = (await db.query('SELECT * FROM dossier WHERE code = ANY($1)', [codes])).rows;
      const eventRows = (await db.query('SELECT * FROM dossier_event WHERE dossier_code = ANY($1)', [codes]))
        .rows;
      const bareMs =
        (await bareInserts(db, 'dossier', dossierRows)) + (await bareInserts(db, 'dossier_event', eventRows));
      const barePerSecond = round((eventRows.length / bareMs) * 1000, 1);
      log(
        `  bare INSERTs: ${barePerSecond} events/s (${dossierRows.length} dossier + ${eventRows.length} event rows)`,
      );

      const runs = [serial, batched, parallel];
      const complete = runs.every((r) => r.stored === r.events);
      const vsSerial = round(parallel.eventsPerSecond / serial.eventsPerSecond, 2);
      const vsBatched = round(parallel.eventsPerSecond / batched.eventsPerSecond, 2);
      const cores = (await import('node:os')).availableParallelism();
      return {
        metrics: {
          'projector.eventsPerSecond': metric(
            'projector.eventsPerSecond',
            {
              status: vsSerial >= 3 ? 'met' : 'missed',
              value: {
                '1': serial.eventsPerSecond,
                '1_batched': batched.eventsPerSecond,
                N: parallel.eventsPerSecond,
              },
              baseline: { bareInserts: barePerSecond },
              note:
                `${dossiers} dossiers × 5 events per run; "1" = one consumer, one transaction per event (the ` +
                `pre-partitioning design); "1_batched" = one consumer, ${batch} events per transaction; "N" = ` +
                `${consumersN} projector instances × 1 of ${consumersN} partitions, batched, in one Node process ` +
                `against one PostgreSQL on ${cores} cores. N = ${vsSerial}× "1" and ${vsBatched}× "1_batched"; ` +
                `bare INSERTs ${barePerSecond}/s.` +
                (complete
                  ? ''
                  : ` Incomplete: ${runs.map((r) => `${r.label} ${r.stored}/${r.events}`).join(', ')}`),
            },
            at,
          ),
        },
        details: {
          dossiers,
          runs,
          nOverOne: vsSerial,
          nOverOneBatched: vsBatched,
          bareInserts: {
            ms: Math.round(bareMs),
            rows: dossierRows.length + eventRows.length,
            eventsPerSecond: barePerSecond,
          },
        },
        text:
          `projector — 1 consumer ${serial.eventsPerSecond} events/s; 1 batched ${batched.eventsPerSecond}/s; ` +
          `${consumersN} partitioned ${parallel.eventsPerSecond}/s (${vsSerial}× one); bare INSERTs ${barePerSecond}/s`,
      };
    } finally {
      await db.end();
      await prisma.$disconnect();
      // Streams of one server may not share subjects: the next scenario makes its own.
      await nats.jsm.streams.delete(base.NATS_STREAM).catch(() => {});
      await nats.close();
    }
  },
};
