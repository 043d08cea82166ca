/**
 * Projector: events projected/s from a batch of dossier events published to JetStream before the
 * projector starts (received → digitized → payment → result ready → returned, 5 per dossier),
 * one consumer, through the real `startProjector`. Baseline in the same run: bare single-row
 * INSERTs (autocommit, serially, one connection) of the very rows the projector wrote.
 * N consumers: partitioned projection is not merged yet, so N is reported as not available.
 */
import pg from 'pg';
import type { Actor, DossierEvent } from '../../domain/events';
import { subjectFor } from '../../domain/events';
import { createPrisma } from '../../services/db';
import { connectNats } from '../../services/nats';
import { startProjector } from '../../services/projector';
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

export const projector: Scenario = {
  name: 'projector',
  description: 'events/s projected from a pre-published batch vs bare INSERTs of the same rows',
  async run({ quick, log, stack, at }) {
    const bench = await stack();
    const config = scenarioConfig(bench.config, 'projector');
    const dossiers = quick ? 300 : 4_000;
    const nats = await connectNats(config, bench.logger);
    const prisma = createPrisma(config.DATABASE_URL!);
    const db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    try {
      const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
      const codes = Array.from({ length: dossiers }, (_, i) => `BP-${tag}-${i}`);
      const events = codes.flatMap((code, i) =>
        dossierEvents(code, new Date(Date.UTC(2026, 10, 2, 1, i % 600))),
      );
      log(`projector: publishing ${events.length} events of ${dossiers} dossiers…`);
      for (let i = 0; i < events.length; i += 500) {
        await Promise.all(
          events
            .slice(i, i + 500)
            .map((e) => nats.js.publish(subjectFor(e), JSON.stringify(e), { msgID: e.id })),
        );
      }

      log('projector: projecting with 1 consumer…');
      const durableName = `bench-projector-${tag}`;
      const t0 = performance.now();
      const running = await startProjector({ config, logger: bench.logger, prisma, nats, durableName });
      let lastLog = t0;
      for (;;) {
        const info = await nats.jsm.consumers.info(config.NATS_STREAM, durableName);
        if (
          info.num_pending === 0 &&
          info.num_ack_pending === 0 &&
          info.delivered.stream_seq >= events.length
        )
          break;
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(`  ${events.length - info.num_pending - info.num_ack_pending}/${events.length} projected`);
        }
        await sleep(50);
      }
      const projectMs = performance.now() - t0;
      await running.stop();
      const stored = await prisma.dossierEvent.count({ where: { dossierCode: { in: codes } } });
      const onePerSecond = round((events.length / projectMs) * 1000, 1);
      log(`  1 consumer: ${onePerSecond} events/s (${stored}/${events.length} stored)`);

      log('projector: baseline, bare INSERTs of the same rows…');
      const dossierRows = (await db.query('SELECT * FROM dossier WHERE code = ANY($1)', [codes])).rows;
      const eventRows = (await db.query('SELECT * FROM dossier_event WHERE dossier_code = ANY($1)', [codes]))
        .rows;
      const bareMs =
        (await bareInserts(db, 'dossier', dossierRows)) + (await bareInserts(db, 'dossier_event', eventRows));
      const barePerSecond = round((events.length / bareMs) * 1000, 1);
      log(
        `  bare INSERTs: ${barePerSecond} events/s (${dossierRows.length} dossier + ${eventRows.length} event rows)`,
      );

      const complete = stored === events.length;
      return {
        metrics: {
          'projector.eventsPerSecond': metric(
            'projector.eventsPerSecond',
            {
              status: 'partial',
              value: { '1': onePerSecond, N: null },
              baseline: { bareInserts: barePerSecond },
              note:
                `${events.length} events (${dossiers} dossiers × 5), one transaction per event, serially; ` +
                `${round(onePerSecond / barePerSecond, 2)}× bare INSERTs. N consumers: not yet available (partitioned projection not merged)` +
                (complete ? '' : `; only ${stored}/${events.length} stored`),
            },
            at,
          ),
        },
        details: {
          dossiers,
          events: events.length,
          stored,
          oneConsumer: { ms: Math.round(projectMs), eventsPerSecond: onePerSecond },
          bareInserts: {
            ms: Math.round(bareMs),
            rows: dossierRows.length + eventRows.length,
            eventsPerSecond: barePerSecond,
          },
          nConsumers: 'not_available',
        },
        text: `projector — 1 consumer ${onePerSecond} events/s; bare INSERTs ${barePerSecond} events/s; N consumers n/a`,
      };
    } finally {
      await db.end();
      await prisma.$disconnect();
      // Streams of one server may not share subjects: the next scenario makes its own.
      await nats.jsm.streams.delete(config.NATS_STREAM).catch(() => {});
      await nats.close();
    }
  },
};
