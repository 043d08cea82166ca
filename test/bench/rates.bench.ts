/**
 * Rates: a one-year province rate query (`rateReport`, the function behind `GET /v1/rates`) at
 * 100 k, 1 M and 10 M dossiers, side by side with the baseline a naive implementation would run: one
 * GROUP BY over the dossier table for the same numbers (received by channel, resolved by verdict,
 * pending at both ends).
 *
 * Data: its own database on the bench PostgreSQL server (migrated like production, sample reference
 * data), a province with 100 communes and the sample procedures; dossiers spread over two years
 * (2025–2026) are bulk-loaded with `generate_series` into the dossier table (every column the
 * projector writes, `state` a compact JSON of the same top-level fields), and the counter buckets
 * are added from the same generated rows in one `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE
 * SET x = x + …` per load step (the projector's upsert, one row per bucket); the roll-ups are then
 * summed again from the buckets, as their migration does.
 * Sizes grow by loading more dossiers into the same tables (100 k, then 900 k more, then 9 M more).
 */
import pg from 'pg';
import { COUNTERS, counterColumn } from '../../domain/counters';
import { createPrisma, type PrismaClient, prepareDatabase } from '../../services/db';
import { rateReport, sumBucketRows } from '../../services/rates/query';
import { seedSampleReferenceData } from '../../services/reference';
import { metric, percentile, round } from './harness';
import type { Scenario } from './scenario';

const COMMUNES = 100;
const PROVINCE = 'T-RATES-BENCH';
const YEAR = { from: '2025-01-01', to: '2025-12-31' };
/** Two years of receipts, in seconds from 2025-01-01 00:00 (+07:00). */
const SPAN_SECONDS = 730 * 86_400;

export const communeCode = (i: number) => `X-RB-${String(i).padStart(3, '0')}`;

async function timeIt(
  reps: number,
  op: () => Promise<unknown>,
): Promise<{ p50Ms: number; p99Ms: number; reps: number }> {
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await op();
    xs.push(performance.now() - t);
  }
  return { p50Ms: round(percentile(xs, 50), 2), p99Ms: round(percentile(xs, 99), 2), reps };
}

/** Dossiers [$1, $2): deterministic attributes of dossier g (the same for the rows and their buckets). */
const GENERATED = `
  SELECT g, 'RB-' || g AS code,
    ($3::text[])[1 + (g / ${COMMUNES}) % array_length($3::text[], 1)] AS proc,
    'X-RB-' || lpad((g % ${COMMUNES})::text, 3, '0') AS agency,
    (ARRAY['direct', 'online', 'postal'])[1 + g % 3] AS channel,
    timestamptz '2025-01-01 00:00:00+07' + ((g::bigint * 2654435761) % ${SPAN_SECONDS}) * interval '1 second' AS received,
    timestamptz '2025-01-01 00:00:00+07' + ((g::bigint * 2654435761) % ${SPAN_SECONDS}) * interval '1 second' + (g % 9) * interval '1 day' AS completed,
    (g % 9) >= 7 AS late,
    CASE WHEN g % 9 < 6 THEN 'early' WHEN g % 9 = 6 THEN 'on_time' ELSE 'late' END AS verdict,
    (g % 10 <> 0 AND timestamptz '2025-01-01 00:00:00+07' + ((g::bigint * 2654435761) % ${SPAN_SECONDS}) * interval '1 second' < timestamptz '2026-11-01 00:00:00+07') AS done
  FROM generate_series($1::bigint, $2::bigint - 1) g`;

