/**
 * Worker memory: RSS of a dossier worker (alone in a forked process) by number of open dossiers,
 * at 1 k, 10 k and 100 k open, and after the cache is full and a few hundred dossiers move. Two
 * workers side by side in the same run: motcua's bounded workflow cache (WORKER_MAX_CACHED_WORKFLOWS)
 * and the baseline with the SDK's default cache size.
 *
 * Open dossiers are REAL dossier workflows in the state the API leaves them: started the way
 * `POST /v1/dossiers` starts them (executeUpdateWithStart with the appointment Update, the intake
 * memo and search attributes; the HTTP layer and the read-model checks are left out), received
 * (`dossier.received` published) and waiting on their legal timers. They are opened straight from
 * the bench process, OPEN_CONCURRENCY at a time: each caller waits for its appointment like the API
 * does, so the dossiers in flight stay well below the bounded cache (no eviction before a dossier
 * settles, no replays while opening) and the worker runs at its own pace.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { workflowIdFor } from '../../domain/dossier';
import type { Actor } from '../../domain/events';
import type { Config } from '../../services/config';
import { connectNats } from '../../services/nats';
import { connectTemporalClient } from '../../services/temporal';
import {
  appointmentUpdate,
  type DossierWorkflowInput,
  dossierIntakePolicy,
  dossierUpdates,
} from '../../workflows/definitions';
import { dossierWorkflow } from '../../workflows/dossier';
import { dossierStartSearchAttributes } from '../../workflows/search-attributes';
import { metric, round, slope } from './harness';
import { type Scenario, sleep } from './scenario';
import { scenarioConfig } from './stack';

const workerProcessPath = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const MB = 1024 * 1024;
const WARM = 200;
const envNumber = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
/** Intakes in flight while opening (each waits for its appointment, as the API does). */
const OPEN_CONCURRENCY = envNumber('BENCH_WORKER_OPEN_CONCURRENCY', 48);
/**
 * The baseline stops here: its cache (thousands of workflows) is full after a few thousand dossiers,
 * beyond which it is bounded by that cache too; taking it to 100 k would double a run of hours.
 */
const BASELINE_MAX_OPEN = envNumber('BENCH_WORKER_BASELINE_MAX_OPEN', 10_000);
/** Dossiers moved (a handoff each) per round after the last checkpoint; two rounds. */
const MOVES = envNumber('BENCH_WORKER_MOVES', 300);
const MOVE_CONCURRENCY = 16;
/**
 * Time budget on a shared machine: BENCH_WORKER_STOP_AT (an instant) stops opening dossiers; the
 * count reached is measured as the last checkpoint (`stoppedByTimeBudget`). BENCH_WORKER_STOP_AT_<KEY>
 * (BOUNDED, SDKDEFAULT) sets it per variant.
 */
const stopAtOf = (key: string): number => {
  const raw = process.env[`BENCH_WORKER_STOP_AT_${key.toUpperCase()}`] ?? process.env.BENCH_WORKER_STOP_AT;
  const t = raw ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
};

const desk: Actor = {
  id: 'bench-desk',
  name: 'Bộ phận một cửa (bench)',
  role: 'intake',
  agencyCode: 'X-AN-BINH',
};

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Resident memory of a process from /proc (no GC, no message), MB. */
async function rssMbOf(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? round(kb / 1024, 1) : undefined;
  } catch {
    return undefined;
  }
}

