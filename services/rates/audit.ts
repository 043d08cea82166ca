import {
  type BucketDelta,
  COUNTERS,
  type CounterName,
  counterColumn,
  counterDeltas,
} from '../../domain/counters';
import { type DossierEvent, dossierEventSchema } from '../../domain/events';
import { applyEvent, type DossierState } from '../../domain/lifecycle';
import type { PrismaClient } from '../db';
import { chainHash, GENESIS_HASH } from '../eventlog';
import { applyBucketDeltas, LIVE_BUCKET_TABLE } from './counters';

/**
 * The auditor's tools over the stored event log (`motcua audit …`, `GET /v1/dossiers/:code/history`):
 * hash-chain verification and a rebuild of the counter buckets compared with the live ones.
 */

export type ChainProblemKind = 'changed' | 'missing' | 'reordered' | 'broken_link' | 'head_mismatch';

export interface ChainProblem {
  dossierCode: string;
  seq: number;
  kind: ChainProblemKind;
  detail: string;
}

export interface ChainVerdict {
  dossierCode: string;
  events: number;
  ok: boolean;
  problems: ChainProblem[];
}

interface EventRow {
  id: string;
  dossierCode: string;
  seq: number;
  payload: unknown;
  prevHash: string;
  hash: string;
}

/**
 * Recomputes one dossier's chain from its stored rows (in seq order):
 * - `reordered`: the row's seq/id differ from the event it stores (rows swapped or renumbered);
 * - `missing`: a seq absent between 1 and the last one (or up to the dossier's lastSeq);
 * - `broken_link`: prev_hash is not the previous row's hash;
 * - `changed`: the stored event does not hash to the row's hash (content edited);
 * - `head_mismatch`: the dossier's last_hash is not the last row's hash.
 */
export function verifyChain(
  dossierCode: string,
  rows: readonly EventRow[],
  head?: { lastSeq: number; lastHash: string },
): ChainVerdict {
  const problems: ChainProblem[] = [];
  const problem = (seq: number, kind: ChainProblemKind, detail: string) =>
    problems.push({ dossierCode, seq, kind, detail });
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  for (const row of rows) {
    for (let s = expectedSeq; s < row.seq; s++) problem(s, 'missing', `event ${dossierCode}:${s} is missing`);
    const stored = row.payload as { seq?: unknown; id?: unknown; dossierCode?: unknown };
    if (stored?.seq !== row.seq || stored?.id !== row.id || stored?.dossierCode !== row.dossierCode) {
      problem(
        row.seq,
        'reordered',
        `row ${row.id} holds event ${String(stored?.id)} (seq ${String(stored?.seq)})`,
      );
    }
    if (row.prevHash !== prev) {
      problem(
        row.seq,
        'broken_link',
        `prev_hash ${row.prevHash.slice(0, 12)}… ≠ previous hash ${prev.slice(0, 12)}…`,
      );
    }
    const recomputed = chainHash(row.prevHash, row.payload as DossierEvent);
    if (recomputed !== row.hash) {
      problem(
        row.seq,
        'changed',
        `stored event hashes to ${recomputed.slice(0, 12)}…, row says ${row.hash.slice(0, 12)}…`,
      );
    }
    prev = row.hash;
    expectedSeq = row.seq + 1;
  }
  if (head) {
    for (let s = expectedSeq; s <= head.lastSeq; s++)
      problem(s, 'missing', `event ${dossierCode}:${s} is missing`);
    if (rows.length > 0 && head.lastHash !== prev) {
      problem(
        rows[rows.length - 1]!.seq,
        'head_mismatch',
        'the dossier row’s last_hash is not the last event’s hash',
      );
    }
  }
  return { dossierCode, events: rows.length, ok: problems.length === 0, problems };
}

