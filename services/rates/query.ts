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

export const rateQuerySchema = z
  .object({
    agency: z.string().min(1).max(64),
    from: localDate,
    to: localDate,
    procedure: z.string().min(1).max(64).optional(),
    /** Administrative level of the agencies counted (e.g. `province`, `commune`). */
    level: z.string().min(1).max(32).optional(),
    backfilled: backfilledModeSchema.default('include'),
  })
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

/**
 * The rate report of an agency (and everything below it) over local days `from`..`to`, both
 * inclusive. `visible` is the caller's scope (`all` or agency codes, as for dossiers).
 */
export async function rateReport(
  prisma: PrismaClient,
  query: RateQuery,
  visible: 'all' | readonly string[] = 'all',
): Promise<RateReport> {
  const scope = await agencyScope(prisma, query.agency, visible);
  const agencies = scope
    .subtree(query.agency)
    .filter((code) => !query.level || scope.levelOf.get(code) === query.level);
  const base = { agencies, procedure: query.procedure };
  const [inRange, beforeFrom] = await Promise.all([
    sumBuckets(prisma, { ...base, from: query.from, to: query.to }),
    sumBuckets(prisma, { ...base, to: dayBefore(query.from) }),
  ]);
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
