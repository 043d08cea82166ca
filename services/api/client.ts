import type { z } from 'zod';
import { type CommandName, type commandBodySchemas, commandNames, commandPaths } from '../../domain/commands';
import type { intakeRequestSchema } from '../../domain/dossier';
import type {
  DossierList,
  DossierListQuery,
  DossierSummary,
  DossierView,
  ErrorBody,
  EventLog,
  Timeline,
} from './views';

/**
 * Typed client of the motcua HTTP API (`import { createMotcuaClient } from 'motcua/client'`).
 * Request and response types are inferred from the zod schemas the server validates with, so the
 * two cannot drift. Runs wherever `fetch` does: it imports only zod-typed domain modules, no server code.
 *
 *   const motcua = createMotcuaClient({ baseUrl: 'http://127.0.0.1:8080', token: process.env.MOTCUA_KEY });
 *   const d = await motcua.receive({ code, procedureCode, agencyCode, channel, applicant, receivedAt },
 *     { idempotencyKey: 'desk-42:intake:' + code });
 *   await motcua.handOff(d.code, {});
 */

/** Body of `POST /v1/dossiers`. */
export type IntakeInput = z.input<typeof intakeRequestSchema>;
/** Body of `POST /v1/dossiers/{code}/<action>`. */
export type CommandInput<N extends CommandName> = z.input<(typeof commandBodySchemas)[N]>;

export type { DossierList, DossierListQuery, DossierSummary, DossierView, EventLog, Timeline };

export interface CallOptions {
  /** Sent as `Idempotency-Key`: a retry with the same key and body gets the first answer. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** An error answer of the API: HTTP status plus the `{code, message, details}` body. */
export class MotcuaApiError extends Error {
  override readonly name = 'MotcuaApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

// Actions whose body may be left out entirely (every field optional) take it as an optional argument.
type ActionMethod<N extends CommandName> =
  object extends CommandInput<N>
    ? (code: string, body?: CommandInput<N>, options?: CallOptions) => Promise<DossierView>
    : (code: string, body: CommandInput<N>, options?: CallOptions) => Promise<DossierView>;

export type MotcuaActions = { [N in CommandName]: ActionMethod<N> };

export interface MotcuaClient extends MotcuaActions {
  /** Tiếp nhận: starts the dossier workflow; resolves with the appointment (201). */
  receive(body: IntakeInput, options?: CallOptions): Promise<DossierView>;
  /** A dossier from the read model. */
  get(code: string, options?: Pick<CallOptions, 'signal'>): Promise<DossierView>;
  /** One page of dossiers; pass `nextCursor` back as `cursor`. */
  list(query?: DossierListQuery, options?: Pick<CallOptions, 'signal'>): Promise<DossierList>;
  /** Every dossier matching `query`, page after page. */
  listAll(query?: Omit<DossierListQuery, 'cursor'>): AsyncGenerator<DossierSummary>;
  /** Mẫu 05: time, actor and agency of every transition. */
  timeline(code: string, options?: Pick<CallOptions, 'signal'>): Promise<Timeline>;
  /** The stored hash-chained events (auditors). */
  events(code: string, options?: Pick<CallOptions, 'signal'>): Promise<EventLog>;
  /** Any other endpoint (calendar, admin…), with the same authentication and error handling. */
  request<T = unknown>(
    method: string,
    path: string,
    init?: {
      body?: unknown;
      query?: Record<string, QueryValue>;
      idempotencyKey?: string;
      signal?: AbortSignal;
    },
  ): Promise<T>;
}

type QueryValue = string | number | boolean | undefined | readonly (string | number | boolean)[];

export interface MotcuaClientOptions {
  /** e.g. `http://127.0.0.1:8080` (no `/v1`). */
  baseUrl: string;
  /** API key (`mck_…`) or the admin token, sent as `Authorization: Bearer …`. */
  token: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function createMotcuaClient(options: MotcuaClientOptions): MotcuaClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function request<T>(
    method: string,
    path: string,
    init: {
      body?: unknown;
      query?: Record<string, QueryValue>;
      idempotencyKey?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
    };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
    const res = await doFetch(`${baseUrl}${path}${queryString(init.query)}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const body = parsed as Partial<ErrorBody> | undefined;
      throw new MotcuaApiError(
        res.status,
        typeof body?.code === 'string' ? body.code : 'http_error',
        typeof body?.message === 'string'
          ? body.message
          : `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`,
        body?.details,
      );
    }
    return parsed as T;
  }

  const dossierPath = (code: string) => `/v1/dossiers/${encodeURIComponent(code)}`;

  const actions = Object.fromEntries(
    commandNames.map((name) => [
      name,
      (code: string, body: unknown = {}, call: CallOptions = {}) =>
        request<DossierView>('POST', `${dossierPath(code)}/${commandPaths[name]}`, {
          body,
          ...call,
        }),
    ]),
  ) as unknown as MotcuaActions;

  const list = (query: DossierListQuery = {}, call: Pick<CallOptions, 'signal'> = {}) =>
    request<DossierList>('GET', '/v1/dossiers', { query: query as Record<string, QueryValue>, ...call });

  return {
    ...actions,
    receive: (body, call = {}) => request<DossierView>('POST', '/v1/dossiers', { body, ...call }),
    get: (code, call = {}) => request<DossierView>('GET', dossierPath(code), call),
    list,
    async *listAll(query = {}) {
      let cursor: string | undefined;
      do {
        const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    timeline: (code, call = {}) => request<Timeline>('GET', `${dossierPath(code)}/timeline`, call),
    events: (code, call = {}) => request<EventLog>('GET', `${dossierPath(code)}/events`, call),
    request,
  };
}