class WorkerProcess {
  private waiting: ((m: unknown) => void)[] = [];
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m) => this.waiting.shift()?.(m));
  }
  get pid() {
    return this.child.pid;
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
  /** Memory after a full GC in the worker process. */
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

const codeOf = (tag: string, i: number) => `BM-${tag}-${i}`;

/** One intake as `POST /v1/dossiers` does it: update-with-start, answered with the appointment. */
async function intake(client: Client, config: Config, code: string): Promise<void> {
  const input: DossierWorkflowInput = {
    code,
    procedureCode: 'MAU-DANG-KY-KET-HON',
    agencyCode: 'X-AN-BINH',
    channel: 'direct',
    applicantName: 'Nguyễn Văn An',
    // Now (a long run must stay inside the workflow's receipt tolerance).
    receivedAt: new Date(Date.now() - 1_000).toISOString(),
    actor: desk,
  };
  const intakeId = `intake:${code}`;
  const startWorkflowOperation = new WithStartWorkflowOperation(dossierWorkflow, {
    workflowId: workflowIdFor(code),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...dossierIntakePolicy,
    typedSearchAttributes: dossierStartSearchAttributes(input),
    memo: { intakeId, applicantPhone: '0912345678' },
    args: [input],
  });
  await client.workflow.executeUpdateWithStart(appointmentUpdate, {
    startWorkflowOperation,
    updateId: intakeId,
  });
}

/** Runs `op(i)` for i in [from, to), `concurrency` at a time, retrying a failed call twice. */
async function pool(
  from: number,
  to: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
  onDone: () => void,
  stop: () => boolean = () => false,
): Promise<{ errors: number; firstError?: string; reached: number }> {
  let next = from;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to && !stop()) {
        const i = next++;
        for (let attempt = 1; ; attempt++) {
          try {
            await op(i);
            break;
          } catch (err) {
            if (attempt >= 3) {
              errors += 1;
              firstError ??= String((err as Error)?.message ?? err);
              break;
            }
            await sleep(1_000 * attempt);
          }
        }
        onDone();
      }
    }),
  );
  return { errors, ...(firstError && { firstError }), reached: next };
}

