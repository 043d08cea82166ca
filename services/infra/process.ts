import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';

/**
 * Every server (and every slow provisioning command) runs under this tiny bash guard, in its own
 * session so a terminal Ctrl-C reaches only the parent, which then stops things in order.
 * The guard's stdin is a pipe from the parent: when the parent closes it (stop()) or dies for any
 * reason, SIGKILL included, the read sees EOF and the guard sends $sig to the server, then SIGKILL
 * after $grace seconds. The server's pid is reported on fd 3.
 *   argv: guard <signal> <grace seconds> <command> [args...]
 */
const GUARD_SCRIPT = `
sig=$1; grace=$2; shift 2
"$@" </dev/null 3>&- &
pid=$!
echo "$pid" >&3
exec 3>&-
(
  while read -r _; do :; done
  kill -"$sig" "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$i" -ge $((grace * 10)) ]; then kill -KILL "$pid" 2>/dev/null; exit 0; fi
    sleep 0.1
    i=$((i + 1))
  done
) <&0 &
watcher=$!
exec 0</dev/null
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GuardedProcess {
  name: string;
  /** pid of the server itself (the guard's child). */
  pid: number;
  guardPid: number;
  logFile: string;
  stopSignal: NodeJS.Signals;
  exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** Graceful stop: stop signal, SIGKILL after the grace period. Idempotent. */
  stop(): Promise<void>;
}

export interface GuardedSpawnOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
  uid?: number;
  gid?: number;
  logger?: Logger;
  /**
   * Keep this process alive while the child runs (commands awaited to completion). Servers are
   * unref'd by default: a process that ends without stop() takes them down through the lifeline.
   */
  keepAlive?: boolean;
}

const live = new Set<GuardedProcess>();
const BASH = ['/bin/bash', '/usr/bin/bash'].find((b) => existsSync(b)) ?? 'bash';

export async function spawnGuarded(opts: GuardedSpawnOptions): Promise<GuardedProcess> {
  const stopSignal = opts.stopSignal ?? 'SIGTERM';
  const graceMs = opts.graceMs ?? 10_000;
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      BASH,
      [
        '-c',
        GUARD_SCRIPT,
        'motcua-guard',
        stopSignal.replace(/^SIG/, ''),
        String(Math.ceil(graceMs / 1000)),
        opts.command,
        ...opts.args,
      ],
      {
        stdio: ['pipe', out, out, 'pipe'],
        detached: true,
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        uid: opts.uid,
        gid: opts.gid,
      },
    );
  } finally {
    closeSync(out);
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const report = child.stdio[3] as Readable;
    report.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      if (buf.includes('\n')) resolve(Number.parseInt(buf, 10));
    });
    child.once('error', reject);
    void exited.then(({ code }) => reject(new Error(`guard for ${opts.name} exited (${code}) early`)));
  });
  (child.stdio[3] as Readable).destroy();
  // Neither the guard nor its lifeline keeps the event loop alive: if this process ends without
  // calling stop(), the lifeline closes with it and the guard stops the server.
  if (!opts.keepAlive) {
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  let running = true;
  let stopping: Promise<void> | undefined;
  const proc: GuardedProcess = {
    name: opts.name,
    pid,
    guardPid: child.pid ?? -1,
    logFile: opts.logFile,
    stopSignal,
    exited,
    isRunning: () => running,
    stop: () => {
      stopping ??= (async () => {
        if (!running) return;
        opts.logger?.debug({ process: opts.name, pid }, 'stopping');
        child.stdin?.destroy();
        if (await settlesWithin(exited, graceMs + 3000)) return;
        opts.logger?.warn({ process: opts.name, pid }, 'did not stop in time; SIGKILL');
        killQuietly(pid, 'SIGKILL');
        if (child.pid) killQuietly(child.pid, 'SIGKILL');
        await settlesWithin(exited, 3000);
      })();
      return stopping;
    },
  };
  live.add(proc);
  installExitHooks();
  void exited.then((info) => {
    running = false;
    child.stdin?.destroy();
    live.delete(proc);
    opts.logger?.debug({ process: opts.name, pid, ...info }, 'exited');
  });
  return proc;
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Last lines of a log file, for error messages. */
export function tailFile(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log output)';
  }
}

/**
 * Polls `probe` until it succeeds. Fails early when the process exits and on timeout, quoting the
 * end of its log file.
 */
export async function waitUntilHealthy(
  proc: GuardedProcess,
  what: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (!proc.isRunning()) {
      const info = await proc.exited;
      throw new Error(
        `${proc.name} exited (code ${info.code}, signal ${info.signal}) before ${what}. ` +
          `Log ${proc.logFile}:\n${tailFile(proc.logFile)}`,
      );
    }
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(
        `${proc.name} not healthy after ${Math.round(timeoutMs / 1000)} s (${what}: ${reason}). ` +
          `Log ${proc.logFile}:\n${tailFile(proc.logFile)}`,
      );
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// Ports

/** Ports recently handed out by this process (servers starting in parallel must not share one). */
const handedOut = new Map<number, number>();
const HANDED_OUT_MS = 60_000;
const recentlyHandedOut = (port: number) => Date.now() - (handedOut.get(port) ?? 0) < HANDED_OUT_MS;

function listenOnce(port: number, host = '127.0.0.1'): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A port free on 127.0.0.1 right now: `preferred` when it is free (and not handed out by this
 * process in the last minute), else one from the OS. Another process may still take it before the
 * server binds: callers retry on "address already in use" (see startStack).
 */
export async function pickPort(preferred?: number): Promise<number> {
  if (
    preferred !== undefined &&
    !recentlyHandedOut(preferred) &&
    (await listenOnce(preferred)) === preferred
  ) {
    handedOut.set(preferred, Date.now());
    return preferred;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(0);
    if (port !== undefined && !recentlyHandedOut(port)) {
      handedOut.set(port, Date.now());
      return port;
    }
  }
  throw new Error('could not find a free TCP port on 127.0.0.1');
}

/** Resolves when something accepts TCP connections on host:port. */
export function tcpProbe(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`timeout connecting to ${host}:${port}`)));
    socket.once('connect', () => done());
    socket.once('error', (err) => done(err));
  });
}

// ---------------------------------------------------------------------------------------------
// Shutdown on signals and exit

const stoppables = new Set<() => Promise<void>>();
const signalHandlers = new Map<NodeJS.Signals, () => void>();
const SIGNAL_NUMBERS: [NodeJS.Signals, number][] = [
  ['SIGHUP', 1],
  ['SIGINT', 2],
  ['SIGTERM', 15],
];
let exitHookInstalled = false;
let stoppingOnSignal = false;

/** The synchronous `exit` hook: each live server gets its stop signal at once. */
function installExitHooks(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const proc of live) killQuietly(proc.pid, proc.stopSignal);
  });
}

/**
 * Registers a stop function run on SIGINT/SIGTERM/SIGHUP. After stopping, the process exits with
 * 128+signal only when no other listener exists for that signal (so an application with its own
 * shutdown sequence keeps control of exiting); a second signal then exits at once. The handlers
 * exist only while something is registered. Whatever happens, the guards stop the servers when
 * this process ends.
 */
export function registerForShutdown(stop: () => Promise<void>): () => void {
  stoppables.add(stop);
  installExitHooks();
  for (const [signal, num] of SIGNAL_NUMBERS) {
    if (signalHandlers.has(signal)) continue;
    const handler = () => onSignal(signal, num, handler);
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    stoppables.delete(stop);
    if (stoppables.size > 0 || stoppingOnSignal) return;
    for (const [signal, handler] of signalHandlers) process.off(signal, handler);
    signalHandlers.clear();
  };
}

function onSignal(signal: NodeJS.Signals, num: number, self: () => void): void {
  const alone = () => process.listeners(signal).every((l) => l === self);
  if (stoppingOnSignal) {
    if (alone()) process.exit(128 + num);
    return;
  }
  stoppingOnSignal = true;
  void Promise.allSettled([...stoppables].map((stop) => stop())).then(() => {
    if (alone()) process.exit(128 + num);
    stoppingOnSignal = false;
    if (stoppables.size === 0) {
      for (const [sig, handler] of signalHandlers) process.off(sig, handler);
      signalHandlers.clear();
    }
  });
}
