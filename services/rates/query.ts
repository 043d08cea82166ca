import { z } from 'zod';
import { agencySubtree } from '../../domain/access';
import { epochDayFromIso, isoDateOf } from '../../domain/calendar/time';
import { COUNTERS, type Counts, counterColumn, emptyCounts } from '../../domain/counters';
import { computeRates, pendingStock, type Rates, ratings, received, resolved } from '../../domain/rates';
import type { PrismaClient } from '../db';
import { LIVE_BUCKET_TABLE } from './counters';

/**
 * Rate reports: sums of counter buckets over local days, rolled up through the agency hierarchy
 * at query time. Never scans dossiers or events.
 */
export const backfilledModeSchema = z.enum(['include', 'exclude', 'only']);
export type BackfilledMode = z.infer<typeof backfilledModeSchema>;

const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a local date YYYY-MM-DD')
  .refine((d) => {
    try {
      epochDayFromIso(d);
      return d >= '1900-01-01' && d <= '2200-12-31';
    } catch {
      return false;
    }
  }, 'must be a real date between 1900 and 2200');

/** What a rate read counts, besides its range (the same for one range and for a month series). */
const rateFilterFields = {
  agency: z.string().min(1).max(64),
  procedure: z.string().min(1).max(64).optional(),
  /** Administrative level of the agencies counted (e.g. `province`, `commune`). */
  level: z.string().min(1).max(32).optional(),
  backfilled: backfilledModeSchema.default('include'),
};

