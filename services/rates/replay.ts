import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { workflowIdFor } from '../../domain/dossier';
import { failureConverterPath, withoutFailureEncoding } from '../payload-codec';
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

export async function replayDossiers(
  client: Client,
  targets: readonly ReplayTarget[],
  opts: {
    workflowBundle?: WorkflowBundle;
    /** Decrypts applicant data in the histories (the client's own converter by default). */
    dataConverter?: DataConverter;
    onProgress?: (done: number, total: number) => void;
    /** Histories fetched ahead of the replayer (default 8). */
    prefetch?: number;
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
  // The replayer runs the workflows on this thread, and the SDK's promise hook compiles a small
  // function for every promise a workflow makes; with Node's source maps on (tsx turns them on)
  // each compiled source is also scanned for a source map comment: about a tenth of the replay's
  // CPU (bench/results/analysis.md, "Audit"). Failures are reported by name and message, which
  // source maps do not change; the previous setting is restored afterwards.
  const sourceMaps = process.sourceMapsEnabled;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    for await (const result of Worker.runReplayHistories(
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
  } finally {
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
  return { replayed, failures };
}
