import {
  type BucketDelta,
  COUNTERS,
  type CounterContext,
  type CounterName,
  counterColumn,
  counterDeltas,
} from '../../domain/counters';
import { type DossierEvent, dossierEventSchema } from '../../domain/events';
import { applyEvent, type DossierState } from '../../domain/lifecycle';
import type { Prisma } from '../db';

/** The live buckets; `audit rebuild-counters` writes the same shape into a scratch table. */
export const LIVE_BUCKET_TABLE = 'counter_bucket';

type Tx = Prisma.TransactionClient;

/**
 * Adds deltas to buckets: `INSERT … ON CONFLICT DO UPDATE SET x = x + …`, one statement per
 * bucket. Column names come from the fixed COUNTERS list, never from input.
 */
export async function applyBucketDeltas(
  tx: Pick<Tx, '$executeRawUnsafe'>,
  deltas: readonly BucketDelta[],
  table = LIVE_BUCKET_TABLE,
): Promise<void> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`invalid bucket table ${table}`);
  // A fixed order of bucket keys, so concurrent projections lock shared rows in the same order.
  const ordered = [...deltas].sort((a, b) =>
    `${a.agencyCode}\u0000${a.procedureCode}\u0000${a.day}\u0000${a.backfilled}`.localeCompare(
      `${b.agencyCode}\u0000${b.procedureCode}\u0000${b.day}\u0000${b.backfilled}`,
    ),
  );
  for (const d of ordered) {
    const entries = (Object.entries(d.deltas) as [CounterName, number][]).filter(
      ([name, v]) => v !== 0 && COUNTERS.includes(name),
    );
    if (entries.length === 0) continue;
    const cols = entries.map(([name]) => `"${counterColumn(name)}"`);
    const params = entries.map((_, i) => `$${i + 5}`);
    const sql =
      `INSERT INTO "${table}" ("agency_code", "procedure_code", "day", "backfilled", ${cols.join(', ')}) ` +
      `VALUES ($1, $2, $3::date, $4, ${params.join(', ')}) ` +
      `ON CONFLICT ("agency_code", "procedure_code", "day", "backfilled") DO UPDATE SET ` +
      cols.map((c, i) => `${c} = "${table}".${c} + ${params[i]}`).join(', ');
    await tx.$executeRawUnsafe(
      sql,
      d.agencyCode,
      d.procedureCode,
      d.day,
      d.backfilled,
      ...entries.map(([, v]) => v),
    );
  }
}

/** Whether the procedure is fully online (dịch vụ công trực tuyến toàn trình), for online receipts. */
async function counterContext(tx: Tx, event: DossierEvent): Promise<CounterContext> {
  if (event.type !== 'dossier.received' || event.payload.channel !== 'online') return {};
  if (typeof (event.payload as { fullyOnline?: unknown }).fullyOnline === 'boolean') return {};
  const procedure = await tx.procedure.findUnique({
    where: { code: event.payload.procedureCode },
    select: { fullyOnline: true },
  });
  return { fullyOnline: procedure?.fullyOnline ?? false };
}

/** The dossier's state before `event`: the stored state, else folded from its stored events. */
async function stateBefore(
  tx: Tx,
  event: DossierEvent,
  dossier: { state: unknown } | null | undefined,
): Promise<DossierState | undefined> {
  if (!dossier) return undefined;
  if (dossier.state) return dossier.state as DossierState;
  const rows = await tx.dossierEvent.findMany({
    where: { dossierCode: event.dossierCode, seq: { lt: event.seq } },
    orderBy: { seq: 'asc' },
  });
  let state: DossierState | undefined;
  for (const row of rows) {
    const parsed = dossierEventSchema.safeParse(row.payload);
    if (parsed.success) state = applyEvent(state, parsed.data);
  }
  return state;
}

/**
 * Counts one newly stored event into the buckets. Called by the projector inside the transaction
 * that stores the event (so a duplicate, already stored, never gets here twice), with the dossier
 * row as it was before the event (null for `dossier.received`).
 */
export async function recordCounters(
  tx: Tx,
  event: DossierEvent,
  dossierBefore: { state: unknown } | null | undefined,
): Promise<void> {
  await applyBucketDeltas(tx, await eventCounterDeltas(tx, event, dossierBefore));
}

/** The bucket deltas of one event (what `recordCounters` adds), for a caller that batches them. */
export async function eventCounterDeltas(
  tx: Tx,
  event: DossierEvent,
  dossierBefore: { state: unknown } | null | undefined,
): Promise<BucketDelta[]> {
  const prev = await stateBefore(tx, event, dossierBefore);
  const next = applyEvent(prev, event);
  return counterDeltas(prev, event, next, await counterContext(tx, event));
}

/** Sums deltas of the same bucket, so a batch touches each bucket row once. */
export function mergeBucketDeltas(deltas: readonly BucketDelta[]): BucketDelta[] {
  const byKey = new Map<string, BucketDelta>();
  for (const d of deltas) {
    const key = `${d.agencyCode}\u0000${d.procedureCode}\u0000${d.day}\u0000${d.backfilled}`;
    const into = byKey.get(key);
    if (!into) {
      byKey.set(key, { ...d, deltas: { ...d.deltas } });
      continue;
    }
    for (const [name, v] of Object.entries(d.deltas) as [CounterName, number][])
      into.deltas[name] = (into.deltas[name] ?? 0) + v;
  }
  return [...byKey.values()];
}