/** Verifies every dossier's chain (or one), from the stored rows. */
export async function verifyChains(
  prisma: PrismaClient,
  opts: { dossier?: string; onProgress?: (done: number) => void } = {},
): Promise<ChainVerdict[]> {
  const codes = new Set<string>();
  if (opts.dossier) codes.add(opts.dossier);
  else {
    const [dossiers, logged] = await Promise.all([
      prisma.dossier.findMany({ select: { code: true } }),
      prisma.dossierEvent.findMany({ select: { dossierCode: true }, distinct: ['dossierCode'] }),
    ]);
    for (const d of dossiers) codes.add(d.code);
    for (const e of logged) codes.add(e.dossierCode);
  }
  const verdicts: ChainVerdict[] = [];
  for (const code of [...codes].sort()) {
    const [head, rows] = await Promise.all([
      prisma.dossier.findUnique({ where: { code }, select: { lastSeq: true, lastHash: true } }),
      prisma.dossierEvent.findMany({
        where: { dossierCode: code },
        orderBy: { seq: 'asc' },
        select: { id: true, dossierCode: true, seq: true, payload: true, prevHash: true, hash: true },
      }),
    ]);
    if (!head && rows.length === 0) continue;
    verdicts.push(verifyChain(code, rows, head ?? undefined));
    opts.onProgress?.(verdicts.length);
  }
  return verdicts;
}

export interface BucketDifference {
  agencyCode: string;
  procedureCode: string;
  day: string;
  backfilled: boolean;
  counter: CounterName;
  live: number;
  rebuilt: number;
}

const bucketKey = (d: { agencyCode: string; procedureCode: string; day: string; backfilled: boolean }) =>
  `${d.agencyCode}\u0000${d.procedureCode}\u0000${d.day}\u0000${d.backfilled}`;

/**
 * Recomputes the buckets of local days `from`..`to` from the whole event log (each dossier folded
 * from its first event, with the same `counterDeltas` as the projector).
 */
export async function rebuildBuckets(prisma: PrismaClient, from: string, to: string): Promise<BucketDelta[]> {
  const procedures = new Map(
    (await prisma.procedure.findMany({ select: { code: true, fullyOnline: true } })).map((p) => [
      p.code,
      p.fullyOnline,
    ]),
  );
  const buckets = new Map<string, BucketDelta>();
  let state: DossierState | undefined;
  let current: string | undefined;
  let cursor: { dossierCode: string; seq: number } | undefined;
  const PAGE = 2000;
  for (;;) {
    const rows = await prisma.dossierEvent.findMany({
      orderBy: [{ dossierCode: 'asc' }, { seq: 'asc' }],
      take: PAGE,
      ...(cursor ? { cursor: { dossierCode_seq: cursor }, skip: 1 } : {}),
      select: { dossierCode: true, seq: true, payload: true },
    });
    for (const row of rows) {
      if (row.dossierCode !== current) {
        current = row.dossierCode;
        state = undefined;
      }
      const parsed = dossierEventSchema.safeParse(row.payload);
      if (!parsed.success) continue;
      // The envelope's `backfilled` flag (time track) counts apart even where the schema strips it.
      const event: DossierEvent =
        (row.payload as { backfilled?: unknown }).backfilled === true
          ? ({ ...parsed.data, backfilled: true } as unknown as DossierEvent)
          : parsed.data;
      if (state === undefined && event.type !== 'dossier.received') continue;
      const prev = state;
      state = applyEvent(prev, event);
      const ctx =
        event.type === 'dossier.received'
          ? { fullyOnline: procedures.get(event.payload.procedureCode) ?? false }
          : {};
      for (const d of counterDeltas(prev, event, state, ctx)) {
        if (d.day < from || d.day > to) continue;
        const key = bucketKey(d);
        const bucket = buckets.get(key) ?? { ...d, deltas: {} };
        for (const [c, v] of Object.entries(d.deltas) as [CounterName, number][]) {
          bucket.deltas[c] = (bucket.deltas[c] ?? 0) + v;
        }
        buckets.set(key, bucket);
      }
    }
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1]!;
    cursor = { dossierCode: last.dossierCode, seq: last.seq };
  }
  return [...buckets.values()];
}

