import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { escalationPolicySchema } from '../domain/alerts';
import { DEFAULT_EVENT_PARTITIONS, MAX_EVENT_PARTITIONS, parsePartitionSet } from '../domain/partitions';
import { parseSigningKeys, type SigningKeys } from './event-signature';
import { type PayloadKeys, parsePayloadKeys } from './payload-codec';

const safeJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};

/** Repository root (services/ lives directly under it). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Default of WORKER_MAX_CACHED_WORKFLOWS. A cached dossier workflow costs about 1 MB of worker
 * memory (bench/results/README.md), so 250 keeps the cache near 300 MB; dossiers wait days between
 * tasks, so an evicted one just replays its short history when it next moves.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

const port = z.coerce.number().int().min(0).max(65535);
/** A partition set (`all`, `0-3`, `0,2,4-5`); checked against MOTCUA_EVENT_PARTITIONS at load. */
const partitionSetSpec = z
  .string()
  .regex(/^\s*(all|\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*)\s*$/, 'expected `all` or e.g. `0-3,6`');
const partitionSet = partitionSetSpec.default('all');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: short coloured lines for a person at a terminal (`motcua dev` on a TTY); JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Cache, data and logs of the embedded stack (git-ignored). */
  MOTCUA_HOME: z.string().min(1).default(path.join(projectRoot, '.motcua')),
  /** External PostgreSQL; when unset `motcua dev` and the tests start embedded PostgreSQL. */
  DATABASE_URL: z.string().url().optional(),
  /**
   * A read replica for rate queries and dossier lists (may lag the primary by its replication
   * delay); unset = DATABASE_URL. Everything that writes, and every read that must see its own
   * write, uses DATABASE_URL.
   */
  DATABASE_READ_URL: z.string().url().optional(),
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
  /**
   * Partitions of the dossier event stream (README "Growing from one machine to a province"): each
   * event goes to `dossier.<agency>.<kind>.<partition>`, the partition a stable hash of the dossier
   * code. Workers (publishers) and every consumer must agree; change it only as the README says.
   */
  MOTCUA_EVENT_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_EVENT_PARTITIONS)
    .default(DEFAULT_EVENT_PARTITIONS),
  /** Partitions this projector process consumes: `all` (default) or e.g. `0-3`, `4-7`, `0,2,4-5`. */
  PROJECTOR_PARTITIONS: partitionSet,
  /** Partitions this alerts process consumes (same syntax). */
  ALERTS_PARTITIONS: partitionSet,
  /** Partitions the letters consumer of this alerts process consumes; unset: ALERTS_PARTITIONS. */
  LETTERS_PARTITIONS: partitionSetSpec.optional(),
  /**
   * Events a projector applies in one transaction (per partition, in order). 1 = one transaction
   * per event. A batch fails as a whole and is then retried event by event.
   */
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(32),
  /** One server or a comma-separated list of the cluster's servers (`nats://n1:4222,nats://n2:4222`). */
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /**
   * Replicas of motcua's JetStream streams (events, alerts, checkpoints) when they are created:
   * 1 on one server, 3 on a 3-node cluster (survives the loss of one node).
   */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Z0-9_-]+$/)
    .default('DOSSIER_EVENTS'),
  /** Stream of `alerts.<agency>.<kind>` (supervisor and operator alerts). */
  NATS_ALERT_STREAM: z
    .string()
    .regex(/^[A-Z0-9_-]+$/)
    .default('ALERTS'),
  /** JSON {kind: working hours} before an unacknowledged alert escalates one level (default 4 each). */
  ALERT_ESCALATION_WORKING_HOURS: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      const parsed = escalationPolicySchema.safeParse(safeJson(s));
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'expected JSON like {"overdue_without_apology": 2}' });
        return z.NEVER;
      }
      return parsed.data;
    }),
  /** Working hours an applicant may take to supplement before a `supplement_waiting` alert. */
  ALERT_SUPPLEMENT_WAITING_WORKING_HOURS: z.coerce.number().positive().default(40),
  /** Dossiers whose events the alerts consumer handles at once (each dossier's events stay in order). */
  ALERTS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** SMTP server for alert emails (smtp://user:pass@host:port); emails are off when unset. */
  SMTP_URL: z.string().url().optional(),
  ALERT_EMAIL_FROM: z.string().default('motcua <canh-bao@motcua.local>'),
  /** Public base URL of the dashboard/API, for links in alert emails. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /**
   * New appointment proposed in a draft apology (Mẫu 04) when no date was reported: unset, the
   * dossier's original deadline length again from the event; a number, that many working days.
   */
  LETTER_PROPOSED_EXTENSION_WORKING_DAYS: z.coerce.number().positive().optional(),
  /** Sender of applicant notices (email). */
  NOTICE_EMAIL_FROM: z.string().default('motcua <thong-bao@motcua.local>'),
  /** Portal webhook receiving every applicant notice (signed like alert webhooks); off when unset. */
  NOTICE_WEBHOOK_URL: z.string().url().optional(),
  NOTICE_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** JetStream duplicate window; wider than Temporal's activity retry tail. */
  NATS_DUPLICATE_WINDOW_HOURS: z.coerce.number().positive().default(48),
  /** NATS user and password (deployments with accounts: docker-compose.yml); unset = no auth. */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  /** CA certificate (PEM file) to verify the NATS server's TLS certificate; set it to require TLS. */
  NATS_TLS_CA_FILE: z.string().min(1).optional(),
  /**
   * Event signing keys `<id>:<secret>,…` (secret ≥ 32 characters): the first signs what workers
   * publish, all verify what consumers read. Required by workers and projectors.
   */
  MOTCUA_EVENT_SIGNING_KEYS: z
    .string()
    .superRefine((v, ctx) => {
      try {
        parseSigningKeys(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  /**
   * Keys encrypting applicant data in Temporal history, `<id>:<base64 of 32 bytes>,…`: the first
   * encrypts, all decrypt (rotation: put the new key first, keep the old ones). Required in
   * production by every process that talks to Temporal (worker, api, alerts, audit replay); `motcua
   * dev` and the test stack generate one. Unset in development: payloads are stored in clear.
   */
  MOTCUA_PAYLOAD_KEYS: z
    .string()
    .superRefine((v, ctx) => {
      try {
        parsePayloadKeys(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  /**
   * Origins (comma-separated) of Temporal UIs allowed to call the codec endpoint `/codec/*` from the
   * browser; `*` any. Default: the dev server's UI on this machine.
   */
  MOTCUA_CODEC_CORS_ORIGINS: z.string().default('http://127.0.0.1:8233,http://localhost:8233'),
  /**
   * Owner role of the schema, used only to apply migrations and grant the app role (DATABASE_URL)
   * what it needs; unset = DATABASE_URL migrates too.
   */
  DATABASE_OWNER_URL: z.string().url().optional(),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8080),
  /**
   * How long an action waits for the workflow to record it (its event published to NATS) before
   * answering 503 `dependency_unavailable`; the action is not lost, a retry with the same
   * Idempotency-Key gets its answer.
   */
  ACTION_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Idempotency-Key records are kept this long (default 7 days), then ignored and purged. */
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().default(168),
  /** Bearer token for /v1/admin/* until role-based API keys arrive; admin routes are off when unset. */
  MOTCUA_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * Classification granularity pinned into new dossiers: `instant` (late after the due instant) or
   * `day` (a finish on the due day is on time). Unset: the rule-set's default (`instant`).
   */
  MOTCUA_CLASSIFICATION_GRANULARITY: z.enum(['instant', 'day']).optional(),
  /**
   * How far (minutes) a caller's instant (`at`, intake `receivedAt`) may stray from the system's
   * time; pinned into each dossier's workflow at its start.
   */
  MOTCUA_INSTANT_TOLERANCE_MINUTES: z.coerce.number().int().min(0).max(60_000_000).default(15),
  /** How far (days) after the current due instant an apology may set the new appointment. */
  MOTCUA_MAX_APPOINTMENT_EXTENSION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /**
   * Pre-built workflow bundle the worker loads instead of bundling `workflows/` at start (the
   * container image has `dist/workflow-bundle.js`, used when present without this variable).
   */
  MOTCUA_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** Explicit binaries, first in the resolution order of services/infra. */
  MOTCUA_TEMPORAL_BIN: z.string().optional(),
  MOTCUA_TEMPORAL_TEST_SERVER: z.string().optional(),
  MOTCUA_NATS_BIN: z.string().optional(),
  /** Report periods (Circular 01/2020): calendar months, or `mid-month` (15th of the previous month → 14th). */
  MOTCUA_REPORT_PERIOD: z.enum(['calendar', 'mid-month']).default('calendar'),
  /** Dashboard sessions (sign-in with an API key) last this long, then the user signs in again. */
  MOTCUA_SESSION_HOURS: z.coerce.number().positive().max(720).default(8),
  /**
   * An open alert stream (SSE) is checked this often against the session or API key that opened it,
   * and ends once that is logged out, revoked or expired elsewhere (at once when it happens through
   * the same API process).
   */
  MOTCUA_STREAM_RECHECK_SECONDS: z.coerce.number().positive().max(3600).default(5),
  /**
   * Dashboard targets beside each rate, as JSON `{"onTime":0.97,…}` (fractions 0–1); unset keys keep
   * the defaults taken from the seeds (domain/rate-targets.ts).
   */
  MOTCUA_RATE_TARGETS: z.string().optional(),
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
  const issues: string[] = [];
  for (const key of ['PROJECTOR_PARTITIONS', 'ALERTS_PARTITIONS', 'LETTERS_PARTITIONS'] as const) {
    const spec = parsed.data[key];
    if (spec === undefined) continue;
    try {
      parsePartitionSet(spec, parsed.data.MOTCUA_EVENT_PARTITIONS);
    } catch (err) {
      issues.push(`${key}: ${(err as Error).message}`);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}

/** The partitions a consumer group of this process owns (validated by `loadConfig`). */
export function ownedPartitions(
  config: Partial<Pick<Config, 'MOTCUA_EVENT_PARTITIONS' | PartitionSetKey>>,
  key: PartitionSetKey,
): number[] {
  const spec = config[key] ?? (key === 'LETTERS_PARTITIONS' ? config.ALERTS_PARTITIONS : undefined);
  return parsePartitionSet(spec ?? 'all', config.MOTCUA_EVENT_PARTITIONS ?? DEFAULT_EVENT_PARTITIONS);
}
export type PartitionSetKey = 'PROJECTOR_PARTITIONS' | 'ALERTS_PARTITIONS' | 'LETTERS_PARTITIONS';

/** The event signing keys, or an error saying how to set them (workers and projectors need them). */
export function eventSigningKeys(config: Pick<Config, 'MOTCUA_EVENT_SIGNING_KEYS'>): SigningKeys {
  if (!config.MOTCUA_EVENT_SIGNING_KEYS)
    throw new ConfigError([
      'MOTCUA_EVENT_SIGNING_KEYS: required to sign and verify dossier events (e.g. `k1:` followed by 32+ random characters)',
    ]);
  return parseSigningKeys(config.MOTCUA_EVENT_SIGNING_KEYS);
}

/**
 * The payload encryption keys, or `undefined` (payloads in clear) outside production. Production
 * refuses to start without them: applicant data must never reach Temporal history in clear.
 */
export function payloadKeys(
  config: Pick<Config, 'MOTCUA_PAYLOAD_KEYS' | 'NODE_ENV'>,
): PayloadKeys | undefined {
  if (config.MOTCUA_PAYLOAD_KEYS) return parsePayloadKeys(config.MOTCUA_PAYLOAD_KEYS);
  if (config.NODE_ENV === 'production')
    throw new ConfigError([
      'MOTCUA_PAYLOAD_KEYS: required in production to encrypt applicant data in Temporal history (e.g. `k1:` followed by `openssl rand -base64 32`)',
    ]);
  return undefined;
}
