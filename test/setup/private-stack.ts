import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { type Config, loadConfig, projectRoot } from '../../services/config';
import { createPrisma, prepareDatabase } from '../../services/db';
import {
  type GuardedProcess,
  type RestartableServer,
  type RunningStack,
  spawnGuarded,
  startStack,
} from '../../services/infra';
import type { Logger } from '../../services/logger';
import { seedSampleReferenceData } from '../../services/reference';

/**
 * A stack of its own (Temporal dev server, NATS JetStream, embedded PostgreSQL) for the tests that
 * kill servers: crash resilience, fault injection, scale-out. NATS and PostgreSQL are SIGKILLed by
 * pid and restarted on the same port and data (`RunningStack.restart`), which the shared stack of
 * the other test files must never see. motcua roles run as child processes (`motcua worker`,
 * `projector`, `alerts`) under the infra guard, so none outlives the test.
 */
export interface PrivateStack {
  stack: RunningStack;
  /** Config of this stack (the API and in-process services of the test use it). */
  config: Config;
  /**
   * SIGKILL a server, wait `downMs` (and for `whileDown`, run once it is dead), start it again on
   * the same port and data; resolves when healthy.
   */
  crashAndRestart(name: RestartableServer, downMs?: number, whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Starts `motcua <role>` as a child process against this stack (plus `env`); resolves once it
   * logged `started`. Every process is stopped by `stop()`.
   */
  spawnRole(role: MotcuaRole, name: string, env?: Record<string, string>): Promise<GuardedProcess>;
  /** The last lines of a role's log (for failure messages). */
  logOf(name: string): string;
  stop(): Promise<void>;
}

export type MotcuaRole = 'worker' | 'projector' | 'alerts' | 'api';

export async function startPrivateStack(opts: {
  databaseName: string;
  logger: Logger;
  /** Signing keys of the run (the shared stack's, so events stay verifiable the same way). */
  eventSigningKeys: string;
  /** MOTCUA_PAYLOAD_KEYS of the run (applicant data encrypted in Temporal history). */
  payloadKeys?: string;
  config?: Record<string, string>;
}): Promise<PrivateStack> {
  const { logger } = opts;
  const stack = await startStack({
    home: loadConfig().MOTCUA_HOME,
    logger,
    databaseUrl: undefined, // always the embedded PostgreSQL: these tests kill it
    databaseName: opts.databaseName,
    persistent: false,
    handleSignals: false,
    searchAttributes: dossierSearchAttributes,
  });
  const children: GuardedProcess[] = [];
  try {
    await prepareDatabase(stack.databaseUrl, logger);
    const prisma = createPrisma(stack.databaseUrl);
    await seedSampleReferenceData(prisma);
    await prisma.$disconnect();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    NATS_URL: stack.natsUrl,
    API_PORT: '0',
    // The dossiers here are dated on a fixed business calendar, not the machine's clock.
    MOTCUA_INSTANT_TOLERANCE_MINUTES: String(100 * 365 * 24 * 60),
    MOTCUA_EVENT_SIGNING_KEYS: opts.eventSigningKeys,
    ...(opts.payloadKeys ? { MOTCUA_PAYLOAD_KEYS: opts.payloadKeys } : {}),
    ...opts.config,
  };
  const config = loadConfig({ ...process.env, ...env });
  const logFile = (name: string) => path.join(stack.logDir, `${name}.log`);
  const logOf = (name: string) => {
    try {
      return readFileSync(logFile(name), 'utf8').slice(-3000);
    } catch {
      return '';
    }
  };

  return {
    stack,
    config,
    logOf,
    async crashAndRestart(name, downMs = 2000, whileDown) {
      const proc = stack.processes.find((p) => p.name === name);
      if (!proc) throw new Error(`no ${name} in the private stack`);
      process.kill(proc.pid, 'SIGKILL');
      await Promise.all([sleep(downMs), untilGone(proc.pid).then(whileDown)]);
      await stack.restart(name);
    },
    async spawnRole(role, name, extra = {}) {
      const proc = await spawnGuarded({
        name,
        logFile: logFile(name),
        command: process.execPath,
        args: [path.join(projectRoot, 'bin', 'motcua.js'), role],
        cwd: projectRoot,
        env: { ...process.env, ...env, LOG_LEVEL: 'info', ...extra },
        stopSignal: 'SIGTERM',
        graceMs: 10_000,
      });
      children.push(proc);
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (!proc.isRunning()) throw new Error(`${name} exited early:\n${logOf(name)}`);
        if (/"msg":"started"/.test(readWhole(logFile(name)))) return proc;
        if (Date.now() > deadline) throw new Error(`${name} did not start:\n${logOf(name)}`);
        await sleep(200);
      }
    },
    async stop() {
      await Promise.allSettled(children.map((c) => c.stop()));
      await stack.stop();
    },
  };
}

/** The whole log (the `started` line may be older than the last 3,000 characters). */
function readWhole(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Resolves once no process has this pid any more (a SIGKILLed server really is down). */
async function untilGone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}
