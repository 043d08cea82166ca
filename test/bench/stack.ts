/**
 * The benchmark stack: the same servers as `motcua dev` and the integration tests (services/infra
 * startStack: Temporal dev server, NATS JetStream, embedded PostgreSQL unless DATABASE_URL is set),
 * with fresh temporary data, binaries from the MOTCUA_HOME cache, the database migrated and the
 * sample reference data seeded.
 */
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { type Config, loadConfig } from '../../services/config';
import { createPrisma, prepareDatabase } from '../../services/db';
import { type RunningStack, startStack } from '../../services/infra';
import { createLogger, type Logger } from '../../services/logger';
import { seedSampleReferenceData } from '../../services/reference';

export interface BenchStack {
  stack: RunningStack;
  /** Config pointing at the stack; scenarios override the stream and task queue per run. */
  config: Config;
  logger: Logger;
  stop(): Promise<void>;
}

export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const base = loadConfig();
  const logger = createLogger('bench', process.env.LOG_LEVEL ?? 'warn');
  log(`starting the stack (MOTCUA_HOME=${base.MOTCUA_HOME})…`);
  const stack = await startStack({
    home: base.MOTCUA_HOME,
    logger,
    databaseUrl: base.DATABASE_URL,
    databaseName: `motcua_bench_${process.pid}`,
    persistent: false,
    searchAttributes: dossierSearchAttributes,
  });
  try {
    await prepareDatabase(stack.databaseUrl, logger);
    const prisma = createPrisma(stack.databaseUrl);
    await seedSampleReferenceData(prisma);
    await prisma.$disconnect();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    NATS_URL: stack.natsUrl,
    NATS_STREAM: `DOSSIER_EVENTS_BENCH_${process.pid}`,
    TEMPORAL_TASK_QUEUE: `motcua-bench-${process.pid}`,
    API_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  log(`stack up: temporal ${stack.temporalAddress}, nats ${stack.natsUrl}`);
  return { stack, config, logger, stop: () => stack.stop() };
}

/** Config of one scenario: its own stream and task queue, so scenarios never see each other's work. */
export function scenarioConfig(
  base: Config,
  scenario: string,
  overrides: Record<string, string> = {},
): Config {
  const tag = scenario.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return loadConfig({
    ...process.env,
    ...Object.fromEntries(
      Object.entries(base)
        .filter(([, v]) => v !== undefined)
        // Parsed values (JSON settings) go back as the JSON text they were read from.
        .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
    ),
    NATS_STREAM: `${base.NATS_STREAM}_${tag}`,
    TEMPORAL_TASK_QUEUE: `${base.TEMPORAL_TASK_QUEUE}-${scenario}`,
    ...overrides,
  });
}

/** CPU time (ms) used so far by a process and all its descendants (Linux /proc). */
export async function cpuMsOfTree(rootPid: number): Promise<number> {
  const { readdir, readFile } = await import('node:fs/promises');
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      // utime + stime, plus cutime + cstime: children already reaped (PostgreSQL backends) still count.
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks });
    } catch {
      // the process ended meanwhile
    }
  }
  let ticks = 0;
  const todo = [rootPid];
  const seen = new Set<number>();
  while (todo.length > 0) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) todo.push(child);
  }
  return ticks * 10; // USER_HZ = 100 on Linux
}
