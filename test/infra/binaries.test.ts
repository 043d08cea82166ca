import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BinaryNotFoundError,
  type BinarySpec,
  type Provisioner,
  resolveBinary,
} from '../../services/infra/binaries';
import { infraContext } from '../../services/infra/context';
import { ensureNatsServer, ensureTemporalCli, ensureTemporalTestServer } from '../../services/infra/index';
import { createLogger } from '../../services/logger';

let root: string;
const logger = createLogger('test-infra', 'silent');
const quiet = { logger, progress: () => {} };

async function fakeExecutable(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, '#!/bin/sh\nexit 0\n');
  await chmod(file, 0o755);
  return file;
}

function ctxWith(env: Record<string, string | undefined>) {
  return infraContext({ ...quiet, home: path.join(root, 'home'), env });
}

function spec(overrides: Partial<BinarySpec> = {}): BinarySpec {
  return {
    name: 'thing',
    envVar: 'MOTCUA_THING_BIN',
    envValue: undefined,
    pathNames: ['thing'],
    cachePath: path.join(root, 'home', 'cache', 'bin', 'thing'),
    provisioners: [],
    help: 'Install thing.',
    ...overrides,
  };
}

/** A provisioner that records its calls and produces (or fails to produce) the cached binary. */
function step(label: string, calls: string[], outcome: 'ok' | 'fail' | 'unavailable'): Provisioner {
  return {
    label,
    unavailable: async () => (outcome === 'unavailable' ? 'not on this machine' : undefined),
    run: async () => {
      calls.push(label);
      if (outcome === 'fail') throw new Error(`${label} broke\nsecond line`);
      return fakeExecutable(path.join(root, 'home', 'cache', 'bin'), 'thing');
    },
  };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'motcua-binaries-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveBinary: env var → PATH → cache → provisioners → error', () => {
  it('prefers the explicit env var over PATH, cache and provisioners', async () => {
    const explicit = await fakeExecutable(path.join(root, 'explicit'), 'my-thing');
    await fakeExecutable(path.join(root, 'pathdir'), 'thing');
    await fakeExecutable(path.join(root, 'home', 'cache', 'bin'), 'thing');
    const calls: string[] = [];
    const found = await resolveBinary(
      ctxWith({ PATH: path.join(root, 'pathdir') }),
      spec({ envValue: explicit, provisioners: [step('build', calls, 'ok')] }),
    );
    expect(found).toBe(explicit);
    expect(calls).toEqual([]);
  });

  it('fails clearly when the env var points at nothing executable', async () => {
    await expect(
      resolveBinary(ctxWith({ PATH: '' }), spec({ envValue: path.join(root, 'missing') })),
    ).rejects.toThrow(/MOTCUA_THING_BIN=.*missing is not an executable/);
  });

  it('takes PATH before the cache', async () => {
    const onPath = await fakeExecutable(path.join(root, 'pathdir'), 'thing');
    await fakeExecutable(path.join(root, 'home', 'cache', 'bin'), 'thing');
    expect(await resolveBinary(ctxWith({ PATH: path.join(root, 'pathdir') }), spec())).toBe(onPath);
  });

  it('takes the cache before provisioning', async () => {
    const cached = await fakeExecutable(path.join(root, 'home', 'cache', 'bin'), 'thing');
    const calls: string[] = [];
    const found = await resolveBinary(
      ctxWith({ PATH: '' }),
      spec({ provisioners: [step('build', calls, 'ok')] }),
    );
    expect(found).toBe(cached);
    expect(calls).toEqual([]);
  });

  it('runs provisioners in order, skipping unavailable ones and falling through failures', async () => {
    const calls: string[] = [];
    const found = await resolveBinary(
      ctxWith({ PATH: '' }),
      spec({
        provisioners: [
          step('apt', calls, 'unavailable'),
          step('go', calls, 'fail'),
          step('maven', calls, 'ok'),
          step('sdk', calls, 'ok'),
        ],
      }),
    );
    expect(found).toBe(path.join(root, 'home', 'cache', 'bin', 'thing'));
    expect(calls).toEqual(['go', 'maven']);
  });

  it('names every option tried when nothing works', async () => {
    const calls: string[] = [];
    const err = await resolveBinary(
      ctxWith({ PATH: '' }),
      spec({ provisioners: [step('apt', calls, 'unavailable'), step('go', calls, 'fail')] }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinaryNotFoundError);
    const message = (err as Error).message;
    const order = [
      'MOTCUA_THING_BIN: not set',
      'PATH: no thing',
      'cache: no ',
      'apt: skipped',
      'go: failed (go broke)',
    ];
    const positions = order.map((s) => message.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(message).toContain('Install thing.');
  });

  it('provisions once when several callers race (cross-process lock, cache re-checked)', async () => {
    let runs = 0;
    const slow: Provisioner = {
      label: 'slow build',
      run: async () => {
        runs++;
        await sleep(300);
        return fakeExecutable(path.join(root, 'home', 'cache', 'bin'), 'thing');
      },
    };
    const ctx = ctxWith({ PATH: '' });
    const results = await Promise.all(
      [1, 2, 3].map(() => resolveBinary(ctx, spec({ provisioners: [slow] }))),
    );
    expect(new Set(results).size).toBe(1);
    expect(runs).toBe(1);
  });
});

describe('entry points wire their env vars and PATH names', () => {
  it('MOTCUA_NATS_BIN, MOTCUA_TEMPORAL_TEST_SERVER and PATH `temporal`', async () => {
    const nats = await fakeExecutable(path.join(root, 'x'), 'nats');
    const tts = await fakeExecutable(path.join(root, 'x'), 'tts');
    const temporal = await fakeExecutable(path.join(root, 'pathdir'), 'temporal');
    const env = { PATH: path.join(root, 'pathdir'), MOTCUA_NATS_BIN: nats, MOTCUA_TEMPORAL_TEST_SERVER: tts };
    const opts = { ...quiet, home: path.join(root, 'home'), env };
    expect(await ensureNatsServer(opts)).toBe(nats);
    expect(await ensureTemporalTestServer(opts)).toBe(tts);
    expect(await ensureTemporalCli(opts)).toBe(temporal);
  });
});
