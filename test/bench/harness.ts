/**
 * Pure parts of the benchmark harness (no I/O): command-line flags, percentiles, the shape of
 * `bench/results/summary.json` and the README table. Unit-tested in harness.test.ts.
 */

/** Every key of summary.json (issue 12's table), in table order. */
export const SUMMARY_KEYS = [
  'intake.ratioToBareTemporal',
  'intake.p99Ms',
  'projector.eventsPerSecond',
  'alerts.p99Ms',
  'alerts.pollingBaselineP99Ms',
  'rates.p99MsLargest',
  'rates.growthLargestOverSmallest',
  'audit.replayHistoriesPerSecond',
  'audit.rebuildEventsPerSecond',
  'calendar.perSecond',
  'worker.rssMbPerThousandOpen',
] as const;
export type SummaryKey = (typeof SUMMARY_KEYS)[number];

/**
 * - `met` / `missed`: measured against a target; `reported`: measured, the target is "report".
 * - `partial`: part of the metric is measured (e.g. 1 consumer, N consumers not yet available).
 * - `not_implemented`: the scenario depends on work not merged yet.
 */
export type MetricStatus = 'met' | 'missed' | 'reported' | 'partial' | 'not_implemented';

export interface Metric {
  status: MetricStatus;
  /** A number, or named numbers (e.g. per consumer count); null when not measured. */
  value: number | Record<string, number | null> | null;
  unit: string;
  /** As written in the issue, e.g. "≥ 0.7" or "report". */
  target: string;
  /** The baseline measured side by side in the same run, when the metric has one. */
  baseline?: number | Record<string, number | null> | null;
  /** Why a target is missed, what is not available yet, how it was measured. */
  note?: string;
  /** When and how (quick or full) this value was measured. */
  measuredAt?: string;
  quick?: boolean;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** Machine load when the run started (1-minute load average). */
  loadAverage: number;
}

export interface Summary {
  generatedAt: string;
  machine: Machine;
  quick: boolean;
  /** Scenarios run by the last invocation (others keep their earlier values). */
  scenarios: string[];
  metrics: Record<SummaryKey, Metric>;
  /** Per-scenario detail: rows per concurrency, baselines, profile. */
  details: Record<string, unknown>;
  /** The run each scenario's numbers come from (machine and load at its start, quick or full). */
  runs?: Record<string, ScenarioRun>;
}

export interface ScenarioRun {
  generatedAt: string;
  machine: Machine;
  quick: boolean;
}

export const TARGETS: Record<SummaryKey, { target: string; unit: string }> = {
  'intake.ratioToBareTemporal': { target: '≥ 0.7', unit: 'ratio' },
  'intake.p99Ms': { target: 'report', unit: 'ms' },
  'projector.eventsPerSecond': { target: 'report, N ≥ 3× one', unit: 'events/s' },
  'alerts.p99Ms': { target: '≤ 1000', unit: 'ms' },
  'alerts.pollingBaselineP99Ms': { target: 'report', unit: 'ms' },
  'rates.p99MsLargest': { target: '≤ 20', unit: 'ms' },
  'rates.growthLargestOverSmallest': { target: '≤ 2', unit: 'ratio' },
  'audit.replayHistoriesPerSecond': { target: '≥ 100', unit: 'histories/s' },
  'audit.rebuildEventsPerSecond': { target: 'report', unit: 'events/s' },
  'calendar.perSecond': { target: '≥ 1000000', unit: 'due computations/s' },
  'worker.rssMbPerThousandOpen': { target: 'report; bounded', unit: 'MB per 1,000 open' },
};

/** A placeholder for a metric nobody measured yet. */
export function placeholder(key: SummaryKey): Metric {
  return {
    status: 'not_implemented',
    value: null,
    ...TARGETS[key],
    note: 'not measured yet: run `npm run bench` without --scenario',
  };
}

/** A measured metric with its target from the issue. */
export function metric(
  key: SummaryKey,
  m: Omit<Metric, 'target' | 'unit'>,
  at: { measuredAt: string; quick: boolean },
): Metric {
  return { ...m, ...TARGETS[key], ...at };
}

/**
 * The new summary: metrics measured now replace those of the previous summary; the others are
 * kept (with their own measuredAt) or become placeholders, so every key is always present.
 */
export function mergeSummary(
  previous: Partial<Summary> | undefined,
  now: {
    generatedAt: string;
    machine: Machine;
    quick: boolean;
    scenarios: string[];
    metrics: Partial<Record<SummaryKey, Metric>>;
    details: Record<string, unknown>;
  },
): Summary {
  const metrics = {} as Record<SummaryKey, Metric>;
  for (const key of SUMMARY_KEYS) {
    metrics[key] = now.metrics[key] ?? previous?.metrics?.[key] ?? placeholder(key);
  }
  return {
    generatedAt: now.generatedAt,
    machine: now.machine,
    quick: now.quick,
    scenarios: now.scenarios,
    metrics,
    details: { ...(previous?.details ?? {}), ...now.details },
    runs: {
      ...(previous?.runs ?? {}),
      ...Object.fromEntries(
        now.scenarios.map((name) => [
          name,
          { generatedAt: now.generatedAt, machine: now.machine, quick: now.quick },
        ]),
      ),
    },
  };
}

