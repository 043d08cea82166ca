import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../domain/access';
import { roleSchema } from '../../domain/commands';
import type { PrismaClient } from '../db';
import { verifyApiKey } from '../keys';

/**
 * Dashboard sessions (phiên đăng nhập). The browser signs in once with an API key (or the admin
 * token); the server stores a session whose random token goes into an HttpOnly, SameSite=Strict
 * cookie and whose SHA-256 only is kept in PostgreSQL. A session names the principal id (the API
 * key id), never a copy of its role or scope: every request resolves the key again, so a revoked
 * key ends its sessions at once and the dashboard sees exactly what the key may see through the API.
 */

export const SESSION_COOKIE = 'motcua_session';
/** Header a cookie-authenticated unsafe request (POST…) must carry: the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';
/** The principal id of sessions opened with MOTCUA_ADMIN_TOKEN. */
export const ADMIN_TOKEN_ID = 'admin-token';
/** One-time sign-in links expire after this long. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

export interface DashboardSession {
  id: string;
  principal: Principal;
  csrfToken: string;
  expiresAt: Date;
}

export interface SessionDeps {
  prisma: PrismaClient;
  /** The bootstrap admin: token and the principal it stands for (undefined when token login is off). */
  admin?: { token: string; principal: Principal };
  now?: () => Date;
}

const hashToken = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex')}`;
const newToken = () => randomBytes(32).toString('base64url');

/** Constant-time comparison of two secrets (tokens, CSRF values). */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The principal a credential (API key or admin token) stands for, or undefined. */
export async function principalOfCredential(
  deps: SessionDeps,
  credential: string,
): Promise<Principal | undefined> {
  if (credential.startsWith('mck_')) return verifyApiKey(deps.prisma, credential);
  if (deps.admin && sameSecret(credential, deps.admin.token)) return deps.admin.principal;
  return undefined;
}

/** The principal behind a stored id: the API key (unless revoked or expired) or the admin token (if still on). */
export async function principalById(deps: SessionDeps, id: string): Promise<Principal | undefined> {
  if (id === ADMIN_TOKEN_ID) return deps.admin?.principal;
  const row = await deps.prisma.apiKey.findUnique({ where: { id } });
  if (!row || row.revokedAt) return undefined;
  if (row.expiresAt && row.expiresAt <= (deps.now?.() ?? new Date())) return undefined;
  const role = roleSchema.safeParse(row.role);
  if (!role.success) return undefined;
  return { id: row.id, name: row.name, role: role.data, agencyCode: row.agencyCode };
}

/** Opens a session for a principal; the returned token is the cookie value (never stored). */
export async function openSession(
  deps: SessionDeps,
  principal: Principal,
  ttlMs: number,
): Promise<{ token: string; session: DashboardSession }> {
  const token = newToken();
  const now = deps.now?.() ?? new Date();
  // Housekeeping on sign-in (rare, cheap): sessions and links over a week past their end go.
  const weekAgo = new Date(now.getTime() - 7 * 24 * 3_600_000);
  await deps.prisma.dashboardSession.deleteMany({
    where: { OR: [{ expiresAt: { lt: weekAgo } }, { endedAt: { lt: weekAgo } }] },
  });
  await deps.prisma.dashboardSignInLink.deleteMany({ where: { expiresAt: { lt: weekAgo } } });
  const row = await deps.prisma.dashboardSession.create({
    data: {
      id: randomUUID(),
      tokenHash: hashToken(token),
      csrfToken: newToken(),
      principalId: principal.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
    },
  });
  return { token, session: { id: row.id, principal, csrfToken: row.csrfToken, expiresAt: row.expiresAt } };
}

/** The live session of a cookie token: undefined when unknown, ended, expired or its key revoked. */
export async function resolveSession(
  deps: SessionDeps,
  token: string | undefined,
): Promise<DashboardSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const row = await deps.prisma.dashboardSession.findUnique({ where: { tokenHash: hashToken(token) } });
  const now = deps.now?.() ?? new Date();
  if (!row || row.endedAt || row.expiresAt <= now) return undefined;
  const principal = await principalById(deps, row.principalId);
  if (!principal) return undefined;
  return { id: row.id, principal, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
}

/** Logout: the session ends now (idempotent). */
export async function endSession(deps: SessionDeps, id: string): Promise<void> {
  await deps.prisma.dashboardSession.updateMany({
    where: { id, endedAt: null },
    data: { endedAt: deps.now?.() ?? new Date() },
  });
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: DashboardSession, given: unknown): boolean {
  return typeof given === 'string' && given.length > 0 && sameSecret(given, session.csrfToken);
}

/** A one-time link token for a principal id (API key id or `admin-token`), valid `ttlMs`. */
export async function createSignInLink(
  deps: Pick<SessionDeps, 'prisma' | 'now'>,
  principalId: string,
  ttlMs = SIGN_IN_LINK_TTL_MS,
): Promise<string> {
  const token = newToken();
  const now = deps.now?.() ?? new Date();
  await deps.prisma.dashboardSignInLink.create({
    data: {
      id: randomUUID(),
      tokenHash: hashToken(token),
      principalId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlMs),
    },
  });
  return token;
}

/**
 * Whether a sign-in link could be used now (known, unused, unexpired, its key still valid), WITHOUT
 * using it: opening the link (a GET, which mail scanners and link previews also do) only shows a
 * confirmation page; the person's POST from that page redeems it.
 */
export async function signInLinkUsable(deps: SessionDeps, token: string): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const now = deps.now?.() ?? new Date();
  const row = await deps.prisma.dashboardSignInLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.usedAt || row.expiresAt <= now) return false;
  return (await principalById(deps, row.principalId)) !== undefined;
}

/** Uses a sign-in link once (atomically): its principal, or undefined when unknown, used or expired. */
export async function redeemSignInLink(deps: SessionDeps, token: string): Promise<Principal | undefined> {
  if (!token || token.length > 100) return undefined;
  const now = deps.now?.() ?? new Date();
  const tokenHash = hashToken(token);
  const used = await deps.prisma.dashboardSignInLink.updateMany({
    where: { tokenHash, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (used.count !== 1) return undefined;
  const row = await deps.prisma.dashboardSignInLink.findUnique({ where: { tokenHash } });
  return row ? principalById(deps, row.principalId) : undefined;
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
