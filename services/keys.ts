import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ALL_AGENCIES, type Principal } from '../domain/access';
import { type Role, roleSchema } from '../domain/commands';
import { unsafeTextReason } from '../domain/text';
import type { PrismaClient } from './db';
import type { ReferenceCache } from './reference-cache';

/**
 * API keys (khóa truy cập). A token is `mck_<id>_<secret>`: the id finds the row, the secret
 * (32 random bytes, base64url) is checked against its SHA-256 stored in `api_key.secret_hash`.
 * The secret has 256 bits of entropy, so a fast hash is enough (no password stretching needed);
 * the plain token is shown once at creation and never stored.
 */

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  agencyCode: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface NewApiKey {
  role: string;
  agencyCode: string;
  name: string;
  /** Who created it: a principal id or `cli:<user>`. */
  createdBy: string;
  /** After this instant the key authenticates nothing; unset = never expires. */
  expiresAt?: Date;
}

/** A key request that cannot be honoured; `field` names the bad input. */
export class ApiKeyInputError extends Error {
  constructor(
    readonly code: 'invalid_role' | 'invalid_name' | 'invalid_text' | 'invalid_agency' | 'unknown_agency',
    readonly field: 'role' | 'name' | 'agencyCode',
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyInputError';
  }
}

const TOKEN_PREFIX = 'mck_';
const tokenPattern = /^mck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/**
 * Roles whose scope may be every agency (`*`): auditors (thanh tra) and admins. Desks, officers
 * and supervisors act on dossiers, so they always belong to one agency (a supervisor of a
 * province sees and acts on everything below it).
 */
const nationwideRoles: readonly Role[] = ['admin', 'auditor'];
/** Recording each use would write on every request; a minute's precision is enough to spot stale keys. */
const LAST_USED_PRECISION_MS = 60_000;

export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex')}`;
}

/** Splits a token into id and secret; undefined when it is not shaped like a motcua key. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const m = tokenPattern.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

function toInfo(row: {
  id: string;
  name: string;
  role: string;
  agencyCode: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    role: roleSchema.parse(row.role),
    agencyCode: row.agencyCode,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Validates the request against the roles and the agency table. */
async function validate(prisma: PrismaClient, input: NewApiKey): Promise<{ role: Role; name: string }> {
  const role = roleSchema.safeParse(input.role);
  if (!role.success) {
    throw new ApiKeyInputError(
      'invalid_role',
      'role',
      `unknown role '${input.role}'; one of ${roleSchema.options.join(', ')}`,
    );
  }
  const unsafe = unsafeTextReason(input.name);
  if (unsafe) throw new ApiKeyInputError('invalid_text', 'name', `name ${unsafe}`);
  const name = input.name.trim().normalize('NFC');
  if (name.length === 0 || name.length > 200) {
    throw new ApiKeyInputError('invalid_name', 'name', 'name must be 1–200 characters');
  }
  if (input.agencyCode === ALL_AGENCIES) {
    if (!nationwideRoles.includes(role.data)) {
      throw new ApiKeyInputError(
        'invalid_agency',
        'agencyCode',
        `a ${role.data} key belongs to one agency; '*' is only for ${nationwideRoles.join(', ')}`,
      );
    }
  } else if (
    !(await prisma.agency.findUnique({ where: { code: input.agencyCode }, select: { code: true } }))
  ) {
    throw new ApiKeyInputError('unknown_agency', 'agencyCode', `unknown agency '${input.agencyCode}'`);
  }
  return { role: role.data, name };
}

/** Creates a key; the returned token is the only time the secret is visible. */
export async function createApiKey(
  prisma: PrismaClient,
  input: NewApiKey,
): Promise<{ key: ApiKeyInfo; token: string }> {
  const { role, name } = await validate(prisma, input);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const row = await prisma.apiKey.create({
    data: {
      id,
      name,
      role,
      agencyCode: input.agencyCode,
      createdBy: input.createdBy,
      secretHash: hashSecret(secret),
      ...(input.expiresAt && { expiresAt: input.expiresAt }),
    },
  });
  return { key: toInfo(row), token: `${TOKEN_PREFIX}${id}_${secret}` };
}

