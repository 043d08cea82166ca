/**
 * Benchmark: due computations per second for 1–30 working-day deadlines,
 * indexed (cumulative working minutes + binary search) vs naive day walking.
 * Not a test: run through test/bench/run.ts (`npm run bench`).
 */
import { cpus } from 'node:os';
import {
  computeDue,
  computeDueNaive,
  type DueRequest,
  defaultCalendar,
  warmCalendar,
} from '../../domain/calendar/index';

export const name = 'calendar';
export const TARGET_OPS_PER_SEC = 1_000_000;

export interface CalendarBenchRow {
  workingDays: string;
  indexedOpsPerSec: number;
  naiveOpsPerSec: number;
  speedup: number;
  meetsTarget: boolean;
}

export interface CalendarBenchResult {
  name: string;
  description: string;
  target: { opsPerSecPerCore: number };
  rows: CalendarBenchRow[];
  identicalResults: { checked: number; mismatches: number };
  environment: { node: string; cpu: string; platform: string };
  startedAt: string;
  durationMs: number;
}

/** Deterministic PRNG (mulberry32) so every run measures the same inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FROM = Date.parse('2024-01-01T00:00:00+07:00');
const SPAN = Date.parse('2026-12-31T00:00:00+07:00') - FROM;

function makeRequests(count: number, days: (r: () => number) => number, seed: number): DueRequest[] {
  const rnd = prng(seed);
  const out: DueRequest[] = [];
  for (let i = 0; i < count; i++) {
    // minute-aligned receipts, any time of day (including nights, weekends and holidays)
    const t = FROM + Math.floor((rnd() * SPAN) / 60_000) * 60_000;
    out.push({ received: new Date(t), workingDays: days(rnd) });
  }
  return out;
}

function measure(fn: (r: DueRequest) => unknown, reqs: DueRequest[], minMs: number): number {
  // warm-up
  for (let i = 0; i < Math.min(reqs.length, 20_000); i++) fn(reqs[i]!);
  let ops = 0;
  let sink = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < reqs.length; i++) {
      const res = fn(reqs[i]!) as { due: Date };
      sink += res.due.getTime() & 1;
    }
    ops += reqs.length;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  if (sink < 0) console.log(sink);
  return (ops / elapsed) * 1000;
}

export async function run(opts: { quick?: boolean } = {}): Promise<CalendarBenchResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const cal = defaultCalendar();
  warmCalendar(cal);
  const indexed = (r: DueRequest) => computeDue(cal, r);
  const naive = (r: DueRequest) => computeDueNaive(cal, r);
  const minMs = opts.quick ? 100 : 400;

  const cases: { label: string; days: (r: () => number) => number }[] = [
    ...[1, 2, 5, 10, 15, 20, 30].map((n) => ({ label: String(n), days: () => n })),
    { label: '1–30 mixed', days: (r: () => number) => 1 + Math.floor(r() * 30) },
  ];

  const rows: CalendarBenchRow[] = [];
  let seed = 1;
  for (const c of cases) {
    const reqs = makeRequests(20_000, c.days, seed++);
    const indexedOps = measure(indexed, reqs, minMs);
    const naiveOps = measure(naive, reqs.slice(0, 5_000), minMs);
    rows.push({
      workingDays: c.label,
      indexedOpsPerSec: Math.round(indexedOps),
      naiveOpsPerSec: Math.round(naiveOps),
      speedup: Math.round((indexedOps / naiveOps) * 10) / 10,
      meetsTarget: indexedOps >= TARGET_OPS_PER_SEC,
    });
  }

  // both implementations must agree on what was measured
  const check = makeRequests(opts.quick ? 5_000 : 50_000, (r) => 1 + Math.floor(r() * 30), 999);
  let mismatches = 0;
  for (const r of check) {
    const a = computeDue(cal, r);
    const b = computeDueNaive(cal, r);
    if (a.due.getTime() !== b.due.getTime() || a.warning.getTime() !== b.warning.getTime()) mismatches++;
  }

  return {
    name,
    description:
      'computeDue() per second on one core: indexed (precomputed cumulative working time) vs naive day walking',
    target: { opsPerSecPerCore: TARGET_OPS_PER_SEC },
    rows,
    identicalResults: { checked: check.length, mismatches },
    environment: {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      platform: `${process.platform}/${process.arch}`,
    },
    startedAt,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Short table for the console. */
export function format(result: CalendarBenchResult): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const lines = [
    `calendar — due computations per second (target ≥ ${fmt(result.target.opsPerSecPerCore)}/s per core, indexed)`,
    `${'working days'.padEnd(14)}${'indexed/s'.padStart(14)}${'naive/s'.padStart(14)}${'speedup'.padStart(10)}  target`,
  ];
  for (const r of result.rows) {
    lines.push(
      `${r.workingDays.padEnd(14)}${fmt(r.indexedOpsPerSec).padStart(14)}${fmt(r.naiveOpsPerSec).padStart(14)}${`${r.speedup}×`.padStart(10)}  ${r.meetsTarget ? 'OK' : 'MISSED'}`,
    );
  }
  lines.push(
    `indexed == naive on ${fmt(result.identicalResults.checked)} random requests: ${result.identicalResults.mismatches === 0 ? 'yes' : `NO (${result.identicalResults.mismatches} mismatches)`}`,
  );
  return lines.join('\n');
}
