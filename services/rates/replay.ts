import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { DataConverter, Logger } from '@temporalio/common';
import {
  bundleWorkflowCode,
  type CompiledWorkerOptions,
  type ReplayHistoriesIterable,
  type ReplayResult,
  type ReplayWorkerOptions,
  Worker,
  type WorkflowBundle,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { WorkflowCreator } from '@temporalio/worker/lib/workflow/interface';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';
import type { WorkflowBundleWithSourceMapAndFilename } from '@temporalio/worker/lib/workflow/workflow-worker-thread/input';
import { workflowIdFor } from '../../domain/dossier';
import { failureConverterPath, withoutFailureEncoding } from '../payload-codec';
import type { connectTemporalClient } from '../temporal';
import { workflowsPath } from '../worker';

/**
 * `motcua audit replay`: fetches dossier workflow histories from Temporal (every run, including
 * those ended by continue-as-new) and replays them against the current workflow code with the
 * SDK's replayer. A nondeterminism means the code changed a decision without `patched()`.
 */
export interface ReplayTarget {
  workflowId: string;
  runId: string;
}

export interface ReplayFailure {
  dossierCode: string;
  workflowId: string;
  runId: string;
  error: string;
  /** The history event the replayer stopped at, when its message names one. */
  eventId: number | null;
}

export interface ReplayOutcome {
  replayed: number;
  failures: ReplayFailure[];
}

const dossierCodeOf = (workflowId: string) => workflowId.replace(/^dossier-/, '');

/** Every run to replay: by dossier codes (all runs of each workflow id) or by a visibility query. */
export async function replayTargets(
  client: Client,
  opts: { dossiers?: readonly string[]; query?: string; limit?: number },
): Promise<ReplayTarget[]> {
  const targets: ReplayTarget[] = [];
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const queries = opts.dossiers?.length
    ? opts.dossiers.map((code) => `WorkflowId = '${workflowIdFor(code).replace(/'/g, "''")}'`)
    : [opts.query ?? "WorkflowType = 'dossierWorkflow'"];
  for (const query of queries) {
    for await (const execution of client.workflow.list({ query })) {
      targets.push({ workflowId: execution.workflowId, runId: execution.runId });
      if (targets.length >= limit) return targets;
    }
  }
  return targets;
}

/** The workflow code to replay against: the released workflows unless a bundle or path is given. */
export async function workflowBundleFor(path = workflowsPath): Promise<WorkflowBundle> {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const { code } = await bundleWorkflowCode({ workflowsPath: path, failureConverterPath, logger: quiet });
  return { code };
}

/**
 * The SDK's replay worker without two costs that buy a replay nothing (bench/results/analysis.md,
 * "Audit": together about half of a replayed history's CPU):
 * - the watchdog: the SDK runs each call into the workflow context with a timeout, which Node
 *   implements with a thread started and joined per call (≈ 40–130 µs, dozens of calls per history);
 *   the replayer's timeout is already 2³² ms, so no call was ever bounded by it;
 * - the stack-trace promise hook: it captures and formats a stack for every promise a workflow
 *   makes, for the `__stack_trace` query, which nobody sends to a replay.
 * The decisions replayed and compared are the same; `test/replay` checks both verdicts (clean
 * replay, nondeterminism caught) through this replayer.
 */
class AuditReplayWorker extends Worker {
  protected static override createWorkflowCreator(
    bundle: WorkflowBundleWithSourceMapAndFilename,
    compiledOptions: CompiledWorkerOptions,
    logger: Logger,
  ): Promise<WorkflowCreator> {
    // `timeout: undefined` makes `vm` run without a watchdog (a number always starts one).
    const unbounded = { ...compiledOptions, isolateExecutionTimeoutMs: undefined as unknown as number };
    return Worker.createWorkflowCreator(bundle, unbounded, logger);
  }
}

let stackTraceHookOffCount = 0;
/**
 * Turns the SDK's stack-trace promise hook off in this process until the returned function is
 * called (the workflows of a live worker run in their own thread, with their own hook; this one
 * serves replays only). Reference-counted for concurrent replays; a no-op if the SDK's internals
 * are not the ones read here (the replay is then only slower).
 */
function stackTraceHookOff(): () => void {
  const handlers = globalHandlers as unknown as {
    install?: () => void;
    stopPromiseHook?: () => void;
    setPromiseHook?: () => void;
    promiseHookInstalled?: boolean;
  };
  const { install, stopPromiseHook, setPromiseHook } = handlers;
  if (
    typeof install !== 'function' ||
    typeof stopPromiseHook !== 'function' ||
    typeof setPromiseHook !== 'function'
  )
    return () => {};
  if (stackTraceHookOffCount++ === 0) {
    handlers.install!(); // idempotent: the replayer's own install() then finds it done
    if (handlers.promiseHookInstalled) {
      handlers.stopPromiseHook!();
      handlers.promiseHookInstalled = false;
    }
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (--stackTraceHookOffCount === 0) handlers.setPromiseHook!();
  };
}

/** Whether the SDK's stack-trace hook is on in this process (tests check it is restored). */
export const stackTraceHookInstalled = () =>
  (globalHandlers as unknown as { promiseHookInstalled?: boolean }).promiseHookInstalled === true;

/**
 * Replays histories with the given workflow code: `Worker.runReplayHistories` as the SDK runs it, on
 * `AuditReplayWorker`, with the stack-trace hook and Node source maps off until the iteration ends.
 */
export async function* replayHistories(
  options: ReplayWorkerOptions,
  histories: ReplayHistoriesIterable,
): AsyncGenerator<ReplayResult> {
  // The replayer runs the workflows on this thread; with Node's source maps on (tsx turns them on)
  // every source the SDK compiles there (the promise hook's lookups, when it is on) is scanned for a
  // source map comment. Failures are reported by name and message, which source maps do not
  // change; the previous setting is restored afterwards.
  const sourceMaps = process.sourceMapsEnabled;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  const restoreHook = stackTraceHookOff();
  try {
    yield* AuditReplayWorker.runReplayHistories(options, histories);
  } finally {
    restoreHook();
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

export async function replayDossiers(
  client: Client,
  targets: readonly ReplayTarget[],
  opts: {
    workflowBundle?: WorkflowBundleOption;
    /** Decrypts applicant data in the histories (the client's own converter by default). */
    dataConverter?: DataConverter;
    onProgress?: (done: number, total: number) => void;
    /** Histories fetched ahead of the replayer (default 8). */
    prefetch?: number;
    /** The replayer (default `replayHistories`; the bench passes the SDK's stock one as its baseline). */
    replayer?: (
      options: ReplayWorkerOptions,
      histories: ReplayHistoriesIterable,
    ) => AsyncIterable<ReplayResult>;
  } = {},
): Promise<ReplayOutcome> {
  const workflowBundle = opts.workflowBundle ?? (await workflowBundleFor());
  const failures: ReplayFailure[] = [];
  let replayed = 0;
  // Histories are fetched a few ahead while the replayer works (in order), so the replay does not
  // wait for one Temporal round trip per history.
  const prefetch = Math.max(1, opts.prefetch ?? 8);
  const fetchOne = (t: ReplayTarget) =>
    client.workflow
      .getHandle(t.workflowId, t.runId)
      .fetchHistory()
      .then((history) => ({ workflowId: `${t.workflowId}/${t.runId}`, history }));
  async function* histories() {
    const inFlight: ReturnType<typeof fetchOne>[] = [];
    let next = 0;
    while (next < targets.length || inFlight.length > 0) {
      while (inFlight.length < prefetch && next < targets.length) {
        const p = fetchOne(targets[next++]!);
        p.catch(() => undefined); // awaited below, in order
        inFlight.push(p);
      }
      yield await inFlight.shift()!;
    }
  }
  const replayer = opts.replayer ?? replayHistories;
  for await (const result of replayer(
    {
      workflowBundle,
      replayName: 'motcua-audit-replay',
      // The history is fetched raw: the replayer decodes the payloads (and encrypted failure
      // messages) with the same keys, and reports its own failures in plain text.
      dataConverter: withoutFailureEncoding(opts.dataConverter ?? client.options.dataConverter),
    },
    histories(),
  )) {
    replayed += 1;
    opts.onProgress?.(replayed, targets.length);
    if (!result.error) continue;
    const [workflowId = '', runId = ''] = result.workflowId.split('/');
    const message = `${result.error.name}: ${result.error.message}`;
    const eventId = /event(?:[ _]?id)?[^\d]{0,12}(\d+)/i.exec(result.error.message);
    failures.push({
      dossierCode: dossierCodeOf(workflowId),
      workflowId,
      runId,
      error: message,
      eventId: eventId ? Number(eventId[1]) : null,
    });
  }
  return { replayed, failures };
}

/** How a replayer process connects to Temporal (the payload keys included). */
export type TemporalConnect = Parameters<typeof connectTemporalClient>[0];

/** What a replayer process is given (services/rates/replay-process.ts). */
export interface ReplayJob {
  connect: TemporalConnect;
  targets: ReplayTarget[];
  bundlePath: string;
  prefetch?: number;
}
export type ReplayProcessMessage = { progress: number } | { outcome: ReplayOutcome } | { error: string };

/**
 * A replayer process costs about a second of CPU to start (Node, tsx, the SDK, a connection): it
 * pays off from a few hundred histories each.
 */
export const MIN_HISTORIES_PER_PROCESS = 250;

/** Replayer processes for `n` histories: one per core, as many as the histories amortise. */
export function replayProcessesFor(n: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(n / MIN_HISTORIES_PER_PROCESS)));
}

const replayProcessPath = fileURLToPath(new URL('./replay-process.ts', import.meta.url));

function runReplayProcess(job: ReplayJob, onProgress: (done: number) => void): Promise<ReplayOutcome> {
  return new Promise((resolve, reject) => {
    // tsx resolved from here, not from the caller's working directory.
    const child = fork(replayProcessPath, [], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome: ReplayOutcome | undefined;
    let error: string | undefined;
    child.on('message', (m: ReplayProcessMessage) => {
      if ('progress' in m) onProgress(m.progress);
      else if ('outcome' in m) outcome = m.outcome;
      else error = m.error;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (outcome && !error) resolve(outcome);
      else
        reject(
          new Error(
            `replayer process ${child.pid} ${error ? `failed: ${error}` : `exited (${signal ?? code}) before reporting`}`,
          ),
        );
    });
    child.send(job);
  });
}

/**
 * `replayDossiers` over several processes: the replayer runs the workflows on its calling thread,
 * so one process uses one core. The targets are cut into contiguous slices; this process replays
 * the first (with `client`), each other slice goes to a forked replayer process that connects with
 * `connect` and replays the bundle built here once. Failures come back in target order, exactly as
 * one process would report them. With one process (few targets, one core) it is `replayDossiers`.
 */
export async function replayDossiersInProcesses(
  client: Client,
  connect: TemporalConnect,
  targets: readonly ReplayTarget[],
  opts: {
    processes?: number;
    workflowBundle?: WorkflowBundle;
    onProgress?: (done: number, total: number) => void;
    prefetch?: number;
  } = {},
): Promise<ReplayOutcome> {
  const processes = Math.max(
    1,
    Math.min(opts.processes ?? replayProcessesFor(targets.length), targets.length),
  );
  const workflowBundle = opts.workflowBundle ?? (await workflowBundleFor());
  const common = { workflowBundle, ...(opts.prefetch && { prefetch: opts.prefetch }) };
  if (processes <= 1) {
    return replayDossiers(client, targets, {
      ...common,
      ...(opts.onProgress && { onProgress: opts.onProgress }),
    });
  }
  const size = Math.ceil(targets.length / processes);
  const slices = Array.from({ length: processes }, (_, i) => targets.slice(i * size, (i + 1) * size)).filter(
    (slice) => slice.length > 0,
  );
  const done = slices.map(() => 0);
  const progress = (i: number) => (n: number) => {
    done[i] = n;
    opts.onProgress?.(
      done.reduce((a, b) => a + b, 0),
      targets.length,
    );
  };
  const dir = await mkdtemp(join(tmpdir(), 'motcua-replay-'));
  try {
    const bundlePath = join(dir, 'workflow-bundle.js');
    await writeFile(bundlePath, workflowBundle.code, { mode: 0o600 });
    // Settled, not raced: a failed slice still lets the other processes end before the error.
    const settled = await Promise.allSettled(
      slices.map((slice, i) =>
        i === 0
          ? replayDossiers(client, slice, { ...common, onProgress: progress(0) })
          : runReplayProcess(
              { connect, targets: [...slice], bundlePath, ...(opts.prefetch && { prefetch: opts.prefetch }) },
              progress(i),
            ),
      ),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const outcomes = settled.map((r) => (r as PromiseFulfilledResult<ReplayOutcome>).value);
    return {
      replayed: outcomes.reduce((n, o) => n + o.replayed, 0),
      failures: outcomes.flatMap((o) => o.failures),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