/** One line per scenario: when, on what, at which load, quick or full. */
export function runLines(summary: Summary): string[] {
  return Object.entries(summary.runs ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, r]) =>
        `- \`${name}\`: ${r.quick ? '`--quick` run' : 'full run'}, ${machineLine(r.machine, r.generatedAt)}`,
    );
}

/** Nearest-rank percentile (p in 0–100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencyStats {
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

/** Throughput and latency of a closed-loop run of `elapsedMs`. */
export function latencyStats(latenciesMs: readonly number[], elapsedMs: number, errors = 0): LatencyStats {
  return {
    count: latenciesMs.length,
    perSecond: round(elapsedMs > 0 ? (latenciesMs.length / elapsedMs) * 1000 : 0, 1),
    p50Ms: round(percentile(latenciesMs, 50), 1),
    p99Ms: round(percentile(latenciesMs, 99), 1),
    maxMs: round(latenciesMs.length ? Math.max(...latenciesMs) : Number.NaN, 1),
    errors,
  };
}

export interface AlertLatencyStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Dossiers that fell due but were never seen. */
  missing: number;
}

/**
 * Due instant → first sighting, per dossier (`due` and `seen` by dossier code, epoch ms). A
 * sighting before the due instant counts as 0 ms late; unseen dossiers count as `missing`.
 */
export function alertLatencies(
  due: ReadonlyMap<string, number>,
  seen: ReadonlyMap<string, number>,
): AlertLatencyStats {
  const latencies: number[] = [];
  let missing = 0;
  for (const [code, at] of due) {
    const s = seen.get(code);
    if (s === undefined) missing += 1;
    else latencies.push(Math.max(0, s - at));
  }
  return {
    count: latencies.length,
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(latencies.length ? Math.max(...latencies) : Number.NaN, 1),
    missing,
  };
}

export const round = (n: number, digits = 0) => {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Least-squares slope of y over x (MB per 1,000 open from RSS checkpoints). */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : num / den;
}

// ── Command line ──────────────────────────────────────────────────────────────────────────────

export interface BenchArgs {
  help: boolean;
  quick: boolean;
  /** Only rewrite README.md from the existing summary.json (after editing analysis.md). */
  render: boolean;
  scenarios: string[];
  outDir: string;
  /** Open dossiers for the worker memory scenario (overrides the quick/full default). */
  open?: number[];
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  const out: BenchArgs = { help: false, quick: false, render: false, scenarios: [], outDir: 'bench/results' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--quick') out.quick = true;
    else if (a === '--render') out.render = true;
    else if (a === '--scenario' || a === '-s') out.scenarios.push(...value().split(','));
    else if (a.startsWith('--scenario=')) out.scenarios.push(...a.slice('--scenario='.length).split(','));
    else if (a === '--out') out.outDir = value();
    else if (a === '--open')
      out.open = value()
        .split(',')
        .map((s) => Number(s.replace(/k$/i, '000')));
    else if (!a.startsWith('-')) out.scenarios.push(a);
    else throw new UsageError(`unknown option ${a}`);
  }
  for (const s of out.scenarios) {
    if (!known.includes(s)) throw new UsageError(`unknown scenario ${s} (known: ${known.join(', ')})`);
  }
  if (out.open?.some((n) => !Number.isInteger(n) || n <= 0))
    throw new UsageError('--open wants counts like 10k,100k');
  return out;
}

export function usage(known: readonly string[]): string {
  return [
    'Usage: npm run bench -- [--quick] [--scenario NAME]… [--out DIR] [--open 10k,100k]',
    '',
    'Runs each scenario side by side with its baseline on a stack started through services/infra',
    '(Temporal dev server, NATS JetStream, embedded PostgreSQL; binaries cached under MOTCUA_HOME),',
    'then writes DIR/summary.json (every key of issue 12) and DIR/README.md (default DIR: bench/results).',
    '',
    `Scenarios: ${known.join(', ')} (default: all)`,
    '  --quick          short runs for CI and smoke tests (numbers are indicative only)',
    '  --scenario NAME  run only NAME (repeatable or comma-separated); other keys keep their last values',
    '  --open LIST      open-dossier checkpoints of the worker scenario (default 1k,10k; full run adds 100k)',
    '  --out DIR        where summary.json and README.md go',
    '  --render         only rewrite README.md from summary.json and the hand-written analysis.md',
  ].join('\n');
}

// ── README ────────────────────────────────────────────────────────────────────────────────────

function show(v: Metric['value'] | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return Object.entries(v)
    .map(([k, n]) => `${k}: ${n === null ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: 2 })}`)
    .join('; ');
}

/** The results table (markdown), one line per key, saying why where a target is missed. */
export function summaryTable(summary: Summary): string {
  const lines = [
    '| key | value | baseline (same run) | target | status | note |',
    '|---|---|---|---|---|---|',
  ];
  for (const key of SUMMARY_KEYS) {
    const m = summary.metrics[key];
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(
      `| \`${key}\` | ${cell(show(m.value))} ${m.value === null ? '' : m.unit} | ${cell(show(m.baseline))} | ${cell(m.target)} | ${m.status}${m.quick ? ' (quick)' : ''} | ${cell(m.note ?? '')} |`,
    );
  }
  return lines.join('\n');
}

export function machineLine(m: Machine, at: string): string {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGb} GB memory, Node ${m.node}, ${m.platform}; load average ${m.loadAverage} at start; ${at}`;
}
