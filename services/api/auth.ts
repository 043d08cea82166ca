import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ALL_AGENCIES,
  agencySubtree,
  canActOn,
  canReceive,
  canSeeDossier,
  type DossierScope,
  type Principal,
  type SubtreeOf,
  visibleAgencies,
} from '../../domain/access';
import type { CommandName, Role } from '../../domain/commands';
import type { Actor } from '../../domain/events';
import {
  CSRF_HEADER,
  cookieValue,
  csrfMatches,
  type DashboardSession,
  resolveSession,
  SESSION_COOKIE,
  sameSecret,
} from '../dashboard/session';
import type { Prisma, PrismaClient } from '../db';
import { createApiKeyVerifier } from '../keys';
import { noReferenceCache, type ReferenceCache } from '../reference-cache';
import { ApiError } from './errors';

/**
 * Authentication and authorization of the HTTP API. Every `/v1/…` request carries
 * `Authorization: Bearer <API key or MOTCUA_ADMIN_TOKEN>`; `/docs` and `/healthz` stay public.
 * The decisions themselves live in `domain/access.ts`; this file binds them to requests.
 *
 * Route handlers use, in this order:
 *   - `requireRole(...)` (onRequest or preHandler) for role-only routes such as `/v1/admin/*`;
 *   - `assertCanReceive(request, agencyCode)` before receiving a dossier;
 *   - `assertCanSee(request, scope)` / `assertCanAct(request, command, scope)` once the dossier is
 *     loaded (synchronous: nothing to forget to await);
 *   - `visibleAgencyCodes(request)` + `dossierVisibilityWhere(codes)` for lists;
 *   - `actorOf(request.principal)` as the actor recorded on events (Mẫu 05).
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook on every `/v1` route. */
    principal: Principal;
    /** The agency hierarchy as of this request (cached briefly), for scope decisions. */
    subtreeOf: SubtreeOf;
    /** Set when the caller is a dashboard session (cookie) rather than a bearer token. */
    dashboardSession: DashboardSession | null;
  }
}

/** The bootstrap admin (MOTCUA_ADMIN_TOKEN): all agencies, recorded as `admin-token` in provenance. */
export const ADMIN_TOKEN_PRINCIPAL: Principal = Object.freeze({
  id: 'admin-token',
  name: 'MOTCUA_ADMIN_TOKEN',
  role: 'admin',
  agencyCode: ALL_AGENCIES,
});

export interface AuthOptions {
  prisma: PrismaClient;
  /** Bootstrap admin bearer token; token login is off when unset (API keys still work). */
  adminToken: string | undefined;
  /** How long the agency hierarchy is cached; a new agency is picked up at once, a move within this time. */
  agencyCacheMs?: number;
  /** API key rows in memory, dropped on every key change (services/reference-cache.ts); default: read each time. */
  referenceCache?: ReferenceCache;
}

/** Routes outside `/v1` (OpenAPI docs, health) are public; everything versioned and the codec endpoint need a key. */
function needsAuth(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? request.url;
  if (route.startsWith('/codec/') || request.url.startsWith('/codec/')) return request.method !== 'OPTIONS';
  return route === '/v1' || route.startsWith('/v1/') || request.url.startsWith('/v1');
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : '';
}

