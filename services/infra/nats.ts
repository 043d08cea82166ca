import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { resolveBinary } from './binaries';
import { type InfraContext, type InfraOptions, infraContext, layout } from './context';
import { type GuardedProcess, spawnGuarded, waitUntilHealthy } from './process';
import { aptInstall, aptUnavailable, findGo, goInstall, which } from './tools';

/** Fallback when apt is unavailable; builds with current Go toolchains. */
export const NATS_SERVER_MODULE = 'github.com/nats-io/nats-server/v2';
export const NATS_SERVER_VERSION = 'v2.11.17';

const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];

export interface EnsureNatsOptions extends InfraOptions {
  /** Allow `apt-get install nats-server` (root only). Default true. */
  allowApt?: boolean;
}

/** Path of nats-server: MOTCUA_NATS_BIN → PATH → cache → apt-get (root) → go install. */
export async function ensureNatsServer(opts: EnsureNatsOptions = {}): Promise<string> {
  const ctx = infraContext(opts);
  const dest = path.join(layout.bin(ctx.home), 'nats-server');
  return resolveBinary(ctx, {
    name: 'nats-server',
    envVar: 'MOTCUA_NATS_BIN',
    envValue: ctx.config.MOTCUA_NATS_BIN,
    pathNames: ['nats-server'],
    extraDirs: SYSTEM_DIRS,
    cachePath: dest,
    provisioners: [
      {
        label: 'apt-get install nats-server',
        unavailable: async () => (opts.allowApt === false ? 'disabled' : aptUnavailable(ctx)),
        run: async () => {
          await aptInstall(ctx, ['nats-server']);
          const installed = await which('nats-server', ctx.env.PATH, SYSTEM_DIRS);
          if (!installed) throw new Error('nats-server not found after apt-get install');
          return installed;
        },
      },
      {
        label: `go install ${NATS_SERVER_MODULE}@${NATS_SERVER_VERSION}`,
        unavailable: async () =>
          (await findGo(ctx)) ? undefined : 'go not found on PATH or /usr/local/go/bin',
        run: () =>
          goInstall(ctx, {
            module: NATS_SERVER_MODULE,
            version: NATS_SERVER_VERSION,
            binary: 'nats-server',
            dest,
          }),
      },
    ],
    help:
      'Options: set MOTCUA_NATS_BIN to a nats-server binary, put nats-server on PATH, ' +
      '`apt-get install nats-server` (Debian/Ubuntu), or install Go so ' +
      `\`go install ${NATS_SERVER_MODULE}@${NATS_SERVER_VERSION}\` can run.`,
  });
}

export interface NatsServerOptions {
  bin: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  logFile: string;
  healthTimeoutMs?: number;
}

export interface NatsServer {
  url: string;
  monitorUrl: string;
  process: GuardedProcess;
}

/** nats-server with JetStream on 127.0.0.1; healthy when /healthz?js-enabled-only=true answers 200. */
export async function startNatsServer(ctx: InfraContext, opts: NatsServerOptions): Promise<NatsServer> {
  await mkdir(opts.storeDir, { recursive: true });
  const proc = await spawnGuarded({
    name: 'nats',
    command: opts.bin,
    args: [
      '-a',
      '127.0.0.1',
      '-p',
      String(opts.port),
      '-m',
      String(opts.monitorPort),
      '-js',
      '-sd',
      opts.storeDir,
    ],
    logFile: opts.logFile,
    stopSignal: 'SIGTERM',
    graceMs: 10_000,
    logger: ctx.logger,
  });
  const monitorUrl = `http://127.0.0.1:${opts.monitorPort}`;
  try {
    await waitUntilHealthy(
      proc,
      `answering ${monitorUrl}/healthz`,
      async () => {
        const res = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`, {
          signal: AbortSignal.timeout(2000),
        });
        if (res.status !== 200) throw new Error(`healthz returned ${res.status}: ${await res.text()}`);
      },
      opts.healthTimeoutMs ?? 30_000,
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const url = `nats://127.0.0.1:${opts.port}`;
  ctx.logger.info({ url, pid: proc.pid, logFile: opts.logFile }, 'nats-server ready');
  return { url, monitorUrl, process: proc };
}
