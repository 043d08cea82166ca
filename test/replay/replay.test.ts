import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type ReplayResult,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowsPath } from '../../services/worker';
import { loadHistories, type StoredHistory, scenarioOf } from './histories';
import { scenarios } from './scenarios';

// No server needed: the replay worker feeds recorded histories to the workflow code in-process.
// Core reports each expected nondeterminism at WARN: keep the output to errors.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
});
let histories: StoredHistory[];
let released: WorkflowBundle;

const bundle = async (path: string): Promise<WorkflowBundle> => {
  const { code } = await bundleWorkflowCode({ workflowsPath: path, logger: quietLogger });
  return { code };
};
const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error: (message: string, meta?: unknown) => console.error(message, meta),
};

async function replayAll(workflowBundle: WorkflowBundle): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  const replay = Worker.runReplayHistories(
    { workflowBundle, replayName: 'motcua-replay' },
    histories.map(({ file, history }) => ({ workflowId: file, history })),
  );
  for await (const result of replay) results.set(result.workflowId, result);
  return results;
}

beforeAll(async () => {
  histories = await loadHistories();
  released = await bundle(workflowsPath);
}, 120_000);

describe('replay of recorded dossier histories', () => {
  it('has a committed history for every lifecycle scenario', () => {
    const recorded = new Set(histories.map((h) => scenarioOf(h.file)));
    expect(scenarios.map((s) => s.name).filter((name) => !recorded.has(name))).toEqual([]);
    expect(histories.length).toBeGreaterThanOrEqual(scenarios.length);
  });

  it('replays every history with the current workflow code without nondeterminism', async () => {
    const results = await replayAll(released);
    expect([...results.keys()].sort()).toEqual(histories.map((h) => h.file).sort());
    const failures = [...results.values()]
      .filter((r) => r.error)
      .map((r) => `${r.workflowId}: ${r.error?.name}: ${r.error?.message}`);
    expect(failures).toEqual([]);
  });

  it('fails when the workflow changes its commands without patched()', async () => {
    const changed = await bundle(fileURLToPath(new URL('./fixtures/timer-inserted.ts', import.meta.url)));
    const results = await replayAll(changed);
    expect(results.size).toBe(histories.length);
    for (const { file } of histories) {
      const error = results.get(file)?.error;
      expect(error, file).toBeInstanceOf(DeterminismViolationError);
    }
  });
});