export const workerMemory: Scenario = {
  name: 'worker',
  description: 'worker RSS per 1,000 open dossiers: bounded cache vs the SDK default cache',
  async run({ quick, log, stack, at, open, outDir }) {
    const bench = await stack();
    const checkpoints = (open ?? (quick ? [1_000, 10_000] : [1_000, 10_000, 100_000])).sort((a, b) => a - b);
    // The baseline's cache (thousands) fills within the first few thousand dossiers; it stops at
    // BASELINE_MAX_OPEN (a quick run at 3k), beyond which its own cache bounds it as well.
    const baselineMax = quick ? Math.min(3_000, BASELINE_MAX_OPEN) : BASELINE_MAX_OPEN;
    const baselineCheckpoints = checkpoints.filter((c) => c < baselineMax).concat(baselineMax);
    // The project's worker first: its 100 k is the number the issue asks for.
    const variants = [
      { name: 'motcua (bounded cache)', key: 'bounded', env: {} as Record<string, string>, checkpoints },
      {
        name: 'SDK default cache (baseline)',
        key: 'sdkdefault',
        env: { BENCH_SDK_DEFAULT_CACHE: '1' },
        checkpoints: baselineCheckpoints.filter((c, i, a) => a.indexOf(c) === i),
      },
    ];
    const serverPid = bench.stack.processes.find((p) => p.name === 'temporal')?.pid;
    const progressFile = outDir ? join(outDir, `worker-progress-${process.pid}.jsonl`) : undefined;
    const record = async (line: Record<string, unknown>) => {
      if (progressFile)
        await appendFile(
          progressFile,
          `${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`,
        ).catch(() => {});
    };
    if (progressFile) log(`worker: progress in ${progressFile}`);
    const moves = quick ? Math.min(MOVES, 100) : MOVES;
    const client = await connectTemporalClient(bench.config);
    const results: Record<string, unknown>[] = [];
    try {
      for (const v of variants) {
        const config = scenarioConfig(bench.config, `worker-${v.key}`);
        const nats = await connectNats(config, bench.logger);
        const published = async () => (await nats.jsm.streams.info(config.NATS_STREAM)).state.messages;
        const { w, maxCachedWorkflows } = await WorkerProcess.start(config, v.env);
        const tag = `${v.key}-${process.pid.toString(36)}${Date.now().toString(36)}`;
        const waitPublished = async (n: number, timeoutMs = Number.POSITIVE_INFINITY) => {
          const t0 = performance.now();
          let last = t0;
          for (;;) {
            const p = await published();
            if (p >= n) return p;
            if (performance.now() - t0 > timeoutMs) return p;
            if (performance.now() - last > 10_000) {
              last = performance.now();
              log(`  ${p}/${n} events published by the worker`);
            }
            await sleep(250);
          }
        };
        const stopAt = stopAtOf(v.key);
        let opened = 0;
        let movedSoFar = 0;
        let done = 0;
        let errors = 0;
        const points: Record<string, unknown>[] = [];
        const moved: Record<string, unknown>[] = [];
        /** Opens dossiers up to `to`, logging progress every 15 s. */
        const openUpTo = async (to: number) => {
          const t0 = performance.now();
          const from = opened;
          let reached = to;
          let lastDone = done;
          let lastAt = t0;
          const ticker = setInterval(async () => {
            const now = performance.now();
            const line = {
              variant: v.key,
              open: done,
              target: to,
              perSecond: round((done - lastDone) / ((now - lastAt) / 1000), 1),
              workerRssMb: await rssMbOf(w.pid),
              serverRssMb: await rssMbOf(serverPid),
              load: round(loadavg()[0] ?? 0, 2),
              errors,
            };
            lastDone = done;
            lastAt = now;
            log(
              `  ${v.key}: ${line.open.toLocaleString('en-US')}/${to.toLocaleString('en-US')} open, ${line.perSecond}/s, worker RSS ${line.workerRssMb} MB, Temporal server RSS ${line.serverRssMb} MB, load ${line.load}${errors ? `, ${errors} failed` : ''}`,
            );
            await record(line);
          }, 15_000);
          try {
            const r = await pool(
              from,
              to,
              OPEN_CONCURRENCY,
              (i) => intake(client, config, codeOf(tag, i)),
              () => {
                done += 1;
              },
              () => Date.now() >= stopAt,
            );
            reached = r.reached;
            errors += r.errors;
            if (r.firstError) log(`  ${r.errors} intakes failed, first: ${r.firstError}`);
          } finally {
            clearInterval(ticker);
          }
          opened = Math.min(to, reached);
          return round((opened - from) / ((performance.now() - t0) / 1000), 1);
        };
        const measure = async () => {
          await sleep(1_000);
          const m = await w.memory();
          return {
            rssMb: round(m.rss / MB, 1),
            heapUsedMb: round(m.heapUsed / MB, 1),
            serverRssMb: (await rssMbOf(serverPid)) ?? null,
            load: round(loadavg()[0] ?? 0, 2),
            at: new Date().toISOString(),
          };
        };
        try {
          log(
            `worker: ${v.name}, maxCachedWorkflows ${maxCachedWorkflows}: warming up with ${WARM} dossiers (${OPEN_CONCURRENCY} intakes in flight)…`,
          );
          await openUpTo(WARM);
          await waitPublished(WARM - errors);
          points.push({ open: WARM, ...(await measure()) });
          // After each checkpoint past the cache: the realistic steady state, dossiers evicted long
          // ago move (a handoff each), so the worker replays their histories.
          const movedIdx = new Set<number>();
          const moveRound = async () => {
            const pickable = Math.min(
              opened,
              Math.max(2 * moves, opened - 2 * (maxCachedWorkflows || 1_000)),
            );
            const stride = Math.max(1, Math.floor(pickable / moves));
            const picks: number[] = [];
            for (let offset = 0; picks.length < moves && offset < stride + pickable; offset++)
              for (let i = offset % stride; i < pickable && picks.length < moves; i += stride)
                if (!movedIdx.has(i)) {
                  movedIdx.add(i);
                  picks.push(i);
                }
            log(`worker: ${v.name}: moving ${picks.length} dossiers evicted long ago (a handoff each)…`);
            const t0 = performance.now();
            const r = await pool(
              0,
              picks.length,
              MOVE_CONCURRENCY,
              async (k) => {
                await client.workflow
                  .getHandle(workflowIdFor(codeOf(tag, picks[k]!)))
                  .executeUpdate(dossierUpdates.handOff, { args: [{ actor: desk }] });
              },
              () => {},
            );
            movedSoFar += picks.length - r.errors;
            if (r.firstError) log(`  ${r.errors} moves failed, first: ${r.firstError}`);
            const ms = performance.now() - t0;
            await waitPublished(done - errors + movedSoFar, 60_000);
            const m = {
              open: opened,
              moved: movedSoFar,
              ...(await measure()),
              movesPerSecond: round(picks.length / (ms / 1000), 1),
              failedMoves: r.errors,
            };
            moved.push(m);
            await record({ variant: v.key, moved: m });
            log(
              `  ${opened.toLocaleString('en-US')} open, after ${movedSoFar} moves: worker RSS ${m.rssMb} MB, heap ${m.heapUsedMb} MB; ${m.movesPerSecond} moves/s`,
            );
          };
          for (const cp of v.checkpoints) {
            log(`worker: ${v.name}: opening dossiers up to ${cp.toLocaleString('en-US')}…`);
            const perSecond = await openUpTo(cp);
            await waitPublished(done - errors + movedSoFar);
            const stopped = opened < cp;
            const point = {
              open: opened,
              ...(await measure()),
              openedPerSecond: perSecond,
              failedIntakes: errors,
              ...(stopped && { stoppedByTimeBudget: true }),
            };
            points.push(point);
            await record({ variant: v.key, checkpoint: point });
            log(
              `  ${opened.toLocaleString('en-US')} open${stopped ? ' (time budget reached)' : ''}: worker RSS ${point.rssMb} MB, heap ${point.heapUsedMb} MB; Temporal server RSS ${point.serverRssMb} MB; ${perSecond} dossiers/s opened; load ${point.load}`,
            );
            if (opened > 2 * (maxCachedWorkflows || 1_000) || stopped || cp === v.checkpoints.at(-1))
              await moveRound();
            if (stopped) break;
          }
          // From the warm-up point, and once the first checkpoint is passed (marginal growth).
          const pts = points as { open: number; rssMb: number }[];
          const perThousand = (n: number, from = pts[0]!) => {
            const p = pts.find((x) => x.open === n);
            return p ? round(((p.rssMb - from.rssMb) / (n - from.open)) * 1000, 2) : null;
          };
          const first = pts[1]!;
          results.push({
            variant: v.name,
            key: v.key,
            maxCachedWorkflows,
            openConcurrency: OPEN_CONCURRENCY,
            points,
            moves: moved,
            perThousandAt: Object.fromEntries(pts.slice(1).map((p) => [p.open, perThousand(p.open)])),
            marginalPerThousand: Object.fromEntries(
              pts.filter((p) => p.open > first.open).map((p) => [p.open, perThousand(p.open, first)]),
            ),
            slopeMbPerThousand: round(slope(pts.map((p) => ({ x: p.open / 1000, y: p.rssMb }))), 2),
          });
        } catch (err) {
          // Keep what the other variant measured.
          log(`worker: ${v.name} failed: ${(err as Error)?.message ?? err}`);
          results.push({
            variant: v.name,
            key: v.key,
            maxCachedWorkflows,
            points,
            moves: moved,
            error: String(err),
          });
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
    const minePoints = mine.points as { open: number; rssMb: number; serverRssMb?: number }[];
    const atLargest = minePoints[minePoints.length - 1]!;
    const mineMoves = (mine.moves as { moved: number; rssMb: number }[]) ?? [];
    const lastMove = mineMoves[mineMoves.length - 1];
    const basePoints = (base?.points as { open: number; rssMb: number }[] | undefined) ?? [];
    const baseLast = basePoints[basePoints.length - 1];
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
              `(RSS ${atLargest.rssMb} MB at ${label(atLargest.open)} open${(atLargest as { stoppedByTimeBudget?: boolean }).stoppedByTimeBudget ? ` (time budget reached before ${label(largest)})` : ''}` +
              (lastMove ? `, ${lastMove.rssMb} MB after ${lastMove.moved} evicted dossiers moved` : '') +
              `; Temporal dev server RSS ${atLargest.serverRssMb ?? '?'} MB); baseline: the SDK default cache (${base?.maxCachedWorkflows ?? '?'} workflows)` +
              (baseLast
                ? `, RSS ${baseLast.rssMb} MB at ${label(baseLast.open)} open, stopped there: its cache is full after a few thousand, taking it to ${label(largest)} too would double the run`
                : '') +
              (checkpoints.includes(100_000) ? '' : '; 100k only in a full run'),
          },
          at,
        ),
      },
      details: {
        warm: WARM,
        checkpoints,
        openConcurrency: OPEN_CONCURRENCY,
        movesPerRound: moves,
        variants: results,
      },
      text: results
        .map(
          (r) =>
            `worker — ${r.variant} (cache ${r.maxCachedWorkflows}): ${(r.points as { open: number; rssMb: number }[]).map((p) => `${label(p.open)}: ${p.rssMb} MB`).join(', ')}` +
            `${((r.moves as { moved: number; rssMb: number }[]) ?? []).map((m) => `; after ${m.moved} moved: ${m.rssMb} MB`).join('')}`,
        )
        .join('\n'),
    };
  },
};