export const SCRATCH_BUCKET_TABLE = 'counter_bucket_rebuild';

/**
 * Rebuilds the buckets of `from`..`to` (of `agencies` only, when given) into a scratch table (temporary, this transaction only) and
 * diffs it against the live buckets, counter by counter. With `repair`, the live buckets of the
 * range are replaced by the rebuilt ones (run it with the projector stopped).
 */
export async function rebuildCounters(
  prisma: PrismaClient,
  from: string,
  to: string,
  opts: { repair?: boolean; agencies?: readonly string[] } = {},
): Promise<BucketDifference[]> {
  const only = opts.agencies ? new Set(opts.agencies) : undefined;
  const rebuilt = (await rebuildBuckets(prisma, from, to)).filter((d) => !only || only.has(d.agencyCode));
  const agencyFilter = only ? [...only] : null;
  const cols = COUNTERS.map((c) => `"${counterColumn(c)}"`);
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(
        `CREATE TEMP TABLE "${SCRATCH_BUCKET_TABLE}" (LIKE "${LIVE_BUCKET_TABLE}" INCLUDING ALL) ON COMMIT DROP`,
      );
      await applyBucketDeltas(tx, rebuilt, SCRATCH_BUCKET_TABLE);
      const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
        `SELECT COALESCE(l."agency_code", r."agency_code") AS "agencyCode",
                COALESCE(l."procedure_code", r."procedure_code") AS "procedureCode",
                to_char(COALESCE(l."day", r."day"), 'YYYY-MM-DD') AS "day",
                COALESCE(l."backfilled", r."backfilled") AS "backfilled",
                ${COUNTERS.map((c) => `COALESCE(l."${counterColumn(c)}", 0) AS "live_${c}", COALESCE(r."${counterColumn(c)}", 0) AS "rebuilt_${c}"`).join(', ')}
           FROM (SELECT * FROM "${LIVE_BUCKET_TABLE}" WHERE "day" BETWEEN $1::date AND $2::date
                   AND ($3::text[] IS NULL OR "agency_code" = ANY($3::text[]))) l
           FULL OUTER JOIN "${SCRATCH_BUCKET_TABLE}" r
             ON l."agency_code" = r."agency_code" AND l."procedure_code" = r."procedure_code"
            AND l."day" = r."day" AND l."backfilled" = r."backfilled"
          WHERE ${cols.map((c) => `COALESCE(l.${c}, 0) <> COALESCE(r.${c}, 0)`).join(' OR ')}
          ORDER BY 1, 2, 3, 4`,
        from,
        to,
        agencyFilter,
      );
      const differences: BucketDifference[] = [];
      for (const row of rows) {
        for (const c of COUNTERS) {
          const live = Number(row[`live_${c}`]);
          const again = Number(row[`rebuilt_${c}`]);
          if (live !== again) {
            differences.push({
              agencyCode: String(row.agencyCode),
              procedureCode: String(row.procedureCode),
              day: String(row.day),
              backfilled: Boolean(row.backfilled),
              counter: c,
              live,
              rebuilt: again,
            });
          }
        }
      }
      if (opts.repair && differences.length > 0) {
        await tx.$executeRawUnsafe(
          `DELETE FROM "${LIVE_BUCKET_TABLE}" WHERE "day" BETWEEN $1::date AND $2::date
             AND ($3::text[] IS NULL OR "agency_code" = ANY($3::text[]))`,
          from,
          to,
          agencyFilter,
        );
        await tx.$executeRawUnsafe(
          `INSERT INTO "${LIVE_BUCKET_TABLE}" SELECT * FROM "${SCRATCH_BUCKET_TABLE}"`,
        );
      }
      return differences;
    },
    { timeout: 600_000, maxWait: 30_000 },
  );
}
