import { ADMIN_TOKEN_ID } from '../dashboard/session';
import type { PrismaClient } from '../db';

/**
 * Long-lived answers (the alert stream, `GET /v1/alerts/stream`) are authenticated once, when they
 * open; without this registry they would outlive the credential. Every open stream registers who
 * opened it (the API key id or `admin-token`, and the dashboard session when a cookie opened it),
 * and is ended:
 * - at once when the credential ends through this API process: logout (`POST /dang-xuat`), key
 *   revocation (`DELETE /v1/admin/keys/:id`);
 * - otherwise (`motcua keys revoke` on the CLI, a logout on another API process, a session or key
 *   that expired) at the next check, every `recheckMs` (MOTCUA_STREAM_RECHECK_SECONDS, default 5 s):
 *   one query for the sessions and one for the keys of all open streams of the process.
 * Streams opened with the admin token end with the process (the token is configuration).
 */
export interface StreamCredential {
  principalId: string;
  sessionId: string | null;
}

export interface LiveStreams {
  /** Registers an open stream; `end` closes it. Returns the unregister function (call it when it closes). */
  open(credential: StreamCredential, end: () => void): () => void;
  /** A session ended in this process: its streams end now. */
  endSession(sessionId: string): void;
  /** An API key was revoked in this process: its streams (bearer or session) end now. */
  endPrincipal(principalId: string): void;
  /** Checks every open stream's credential against the database; ends those no longer valid. */
  recheck(): Promise<void>;
  /** How many streams are open (tests, metrics). */
  readonly size: number;
  /** Ends every stream and stops the periodic check (API shutdown). */
  close(): void;
}

export const DEFAULT_STREAM_RECHECK_MS = 5_000;

export function createLiveStreams(deps: {
  prisma: PrismaClient;
  recheckMs?: number;
  now?: () => Date;
  onError?: (err: unknown) => void;
}): LiveStreams {
  const streams = new Map<() => void, StreamCredential>();
  const recheckMs = deps.recheckMs ?? DEFAULT_STREAM_RECHECK_MS;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  const endWhere = (test: (c: StreamCredential) => boolean) => {
    for (const [end, credential] of [...streams]) {
      if (!test(credential)) continue;
      streams.delete(end);
      end();
    }
    if (streams.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const check = async () => {
    const credentials = [...streams.values()];
    if (credentials.length === 0) return;
    const now = deps.now?.() ?? new Date();
    const sessionIds = [...new Set(credentials.flatMap((c) => (c.sessionId ? [c.sessionId] : [])))];
    const keyIds = [...new Set(credentials.map((c) => c.principalId).filter((id) => id !== ADMIN_TOKEN_ID))];
    const [liveSessions, liveKeys] = await Promise.all([
      sessionIds.length
        ? deps.prisma.dashboardSession.findMany({
            where: { id: { in: sessionIds }, endedAt: null, expiresAt: { gt: now } },
            select: { id: true },
          })
        : [],
      keyIds.length
        ? deps.prisma.apiKey.findMany({
            where: {
              id: { in: keyIds },
              revokedAt: null,
              OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
            },
            select: { id: true },
          })
        : [],
    ]);
    const sessionsOk = new Set(liveSessions.map((s) => s.id));
    const keysOk = new Set(liveKeys.map((k) => k.id));
    endWhere(
      (c) =>
        (c.sessionId !== null && !sessionsOk.has(c.sessionId)) ||
        (c.principalId !== ADMIN_TOKEN_ID && !keysOk.has(c.principalId)),
    );
  };

  const recheck = () => {
    // One check at a time: a slow database never piles up queries.
    checking ??= check()
      .catch((err: unknown) => deps.onError?.(err))
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  return {
    open(credential, end) {
      streams.set(end, credential);
      if (!timer) {
        timer = setInterval(() => void recheck(), recheckMs);
        timer.unref();
      }
      return () => {
        streams.delete(end);
        if (streams.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    endSession: (sessionId) => endWhere((c) => c.sessionId === sessionId),
    endPrincipal: (principalId) => endWhere((c) => c.principalId === principalId),
    recheck,
    get size() {
      return streams.size;
    },
    close: () => endWhere(() => true),
  };
}