/** Dossier rows [lo, hi) as the projector leaves them (received, most resolved and returned). */
const loadDossiersSql = `
INSERT INTO dossier (code, workflow_id, procedure_code, agency_code, channel, applicant_name, status,
  received_at, due_at, original_due_at, warning_at, calendar_version, current_step, current_agency_code,
  participants, due_soon, overdue, completed_at, outcome, outcome_by_instant, outcome_by_day, result_kind,
  returned_at, components_digitized, result_digitized, paid_online, rating_score, backfilled, state,
  last_seq, last_hash, updated_at)
SELECT code, 'dossier-' || code, proc, agency, channel, 'Nguyễn Văn ' || g, CASE WHEN done THEN 'returned' ELSE 'processing' END,
  received, received + interval '7 days', received + interval '7 days', received + interval '6 days', 'vn-2026.1', CASE WHEN done THEN NULL ELSE 0 END, agency,
  ARRAY[agency], false, late AND NOT done, CASE WHEN done THEN completed END, CASE WHEN done THEN verdict END, CASE WHEN done THEN verdict END, CASE WHEN done THEN verdict END,
  CASE WHEN done THEN (CASE WHEN g % 3 = 0 THEN 'electronic' ELSE 'paper' END) END,
  CASE WHEN done THEN completed + interval '1 hour' END, g % 2 = 0, done AND g % 3 = 0, CASE WHEN g % 4 = 0 THEN true END,
  CASE WHEN done THEN 1 + (g % 5) END, false,
  jsonb_build_object('code', code, 'status', CASE WHEN done THEN 'returned' ELSE 'processing' END, 'procedureCode', proc,
    'agencyCode', agency, 'channel', channel, 'receivedAt', received, 'dueAt', received + interval '7 days',
    'warningAt', received + interval '6 days', 'calendarVersion', 'vn-2026.1', 'steps', '[]'::jsonb, 'timeline', '[]'::jsonb,
    'completedAt', CASE WHEN done THEN completed END, 'outcome', CASE WHEN done THEN verdict END),
  4, md5(code), now()
FROM (${GENERATED}) s`;

const vnDay = (col: string) => `(${col} AT TIME ZONE 'Asia/Ho_Chi_Minh')::date`;

/**
 * The counter deltas of dossiers [lo, hi), added to the buckets as the projector adds them. Each
 * generated dossier is computed once and yields its receipt row and, when resolved, its resolution
 * row (LATERAL VALUES), so the generator runs once per load step, not once per kind of delta.
 */
function addBucketsSql(): string {
  const deltas = `SELECT agency AS agency_code, proc AS procedure_code, e.day,
      count(*) FILTER (WHERE e.receipt AND channel = 'direct') AS received_direct,
      count(*) FILTER (WHERE e.receipt AND channel = 'online') AS received_online,
      count(*) FILTER (WHERE e.receipt AND channel = 'postal') AS received_postal,
      count(*) FILTER (WHERE e.receipt AND g % 2 = 0) AS received_digitized,
      count(*) FILTER (WHERE NOT e.receipt AND verdict = 'early') AS resolved_early,
      count(*) FILTER (WHERE NOT e.receipt AND verdict = 'on_time') AS resolved_on_time,
      count(*) FILTER (WHERE NOT e.receipt AND verdict = 'late') AS resolved_late,
      count(*) FILTER (WHERE NOT e.receipt AND g % 3 = 0) AS resolved_electronic,
      count(*) FILTER (WHERE NOT e.receipt AND g % 3 = 0) AS resolved_result_digitized,
      count(*) FILTER (WHERE NOT e.receipt) AS returned,
      count(*) FILTER (WHERE NOT e.receipt AND g % 4 = 0) AS paid_online,
      count(*) FILTER (WHERE NOT e.receipt AND 1 + g % 5 = 1) AS rating_1,
      count(*) FILTER (WHERE NOT e.receipt AND 1 + g % 5 = 2) AS rating_2,
      count(*) FILTER (WHERE NOT e.receipt AND 1 + g % 5 = 3) AS rating_3,
      count(*) FILTER (WHERE NOT e.receipt AND 1 + g % 5 = 4) AS rating_4,
      count(*) FILTER (WHERE NOT e.receipt AND 1 + g % 5 = 5) AS rating_5,
      count(*) FILTER (WHERE NOT e.receipt AND verdict = 'late') AS became_overdue
    FROM (${GENERATED}) s
    CROSS JOIN LATERAL (VALUES (true, ${vnDay('received')}), (false, CASE WHEN done THEN ${vnDay('completed')} END)) e(receipt, day)
    WHERE e.day IS NOT NULL
    GROUP BY 1, 2, 3`;
  const cols = [
    'received_direct',
    'received_online',
    'received_postal',
    'received_digitized',
    'resolved_early',
    'resolved_on_time',
    'resolved_late',
    'resolved_electronic',
    'resolved_result_digitized',
    'returned',
    'paid_online',
    'rating_1',
    'rating_2',
    'rating_3',
    'rating_4',
    'rating_5',
    'became_overdue',
  ];
  const byDay: Record<string, string> = {
    resolved_by_day_early: 'resolved_early',
    resolved_by_day_on_time: 'resolved_on_time',
    resolved_by_day_late: 'resolved_late',
  };
  const all = [...cols, ...Object.keys(byDay)];
  const known = new Set(COUNTERS.map((c) => counterColumn(c)));
  for (const c of all) if (!known.has(c)) throw new Error(`unknown counter column ${c}`);
  return `INSERT INTO counter_bucket (agency_code, procedure_code, day, backfilled, ${all.join(', ')})
    SELECT agency_code, procedure_code, day, false, ${cols.map((c) => `sum(${c})`).join(', ')}, ${Object.values(
      byDay,
    )
      .map((c) => `sum(${c})`)
      .join(', ')}
      FROM (${deltas}) d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (agency_code, procedure_code, day, backfilled) DO UPDATE SET
      ${all.map((c) => `${c} = counter_bucket.${c} + EXCLUDED.${c}`).join(', ')}`;
}

