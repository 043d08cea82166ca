/**
 * Worker memory: RSS growth of a dossier worker (alone in a forked process) per 1,000 open
 * dossiers, at 10 k open (and 100 k in a full run). Open dossiers are started straight through the
 * Temporal client (no API overhead) and count once their `dossier.received` is published. Two
 * workers side by side in the same run: motcua's bounded workflow cache
 * (WORKER_MAX_CACHED_WORKFLOWS) and the baseline with the SDK's default cache size.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { workflowIdFor } from '../../domain/dossier';
import type { Config } from '../../services/config';
import { connectNats } from '../../services/nats';
import { connectTemporalClient } from '../../services/temporal';
import { type DossierWorkflowInput, dossierStartPolicy } from '../../workflows/definitions';
import { dossierStartSearchAttributes } from '../../workflows/search-attributes';
import { metric, round, slope } from './harness';
import { type Scenario, sleep } from './scenario';
import { scenarioConfig } from './stack';

const workerProcessPath = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const MB = 1024 * 1024;
const WARM = 200;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

class WorkerProcess {
  private waiting: ((m: unknown) => void)[] = [];
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m) => this.waiting.shift()?.(m));
  }
  static async start(config: Config, env: Record<string, string>) {
    const child = fork(workerProcessPath, [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: {
        ...process.env,
        ...Object.fromEntries(
          Object.entries(config)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
        ),
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w = new WorkerProcess(child);
    const ready = (await w.next()) as { maxCachedWorkflows: number };
    return { w, maxCachedWorkflows: ready.maxCachedWorkflows };
  }
  private next(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.child.once('exit', (code) => reject(new Error(`worker process exited (${code})`)));
    });
  }
  async memory(): Promise<Memory> {
    const answer = this.next();
    this.child.send('rss');
    return (await answer) as Memory;
  }
  async stop() {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send('stop');
    await Promise.race([exited, sleep(15_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Starts dossiers [from, to) through the Temporal client, `concurrency` at a time. */
async function startOpen(client: Client, config: Config, tag: string, from: number, to: number) {
  let next = from;
  const receivedAt = new Date(Date.now() - 60_000).toISOString();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < to) {
        const code = `BM-${tag}-${next++}`;
        const input: DossierWorkflowInput = {
          code,
          procedureCode: 'MAU-DANG-KY-KET-HON',
          agencyCode: 'X-AN-BINH',
          channel: 'direct',
          applicantName: 'Nguyễn Văn An',
          receivedAt,
        };
        await client.workflow.start('dossierWorkflow', {
          workflowId: workflowIdFor(code),
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          ...dossierStartPolicy,
          typedSearchAttributes: dossierStartSearchAttributes(input),
          args: [input],
        });
      }
    }),
  );
}