export const rateQuerySchema = z
  .object({ ...rateFilterFields, from: localDate, to: localDate })
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`', path: ['from'] });
export type RateQuery = z.infer<typeof rateQuerySchema>;

export interface PendingStock {
  pending: number;
  inTime: number;
  overdue: number;
}

export interface RateReport {
  agency: string;
  from: string;
  to: string;
  procedure: string | null;
  level: string | null;
  backfilled: BackfilledMode;
  /** Agencies whose buckets were summed (the requested one and those below it, within scope). */
  agencies: string[];
  rates: Rates;
  counts: Counts & { received: number; resolved: number; ratings: number };
  /** The part of `counts` that comes from backfilled dossiers (zero when excluded). */
  backfilledCounts: Counts;
  /** Pending stock at the end of the day before `from` (carried over) and at the end of `to`. */
  pending: { carriedOver: PendingStock; atEnd: PendingStock };
}

export class RateQueryError extends Error {
  constructor(
    readonly status: 403 | 404 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface SumRange {
  agencies: string[];
  from?: string;
  to: string;
  procedure?: string | undefined;
  table?: string;
}

/** Roll-ups of the live buckets without the procedure dimension (trigger-maintained, see migration 20261201050000). */
export const DAY_ROLLUP_TABLE = 'counter_rollup_day';
export const MONTH_ROLLUP_TABLE = 'counter_rollup_month';

const firstOfMonth = (d: string) => `${d.slice(0, 8)}01`;
const nextMonth = (m: string) => {
  const y = Number(m.slice(0, 4));
  const mo = Number(m.slice(5, 7));
  return mo === 12 ? `${y + 1}-01-01` : `${y}-${String(mo + 1).padStart(2, '0')}-01`;
};

/**
 * How a day range `from`..`to` (both inclusive; `from` open when undefined) splits into whole
 * months (`monthFrom` inclusive .. `monthTo` exclusive, first days of months) and the days of the
 * partial months at either end. Pure; unit-tested.
 */
export function splitByMonth(
  from: string | undefined,
  to: string,
): { months?: { from?: string; to: string }; days: { from?: string; to: string }[] } {
  const monthFrom = from === undefined ? undefined : from === firstOfMonth(from) ? from : nextMonth(from);
  const afterTo = isoDateOf(epochDayFromIso(to) + 1);
  const monthTo = afterTo === firstOfMonth(afterTo) ? afterTo : firstOfMonth(to);
  if (monthFrom !== undefined && monthFrom >= monthTo) return { days: [{ from, to }] };
  const days: { from?: string; to: string }[] = [];
  if (from !== undefined && from < monthFrom!) days.push({ from, to: dayBefore(monthFrom!) });
  if (monthTo <= to) days.push({ from: monthTo, to });
  return { months: { ...(monthFrom !== undefined && { from: monthFrom }), to: monthTo }, days };
}

/**
 * Sums of every counter over the buckets, split by the backfilled dimension. Without a procedure
 * filter the live buckets are read through their roll-ups (whole months from the month roll-up,
 * the partial months from the day roll-up), so the cost depends on agencies × months, not on the
 * number of dossiers or buckets.
 */
export async function sumBuckets(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  range: SumRange,
): Promise<{ live: Counts; backfilled: Counts }> {
  if (!range.procedure && (range.table ?? LIVE_BUCKET_TABLE) === LIVE_BUCKET_TABLE) {
    return sumRollups(prisma, range);
  }
  return sumBucketRows(prisma, range);
}

async function sumRollups(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  range: SumRange,
): Promise<{ live: Counts; backfilled: Counts }> {
  const split = splitByMonth(range.from, range.to);
  const params: unknown[] = [range.agencies];
  const cols = COUNTERS.map((c) => `"${counterColumn(c)}"`).join(', ');
  const parts: string[] = [];
  const between = (col: string, r: { from?: string; to: string }, inclusiveTo: boolean) => {
    params.push(r.to);
    const conds = [`"${col}" ${inclusiveTo ? '<=' : '<'} $${params.length}::date`];
    if (r.from !== undefined) {
      params.push(r.from);
      conds.push(`"${col}" >= $${params.length}::date`);
    }
    return conds.join(' AND ');
  };
  if (split.months) {
    parts.push(
      `SELECT "backfilled", ${cols} FROM "${MONTH_ROLLUP_TABLE}" WHERE "agency_code" = ANY($1::text[]) AND ${between('month', split.months, false)}`,
    );
  }
  for (const d of split.days) {
    parts.push(
      `SELECT "backfilled", ${cols} FROM "${DAY_ROLLUP_TABLE}" WHERE "agency_code" = ANY($1::text[]) AND ${between('day', d, true)}`,
    );
  }
  const sums = COUNTERS.map((c) => `COALESCE(SUM("${counterColumn(c)}"), 0)::bigint AS "${c}"`);
  const rows = await prisma.$queryRawUnsafe<(Counts & { backfilled: boolean })[]>(
    `SELECT "backfilled", ${sums.join(', ')} FROM (${parts.join(' UNION ALL ')}) r GROUP BY "backfilled"`,
    ...params,
  );
  return splitRows(rows);
}

function splitRows(rows: (Counts & { backfilled: boolean })[]): { live: Counts; backfilled: Counts } {
  const out = { live: emptyCounts(), backfilled: emptyCounts() };
  for (const row of rows) {
    const target = row.backfilled ? out.backfilled : out.live;
    for (const c of COUNTERS) target[c] = Number(row[c]);
  }
  return out;
}

/** The same sums straight from the (agency × procedure × day) bucket rows. */
export async function sumBucketRows(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  range: SumRange,
): Promise<{ live: Counts; backfilled: Counts }> {
  const table = range.table ?? LIVE_BUCKET_TABLE;
  const params: unknown[] = [range.agencies, range.to];
  const where = ['"agency_code" = ANY($1::text[])', '"day" <= $2::date'];
  if (range.from) {
    params.push(range.from);
    where.push(`"day" >= $${params.length}::date`);
  }
  if (range.procedure) {
    params.push(range.procedure);
    where.push(`"procedure_code" = $${params.length}`);
  }
  const sums = COUNTERS.map((c) => `COALESCE(SUM("${counterColumn(c)}"), 0)::bigint AS "${c}"`);
  const rows = await prisma.$queryRawUnsafe<(Counts & { backfilled: boolean })[]>(
    `SELECT "backfilled", ${sums.join(', ')} FROM "${table}" WHERE ${where.join(' AND ')} GROUP BY "backfilled"`,
    ...params,
  );
  return splitRows(rows);
}

export const selectBackfilled = (
  split: { live: Counts; backfilled: Counts },
  mode: BackfilledMode,
): Counts => {
  if (mode === 'exclude') return split.live;
  if (mode === 'only') return split.backfilled;
  const total = emptyCounts();
  for (const c of COUNTERS) total[c] = split.live[c] + split.backfilled[c];
  return total;
};

const addCounts = (a: Counts, b: Counts): Counts => {
  const total = emptyCounts();
  for (const c of COUNTERS) total[c] = a[c] + b[c];
  return total;
};

export const dayBefore = (d: string) => isoDateOf(epochDayFromIso(d) - 1);

/** The agency hierarchy as the caller may see it: 404 unknown agency, 403 outside the scope. */
export async function agencyScope(
  prisma: PrismaClient,
  agency: string,
  visible: 'all' | readonly string[] = 'all',
) {
  const all = await prisma.agency.findMany({
    select: { code: true, name: true, parentCode: true, level: true },
  });
  if (!all.some((a) => a.code === agency)) {
    throw new RateQueryError(404, 'agency_not_found', `Không có cơ quan ${agency}.`);
  }
  const visibleSet = visible === 'all' ? undefined : new Set(visible);
  if (visibleSet && !visibleSet.has(agency)) {
    throw new RateQueryError(403, 'forbidden_scope', `Không có quyền xem số liệu của cơ quan ${agency}.`);
  }
  return {
    levelOf: new Map(all.map((a) => [a.code, a.level])),
    nameOf: new Map(all.map((a) => [a.code, a.name])),
    /** Agencies directly below `code`, within the scope. */
    children: (code: string) =>
      all
        .filter((a) => a.parentCode === code && (!visibleSet || visibleSet.has(a.code)))
        .map((a) => a.code)
        .sort(),
    /** `code` and every agency below it, any depth, within the scope. */
    subtree: (code: string) =>
      [...agencySubtree(all, code)].filter((c) => !visibleSet || visibleSet.has(c)).sort(),
  };
}

/** A named day range (`from` open when undefined, both ends inclusive) for {@link sumRangesInScope}. */
export interface NamedRange {
  from?: string;
  to: string;
}

export interface ScopedSums {
  /** Whether the requested agency exists at all. */
  found: boolean;
  /** The agency and every agency below it (any depth) within the scope and level, sorted. */
  agencies: string[];
  /** The sums of each requested range, in the order asked. */
  sums: { live: Counts; backfilled: Counts }[];
}

/** The parts of one range: whole months from the month roll-up and days from the day roll-up, or bucket rows. */
function rangeParts(
  range: NamedRange,
  part: number,
  procedureParam: number | undefined,
  param: (v: unknown) => string,
): string[] {
  const cols = COUNTERS.map((c) => `"${counterColumn(c)}"`).join(', ');
  const between = (col: string, r: { from?: string; to: string }, inclusiveTo: boolean) => {
    const conds = [`"${col}" ${inclusiveTo ? '<=' : '<'} ${param(r.to)}::date`];
    if (r.from !== undefined) conds.push(`"${col}" >= ${param(r.from)}::date`);
    return conds.join(' AND ');
  };
  const inScope = `"agency_code" IN (SELECT "code" FROM scope)`;
  if (procedureParam !== undefined) {
    return [
      `SELECT ${part} AS part, "backfilled", ${cols} FROM "${LIVE_BUCKET_TABLE}" WHERE ${inScope} AND "procedure_code" = $${procedureParam} AND ${between('day', range, true)}`,
    ];
  }
  const split = splitByMonth(range.from, range.to);
  const parts: string[] = [];
  if (split.months) {
    parts.push(
      `SELECT ${part} AS part, "backfilled", ${cols} FROM "${MONTH_ROLLUP_TABLE}" WHERE ${inScope} AND ${between('month', split.months, false)}`,
    );
  }
  for (const d of split.days) {
    parts.push(
      `SELECT ${part} AS part, "backfilled", ${cols} FROM "${DAY_ROLLUP_TABLE}" WHERE ${inScope} AND ${between('day', d, true)}`,
    );
  }
  return parts;
}

/**
 * ONE SQL statement for a rate read: the agency's subtree (recursive CTE over `agency.parent_code`,
 * cycle-safe, filtered by the caller's scope and the level) and the sums of every counter over
 * each range (whole months from `counter_rollup_month`, partial months from `counter_rollup_day`;
 * with a procedure, the bucket rows), split by the backfilled dimension. One database round trip,
 * whatever the number of ranges (a one-year report asks two, a 12-month series thirteen).
 */
export async function sumRangesInScope(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  query: {
    agency: string;
    visible: 'all' | readonly string[];
    level?: string | undefined;
    procedure?: string | undefined;
    ranges: readonly NamedRange[];
  },
): Promise<ScopedSums> {
  const params: unknown[] = [
    query.agency,
    query.visible === 'all' ? null : [...query.visible],
    query.level ?? null,
  ];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  let procedureParam: number | undefined;
  if (query.procedure) {
    params.push(query.procedure);
    procedureParam = params.length;
  }
  const parts = query.ranges.flatMap((r, i) => rangeParts(r, i, procedureParam, param));
  const sums = COUNTERS.map((c) => `SUM("${counterColumn(c)}")::bigint AS "${c}"`);
  const zeros = COUNTERS.map((c) => `NULL::bigint AS "${c}"`);
  const sql = `WITH RECURSIVE tree("code", "level") AS (
    SELECT "code", "level" FROM "agency" WHERE "code" = $1
    UNION
    SELECT a."code", a."level" FROM "agency" a JOIN tree t ON a."parent_code" = t."code"
  ), scope AS MATERIALIZED (
    SELECT "code" FROM tree WHERE ($2::text[] IS NULL OR "code" = ANY($2::text[])) AND ($3::text IS NULL OR "level" = $3::text)
  )
  SELECT -1 AS part, false AS "backfilled", ${zeros.join(', ')},
    EXISTS (SELECT 1 FROM tree) AS found, ARRAY(SELECT "code" FROM scope) AS agencies
  ${parts.length ? `UNION ALL SELECT part, "backfilled", ${sums.join(', ')}, NULL, NULL FROM (${parts.join(' UNION ALL ')}) r GROUP BY part, "backfilled"` : ''}`;
  const rows = await prisma.$queryRawUnsafe<
    (Record<string, bigint | number | null> & {
      part: number;
      backfilled: boolean;
      found: boolean | null;
      agencies: string[] | null;
    })[]
  >(sql, ...params);
  const out: ScopedSums = {
    found: false,
    agencies: [],
    sums: query.ranges.map(() => ({ live: emptyCounts(), backfilled: emptyCounts() })),
  };
  for (const row of rows) {
    const part = Number(row.part);
    if (part < 0) {
      out.found = row.found === true;
      out.agencies = [...(row.agencies ?? [])].sort();
      continue;
    }
    const target = row.backfilled ? out.sums[part]!.backfilled : out.sums[part]!.live;
    for (const c of COUNTERS) target[c] = Number(row[c] ?? 0);
  }
  return out;
}

/**
 * The agency's subtree and sums of `ranges` in one round trip, with the 404 / 403 answers of
 * {@link agencyScope}: an agency outside the caller's scope is answered without summing anything.
 */
export async function scopedSums(
  prisma: PrismaClient,
  query: { agency: string; level?: string | undefined; procedure?: string | undefined },
  ranges: readonly NamedRange[],
  visible: 'all' | readonly string[] = 'all',
): Promise<Omit<ScopedSums, 'found'>> {
  if (visible !== 'all' && !visible.includes(query.agency)) {
    const known = await prisma.agency.findUnique({ where: { code: query.agency }, select: { code: true } });
    if (!known) throw new RateQueryError(404, 'agency_not_found', `Không có cơ quan ${query.agency}.`);
    throw new RateQueryError(
      403,
      'forbidden_scope',
      `Không có quyền xem số liệu của cơ quan ${query.agency}.`,
    );
  }
  const result = await sumRangesInScope(prisma, { ...query, visible, ranges });
  if (!result.found) throw new RateQueryError(404, 'agency_not_found', `Không có cơ quan ${query.agency}.`);
  return { agencies: result.agencies, sums: result.sums };
}

/**
 * The rate report of an agency (and everything below it) over local days `from`..`to`, both
 * inclusive. `visible` is the caller's scope (`all` or agency codes, as for dossiers). One SQL
 * statement (see {@link sumRangesInScope}).
 */
export async function rateReport(
  prisma: PrismaClient,
  query: RateQuery,
  visible: 'all' | readonly string[] = 'all',
): Promise<RateReport> {
  const {
    agencies,
    sums: [inRange, beforeFrom],
  } = await scopedSums(
    prisma,
    query,
    [{ from: query.from, to: query.to }, { to: dayBefore(query.from) }],
    visible,
  );
  return reportFrom(query, agencies, inRange!, beforeFrom!);
}

/** A rate report from the sums of its range and of everything before it. */
export function reportFrom(
  query: RateQuery,
  agencies: string[],
  inRange: { live: Counts; backfilled: Counts },
  beforeFrom: { live: Counts; backfilled: Counts },
): RateReport {
  // Everything up to `to` is what came before `from` plus the range itself: no third sum.
  const upToEnd = {
    live: addCounts(beforeFrom.live, inRange.live),
    backfilled: addCounts(beforeFrom.backfilled, inRange.backfilled),
  };
  const counts = selectBackfilled(inRange, query.backfilled);
  return {
    agency: query.agency,
    from: query.from,
    to: query.to,
    procedure: query.procedure ?? null,
    level: query.level ?? null,
    backfilled: query.backfilled,
    agencies,
    rates: computeRates(counts),
    counts: { ...counts, received: received(counts), resolved: resolved(counts), ratings: ratings(counts) },
    backfilledCounts: query.backfilled === 'exclude' ? emptyCounts() : inRange.backfilled,
    pending: {
      carriedOver: pendingStock(selectBackfilled(beforeFrom, query.backfilled)),
      atEnd: pendingStock(selectBackfilled(upToEnd, query.backfilled)),
    },
  };
}

/** At most this many months in one series (two years: a trend and the same months a year before). */
export const MAX_SERIES_MONTHS = 24;

const localMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')
  .refine((m) => m >= '1900-01' && m <= '2200-12', 'must be a month between 1900 and 2200');

const monthIndex = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
const monthOfIndex = (i: number) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
const lastDayOfMonth = (m: string) => dayBefore(nextMonth(`${m}-01`));

export const rateSeriesQuerySchema = z
  .object({
    ...rateFilterFields,
    /** First month, inclusive. */
    from: localMonth,
    /** Last month, inclusive. */
    to: localMonth,
  })
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`', path: ['from'] })
  .refine((q) => q.from > q.to || monthIndex(q.to) - monthIndex(q.from) < MAX_SERIES_MONTHS, {
    message: `at most ${MAX_SERIES_MONTHS} months in one series`,
    path: ['to'],
  });
