import type { z } from 'zod';
import type { CatalogueFormat, CatalogueInput } from '../../domain/catalogue';
import { type CommandName, type commandBodySchemas, commandNames, commandPaths } from '../../domain/commands';
import type { intakeRequestSchema } from '../../domain/dossier';
import type {
  AlertList,
  AlertListQuery,
  AlertSubscriptionBody,
  AlertSubscriptionView,
  AlertView,
} from '../alerts/views';
import type { IssueLetterBody, LetterView } from '../letters/views';
import type {
  AgencyView,
  CatalogueImportResult,
  Page,
  ProcedureGroupView,
  ProcedureView,
} from './catalogue-views';
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

export type {
  AgencyView,
  CatalogueImportResult,
  DossierList,
  DossierListQuery,
  DossierSummary,
  DossierView,
  EventLog,
  Page,
  ProcedureGroupView,
  ProcedureView,
  Timeline,
};

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

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
  /** Danh mục thủ tục: one page, filtered by agency (can receive or takes part), level or group. */
  procedures(
    query?: PageQuery & { agency?: string; level?: string; group?: string },
    options?: Pick<CallOptions, 'signal'>,
  ): Promise<Page<ProcedureView>>;
  procedure(code: string, options?: Pick<CallOptions, 'signal'>): Promise<ProcedureView>;
  /** Nhóm thủ tục liên thông. */
  procedureGroups(options?: Pick<CallOptions, 'signal'>): Promise<{ items: ProcedureGroupView[] }>;
  agencies(
    query?: PageQuery & { level?: string; parent?: string },
    options?: Pick<CallOptions, 'signal'>,
  ): Promise<Page<AgencyView>>;
  /**
   * Imports a catalogue (admin): a JSON object, or CSV text (`format: 'csv'`). All or nothing;
   * `dryRun` reports what would change.
   */
  importCatalogue(
    catalogue: CatalogueInput | string,
    options?: { format?: CatalogueFormat; dryRun?: boolean; signal?: AbortSignal },
  ): Promise<CatalogueImportResult>;
  /** Cảnh báo visible to the caller, newest first. */
  alerts(query?: AlertListQuery, options?: Pick<CallOptions, 'signal'>): Promise<AlertList>;
  /** Acknowledge an alert (supervisor, admin): it stops escalating. */
  acknowledgeAlert(id: string, options?: Pick<CallOptions, 'signal'>): Promise<AlertView>;
  /** Subscribe an email address or a webhook to an agency's alerts (admin); webhooks get a secret. */
  subscribeAlerts(
    body: AlertSubscriptionBody,
    options?: Pick<CallOptions, 'signal'>,
  ): Promise<AlertSubscriptionView & { secret: string | null }>;
  /** Letters of a dossier (apology drafts and issued letters, receipts). */
  letters(
    code: string,
    options?: Pick<CallOptions, 'signal'>,
  ): Promise<{ code: string; items: LetterView[] }>;
  letter(id: string, options?: Pick<CallOptions, 'signal'>): Promise<LetterView>;
  /** Issue an apology draft (supervisor of the issuing agency): numbered, PDF, appointment moved once. */
  issueLetter(id: string, body?: IssueLetterBody, options?: Pick<CallOptions, 'signal'>): Promise<LetterView>;
  /** Any other endpoint (calendar, admin…), with the same authentication and error handling. */
  request<T = unknown>(
    method: string,
    path: string,
    init?: {
      body?: unknown;
      raw?: { contentType: string; text: string };
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
      /** Sent as is with its content type (e.g. CSV) instead of JSON. */
      raw?: { contentType: string; text: string };
      query?: Record<string, QueryValue>;
      idempotencyKey?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
    };
    if (init.raw) headers['content-type'] = init.raw.contentType;
    else if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
    const res = await doFetch(`${baseUrl}${path}${queryString(init.query)}`, {
      method,
      headers,
      ...(init.raw
        ? { body: init.raw.text }
        : init.body === undefined
          ? {}
          : { body: JSON.stringify(init.body) }),
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
    procedures: (query = {}, call = {}) =>
      request<Page<ProcedureView>>('GET', '/v1/procedures', { query: { ...query }, ...call }),
    procedure: (code, call = {}) =>
      request<ProcedureView>('GET', `/v1/procedures/${encodeURIComponent(code)}`, call),
    procedureGroups: (call = {}) =>
      request<{ items: ProcedureGroupView[] }>('GET', '/v1/procedure-groups', call),
    agencies: (query = {}, call = {}) =>
      request<Page<AgencyView>>('GET', '/v1/agencies', { query: { ...query }, ...call }),
    importCatalogue: (catalogue, { format, dryRun, signal } = {}) =>
      request<CatalogueImportResult>('POST', '/v1/admin/catalogue', {
        ...(typeof catalogue === 'string'
          ? {
              raw: {
                contentType: format === 'json' ? 'application/json' : 'text/csv; charset=utf-8',
                text: catalogue,
              },
            }
          : { body: catalogue }),
        query: { ...(format ? { format } : {}), ...(dryRun !== undefined ? { dryRun } : {}) },
        ...(signal ? { signal } : {}),
      }),
    events: (code, call = {}) => request<EventLog>('GET', `${dossierPath(code)}/events`, call),
    alerts: (query = {}, call = {}) =>
      request<AlertList>('GET', '/v1/alerts', { query: query as Record<string, QueryValue>, ...call }),
    acknowledgeAlert: (id, call = {}) =>
      request<AlertView>('POST', `/v1/alerts/${encodeURIComponent(id)}/ack`, call),
    subscribeAlerts: (body, call = {}) =>
      request<AlertSubscriptionView & { secret: string | null }>('POST', '/v1/admin/alert-subscriptions', {
        body,
        ...call,
      }),
    letters: (code, call = {}) =>
      request<{ code: string; items: LetterView[] }>('GET', `${dossierPath(code)}/letters`, call),
    letter: (id, call = {}) => request<LetterView>('GET', `/v1/letters/${encodeURIComponent(id)}`, call),
    issueLetter: (id, body = {}, call = {}) =>
      request<LetterView>('POST', `/v1/letters/${encodeURIComponent(id)}/issue`, { body, ...call }),
    request,
  };
}
