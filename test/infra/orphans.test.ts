import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../services/config';
import { isAlive } from '../../services/infra/process';

const fixture = path.join(projectRoot, 'test', 'infra', 'fixtures', 'stack-child.ts');

interface Started {
  servers: { name: string; pid: number }[];
  testServerAddress: string;
  dataDir: string;
}

/** All descendants of `root` (guards, servers, postgres backends, the test server wrapper and java). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

async function startChild(): Promise<{ child: ChildProcess; started: Started }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const started = await new Promise<Started>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as Started));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting the stack`)));
  });
  return { child, started };
}

async function waitAllDead(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(isAlive);
}

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

describe('no orphan processes', () => {
  it('after the parent is SIGKILLed, every server it started dies within seconds', async () => {
    const run = await startChild();
    child = run.child;
    const tree = descendants(child.pid!);
    const serverPids = run.started.servers.map((s) => s.pid);
    expect(tree).toEqual(expect.arrayContaining(serverPids));
    expect(tree.length).toBeGreaterThan(serverPids.length); // guards, backends, test server + java
    // Servers are long-lived; postgres backends and helper processes may come and go.
    expect(serverPids.every(isAlive)).toBe(true);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    const survivors = await waitAllDead(tree, 20_000);
    console.info(
      `${tree.length} descendant processes gone ${Date.now() - killedAt} ms after SIGKILL of their parent`,
    );
    expect(survivors).toEqual([]);
  });

  it('on SIGINT (Ctrl-C) the parent stops everything, removes temporary data and exits', async () => {
    const run = await startChild();
    child = run.child;
    const tree = descendants(child.pid!);
    const exited = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await waitAllDead(tree, 10_000)).toEqual([]);
    expect(existsSync(run.started.dataDir)).toBe(false);
  });
});
