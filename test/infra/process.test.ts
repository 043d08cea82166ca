import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { infraContext } from '../../services/infra/context';
import { isAlive, pickPort, spawnGuarded, waitUntilHealthy } from '../../services/infra/process';
import { runCommand } from '../../services/infra/tools';
import { createLogger } from '../../services/logger';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'motcua-process-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('spawnGuarded', () => {
  it('reports the server pid, logs to the file and stops it with its stop signal', async () => {
    const logFile = path.join(dir, 'srv.log');
    const proc = await spawnGuarded({
      name: 'srv',
      command: 'bash',
      args: ['-c', 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 0.1; done'],
      logFile,
    });
    expect(isAlive(proc.pid)).toBe(true);
    await waitUntilHealthy(
      proc,
      'printing started',
      async () => {
        if (!(await readFile(logFile, 'utf8')).includes('started')) throw new Error('not yet');
      },
      5000,
    );
    await proc.stop();
    expect(isAlive(proc.pid)).toBe(false);
    expect(isAlive(proc.guardPid)).toBe(false);
    expect(await readFile(logFile, 'utf8')).toContain('got-term');
  });

  it('SIGKILLs a server ignoring its stop signal after the grace period', async () => {
    const proc = await spawnGuarded({
      name: 'stubborn',
      command: 'bash',
      args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
      logFile: path.join(dir, 'stubborn.log'),
      graceMs: 1000,
    });
    await waitUntilHealthy(
      proc,
      'trapping TERM',
      async () => {
        if (!(await readFile(proc.logFile, 'utf8')).includes('ready')) throw new Error('not yet');
      },
      5000,
    );
    const started = Date.now();
    await proc.stop();
    expect(isAlive(proc.pid)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('fails a health wait early, quoting the log, when the server exits', async () => {
    const proc = await spawnGuarded({
      name: 'crashy',
      command: 'bash',
      args: ['-c', 'echo "fatal: bad config"; exit 3'],
      logFile: path.join(dir, 'crashy.log'),
    });
    await expect(
      waitUntilHealthy(proc, 'ready', () => Promise.reject(new Error('no')), 10_000),
    ).rejects.toThrow(/crashy exited \(code 3.*\n?.*fatal: bad config/s);
    expect(isAlive(proc.guardPid)).toBe(false);
  });
});

describe('runCommand', () => {
  const ctx = () => {
    const lines: string[] = [];
    const c = infraContext({
      home: dir,
      logger: createLogger('t', 'silent'),
      progress: (l) => lines.push(l),
    });
    return { c, lines };
  };

  it('prints progress lines for slow steps', async () => {
    const { c, lines } = ctx();
    await runCommand(c, 'bash', ['-c', 'echo compiling; sleep 1.2'], {
      label: 'slow build',
      logFile: path.join(dir, 'build.log'),
      progressEveryMs: 300,
    });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^slow build: still running after \d+s \(compiling\)$/);
  });

  it('throws with the exit code and the end of the log', async () => {
    const { c } = ctx();
    await expect(
      runCommand(c, 'bash', ['-c', 'echo "go: module not found"; exit 1'], {
        label: 'go install x',
        logFile: path.join(dir, 'fail.log'),
      }),
    ).rejects.toThrow(/go install x failed \(exit 1\).*go: module not found/s);
  });
});

describe('pickPort', () => {
  it('returns the preferred port when free, another one when taken', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as net.AddressInfo).port;
    try {
      const other = await pickPort(taken);
      expect(other).not.toBe(taken);
      const free = await pickPort();
      const again = await pickPort(free); // already handed out in this process
      expect(again).not.toBe(free);
    } finally {
      busy.close();
    }
  });
});
