import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InfraContext } from './context';
import { layout } from './context';
import { isAlive, spawnGuarded, tailFile } from './process';

export async function isExecutable(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable named `name` on `searchPath` (a PATH string), then in `extraDirs`. */
export async function which(
  name: string,
  searchPath = process.env.PATH ?? '',
  extraDirs: string[] = [],
): Promise<string | undefined> {
  const dirs = [...searchPath.split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = path.resolve(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export interface RunOptions {
  /** Short description for logs and progress lines, e.g. 'go install temporal CLI'. */
  label: string;
  /** Output goes here (appended). */
  logFile: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
  /** Interval of progress lines; 0 disables them. */
  progressEveryMs?: number;
}

/**
 * Runs a command to completion under the process guard (so it dies with us), output to a log
 * file, with a progress line every 30 s for slow steps. Throws with the log tail on failure.
 */
export async function runCommand(
  ctx: InfraContext,
  command: string,
  args: string[],
  opts: RunOptions,
): Promise<void> {
  const started = Date.now();
  const log = ctx.logger.child({ step: opts.label });
  log.info({ command, args, logFile: opts.logFile }, 'running');
  const proc = await spawnGuarded({
    name: opts.label,
    command,
    args,
    logFile: opts.logFile,
    env: opts.env,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    graceMs: 5000,
    keepAlive: true,
  });
  const every = opts.progressEveryMs ?? 30_000;
  const ticker =
    every > 0
      ? setInterval(() => {
          const last = tailFile(opts.logFile, 1).slice(0, 160);
          ctx.progress(
            `${opts.label}: still running after ${formatDuration(Date.now() - started)} (${last})`,
          );
        }, every)
      : undefined;
  const timer = opts.timeoutMs ? setTimeout(() => void proc.stop(), opts.timeoutMs) : undefined;
  try {
    const { code, signal } = await proc.exited;
    if (code !== 0) {
      throw new Error(
        `${opts.label} failed (exit ${code ?? signal}) after ${formatDuration(Date.now() - started)}. ` +
          `Log ${opts.logFile}:\n${tailFile(opts.logFile, 30)}`,
      );
    }
    log.info({ tookMs: Date.now() - started }, 'done');
  } finally {
    if (ticker) clearInterval(ticker);
    if (timer) clearTimeout(timer);
  }
}

/**
 * A cross-process lock (mkdir is atomic) around provisioning into the shared cache, so parallel
 * test workers or a test run and `motcua dev` never build the same thing twice at once.
 */
export async function withLock<T>(ctx: InfraContext, name: string, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(layout.locks(ctx.home), `${name}.lock`);
  await mkdir(path.dirname(dir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(path.join(dir, 'pid'), 'utf8').catch(() => ''), 10);
    const age = await stat(dir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if ((owner && !isAlive(owner)) || (!owner && age > 30_000)) {
      ctx.logger.warn({ lock: dir, owner }, 'removing stale provisioning lock');
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      announced = true;
      ctx.progress(`waiting for process ${owner || '?'} which is provisioning ${name} (lock ${dir})`);
    }
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Moves a freshly produced file into place atomically (same filesystem). */
export async function installFile(from: string, to: string): Promise<string> {
  await mkdir(path.dirname(to), { recursive: true });
  await rename(from, to);
  return to;
}

/** True when an HTTPS endpoint answers at all within the timeout (used to detect internet). */
export async function reachable(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

export function provisionLog(ctx: InfraContext, name: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(layout.provisionLogs(ctx.home), `${name}-${stamp}-${process.pid}.log`);
}

// ---------------------------------------------------------------------------------------------
// Registries reachable from the build machines: the Go module proxy and Debian apt.

export async function findGo(ctx: InfraContext): Promise<string | undefined> {
  return which('go', ctx.env.PATH ?? '', ['/usr/local/go/bin', '/usr/lib/go/bin']);
}

/**
 * `GOBIN=<tmp> go install <module>@<version>`, then moves the binary to `dest`. The first build
 * on a fresh machine takes minutes (the temporal CLI about 6), hence the progress lines.
 */
export async function goInstall(
  ctx: InfraContext,
  opts: { module: string; version: string; binary: string; dest: string },
): Promise<string> {
  const go = await findGo(ctx);
  if (!go) throw new Error('go not found');
  const tmpBin = path.join(path.dirname(opts.dest), `.go-install-${process.pid}-${Date.now()}`);
  await mkdir(tmpBin, { recursive: true });
  const target = `${opts.module}@${opts.version}`;
  ctx.progress(`building ${opts.binary} with \`go install ${target}\` (first time: several minutes)…`);
  try {
    await runCommand(ctx, go, ['install', target], {
      label: `go install ${opts.binary}`,
      logFile: provisionLog(ctx, `go-install-${opts.binary}`),
      env: { ...ctx.env, GOBIN: tmpBin, GOFLAGS: ctx.env.GOFLAGS ?? '-buildvcs=false' },
    });
    return await installFile(path.join(tmpBin, opts.binary), opts.dest);
  } finally {
    await rm(tmpBin, { recursive: true, force: true });
  }
}

/** Why apt cannot be used here, or undefined when it can. */
export async function aptUnavailable(ctx: InfraContext): Promise<string | undefined> {
  if (!isRoot()) return 'not running as root';
  if (!(await which('apt-get', ctx.env.PATH ?? '', ['/usr/bin']))) return 'apt-get not found';
  return undefined;
}

/** `apt-get install -y <packages>`, with one `apt-get update` retry when the package is unknown. */
export async function aptInstall(ctx: InfraContext, packages: string[]): Promise<void> {
  const aptGet = (await which('apt-get', ctx.env.PATH ?? '', ['/usr/bin'])) ?? 'apt-get';
  const logFile = provisionLog(ctx, `apt-${packages.join('-')}`);
  const env = { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    runCommand(
      ctx,
      aptGet,
      ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', ...packages],
      { label: `apt-get install ${packages.join(' ')}`, logFile, env },
    );
  ctx.progress(`installing ${packages.join(' ')} with apt-get…`);
  try {
    await install();
  } catch (err) {
    ctx.logger.info({ err: (err as Error).message.split('\n')[0] }, 'apt-get install failed; apt-get update');
    await runCommand(ctx, aptGet, ['-o', 'DPkg::Lock::Timeout=300', 'update'], {
      label: 'apt-get update',
      logFile,
      env,
    });
    await install();
  }
}