const COUNTER_COLUMNS = COUNTERS.map((c) => counterColumn(c));
const rebuildRollupsSql = `
DELETE FROM counter_rollup_day;
DELETE FROM counter_rollup_month;
INSERT INTO counter_rollup_day (agency_code, day, backfilled, ${COUNTER_COLUMNS.join(', ')})
  SELECT agency_code, day, backfilled, ${COUNTER_COLUMNS.map((c) => `sum(${c})`).join(', ')} FROM counter_bucket GROUP BY 1, 2, 3;
INSERT INTO counter_rollup_month (agency_code, month, backfilled, ${COUNTER_COLUMNS.join(', ')})
  SELECT agency_code, date_trunc('month', day)::date, backfilled, ${COUNTER_COLUMNS.map((c) => `sum(${c})`).join(', ')} FROM counter_bucket GROUP BY 1, 2, 3;`;

/** The baseline: the same numbers straight from the dossier table. */
const groupBySql = `
SELECT
  count(*) FILTER (WHERE received_at >= $2 AND received_at < $3 AND channel = 'direct') AS received_direct,
  count(*) FILTER (WHERE received_at >= $2 AND received_at < $3 AND channel = 'online') AS received_online,
  count(*) FILTER (WHERE received_at >= $2 AND received_at < $3 AND channel = 'postal') AS received_postal,
  count(*) FILTER (WHERE completed_at >= $2 AND completed_at < $3 AND outcome = 'early') AS resolved_early,
  count(*) FILTER (WHERE completed_at >= $2 AND completed_at < $3 AND outcome = 'on_time') AS resolved_on_time,
  count(*) FILTER (WHERE completed_at >= $2 AND completed_at < $3 AND outcome = 'late') AS resolved_late,
  count(*) FILTER (WHERE received_at < $2 AND (completed_at IS NULL OR completed_at >= $2)) AS pending_carried_over,
  count(*) FILTER (WHERE received_at < $3 AND (completed_at IS NULL OR completed_at >= $3)) AS pending_at_end
FROM dossier WHERE agency_code = ANY($1::text[]) AND received_at < $3`;

/**
 * `EXPLAIN (ANALYZE, BUFFERS)` of every statement `rateReport` sends (one since the single-statement
 * query), captured by running it once through a recording client.
 */
