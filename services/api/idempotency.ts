import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { PrismaClient } from '../db';
import { canonicalJson } from '../eventlog';
import { ApiError, type ApiErrorBody } from './errors';

/**
 * Idempotency-Key (IETF draft "The Idempotency-Key HTTP Header Field"): a retried intake or action
 * with the same key gets the first answer again, status and body, without running twice. Keys are
 * scoped per principal; the request (method, path, body) is fingerprinted so a key cannot be
 * reused for a different request.
 */

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that was replayed from the store rather than computed now. */
export const REPLAYED_HEADER = 'idempotent-replayed';

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only')
  .describe(
    'Idempotency-Key: a retry with the same key and body returns the first answer (1–128 characters)',
  );

/** Headers schema of idempotent routes; loose, so other headers (Authorization…) stay readable. */
export const idempotentHeadersSchema = z.looseObject({
  [IDEMPOTENCY_HEADER]: idempotencyKeySchema.optional(),
});

/**
 * Answers worth replaying: successes and decided rejections (state conflict, semantically invalid).
 * Not 401/403/404 (preconditions that may change, e.g. a key granted or a dossier received later)
 * nor 5xx (nothing was decided; the caller should retry and get a real answer).
 */
export function isReplayable(statusCode: number): boolean {
  return (statusCode >= 200 && statusCode < 300) || statusCode === 409 || statusCode === 422;
}

export interface IdempotentRequest {
  principalId: string;
  key: string;
  method: string;
  /** The request path without the query string. */
  path: string;
  /** The validated body. */
  body: unknown;
  /** How long a stored answer counts (IDEMPOTENCY_TTL_HOURS); older ones are ignored and replaced. */
  ttlMs?: number;
}

/** Default lifetime of an idempotency record: 7 days. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 7 * 24 * 3_600_000;

/** Deletes the records older than `ttlMs`; returns how many. */
export async function purgeExpiredIdempotencyRecords(prisma: PrismaClient, ttlMs: number): Promise<number> {
  const { count } = await prisma.idempotencyRecord.deleteMany({
    where: { createdAt: { lt: new Date(Date.now() - ttlMs) } },
  });
  return count;
}

export interface Answer<T = unknown> {
  statusCode: number;
  body: T;
  /** True when this answer comes from the store (a retry). */
  replayed: boolean;
}

/** Fingerprint of what the key stands for: same method, path and body ⇒ same request. */
export function requestFingerprint(req: Pick<IdempotentRequest, 'method' | 'path' | 'body'>): string {
  return createHash('sha256')
    .update(canonicalJson({ method: req.method.toUpperCase(), path: req.path, body: req.body ?? null }))
    .digest('hex');
}

/** The Temporal Update id for an action sent with an Idempotency-Key (keys are per principal). */
export function updateIdFor(principalId: string, key: string): string {
  return `idem:${principalId}:${key}`;
}

function reusedKey(key: string): ApiError {
  return new ApiError(
    422,
    'idempotency_key_reused',
    `Idempotency-Key ${key} was already used for a different request; use a new key for a new request`,
    { key },
  );
}

async function stored(prisma: PrismaClient, req: IdempotentRequest, fingerprint: string) {
  const record = await prisma.idempotencyRecord.findUnique({
    where: { principalId_key: { principalId: req.principalId, key: req.key } },
  });
  if (!record) return undefined;
  const ttlMs = req.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  if (record.createdAt.getTime() < Date.now() - ttlMs) {
    // Expired: the key is free again (only this record, in case a fresh one replaced it meanwhile).
    await prisma.idempotencyRecord.deleteMany({
      where: { principalId: req.principalId, key: req.key, createdAt: record.createdAt },
    });
    return undefined;
  }
  if (record.requestHash !== fingerprint) throw reusedKey(req.key);
  return { statusCode: record.statusCode, body: record.responseBody as unknown, replayed: true };
}

/**
 * Runs `execute` once per (principal, key): the first replayable answer is stored and every retry
 * with the same request gets it back. Two attempts racing each other both execute (the workflow
 * deduplicates: the dossier id for intake, the Update id for actions) and the first stored answer
 * wins for both. Errors thrown as `ApiError` with a replayable status are stored too.
 */
export async function idempotent<T>(
  prisma: PrismaClient,
  req: IdempotentRequest,
  execute: () => Promise<{ statusCode: number; body: T }>,
): Promise<Answer<T | ApiErrorBody>> {
  const fingerprint = requestFingerprint(req);
  const previous = await stored(prisma, req, fingerprint);
  if (previous) return previous as Answer<T | ApiErrorBody>;

  let answer: { statusCode: number; body: T | ApiErrorBody };
  try {
    answer = await execute();
  } catch (err) {
    if (!(err instanceof ApiError) || !isReplayable(err.statusCode)) throw err;
    answer = {
      statusCode: err.statusCode,
      body: {
        code: err.code,
        message: err.message,
        ...(err.details === undefined ? {} : { details: err.details }),
      },
    };
  }
  if (!isReplayable(answer.statusCode)) return { ...answer, replayed: false };

  const { count } = await prisma.idempotencyRecord.createMany({
    data: [
      {
        principalId: req.principalId,
        key: req.key,
        method: req.method.toUpperCase(),
        path: req.path,
        requestHash: fingerprint,
        statusCode: answer.statusCode,
        responseBody: JSON.parse(JSON.stringify(answer.body)),
      },
    ],
    skipDuplicates: true,
  });
  if (count === 1) return { ...answer, replayed: false };
  // A concurrent attempt stored its answer first: everyone gets that one.
  const winner = await stored(prisma, req, fingerprint);
  return (winner ?? { ...answer, replayed: false }) as Answer<T | ApiErrorBody>;
}

/** Turns a stored error answer back into the error the handler throws (same status and body). */
export function errorOf(answer: Answer<unknown>): ApiError | undefined {
  if (answer.statusCode < 400) return undefined;
  const body = answer.body as ApiErrorBody;
  return new ApiError(answer.statusCode, body.code, body.message, body.details);
}
