import type { LatencyStats, Metric, SummaryKey } from './harness';
import { latencyStats } from './harness';
import type { BenchStack } from './stack';

/** What the runner hands a scenario. */
export interface ScenarioContext {
  quick: boolean;
  log: (line: string) => void;
  /** The shared stack, started on first use. */
  stack: () => Promise<BenchStack>;
  /** When and how this run measures (stamped on every metric). */
  at: { measuredAt: string; quick: boolean };
  /** Open-dossier checkpoints for the worker scenario, when given on the command line. */
  open?: number[];
  /** Where the run writes its results (scenarios may write progress files there). */
  outDir?: string;
}

export interface ScenarioResult {
  metrics: Partial<Record<SummaryKey, Metric>>;
  details: unknown;
  /** Short human-readable table for the console. */
  text?: string;
}

export interface Scenario {
  name: string;
  description: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/**
 * Closed loop: `concurrency` callers each run `op` back to back until `durationMs` has passed;
 * returns the latency of every completed call.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: (i: number) => Promise<void>,
): Promise<LatencyStats & { latencies: number[]; firstError?: string }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const i = next++;
        const s = performance.now();
        try {
          await op(i);
          latencies.push(performance.now() - s);
        } catch (err) {
          errors += 1;
          firstError ??= String((err as Error)?.message ?? err);
        }
      }
    }),
  );
  const elapsed = performance.now() - t0;
  return { ...latencyStats(latencies, elapsed, errors), latencies, firstError };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