async function explainRateReport(
  prisma: PrismaClient,
  sql: pg.Client,
  q: Parameters<typeof rateReport>[1],
): Promise<string[]> {
  const sent: { text: string; params: unknown[] }[] = [];
  const recording = new Proxy(prisma, {
    get(target, prop) {
      if (prop === '$queryRawUnsafe') {
        return (text: string, ...params: unknown[]) => {
          sent.push({ text, params });
          return target.$queryRawUnsafe(text, ...params);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  await rateReport(recording, q);
  const plans: string[] = [];
  for (const s of sent) {
    const r = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.params);
    plans.push(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
  }
  return plans;
}

export const rates: Scenario = {
  name: 'rates',
  description: 'one-year province rate query over counter buckets vs GROUP BY over dossiers, 100 k–10 M',
  async run({ quick, log, stack, at }) {
    const bench = await stack();
    const sizes = quick ? [10_000, 100_000, 300_000] : [100_000, 1_000_000, 10_000_000];
    const reps = quick ? 30 : 100;
    const baseUrl = new URL(bench.stack.databaseUrl);
    const dbName = `motcua_rates_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: bench.stack.databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(baseUrl);
    url.pathname = `/${dbName}`;
    const databaseUrl = url.toString();
    const prisma = createPrisma(databaseUrl);
    const sql = new pg.Client({ connectionString: databaseUrl });
    try {
      log(`rates: database ${dbName}: migrating, reference data, a province with ${COMMUNES} communes…`);
      await prepareDatabase(databaseUrl, bench.logger);
      await seedSampleReferenceData(prisma);
      await sql.connect();
      await sql.query('SET synchronous_commit = off');
      // Loading only: hash aggregates of the bucket deltas and index builds (the GIN on participants
      // above all) in memory instead of spilling; reset before measuring, so the baseline runs with
      // the server's defaults.
      const loadSettings = async (on: boolean) =>
        on
          ? sql.query("SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'")
          : sql.query('RESET work_mem; RESET maintenance_work_mem');
      await sql.query(
        `INSERT INTO agency (code, name, level, parent_code, is_sample) VALUES ($1, 'Tỉnh (benchmark)', 'province', NULL, true)`,
        [PROVINCE],
      );
      await sql.query(
        `INSERT INTO agency (code, name, level, parent_code, is_sample)
         SELECT 'X-RB-' || lpad(i::text, 3, '0'), 'Xã ' || i || ' (benchmark)', 'commune', $1, true FROM generate_series(0, ${COMMUNES - 1}) i`,
        [PROVINCE],
      );
      const procedures = (
        await sql.query<{ code: string }>('SELECT code FROM procedure ORDER BY code')
      ).rows.map((r) => r.code);
      const addBuckets = addBucketsSql();
      const agencies = [PROVINCE, ...Array.from({ length: COMMUNES }, (_, i) => communeCode(i))];
      const from = new Date(`${YEAR.from}T00:00:00+07:00`);
      const toExcl = new Date(Date.parse(`${YEAR.to}T00:00:00+07:00`) + 86_400_000);
      const rows: {
        dossiers: number;
        buckets: number;
        loadMs: number;
        query: { p50Ms: number; p99Ms: number; reps: number };
        bucketRowsWithoutRollup: { p50Ms: number; p99Ms: number; reps: number };
        groupBy: { p50Ms: number; p99Ms: number; reps: number };
        sameNumbers: boolean;
        plans: string[];
        loadSteps: Record<string, number>;
      }[] = [];
      let loaded = 0;
      for (const size of sizes) {
        const t0 = performance.now();
        await loadSettings(true);
        const chunk = 1_000_000;
        // Bulk load as a migration would: the dossier table's secondary indexes are dropped for the
        // load and built again before measuring (the queries run with the production indexes).
        const indexes = (
          await sql.query<{ indexname: string; indexdef: string }>(
            `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'dossier' AND indexname <> 'dossier_pkey'`,
          )
        ).rows;
        for (const ix of indexes) await sql.query(`DROP INDEX "${ix.indexname}"`);
        const steps: Record<string, number> = {};
        const tRows = performance.now();
        for (let lo = loaded; lo < size; lo += chunk) {
          const hi = Math.min(size, lo + chunk);
          await sql.query(loadDossiersSql, [lo, hi, procedures]);
          log(
            `rates: loaded ${hi.toLocaleString('en-US')} dossiers (${round((performance.now() - t0) / 1000, 1)} s)`,
          );
        }
        steps.dossiers = round((performance.now() - tRows) / 1000, 1);
        // Their counter deltas in one upsert per bucket; the roll-ups are then summed again from the
        // buckets as the migration does (the per-row trigger is for live traffic, not bulk loads).
        const step = async (name: string, fn: () => Promise<unknown>) => {
          const t = performance.now();
          await fn();
          steps[name] = round((performance.now() - t) / 1000, 1);
        };
        await step('buckets', async () => {
          await sql.query('ALTER TABLE counter_bucket DISABLE TRIGGER counter_bucket_rollup');
          await sql.query(addBuckets, [loaded, size, procedures]);
          await sql.query('ALTER TABLE counter_bucket ENABLE TRIGGER counter_bucket_rollup');
        });
        await step('rollups', () => sql.query(rebuildRollupsSql));
        await step('indexes', async () => {
          for (const ix of indexes) await sql.query(ix.indexdef);
        });
        loaded = size;
        await step('vacuum', async () => {
          await sql.query('VACUUM ANALYZE dossier');
          await sql.query('VACUUM ANALYZE counter_bucket');
          await sql.query('VACUUM ANALYZE counter_rollup_day');
          await sql.query('VACUUM ANALYZE counter_rollup_month');
        });
        log(
          `rates: load steps (s): ${Object.entries(steps)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
        await loadSettings(false);
        const loadMs = round(performance.now() - t0);
        const buckets = Number((await sql.query('SELECT count(*) AS n FROM counter_bucket')).rows[0].n);
        const q = { agency: PROVINCE, from: YEAR.from, to: YEAR.to, backfilled: 'include' as const };
        const report = await rateReport(prisma, q);
        const plans = await explainRateReport(prisma, sql, q);
        for (const p of plans)
          log(`rates: plan of the rate query at ${size.toLocaleString('en-US')} dossiers:\n${p}`);
        const query = await timeIt(reps, () => rateReport(prisma, q));
        // The same three sums straight from the bucket rows (the query before the roll-ups).
        const dayBeforeFrom = '2024-12-31';
        const bucketRowsWithoutRollup = await timeIt(Math.max(5, Math.round(reps / 5)), () =>
          Promise.all([
            sumBucketRows(prisma, { agencies, from: YEAR.from, to: YEAR.to }),
            sumBucketRows(prisma, { agencies, to: dayBeforeFrom }),
            sumBucketRows(prisma, { agencies, to: YEAR.to }),
          ]),
        );
        const baseline = (await sql.query(groupBySql, [agencies, from, toExcl])).rows[0] as Record<
          string,
          string
        >;
        const groupBy = await timeIt(size >= 1_000_000 ? 3 : 10, () =>
          sql.query(groupBySql, [agencies, from, toExcl]),
        );
        const sameNumbers =
          report.counts.receivedDirect === Number(baseline.received_direct) &&
          report.counts.receivedOnline === Number(baseline.received_online) &&
          report.counts.resolvedEarly === Number(baseline.resolved_early) &&
          report.counts.resolvedLate === Number(baseline.resolved_late);
        rows.push({
          dossiers: size,
          buckets,
          loadMs,
          query,
          bucketRowsWithoutRollup,
          groupBy,
          sameNumbers,
          plans,
          loadSteps: steps,
        });
        log(
          `rates: ${size.toLocaleString('en-US')} dossiers, ${buckets.toLocaleString('en-US')} buckets: rate query p99 ${query.p99Ms} ms (bucket rows without roll-up ${bucketRowsWithoutRollup.p99Ms} ms), GROUP BY p99 ${groupBy.p99Ms} ms; same numbers: ${sameNumbers}`,
        );
      }
      const smallest = rows[0]!;
      const largest = rows.at(-1)!;
      const growth = round(largest.query.p99Ms / smallest.query.p99Ms, 2);
      const sizesText = sizes.map((s) => s.toLocaleString('en-US')).join(' / ');
      const quickNote = quick ? ' (quick: smaller sizes than the issue’s 100 k / 1 M / 10 M)' : '';
      const allSame = rows.every((r) => r.sameNumbers);
      return {
        metrics: {
          'rates.p99MsLargest': metric(
            'rates.p99MsLargest',
            {
              status: largest.query.p99Ms <= 20 && allSame ? 'met' : 'missed',
              value: largest.query.p99Ms,
              baseline: largest.groupBy.p99Ms,
              note:
                `rateReport(province of ${COMMUNES} communes, ${YEAR.from}..${YEAR.to}) at ${largest.dossiers.toLocaleString('en-US')} dossiers${quickNote}: ` +
                `${reps} runs; baseline GROUP BY over the dossier table p99 ${largest.groupBy.p99Ms} ms; ` +
                `the same sums from the bucket rows without the roll-ups: p99 ${largest.bucketRowsWithoutRollup.p99Ms} ms; numbers equal to the GROUP BY: ${allSame ? 'yes' : 'NO'}`,
            },
            at,
          ),
          'rates.growthLargestOverSmallest': metric(
            'rates.growthLargestOverSmallest',
            {
              status: growth <= 2 ? 'met' : 'missed',
              value: growth,
              baseline: round(largest.groupBy.p99Ms / smallest.groupBy.p99Ms, 2),
              note: `p99 at ${sizesText} dossiers${quickNote}: ${rows.map((r) => r.query.p99Ms).join(' / ')} ms; GROUP BY: ${rows.map((r) => r.groupBy.p99Ms).join(' / ')} ms`,
            },
            at,
          ),
        },
        details: { communes: COMMUNES, procedures: procedures.length, year: YEAR, rows },
        text: [
          'rates — one-year province rate query (ms)',
          `${'dossiers'.padStart(12)}${'buckets'.padStart(10)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'no roll-up p99'.padStart(16)}${'GROUP BY p99'.padStart(14)}`,
          ...rows.map(
            (r) =>
              `${r.dossiers.toLocaleString('en-US').padStart(12)}${String(r.buckets).padStart(10)}${String(r.query.p50Ms).padStart(9)}${String(r.query.p99Ms).padStart(9)}${String(r.bucketRowsWithoutRollup.p99Ms).padStart(16)}${String(r.groupBy.p99Ms).padStart(14)}`,
          ),
        ].join('\n'),
      };
    } finally {
      await prisma.$disconnect().catch(() => {});
      await sql.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
  },
};
