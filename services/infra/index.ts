import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';
import { type InfraContext, type InfraOptions, infraContext, layout } from './context';
import { ensureNatsServer, type NatsServerOptions, startNatsServer } from './nats';
import { type PostgresOptions, startPostgres } from './postgres';
import { isAlive, pickPort, registerForShutdown } from './process';
import { ensureTemporalCli, type SearchAttributeKind, startTemporalDevServer } from './temporal';

export { BinaryNotFoundError, type BinarySpec, type Provisioner, resolveBinary } from './binaries';
export type { InfraOptions } from './context';
export { type EnsureNatsOptions, ensureNatsServer, NATS_SERVER_MODULE, NATS_SERVER_VERSION } from './nats';
export { type GuardedProcess, pickPort, spawnGuarded } from './process';
export {
  ensureTemporalCli,
  ensureTemporalTestServer,
  type SearchAttributeKind,
  TEMPORAL_CLI_MODULE,
  TEMPORAL_CLI_VERSION,
  TEMPORAL_TEST_SERVER_POM,
} from './temporal';

export interface StackOptions extends InfraOptions {
  logger?: Logger;
  /**
   * External PostgreSQL, used as is; otherwise the embedded one is started. Defaults to the
   * config's DATABASE_URL when the key is absent (pass `databaseUrl: undefined` for embedded).
   */
  databaseUrl?: string;
  /** Database created in the embedded PostgreSQL. Default 'motcua'. */
  databaseName?: string;
  /** Registered on the Temporal namespace (flags at start, operator API for persistent data). */
  searchAttributes?: Record<string, SearchAttributeKind>;
  /** Try 7233/8233/4222/8222/5432 first (dev); otherwise free ports. */
  preferredPorts?: boolean;
  /** Keep data under <home>/data/dev (dev); otherwise fresh temporary data removed on stop. */
  persistent?: boolean;
  /** Allow `apt-get install nats-server` when root. Default true. */
  allowApt?: boolean;
  /**
   * Stop the stack on SIGINT/SIGTERM/SIGHUP (and exit when nobody else listens). Default true;
   * pass false when the application orders its own shutdown (`motcua dev`). Either way the
   * servers never outlive this process.
   */
  handleSignals?: boolean;
  healthTimeoutMs?: number;
}

export interface StackProcess {
  name: string;
  pid: number;
  logFile: string;
}

export interface RunningStack {
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  natsUrl: string;
  natsMonitorUrl: string;
  databaseUrl: string;
  logDir: string;
  dataDir: string;
  /** Server processes started by this stack (not an external PostgreSQL). */
  processes: StackProcess[];
  /** Stops every server (stop signal, SIGKILL after a grace period) and removes temporary data. */
  stop(): Promise<void>;
  /**
   * Starts a server again on the same port and data directory, stopping it first if it still runs
   * (crash tests kill it by its pid from `processes`). Updates `processes`; resolves when healthy.
   */
  restart(name: RestartableServer): Promise<StackProcess>;
}

export type RestartableServer = 'nats' | 'postgres';

const PREFERRED = { temporal: 7233, temporalUi: 8233, nats: 4222, natsMonitor: 8222, postgres: 5432 };
const KEEP_RUN_LOGS = 20;
const TEMP_PREFIX = 'motcua-stack-';

/**
 * Starts Temporal (CLI dev server), NATS JetStream and PostgreSQL in parallel, provisioning the
 * binaries on first use. Nothing outlives the calling process: see process.ts.
 */
