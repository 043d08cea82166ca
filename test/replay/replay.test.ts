import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type ReplayResult,
  Runtime,
  type WorkflowBundle,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  failureConverterPath,
  generatePayloadKey,
  PayloadEncryptionCodec,
  parsePayloadKeys,
  replayDataConverter,
} from '../../services/payload-codec';
import { replayHistories, stackTraceHookInstalled } from '../../services/rates/replay';
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
  const { code } = await bundleWorkflowCode({
    workflowsPath: path,
    failureConverterPath,
    logger: quietLogger,
  });
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

// The replayer runs with the deployment's codec, as `motcua audit replay` does: the committed
// histories were recorded before encryption and pass through it unchanged.
const oldKey = generatePayloadKey('old');
const newKey = generatePayloadKey('new');
const replayKeys = parsePayloadKeys(`${newKey},${oldKey}`);

async function replayAll(
  workflowBundle: WorkflowBundle,
  stored: StoredHistory[] = histories,
  keys = replayKeys,
): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  // The replayer `motcua audit replay` uses (no watchdog, no stack-trace hook): its verdicts are
  // the ones checked below.
  const replay = replayHistories(
    { workflowBundle, replayName: 'motcua-replay', dataConverter: replayDataConverter(keys) },
    stored.map(({ file, history }) => ({ workflowId: file, history })),
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

  it('restores the stack-trace hook and source maps once a replay ends, also when stopped early', async () => {
    const before = { hook: stackTraceHookInstalled(), sourceMaps: process.sourceMapsEnabled };
    let during: boolean | undefined;
    for await (const _ of replayHistories(
      {
        workflowBundle: released,
        replayName: 'motcua-replay',
        dataConverter: replayDataConverter(replayKeys),
      },
      histories.slice(0, 2).map(({ file, history }) => ({ workflowId: file, history })),
    )) {
      during = stackTraceHookInstalled();
      break;
    }
    expect(during).toBe(false);
    expect({ hook: stackTraceHookInstalled(), sourceMaps: process.sourceMapsEnabled }).toEqual(before);
  });

  it('replays histories whose payloads were encrypted with a key that is no longer current', async () => {
    const encrypted = histories.map((h) => ({ ...h, history: encryptHistoryJson(h.history, oldKey) }));
    expect(JSON.stringify(encrypted[0]!.history)).toContain(
      Buffer.from('binary/encrypted').toString('base64'),
    );
    const results = await replayAll(released, encrypted);
    const failures = [...results.values()].filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`);
    expect(failures).toEqual([]);
  });

  it('names the missing key id when a history was encrypted with a key it does not have', async () => {
    const [first] = histories;
    const encrypted = [{ ...first!, history: encryptHistoryJson(first!.history, oldKey) }];
    const results = await replayAll(released, encrypted, parsePayloadKeys(newKey));
    const error = results.get(first!.file)?.error;
    expect(String(error?.message ?? error)).toMatch(
      /key id \\?"old\\?", which is not in MOTCUA_PAYLOAD_KEYS/,
    );
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

/**
 * A committed (plain) history as it would look had it been recorded with encryption on: every
 * payload (JSON form: base64 metadata and data) encrypted with `key`; search attributes and patch
 * markers stay plain, as they do in a history recorded through the codec.
 */
function encryptHistoryJson(history: unknown, key: string): unknown {
  const codec = new PayloadEncryptionCodec(parsePayloadKeys(key));
  const walk = (node: unknown, parent: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, parent));
    if (!node || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    if (parent !== 'indexedFields' && isJsonPayload(o)) {
      const encrypted = codec.encrypt({
        metadata: Object.fromEntries(
          Object.entries(o.metadata as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from((o.data as string | undefined) ?? '', 'base64'),
      });
      return {
        metadata: Object.fromEntries(
          Object.entries(encrypted.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(encrypted.data!).toString('base64'),
      };
    }
    // Temporal keeps search attributes plain; patch markers are written by the SDK core, uncoded.
    if (parent === 'searchAttributes' || parent === 'markerRecordedEventAttributes') return node;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v, k)]));
  };
  return walk(history, '');
}

const isJsonPayload = (o: Record<string, unknown>) =>
  typeof o.metadata === 'object' &&
  o.metadata !== null &&
  typeof (o.metadata as Record<string, unknown>).encoding === 'string' &&
  Object.keys(o).every((k) => k === 'metadata' || k === 'data');