export const workerMemory: Scenario = {
  name: 'worker',
  description: 'worker RSS per 1,000 open dossiers: bounded cache vs the SDK default cache',
  async run({ quick, log, stack, at, open }) {
    const bench = await stack();
    const checkpoints = (open ?? (quick ? [1_000, 10_000] : [1_000, 10_000, 100_000])).sort((a, b) => a - b);
    // The baseline's cache (thousands) fills within the first few thousand dossiers; a quick run
    // stops it at 3k (opening dossiers is slow on a busy machine), a full run takes it as far.
    const baselineCheckpoints = quick ? checkpoints.filter((c) => c < 3_000).concat(3_000) : checkpoints;
    const variants = [
      {
        name: 'SDK default cache (baseline)',
        key: 'sdkdefault',
        env: { BENCH_SDK_DEFAULT_CACHE: '1' },
        checkpoints: baselineCheckpoints,
      },
      { name: 'motcua (bounded cache)', key: 'bounded', env: {} as Record<string, string>, checkpoints },
    ];
    const client = await connectTemporalClient(bench.config);
    const results: Record<string, unknown>[] = [];
    try {
      for (const v of variants) {
        const config = scenarioConfig(bench.config, `worker-${v.key}`);
        const nats = await connectNats(config, bench.logger);
        const published = async () => (await nats.jsm.streams.info(config.NATS_STREAM)).state.messages;
        const { w, maxCachedWorkflows } = await WorkerProcess.start(config, v.env);
        const tag = `${v.key}-${process.pid.toString(36)}${Date.now().toString(36)}`;
        const waitPublished = async (n: number) => {
          let last = performance.now();
          for (;;) {
            const p = await published();
            if (p >= n) return;
            if (performance.now() - last > 10_000) {
              last = performance.now();
              log(`  ${p}/${n} open dossiers received by the worker`);
            }
            await sleep(250);
          }
        };
        const points: { open: number; rssMb: number; heapUsedMb: number }[] = [];
        try {
          log(
            `worker: ${v.name}, maxCachedWorkflows ${maxCachedWorkflows}: warming up with ${WARM} dossiers…`,
          );
          await startOpen(client, config, tag, 0, WARM);
          await waitPublished(WARM);
          await sleep(1_000);
          const base = await w.memory();
          points.push({
            open: WARM,
            rssMb: round(base.rss / MB, 1),
            heapUsedMb: round(base.heapUsed / MB, 1),
          });
          let opened = WARM;
          const t0 = performance.now();
          for (const cp of v.checkpoints) {
            log(`worker: ${v.name}: opening dossiers up to ${cp.toLocaleString('en-US')}…`);
            await startOpen(client, config, tag, opened, cp);
            opened = cp;
            await waitPublished(cp);
            await sleep(1_000);
            const m = await w.memory();
            points.push({ open: cp, rssMb: round(m.rss / MB, 1), heapUsedMb: round(m.heapUsed / MB, 1) });
            log(
              `  ${cp.toLocaleString('en-US')} open: RSS ${round(m.rss / MB)} MB (+${round((m.rss - base.rss) / MB)} MB), heap ${round(m.heapUsed / MB)} MB; ${round((opened - WARM) / ((performance.now() - t0) / 1000), 1)} dossiers/s opened`,
            );
          }
          // From the warm-up point, and once the first checkpoint is passed (marginal growth).
          const perThousand = (n: number, from = points[0]!) => {
            const p = points.find((x) => x.open === n);
            return p ? round(((p.rssMb - from.rssMb) / (n - from.open)) * 1000, 2) : null;
          };
          const first = points[1]!;
          results.push({
            variant: v.name,
            key: v.key,
            maxCachedWorkflows,
            points,
            perThousandAt: Object.fromEntries(v.checkpoints.map((cp) => [cp, perThousand(cp)])),
            marginalPerThousand: Object.fromEntries(
              v.checkpoints.filter((cp) => cp > first.open).map((cp) => [cp, perThousand(cp, first)]),
            ),
            slopeMbPerThousand: round(slope(points.map((p) => ({ x: p.open / 1000, y: p.rssMb }))), 2),
          });
        } catch (err) {
          // Keep what the other variant measured.
          log(`worker: ${v.name} failed: ${(err as Error)?.message ?? err}`);
          results.push({ variant: v.name, key: v.key, maxCachedWorkflows, points, error: String(err) });
        } finally {
          await w.stop();
          // Streams of one server may not share subjects: the next variant makes its own.
          await nats.jsm.streams.delete(config.NATS_STREAM).catch(() => {});
          await nats.close();
        }
      }
    } finally {
      await client.connection.close();
    }
    const mine = results.find((r) => r.key === 'bounded' && !r.error);
    if (!mine) throw new Error(`the bounded worker was not measured: ${JSON.stringify(results)}`);
    const base = results.find((r) => r.key === 'sdkdefault' && !r.error);
    const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
    const perThousandOf = (r: Record<string, unknown> | undefined) => {
      if (!r) return null;
      const first = (r.points as { open: number }[])[1]?.open ?? 0;
      return Object.fromEntries([
        ...Object.entries(r.perThousandAt as Record<string, number | null>).map(([k, x]) => [
          `${label(WARM)}→${label(Number(k))}`,
          x,
        ]),
        ...Object.entries(r.marginalPerThousand as Record<string, number | null>).map(([k, x]) => [
          `${label(first)}→${label(Number(k))}`,
          x,
        ]),
      ]);
    };
    const largest = checkpoints[checkpoints.length - 1]!;
    const minePoints = mine.points as { open: number; rssMb: number }[];
    const rssAtLargest = minePoints[minePoints.length - 1]!.rssMb;
    return {
      metrics: {
        'worker.rssMbPerThousandOpen': metric(
          'worker.rssMbPerThousandOpen',
          {
            status: 'reported',
            value: perThousandOf(mine),
            baseline: perThousandOf(base),
            note:
              `RSS growth per 1,000 more open dossiers between two counts (A→B); worker alone in its process with maxCachedWorkflows ${mine.maxCachedWorkflows} ` +
              `(RSS ${rssAtLargest} MB at ${label(largest)} open); baseline: the SDK default cache (${base?.maxCachedWorkflows ?? '?'} workflows)` +
              (checkpoints.includes(100_000) ? '' : '; 100k only in a full run'),
          },
          at,
        ),
      },
      details: { warm: WARM, checkpoints, variants: results },
      text: results
        .map(
          (r) =>
            `worker — ${r.variant} (cache ${r.maxCachedWorkflows}): ${(r.points as { open: number; rssMb: number }[]).map((p) => `${label(p.open)}: ${p.rssMb} MB`).join(', ')}`,
        )
        .join('\n'),
    };
  },
};