export async function startStack(opts: StackOptions = {}): Promise<RunningStack> {
  const ctx = infraContext(opts);
  const ensureOpts: InfraOptions = { ...opts, home: ctx.home, logger: ctx.logger };
  const run = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const logDir = layout.logs(ctx.home, run);
  await mkdir(logDir, { recursive: true });
  await pruneRunLogs(path.dirname(logDir));
  const persistent = opts.persistent ?? false;
  let dataDir = layout.devData(ctx.home);
  if (persistent) {
    await mkdir(dataDir, { recursive: true });
  } else {
    await pruneTempData();
    dataDir = await mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX));
    await writeFile(path.join(dataDir, 'owner.pid'), String(process.pid));
    // The embedded PostgreSQL runs as `postgres` when we are root: it must traverse this directory.
    await chmod(dataDir, 0o755);
  }
  const healthTimeoutMs = opts.healthTimeoutMs;
  const port = (name: keyof typeof PREFERRED) => pickPort(opts.preferredPorts ? PREFERRED[name] : undefined);
  ctx.logger.info({ logDir, dataDir, persistent }, 'starting the stack');
  const started = Date.now();

  const databaseUrl = 'databaseUrl' in opts ? opts.databaseUrl : ctx.config.DATABASE_URL;
  // Kept for restart(): the same binary, ports, data and log files.
  let natsOpts: NatsServerOptions | undefined;
  let postgresOpts: PostgresOptions | undefined;
  const [temporal, nats, postgres] = await Promise.allSettled([
    (async () => {
      const bin = await ensureTemporalCli(ensureOpts);
      return retryOnPortClash(ctx, 'temporal', async () =>
        startTemporalDevServer(ctx, {
          bin,
          port: await port('temporal'),
          uiPort: await port('temporalUi'),
          logFile: path.join(logDir, 'temporal.log'),
          dbFile: persistent ? path.join(dataDir, 'temporal.db') : undefined,
          searchAttributes: opts.searchAttributes,
          healthTimeoutMs,
        }),
      );
    })(),
    (async () => {
      const bin = await ensureNatsServer({ ...ensureOpts, allowApt: opts.allowApt });
      return retryOnPortClash(ctx, 'nats', async () => {
        natsOpts = {
          bin,
          port: await port('nats'),
          monitorPort: await port('natsMonitor'),
          storeDir: path.join(dataDir, 'nats'),
          logFile: path.join(logDir, 'nats.log'),
          healthTimeoutMs,
        };
        return startNatsServer(ctx, natsOpts);
      });
    })(),
    retryOnPortClash(ctx, 'postgres', async () => {
      postgresOpts = {
        databaseUrl,
        databaseName: opts.databaseName ?? 'motcua',
        port: databaseUrl ? 0 : await port('postgres'),
        dataDir: path.join(dataDir, 'postgres'),
        persistent,
        logFile: path.join(logDir, 'postgres.log'),
        healthTimeoutMs,
      };
      return startPostgres(ctx, postgresOpts);
    }),
  ]);

  // Current server handles: restart() replaces them.
  const current = {
    temporal: temporal.status === 'fulfilled' ? temporal.value.process : undefined,
    nats: nats.status === 'fulfilled' ? nats.value.process : undefined,
    postgres: postgres.status === 'fulfilled' ? postgres.value : undefined,
  };
  const stops = [() => current.temporal?.stop(), () => current.nats?.stop(), () => current.postgres?.stop()];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      await Promise.allSettled(stops.map((s) => s()));
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
      ctx.logger.info({ logDir }, 'stack stopped');
    })();
    return stopping;
  };
  const unregister = opts.handleSignals === false ? () => false : registerForShutdown(stop);

  if (temporal.status === 'rejected' || nats.status === 'rejected' || postgres.status === 'rejected') {
    await stop();
    const failures = [
      ['Temporal', temporal],
      ['NATS', nats],
      ['PostgreSQL', postgres],
    ] as const;
    const messages = failures
      .filter(([, r]) => r.status === 'rejected')
      .map(([name, r]) => `${name}: ${(r as PromiseRejectedResult).reason?.message ?? r}`);
    throw new Error(`Could not start the stack (logs in ${logDir}):\n${messages.join('\n')}`);
  }
  const t = (temporal as PromiseFulfilledResult<Awaited<ReturnType<typeof startTemporalDevServer>>>).value;
  const n = (nats as PromiseFulfilledResult<Awaited<ReturnType<typeof startNatsServer>>>).value;
  const p = (postgres as PromiseFulfilledResult<Awaited<ReturnType<typeof startPostgres>>>).value;
  const processes: StackProcess[] = [
    { name: 'temporal', pid: t.process.pid, logFile: t.process.logFile },
    { name: 'nats', pid: n.process.pid, logFile: n.process.logFile },
    ...(p.pid ? [{ name: 'postgres', pid: p.pid, logFile: path.join(logDir, 'postgres.log') }] : []),
  ];
  ctx.logger.info({ temporal: t.address, nats: n.url, tookMs: Date.now() - started, logDir }, 'stack ready');

  const restart = async (name: RestartableServer): Promise<StackProcess> => {
    if (stopping) throw new Error('the stack is stopped');
    const index = processes.findIndex((proc) => proc.name === name);
    if (index < 0 || (name === 'postgres' && databaseUrl))
      throw new Error(`${name} is not run by this stack`);
    await current[name]?.stop();
    let entry: StackProcess;
    if (name === 'nats') {
      const server = await startNatsServer(ctx, natsOpts!);
      current.nats = server.process;
      entry = { name, pid: server.process.pid, logFile: server.process.logFile };
    } else {
      const server = await restartPostgres(ctx, postgresOpts!);
      current.postgres = server;
      entry = { name, pid: server.pid!, logFile: postgresOpts!.logFile };
    }
    processes[index] = entry;
    if (stopping) await current[name]?.stop(); // stop() ran meanwhile: leave nothing running
    ctx.logger.info({ server: name, pid: entry.pid }, 'server restarted');
    return entry;
  };
  return {
    temporalAddress: t.address,
    temporalNamespace: t.namespace,
    temporalUiUrl: t.uiUrl,
    natsUrl: n.url,
    natsMonitorUrl: n.monitorUrl,
    databaseUrl: p.url,
    logDir,
    dataDir,
    processes,
    stop,
    restart,
  };
}

/**
 * After a SIGKILL of the postmaster its backends notice the death and exit within moments; until
 * then the new postmaster refuses the still-attached shared memory: retry for a while.
 */
async function restartPostgres(ctx: InfraContext, opts: PostgresOptions) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await startPostgres(ctx, opts);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      ctx.logger.warn({ err: (err as Error).message }, 'postgres did not restart yet; retrying');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A port picked as free can be taken by another process before our server binds it: retry. */
async function retryOnPortClash<T>(ctx: InfraContext, server: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test(String((err as Error)?.message))) throw err;
      ctx.logger.warn({ server, attempt }, 'port taken meanwhile; retrying on other ports');
    }
  }
}

async function pruneRunLogs(logsRoot: string): Promise<void> {
  const runs = (await readdir(logsRoot).catch(() => [] as string[])).filter((d) => /^\d{4}-/.test(d)).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_RUN_LOGS))) {
    await rm(path.join(logsRoot, old), { recursive: true, force: true });
  }
}

/** Temporary data of stacks whose process died without stop() (SIGKILL, crash). */
async function pruneTempData(): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(tmp, name);
    const owner = Number.parseInt(await readFile(path.join(dir, 'owner.pid'), 'utf8').catch(() => ''), 10);
    const ageMs = await stat(dir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (owner ? !isAlive(owner) : ageMs > 3_600_000) await rm(dir, { recursive: true, force: true });
  }
}
