/**
 * Partitions of the dossier event stream. Every event is published on
 * `dossier.<receiving agency>.<kind>.<partition>` where the partition is a stable hash of the
 * dossier code modulo the configured count (`MOTCUA_EVENT_PARTITIONS`): all events of a dossier go
 * to one partition, in publish order, and each consumer group (projector, alerts, letters) has one
 * durable consumer per partition, so several processes work in parallel and each dossier is still
 * handled in order by exactly one of them. Pure: no I/O.
 */
import { DOSSIER_SUBJECT_PREFIX } from './events';

export const MAX_EVENT_PARTITIONS = 1024;
/** Default of MOTCUA_EVENT_PARTITIONS: up to 8 processes per consumer group without a change. */
export const DEFAULT_EVENT_PARTITIONS = 8;

/**
 * FNV-1a (32 bit) of the dossier code's UTF-8 bytes, modulo `count`. Stable across processes,
 * versions and platforms (never `Math.random`, never a per-process seed): a published event and its
 * consumer always agree.
 */
export function partitionOf(dossierCode: string, count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_EVENT_PARTITIONS)
    throw new Error(`partition count must be an integer in 1..${MAX_EVENT_PARTITIONS}: ${count}`);
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(dossierCode)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/** The subject filter of one partition: any agency, any kind, that partition token. */
export function partitionFilter(partition: number): string {
  return `${DOSSIER_SUBJECT_PREFIX}.*.*.${partition}`;
}

/**
 * Subjects of events published before partitioning, still read: `dossier.<agency>.<kind>` and the
 * older `dossier.<kind>`. NATS 2.9 allows one filter per consumer, so each gets its own consumer.
 */
export const LEGACY_FILTERS = [
  { suffix: 'legacy-agency', filter: `${DOSSIER_SUBJECT_PREFIX}.*.*` },
  { suffix: 'legacy-kind', filter: `${DOSSIER_SUBJECT_PREFIX}.*` },
] as const;

/**
 * Parses a partition set: `all` (every partition of `count`), or a comma list of numbers and
 * inclusive ranges (`0-3`, `0,2,4-5`). Throws on a partition outside 0..count-1 or a bad token.
 */
export function parsePartitionSet(spec: string, count: number): number[] {
  const text = spec.trim();
  if (text === '' || text === 'all') return Array.from({ length: count }, (_, i) => i);
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`not a partition or range: "${part}" (expected e.g. 0-3,6)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`empty partition range: "${part}"`);
    if (to >= count) throw new Error(`partition ${to} does not exist: there are ${count} (0-${count - 1})`);
    for (let p = from; p <= to; p++) set.add(p);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * The partitions process `index` of `processes` owns when they split `count` evenly (contiguous
 * ranges, the first ones one larger when it does not divide): what to put in PROJECTOR_PARTITIONS.
 */
export function evenShare(index: number, processes: number, count: number): number[] {
  if (processes < 1 || index < 0 || index >= processes)
    throw new Error(`no process ${index} of ${processes}`);
  const base = Math.floor(count / processes);
  const extra = count % processes;
  const from = index * base + Math.min(index, extra);
  const size = base + (index < extra ? 1 : 0);
  return Array.from({ length: size }, (_, i) => from + i);
}

/** `[0,1,2,3,6]` → `0-3,6` (for logs and the README's env examples). */
export function formatPartitionSet(partitions: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < partitions.length) {
    let j = i;
    while (j + 1 < partitions.length && partitions[j + 1] === partitions[j]! + 1) j++;
    out.push(i === j ? `${partitions[i]}` : `${partitions[i]}-${partitions[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
