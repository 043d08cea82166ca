import pg from 'pg';
import type { Logger } from './logger';

/**
 * Reference data in memory: the procedure catalogue, agencies, calendars and API keys, read on
 * every intake and rarely changed (admin API, CLI, catalogue import — possibly in another process).
 *
 * Invalidation is PostgreSQL's, not a timer: triggers on those tables NOTIFY `motcua_reference`
 * at the commit of any change (migration 20261202020000_reference_change_notify), and a dedicated
 * LISTEN connection drops every cached value when one arrives. So:
 * - a change (a revoked key, a new procedure version, a published calendar) is seen by every
 *   request that starts after this process received the notification — milliseconds after the
 *   commit on a healthy connection;
 * - a value read before the notification but answered after it is not kept;
 * - while the LISTEN connection is down (starting, PostgreSQL restart, network), nothing is cached
 *   and every lookup reads PostgreSQL, as without the cache; it reconnects, LISTENs again, and only
 *   then caches again, starting empty (a notification missed while down cannot leave a stale row);
 * - a connection that dies silently (no error, no close: a network partition) is caught by a
 *   heartbeat: every 2 s the connection NOTIFYs itself, and when the previous beat did not come
 *   back it counts as lost. Worst case, a change made during such a silent failure is missed for
 *   at most two beats (≈ 4 s) plus the query's own wait, after which nothing is served from memory.
 */
export interface ReferenceCache {
  /**
   * `load()`'s value for `key`, from memory while the cache is live and nothing changed since.
   * A value for which `keep` answers false (say, an unknown key id) is answered but not kept.
   */
  get<T>(key: string, load: () => Promise<T>, keep?: (value: T) => boolean): Promise<T>;
  /** Whether values are being cached (the LISTEN connection is up). */
  readonly live: boolean;
  /** Drops every cached value (what a notification does). */
  invalidate(): void;
  close(): Promise<void>;
}

export const REFERENCE_CHANNEL = 'motcua_reference';
/** How often the LISTEN connection proves it still receives notifications (its own, sent on it). */
const HEARTBEAT_MS = 2_000;
const HEARTBEAT_PREFIX = 'heartbeat:';

/** No caching: every lookup reads PostgreSQL (tests, one-shot CLI commands). */
export const noReferenceCache: ReferenceCache = {
  get: (_key, load) => load(),
  live: false,
  invalidate: () => {},
  close: async () => {},
};

/**
 * The in-memory part, without the connection: `setLive(true)` after LISTEN succeeded,
 * `setLive(false)` when the connection is lost, `invalidate()` on a notification.
 * Bounded: past `maxEntries` distinct keys (unknown codes sent by callers) it starts over.
 */
export function createMemoryReferenceCache(maxEntries = 10_000) {
  const values = new Map<string, Promise<unknown>>();
  let live = false;
  const cache = {
    get<T>(key: string, load: () => Promise<T>, keep?: (value: T) => boolean): Promise<T> {
      if (!live) return load();
      const hit = values.get(key);
      if (hit) return hit as Promise<T>;
      const loading = load();
      // Shared by concurrent callers. A change announced while it loads clears the map, so a value
      // read before the change is answered to the callers that asked before it, never kept.
      if (values.size >= maxEntries) values.clear();
      values.set(key, loading);
      loading.then(
        (value) => {
          if (keep !== undefined && !keep(value) && values.get(key) === loading) values.delete(key);
        },
        () => {
          if (values.get(key) === loading) values.delete(key);
        },
      );
      return loading;
    },
    get live() {
      return live;
    },
    invalidate() {
      values.clear();
    },
    setLive(value: boolean) {
      cache.invalidate();
      live = value;
    },
    close: async () => {
      cache.setLive(false);
    },
  };
  return cache;
}

/**
 * Starts the cache with its LISTEN connection. Resolves once the first attempt to listen finished
 * (live or not: a process starts even when PostgreSQL is briefly unreachable, uncached).
 */
export async function startReferenceCache(
  databaseUrl: string,
  logger: Logger,
  opts: { reconnectMs?: number; maxEntries?: number; applicationName?: string; heartbeatMs?: number } = {},
): Promise<ReferenceCache> {
  const memory = createMemoryReferenceCache(opts.maxEntries);
  const reconnectMs = opts.reconnectMs ?? 1_000;
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  /** The heartbeat sent last and not yet heard back on the LISTEN connection. */
  let awaited: string | undefined;

  const lost = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = undefined;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    memory.setLive(false);
    c.end().catch(() => undefined);
    if (closed) return;
    logger.warn(
      { err },
      'reference cache: LISTEN connection lost; reading PostgreSQL uncached until it is back',
    );
    retry = setTimeout(connect, reconnectMs);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    retry = undefined;
    if (closed) return;
    const c = new pg.Client({
      connectionString: databaseUrl,
      application_name: opts.applicationName ?? 'motcua-reference-cache',
    });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      if (n.channel !== REFERENCE_CHANNEL) return;
      if (n.payload?.startsWith(HEARTBEAT_PREFIX)) {
        if (n.payload === awaited) awaited = undefined;
        return;
      }
      memory.invalidate();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${REFERENCE_CHANNEL}`);
      if (client !== c || closed) return;
      // Listening from here on: anything cached from now is invalidated by later changes.
      memory.setLive(true);
      // A connection can die without a word (a network partition, a pooler that moved the session):
      // its own NOTIFY must come back before the next beat, else it counts as lost.
      awaited = undefined;
      let beat = 0;
      heartbeat = setInterval(() => {
        if (awaited !== undefined) return lost(c, new Error(`no heartbeat back within ${heartbeatMs} ms`));
        awaited = `${HEARTBEAT_PREFIX}${process.pid}:${++beat}`;
        c.query('SELECT pg_notify($1, $2)', [REFERENCE_CHANNEL, awaited]).catch((err) => lost(c, err));
      }, heartbeatMs);
      heartbeat.unref();
      logger.debug('reference cache: listening for reference data changes');
    } catch (err) {
      lost(c, err);
    }
  };
  await connect();

  return {
    get: memory.get,
    get live() {
      return memory.live;
    },
    invalidate: memory.invalidate,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      if (heartbeat) clearInterval(heartbeat);
      memory.setLive(false);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
