import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Repository root (services/ lives directly under it). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Default of WORKER_MAX_CACHED_WORKFLOWS. A cached dossier workflow costs about 1 MB of worker
 * memory (bench/results/README.md), so 250 keeps the cache near 300 MB; dossiers wait days between
 * tasks, so an evicted one just replays its short history when it next moves.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: short coloured lines for a person at a terminal (`motcua dev` on a TTY); JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Cache, data and logs of the embedded stack (git-ignored). */
  MOTCUA_HOME: z.string().min(1).default(path.join(projectRoot, '.motcua')),
  /** External PostgreSQL; when unset `motcua dev` and the tests start embedded PostgreSQL. */
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('motcua-dossiers'),
  /**
   * Workflows a worker keeps in its sticky cache. Bounds its memory however many dossiers are
   * open; an evicted dossier replays its (short) history on its next task. 0 disables the cache.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(DEFAULT_MAX_CACHED_WORKFLOWS),
  /** All cached workflows share one V8 context (SDK default; far less memory per workflow). */
  WORKER_REUSE_V8_CONTEXT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Z0-9_-]+$/)
    .default('DOSSIER_EVENTS'),
  /** JetStream duplicate window; wider than Temporal's activity retry tail. */
  NATS_DUPLICATE_WINDOW_HOURS: z.coerce.number().positive().default(48),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8080),
  /** Bearer token for /v1/admin/* until role-based API keys arrive; admin routes are off when unset. */
  MOTCUA_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Explicit binaries, first in the resolution order of services/infra. */
  MOTCUA_TEMPORAL_BIN: z.string().optional(),
  MOTCUA_TEMPORAL_TEST_SERVER: z.string().optional(),
  MOTCUA_NATS_BIN: z.string().optional(),
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** The one config loader: validates the environment (or overrides) once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}