/** Keys, newest first; revoked ones only when asked. Never includes hashes. */
export async function listApiKeys(
  prisma: PrismaClient,
  filter: { agencyCode?: string; includeRevoked?: boolean } = {},
): Promise<ApiKeyInfo[]> {
  const rows = await prisma.apiKey.findMany({
    where: {
      ...(filter.agencyCode ? { agencyCode: filter.agencyCode } : {}),
      ...(filter.includeRevoked ? {} : { revokedAt: null }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
  });
  return rows.map(toInfo);
}

/** Revokes a key (idempotent: a revoked key keeps its first revocation time); undefined if unknown. */
export async function revokeApiKey(
  prisma: PrismaClient,
  id: string,
  now: Date = new Date(),
): Promise<ApiKeyInfo | undefined> {
  await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  const row = await prisma.apiKey.findUnique({ where: { id } });
  return row ? toInfo(row) : undefined;
}

type KeyRow = NonNullable<Awaited<ReturnType<PrismaClient['apiKey']['findUnique']>>>;

export interface VerifyOptions {
  now?: Date;
  onBookkeepingError?: (err: unknown) => void;
  /**
   * Where the key's row may come from memory (`createApiKeyVerifier`): dropped on every change to
   * `api_key` (creation, revocation, expiry), see services/reference-cache.ts.
   */
  cache?: ReferenceCache;
  /** Key id → last `lastUsedAt` this process wrote or read, so a cached row does not write on every use. */
  usesRecorded?: Map<string, number>;
}

/**
 * The principal a token stands for, or undefined when it is malformed, unknown, revoked, expired or wrong.
 * Every failure looks the same to the caller. `lastUsedAt` is refreshed at most once a minute,
 * in the background: a failed bookkeeping write never fails the request.
 */
export async function verifyApiKey(
  prisma: PrismaClient,
  token: string,
  opts: VerifyOptions = {},
): Promise<Principal | undefined> {
  const parsed = parseToken(token);
  if (!parsed) return undefined;
  const load = () => prisma.apiKey.findUnique({ where: { id: parsed.id } });
  // Only existing keys are cached (an unknown id costs a read: callers cannot fill the memory).
  const row: KeyRow | null = opts.cache
    ? await opts.cache.get(`api_key:${parsed.id}`, load, (r) => r !== null)
    : await load();
  if (!row || row.revokedAt) return undefined;
  const expected = Buffer.from(row.secretHash);
  const given = Buffer.from(hashSecret(parsed.secret));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const role = roleSchema.safeParse(row.role);
  if (!role.success) return undefined;
  const now = opts.now ?? new Date();
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return undefined;
  const lastUsed = Math.max(row.lastUsedAt?.getTime() ?? 0, opts.usesRecorded?.get(row.id) ?? 0);
  if (lastUsed === 0 || now.getTime() - lastUsed >= LAST_USED_PRECISION_MS) {
    opts.usesRecorded?.set(row.id, now.getTime());
    prisma.apiKey
      .update({ where: { id: row.id }, data: { lastUsedAt: now } })
      .catch((err: unknown) => opts.onBookkeepingError?.(err));
  }
  return { id: row.id, name: row.name, role: role.data, agencyCode: row.agencyCode };
}

/**
 * `verifyApiKey` with the key rows kept in `cache` (one process's API). No read per request;
 * a revocation, an expiry change or a deletion takes effect as soon as the cache's LISTEN
 * connection receives the change notification (milliseconds after the commit), and an expiry
 * instant is checked on every request against the clock.
 */
export function createApiKeyVerifier(prisma: PrismaClient, cache: ReferenceCache) {
  const usesRecorded = new Map<string, number>();
  return (token: string, opts: Omit<VerifyOptions, 'cache' | 'usesRecorded'> = {}) =>
    verifyApiKey(prisma, token, { ...opts, cache, usesRecorded });
}