export type RateSeriesQuery = z.infer<typeof rateSeriesQuerySchema>;

/** One month of a series: exactly what `GET /v1/rates` answers for that calendar month. */
export type RateSeriesMonth = { month: string } & Pick<
  RateReport,
  'from' | 'to' | 'rates' | 'counts' | 'backfilledCounts' | 'pending'
>;

export interface RateSeries {
  agency: string;
  from: string;
  to: string;
  procedure: string | null;
  level: string | null;
  backfilled: BackfilledMode;
  agencies: string[];
  months: RateSeriesMonth[];
}

/**
 * Calendar months `from`..`to` (both inclusive, at most {@link MAX_SERIES_MONTHS}), each with the
 * same rates, counts and pending stock as a one-month {@link rateReport}, in ONE SQL statement: each
 * month's sums plus the sums before the first month (the pending stock carried into the series;
 * each later month's carried-over stock is that plus the months before it).
 */
export async function rateSeries(
  prisma: PrismaClient,
  query: RateSeriesQuery,
  visible: 'all' | readonly string[] = 'all',
): Promise<RateSeries> {
  const first = monthIndex(query.from);
  const months = Array.from({ length: monthIndex(query.to) - first + 1 }, (_, i) => monthOfIndex(first + i));
  const ranges = months.map((m) => ({ from: `${m}-01`, to: lastDayOfMonth(m) }));
  const { agencies, sums } = await scopedSums(
    prisma,
    query,
    [...ranges, { to: dayBefore(ranges[0]!.from) }],
    visible,
  );
  let before = sums[months.length]!;
  const out: RateSeriesMonth[] = [];
  months.forEach((month, i) => {
    const inRange = sums[i]!;
    const { from, to, rates, counts, backfilledCounts, pending } = reportFrom(
      { ...query, from: ranges[i]!.from, to: ranges[i]!.to },
      agencies,
      inRange,
      before,
    );
    out.push({ month, from, to, rates, counts, backfilledCounts, pending });
    before = {
      live: addCounts(before.live, inRange.live),
      backfilled: addCounts(before.backfilled, inRange.backfilled),
    };
  });
  return {
    agency: query.agency,
    from: query.from,
    to: query.to,
    procedure: query.procedure ?? null,
    level: query.level ?? null,
    backfilled: query.backfilled,
    agencies,
    months: out,
  };
}