/** Agency hierarchy snapshot shared by requests for `agencyCacheMs`; refreshed when a code is unknown. */
function agencyDirectory(prisma: PrismaClient, ttlMs: number) {
  let snapshot: { at: number; agencies: { code: string; parentCode: string | null }[] } | undefined;
  let loading: Promise<NonNullable<typeof snapshot>> | undefined;
  const load = () => {
    loading ??= prisma.agency
      .findMany({ select: { code: true, parentCode: true } })
      .then((agencies) => {
        snapshot = { at: Date.now(), agencies };
        return snapshot;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
  return async (root: string): Promise<SubtreeOf> => {
    let current = snapshot;
    const stale = !current || Date.now() - current.at > ttlMs;
    if (stale || (root !== ALL_AGENCIES && !current!.agencies.some((a) => a.code === root))) {
      current = await load();
    }
    const agencies = current!.agencies;
    const memo = new Map<string, ReadonlySet<string>>();
    return (code) => {
      let set = memo.get(code);
      if (!set) {
        set = agencySubtree(agencies, code);
        memo.set(code, set);
      }
      return set;
    };
  };
}

const ownAgencyOnly: SubtreeOf = (code) => new Set([code]);

/** Binds a dashboard session (cookie) to a request that is not under `/v1` (the dashboard's pages). */
export type SessionBinder = (request: FastifyRequest) => Promise<DashboardSession | undefined>;

/**
 * Registers the authentication hook on the root instance (before any route plugin). A `/v1` call
 * is authenticated by its bearer token or, without one, by a dashboard session cookie (the
 * browser's EventSource and fetch calls); a cookie-authenticated unsafe method must also carry
 * the session's CSRF token in `x-csrf-token` (403 `csrf_token_invalid` otherwise). Returns the
 * binder the dashboard uses for its own pages: the same principal, the same subtree cache.
 */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): SessionBinder {
  const subtrees = agencyDirectory(opts.prisma, opts.agencyCacheMs ?? 10_000);
  const verifyKey = createApiKeyVerifier(opts.prisma, opts.referenceCache ?? noReferenceCache);
  const sessions = {
    prisma: opts.prisma,
    ...(opts.adminToken && { admin: { token: opts.adminToken, principal: ADMIN_TOKEN_PRINCIPAL } }),
  };
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('subtreeOf', null as unknown as SubtreeOf);
  app.decorateRequest('dashboardSession', null);
  const bind = async (request: FastifyRequest, principal: Principal) => {
    request.principal = principal;
    // Only the roles that see down the hierarchy need it; desks and officers never wait on it.
    const needsTree =
      (principal.role === 'supervisor' || principal.role === 'auditor') &&
      principal.agencyCode !== ALL_AGENCIES;
    request.subtreeOf = needsTree ? await subtrees(principal.agencyCode) : ownAgencyOnly;
  };
  const bindSession: SessionBinder = async (request) => {
    const session = await resolveSession(sessions, cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (!session) return undefined;
    request.dashboardSession = session;
    await bind(request, session.principal);
    return session;
  };
  app.addHook('onRequest', async (request, reply) => {
    if (!needsAuth(request)) return;
    const token = bearerOf(request);
    const deny = (message: string): never => {
      reply.header('www-authenticate', 'Bearer realm="motcua"');
      throw new ApiError(401, 'unauthorized', message);
    };
    if (token === undefined && cookieValue(request.headers.cookie, SESSION_COOKIE)) {
      const session = await bindSession(request);
      if (!session) return deny('The dashboard session has expired or ended: sign in again');
      const safe = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
      if (!safe && !csrfMatches(session, request.headers[CSRF_HEADER])) {
        throw new ApiError(
          403,
          'csrf_token_invalid',
          'Yêu cầu thiếu hoặc sai mã chống giả mạo (CSRF) của phiên đăng nhập.',
        );
      }
      request.log.debug(
        { principalId: session.principal.id, session: session.id },
        'authenticated (session)',
      );
      return;
    }
    if (!token) {
      deny(
        token === undefined
          ? 'An API key is required: send Authorization: Bearer <key>'
          : 'Malformed Authorization header: expected Bearer <key>',
      );
    }
    let principal: Principal | undefined;
    if (token!.startsWith('mck_')) {
      principal = await verifyKey(token!, {
        onBookkeepingError: (err) => request.log.warn({ err }, 'could not record API key use'),
      });
    } else if (opts.adminToken && sameSecret(token!, opts.adminToken)) {
      principal = ADMIN_TOKEN_PRINCIPAL;
    }
    if (!principal) return deny('Invalid or revoked API key');
    await bind(request, principal);
    request.log.debug({ principalId: principal.id, role: principal.role }, 'authenticated');
  });
  return bindSession;
}

/** The caller; 401 on a route the auth hook did not cover (a wiring mistake, never a silent pass). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'unauthorized', 'An API key is required');
  return request.principal;
}

/** onRequest/preHandler hook: only the given roles may call the route (403 `forbidden_role`). */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = principalOf(request);
    if (!roles.includes(principal.role)) {
      throw new ApiError(
        403,
        'forbidden_role',
        `Role ${principal.role} may not call this endpoint; allowed: ${roles.join(', ')}`,
      );
    }
  };
}

type ScopeWithCode = DossierScope & { code?: string };

/** Whether the caller may see the dossier (e.g. to include it in a 409 answer). */
export function canSee(request: FastifyRequest, dossier: ScopeWithCode): boolean {
  return canSeeDossier(principalOf(request), dossier, request.subtreeOf ?? ownAgencyOnly);
}

/** 404 `dossier_not_found` when the caller may not see the dossier (no existence leak). */
export function assertCanSee(request: FastifyRequest, dossier: ScopeWithCode): void {
  if (!canSeeDossier(principalOf(request), dossier, request.subtreeOf ?? ownAgencyOnly)) {
    throw notFound(dossier.code);
  }
}

/** 404 when not visible, 403 `forbidden_role` / `forbidden_scope` when visible but not allowed. */
export function assertCanAct(request: FastifyRequest, command: CommandName, dossier: ScopeWithCode): void {
  const decision = canActOn(principalOf(request), command, dossier, request.subtreeOf ?? ownAgencyOnly);
  if (decision.ok) return;
  if (decision.status === 404) throw notFound(dossier.code);
  throw new ApiError(decision.status, decision.code, decision.message);
}

/** Receiving a dossier: intake (for its own agency only) or admin; 403 otherwise. */
export function assertCanReceive(request: FastifyRequest, agencyCode: string): void {
  const decision = canReceive(principalOf(request), agencyCode);
  if (!decision.ok) throw new ApiError(decision.status, decision.code, decision.message);
}

/**
 * Agencies whose dossiers a list may return: `'all'` (admin, nationwide auditors) or codes
 * (supervisors and auditors: their agency and all below; intake and officers: their own).
 * A dossier matches when ANY of its receiving agency, current agency or participants is among
 * them — see `dossierVisibilityWhere`, which lists should use so lists and `GET /:code` agree.
 */
export async function visibleAgencyCodes(request: FastifyRequest): Promise<string[] | 'all'> {
  const visible = visibleAgencies(principalOf(request), request.subtreeOf ?? ownAgencyOnly);
  return visible === 'all' ? 'all' : [...visible].sort();
}

/** Prisma filter for the dossiers visible to `codes` (from `visibleAgencyCodes`). */
export function dossierVisibilityWhere(codes: string[] | 'all'): Prisma.DossierWhereInput {
  if (codes === 'all') return {};
  return {
    OR: [
      { agencyCode: { in: codes } },
      { currentAgencyCode: { in: codes } },
      { participants: { hasSome: codes } },
    ],
  };
}

/** The actor recorded on events for what this principal does. */
export function actorOf(principal: Principal): Actor {
  return { id: principal.id, name: principal.name, role: principal.role, agencyCode: principal.agencyCode };
}

function notFound(code: string | undefined): ApiError {
  return new ApiError(404, 'dossier_not_found', code ? `No dossier ${code}` : 'No such dossier');
}
