import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { workingMsBetween } from '../../domain/calendar';
import { periodRange } from '../../domain/periods';
import { DASHBOARD_RATES, type DashboardRate, type RateTarget } from '../../domain/rate-targets';
import type { alertView } from '../alerts/publish';
import type { SessionBinder } from '../api/auth';
import { ApiError } from '../api/errors';
import type { LiveStreams } from '../api/live-streams';
import type { CalendarStore } from '../calendars';
import type { PrismaClient } from '../db';
import { PERIOD_COLUMNS } from '../rates/period-report';
import { html, jsonScript, type SafeHtml } from './html';
import {
  CSRF_HEADER,
  cookieValue,
  csrfMatches,
  type DashboardSession,
  endSession,
  openSession,
  principalOfCredential,
  redeemSignInLink,
  SESSION_COOKIE,
  SIGN_IN_LINK_TTL_MS,
  sameSecret,
  signInLinkUsable,
} from './session';
import {
  barePage,
  clockCell,
  EVENT_LABELS,
  OUTCOME_LABELS,
  page,
  percent,
  RATE_LABELS,
  ROLE_LABELS,
  STATUS_LABELS,
  signInLinkPage,
  signInPage,
  vnTime,
} from './views';

/**
 * The supervisor and auditor dashboard (bảng điều khiển), served at `/`. Every page is a view of
 * the `/v1` API called in-process (`app.inject`) with the session's own cookie: the same auth hook,
 * the same route handlers, the same scope rules. The dashboard holds no access rule of its own.
 */

export interface DashboardDeps {
  prisma: PrismaClient;
  bindSession: SessionBinder;
  calendars: CalendarStore;
  adminToken: string | undefined;
  sessionTtlMs: number;
  targets: Record<DashboardRate, RateTarget>;
  /** Open alert streams: logout ends the session's at once. */
  liveStreams?: LiveStreams;
  now?: () => Date;
}

interface Api {
  get<T>(url: string): Promise<{ status: number; body: T }>;
  post<T>(url: string, body?: unknown): Promise<{ status: number; body: T }>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const uplotDir = path.dirname(require.resolve('uplot'));
const ASSETS: Record<string, { file: string; type: string }> = {
  'dashboard.css': { file: path.join(here, 'assets', 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: path.join(here, 'assets', 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: path.join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': {
    file: path.join(uplotDir, 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

const PENDING = ['received', 'processing', 'waiting_supplement'];
const qs = (params: Record<string, string | string[] | undefined | null>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) u.append(k, one);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const localMonth = (d: Date) => formatVnDate(d).slice(0, 7);
function formatVnDate(d: Date): string {
  return new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}
const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;
const shiftMonth = (month: string, by: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + by;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
};
/** Cookie of the sign-in link's confirmation page: its value must come back in the form (double submit). */
const LINK_CSRF_COOKIE = 'motcua_link_csrf';
/** A redirect target inside the dashboard only (never an open redirect). */
const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) && !next.startsWith('/v1') ? next : '/';

/** An alert as `GET /v1/alerts` answers it. */
type AlertItem = ReturnType<typeof alertView>;
interface DossierSummary {
  code: string;
  procedureCode: string;
  agencyCode: string;
  currentAgencyCode: string | null;
  applicantName: string;
  status: string;
  receivedAt: string;
  dueAt: string;
  pausedAt: string | null;
  overdue: boolean;
  apologyIssuedAt: string | null;
}
interface RateReport {
  agency: string;
  from: string;
  to: string;
  rates: Record<string, { numerator: number; denominator: number; value: number | null }>;
  counts: { received: number; resolved: number };
}
/** `GET /v1/rates/series`: one entry per month, each what `GET /v1/rates` answers for that month. */
interface RateSeries {
  months: ({ month: string } & Omit<RateReport, 'agency'>)[];
}
interface ErrorBody {
  code: string;
  message: string;
}

export async function dashboardRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const sessions = {
    prisma: deps.prisma,
    ...(deps.adminToken && {
      admin: {
        token: deps.adminToken,
        principal: { id: 'admin-token', name: 'MOTCUA_ADMIN_TOKEN', role: 'admin' as const, agencyCode: '*' },
      },
    }),
  };
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16_384 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  for (const [name, asset] of Object.entries(ASSETS)) {
    const content = readFileSync(asset.file);
    app.get(`/assets/${name}`, { schema: { hide: true } }, async (_req, reply) =>
      reply.type(asset.type).header('cache-control', 'no-cache').send(content),
    );
  }

  const sendHtml = (reply: FastifyReply, body: SafeHtml, status = 200) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
      )
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(body.value);

  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string, maxAgeS: number) => {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`,
    );
  };

  /** The `/v1` API as this session (same cookie; unsafe methods carry the session's CSRF token). */
  const apiFor = (request: FastifyRequest, session: DashboardSession): Api => {
    const headers = { cookie: request.headers.cookie ?? '', [CSRF_HEADER]: session.csrfToken };
    const call = async <T>(method: 'GET' | 'POST', url: string, body?: unknown) => {
      const res = await app.inject({
        method,
        url,
        headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      const type = String(res.headers['content-type'] ?? '');
      return { status: res.statusCode, body: (type.includes('json') ? res.json() : res.body) as T };
    };
    return { get: (url) => call('GET', url), post: (url, body) => call('POST', url, body ?? {}) };
  };

  /** Every page: a live session or a redirect to the sign-in page. */
  const withSession =
    (
      handler: (request: FastifyRequest, reply: FastifyReply, session: DashboardSession, api: Api) => unknown,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const session = await deps.bindSession(request);
      if (!session) {
        if (request.method !== 'GET') {
          throw new ApiError(
            401,
            'unauthorized',
            'The dashboard session has expired or ended: sign in again',
          );
        }
        return reply.redirect(`/dang-nhap${qs({ next: request.url })}`, 303);
      }
      return handler(request, reply, session, apiFor(request, session));
    };

  /** Dashboard forms: the session's CSRF token in `_csrf` (403 `csrf_token_invalid` otherwise). */
  const checkCsrf = (request: FastifyRequest, session: DashboardSession) => {
    if (!csrfMatches(session, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      throw new ApiError(
        403,
        'csrf_token_invalid',
        'Yêu cầu thiếu hoặc sai mã chống giả mạo (CSRF) của phiên đăng nhập.',
      );
    }
  };

  const agencyNames = async (api: Api): Promise<Map<string, string>> => {
    const res = await api.get<{ items: { code: string; name: string }[] }>('/v1/agencies?limit=200');
    return new Map(res.status === 200 ? res.body.items.map((a) => [a.code, a.name]) : []);
  };
  /** An agency by its name (its code on hover), or its code when the name is unknown. */
  const agencyLabel = (names: Map<string, string>, code: string | null | undefined) =>
    code ? html`<span title="${code}">${names.get(code) ?? code}</span>` : html`—`;

  /** Working time left (negative: overdue) at the agency's calendar. */
  const workingLeft = async (
    agencyCode: string | null,
    dueAt: string | undefined,
  ): Promise<number | null> => {
    if (!agencyCode || !dueAt) return null;
    const due = new Date(dueAt);
    if (Number.isNaN(due.getTime())) return null;
    try {
      const calendar = await deps.calendars.forAgency(agencyCode);
      const t = now();
      return t <= due ? workingMsBetween(calendar, t, due) : -workingMsBetween(calendar, due, t);
    } catch {
      return null;
    }
  };

  // ── Sign-in, sign-in links, logout ─────────────────────────────────────────────────────────
  app.get('/dang-nhap', { schema: { hide: true } }, async (request, reply) =>
    sendHtml(reply, signInPage({ next: safeNext((request.query as { next?: string }).next) })),
  );

  app.post('/dang-nhap', { schema: { hide: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const key = str(body.key)?.trim();
    const next = safeNext(body.next);
    const principal = key ? await principalOfCredential(sessions, key) : undefined;
    if (!principal) {
      request.log.info('dashboard sign-in refused');
      return sendHtml(
        reply,
        signInPage({ error: 'Khóa truy cập không hợp lệ hoặc đã bị thu hồi.', next }),
        401,
      );
    }
    const { token } = await openSession(sessions, principal, deps.sessionTtlMs);
    request.log.info({ principalId: principal.id }, 'dashboard session opened');
    setCookie(request, reply, token, Math.floor(deps.sessionTtlMs / 1000));
    return reply.redirect(next, 303);
  });

  // A one-time link: the GET (also made by mail scanners and link previews) only shows a confirmation
  // page; its POST uses the link. The POST must carry the token of a SameSite=Strict cookie set by
  // that page (double submit), so another site cannot sign a browser in with a link of its own.
  const linkCsrfCookie = (request: FastifyRequest, value: string, maxAgeS: number) =>
    `${LINK_CSRF_COOKIE}=${value}; Path=/dang-nhap/lien-ket; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${request.protocol === 'https' ? '; Secure' : ''}`;
  const linkRefused = (reply: FastifyReply) =>
    sendHtml(reply, signInPage({ error: 'Liên kết đăng nhập không hợp lệ, đã dùng hoặc đã hết hạn.' }), 401);

  app.get('/dang-nhap/lien-ket/:token', { schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!(await signInLinkUsable(sessions, token))) return linkRefused(reply);
    const csrfToken = randomBytes(32).toString('base64url');
    reply.header('set-cookie', linkCsrfCookie(request, csrfToken, SIGN_IN_LINK_TTL_MS / 1000));
    return sendHtml(
      reply,
      signInLinkPage({ action: `/dang-nhap/lien-ket/${encodeURIComponent(token)}`, csrfToken }),
    );
  });

  app.post('/dang-nhap/lien-ket/:token', { schema: { hide: true } }, async (request, reply) => {
    const given = (request.body as Record<string, unknown> | undefined)?._csrf;
    const expected = cookieValue(request.headers.cookie, LINK_CSRF_COOKIE);
    if (typeof given !== 'string' || !expected || !sameSecret(given, expected)) {
      throw new ApiError(
        403,
        'csrf_token_invalid',
        'Yêu cầu thiếu hoặc sai mã chống giả mạo (CSRF): mở lại liên kết đăng nhập rồi bấm “Đăng nhập”.',
      );
    }
    const principal = await redeemSignInLink(sessions, (request.params as { token: string }).token);
    if (!principal) return linkRefused(reply);
    const { token } = await openSession(sessions, principal, deps.sessionTtlMs);
    request.log.info({ principalId: principal.id }, 'dashboard session opened from a sign-in link');
    setCookie(request, reply, token, Math.floor(deps.sessionTtlMs / 1000));
    reply.header('set-cookie', linkCsrfCookie(request, '', 0));
    return reply.redirect('/', 303);
  });

  app.post(
    '/dang-xuat',
    { schema: { hide: true } },
    withSession(async (request, reply, session) => {
      checkCsrf(request, session);
      await endSession(sessions, session.id);
      deps.liveStreams?.endSession(session.id);
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return reply.redirect('/dang-nhap', 303);
    }),
  );

  // ── Cảnh báo ───────────────────────────────────────────────────────────────────────────────
  const canAck = (session: DashboardSession) => ['supervisor', 'admin'].includes(session.principal.role);

  const alertRows = async (
    session: DashboardSession,
    names: Map<string, string>,
    items: AlertItem[],
  ): Promise<SafeHtml[]> =>
    Promise.all(
      items.map(async (a) => {
        const dueAt = (a.details as { dueAt?: string } | null)?.dueAt;
        const open = !a.acknowledgedAt && !a.closedAt;
        const left = open ? await workingLeft(a.agencyCode, dueAt) : null;
        const state = a.acknowledgedAt
          ? html`<span class="tag ok">Đã xác nhận ${vnTime(a.acknowledgedAt)}</span>`
          : a.closedAt
            ? html`<span class="tag">Đã đóng</span>`
            : canAck(session)
              ? html`<form method="post" action="/canh-bao/${a.id}/xac-nhan" class="ack" data-alert-id="${a.id}">
  <input type="hidden" name="_csrf" value="${session.csrfToken}">
  <button type="submit">Xác nhận</button></form>`
              : html`<span class="tag soon">Chưa xác nhận</span>`;
        const settled = open ? 'open' : a.acknowledgedAt ? 'settled' : 'settled closed';
        return html`<tr data-alert-id="${a.id}" data-kind="${a.kind}" class="${settled} kind-${a.kind}">
  <td>${a.label}</td>
  <td>${a.dossierCode ? html`<a href="/ho-so/${encodeURIComponent(a.dossierCode)}">${a.dossierCode}</a>` : '—'}</td>
  <td>${agencyLabel(names, a.agencyCode)}</td>
  <td>${open ? clockCell(left) : '—'}${dueAt ? html`<br><small>Hạn: ${vnTime(dueAt)}</small>` : ''}</td>
  <td>${a.level === 0 ? 'Tại cơ quan' : `Cấp ${a.level}`}${a.targetAgencyCode && a.targetAgencyCode !== a.agencyCode ? html` → ${agencyLabel(names, a.targetAgencyCode)}` : ''}</td>
  <td><time datetime="${a.raisedAt}">${vnTime(a.raisedAt)}</time></td>
  <td>${state}</td>
</tr>`;
      }),
    );

  app.get(
    '/',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      const q = request.query as { state?: string; cursor?: string };
      const state = q.state === 'all' ? undefined : 'open';
      const [res, names] = await Promise.all([
        api.get<{ items: AlertItem[]; nextCursor: string | null } | ErrorBody>(
          `/v1/alerts${qs({ state, cursor: q.cursor, limit: '50' })}`,
        ),
        agencyNames(api),
      ]);
      const items = res.status === 200 ? (res.body as { items: AlertItem[] }).items : [];
      const next = res.status === 200 ? (res.body as { nextCursor: string | null }).nextCursor : null;
      const rows = await alertRows(session, names, items);
      const body = html`<h1>Cảnh báo</h1>
<p class="lede">Hồ sơ sắp đến hạn, quá hạn, quá hạn mà chưa xin lỗi người dân, chờ bổ sung quá lâu — cập nhật trực tiếp, không cần tải lại trang.
<span id="live-status" class="tag">Chưa kết nối trực tiếp</span></p>
<p><a href="/${state ? '?state=all' : ''}">${state ? 'Xem cả cảnh báo đã xác nhận, đã đóng' : 'Chỉ xem cảnh báo đang mở'}</a></p>
${res.status === 200 ? '' : html`<p class="error" role="alert">${(res.body as ErrorBody).message}</p>`}
<div class="table-wrap"><table id="alerts" data-state="${state ?? 'all'}">
<caption class="visually-hidden">Danh sách cảnh báo</caption>
<thead><tr><th scope="col">Loại</th><th scope="col">Hồ sơ</th><th scope="col">Cơ quan phải xử lý</th><th scope="col">Thời hạn (giờ làm việc)</th><th scope="col">Cấp leo thang</th><th scope="col">Phát sinh</th><th scope="col">Xác nhận</th></tr></thead>
<tbody id="alert-rows">${rows}</tbody>
</table></div>
<p id="alerts-empty" ${items.length ? html`hidden` : ''}>Không có cảnh báo nào.</p>
${next ? html`<p><a href="/${qs({ state: state ? undefined : 'all', cursor: next })}">Trang sau →</a></p>` : ''}`;
      return sendHtml(
        reply,
        page({
          title: 'Cảnh báo',
          agencyName: names.get(session.principal.agencyCode),
          principal: session.principal,
          csrfToken: session.csrfToken,
          active: 'alerts',
          body,
        }),
      );
    }),
  );

  /** Rows of one dossier's alerts (the live feed replaces or inserts them). */
  app.get(
    '/canh-bao/dong',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      const dossier = str((request.query as { dossier?: string }).dossier);
      if (!dossier) throw new ApiError(400, 'invalid_request', 'dossier is required');
      const [res, names] = await Promise.all([
        api.get<{ items: AlertItem[] }>(`/v1/alerts${qs({ dossier, limit: '20' })}`),
        agencyNames(api),
      ]);
      const rows = res.status === 200 ? await alertRows(session, names, res.body.items) : [];
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(html`${rows}`.value);
    }),
  );

  app.post(
    '/canh-bao/:id/xac-nhan',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      checkCsrf(request, session);
      const { id } = request.params as { id: string };
      const res = await api.post<ErrorBody>(`/v1/alerts/${encodeURIComponent(id)}/ack`);
      if (res.status !== 200 && res.status !== 409) {
        throw new ApiError(res.status, res.body.code, res.body.message);
      }
      return reply.redirect('/', 303);
    }),
  );

  // ── Hồ sơ đang giải quyết ────────────────────────────────────────────────────────────────
  app.get(
    '/ho-so',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      const q = request.query as Record<string, string | undefined>;
      const status = q.status && PENDING.includes(q.status) ? [q.status] : PENDING;
      const overdue = q.overdue === 'true' ? 'true' : undefined;
      const filters = { agency: str(q.agency), procedure: str(q.procedure), status, overdue };
      const [running, paused, procedures, names] = await Promise.all([
        api.get<{ items: DossierSummary[]; nextCursor: string | null } | ErrorBody>(
          `/v1/dossiers${qs({ ...filters, paused: 'false', sort: 'due', limit: '25', cursor: str(q.cursor) })}`,
        ),
        api.get<{ items: DossierSummary[]; nextCursor: string | null } | ErrorBody>(
          `/v1/dossiers${qs({ ...filters, paused: 'true', sort: 'due', limit: '25', cursor: str(q.pausedCursor) })}`,
        ),
        api.get<{ items: { code: string; name: string }[] }>('/v1/procedures?limit=200'),
        agencyNames(api),
      ]);
      const procedureNames = new Map(
        procedures.status === 200 ? procedures.body.items.map((p) => [p.code, p.name]) : [],
      );
      const table = async (
        res: typeof running,
        caption: string,
        cursorParam: 'cursor' | 'pausedCursor',
      ): Promise<SafeHtml> => {
        if (res.status !== 200)
          return html`<p class="error" role="alert">${(res.body as ErrorBody).message}</p>`;
        const { items, nextCursor } = res.body as { items: DossierSummary[]; nextCursor: string | null };
        if (items.length === 0) return html`<p>Không có hồ sơ nào.</p>`;
        const rows = await Promise.all(
          items.map(async (d) => {
            const paused = d.pausedAt !== null;
            const left = paused ? null : await workingLeft(d.currentAgencyCode ?? d.agencyCode, d.dueAt);
            return html`<tr class="${d.overdue ? 'late' : ''}">
  <th scope="row"><a href="/ho-so/${encodeURIComponent(d.code)}">${d.code}</a></th>
  <td>${d.applicantName}</td>
  <td>${procedureNames.get(d.procedureCode) ?? d.procedureCode}</td>
  <td>${agencyLabel(names, d.currentAgencyCode ?? d.agencyCode)}</td>
  <td>${STATUS_LABELS[d.status] ?? d.status}${d.apologyIssuedAt ? html` <span class="tag">Đã xin lỗi</span>` : ''}</td>
  <td>${vnTime(d.dueAt)}</td>
  <td>${paused ? html`${clockCell(null, true)}<br><small>từ ${vnTime(d.pausedAt)}</small>` : clockCell(left)}</td>
</tr>`;
          }),
        );
        const nextQuery = { ...q, [cursorParam]: nextCursor ?? undefined };
        return html`<div class="table-wrap"><table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Mã hồ sơ</th><th scope="col">Người nộp</th><th scope="col">Thủ tục</th><th scope="col">Cơ quan đang xử lý</th><th scope="col">Trạng thái</th><th scope="col">Hạn giải quyết</th><th scope="col">Thời gian còn lại</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${nextCursor ? html`<p><a href="/ho-so${qs(nextQuery)}">Trang sau →</a></p>` : ''}`;
      };
      const option = (value: string, label: string, selected: string | undefined) =>
        html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
      const body = html`<h1>Hồ sơ đang giải quyết</h1>
<form method="get" action="/ho-so" class="filters" aria-label="Lọc hồ sơ">
  <div><label for="f-agency">Cơ quan</label>
  <select id="f-agency" name="agency">${option('', 'Tất cả trong phạm vi', q.agency)}${[...names].map(([code, name]) => option(code, `${name} (${code})`, q.agency))}</select></div>
  <div><label for="f-procedure">Thủ tục</label>
  <select id="f-procedure" name="procedure">${option('', 'Tất cả', q.procedure)}${[...procedureNames].map(([code, name]) => option(code, name, q.procedure))}</select></div>
  <div><label for="f-status">Trạng thái</label>
  <select id="f-status" name="status">${option('', 'Tất cả đang giải quyết', q.status)}${PENDING.map((s) => option(s, STATUS_LABELS[s]!, q.status))}</select></div>
  <div class="check"><input type="checkbox" id="f-overdue" name="overdue" value="true"${overdue ? html` checked` : ''}><label for="f-overdue">Chỉ hồ sơ quá hạn</label></div>
  <button type="submit">Lọc</button>
</form>
<p class="lede">Sắp xếp theo mức khẩn: hạn giải quyết sớm nhất trước. Hồ sơ đang tạm dừng để chờ bổ sung được tách riêng (đồng hồ pháp lý đang dừng).</p>
${await table(running, 'Đang tính thời hạn', 'cursor')}
<h2>Đang tạm dừng (chờ bổ sung)</h2>
${await table(paused, 'Đồng hồ pháp lý đang dừng', 'pausedCursor')}`;
      return sendHtml(
        reply,
        page({
          title: 'Hồ sơ đang giải quyết',
          agencyName: names.get(session.principal.agencyCode),
          principal: session.principal,
          csrfToken: session.csrfToken,
          active: 'pending',
          body,
        }),
      );
    }),
  );

  // ── Hồ sơ (one dossier) ──────────────────────────────────────────────────────────────────
  app.get(
    '/ho-so/:code',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      const code = (request.params as { code: string }).code;
      const enc = encodeURIComponent(code);
      const frame = (body: SafeHtml) =>
        page({
          title: `Hồ sơ ${code}`,
          principal: session.principal,
          csrfToken: session.csrfToken,
          active: 'dossier',
          body,
        });
      const dossierRes = await api.get<Record<string, unknown> & ErrorBody>(`/v1/dossiers/${enc}`);
      if (dossierRes.status !== 200) {
        const status = dossierRes.status === 404 ? 404 : dossierRes.status;
        return sendHtml(
          reply,
          frame(
            html`<h1>Không tìm thấy hồ sơ</h1><p role="alert">Không có hồ sơ ${code} trong phạm vi bạn được xem.</p><p><a href="/ho-so">← Danh sách hồ sơ</a></p>`,
          ),
          status,
        );
      }
      const d = dossierRes.body as unknown as {
        code: string;
        applicantName: string;
        procedureCode: string;
        agencyCode: string;
        currentAgencyCode: string | null;
        status: string;
        receivedAt: string;
        dueAt: string | null;
        originalDueAt: string | null;
        warningAt: string | null;
        pausedAt: string | null;
        pauses: { start: string; end: string }[];
        overdue: boolean;
        outcome: string | null;
        completedAt: string | null;
        apology: {
          at: string;
          reason: string;
          newDueAt: string;
          faultParty: string;
          signedBy: string | null;
        } | null;
        calendarVersion: string | null;
      };
      const [timeline, letters, history, names, procedure] = await Promise.all([
        api.get<{
          entries: {
            seq: number;
            at: string;
            type: string;
            status: string;
            actor: { name: string; role: string } | null;
            agencyCode: string;
            step: number | null;
            note: string | null;
          }[];
        }>(`/v1/dossiers/${enc}/timeline`),
        api.get<{
          items: {
            id: string;
            kind: string;
            status: string;
            number: number | null;
            year: number | null;
            issuedAt: string | null;
            pdfUrl: string | null;
          }[];
        }>(`/v1/dossiers/${enc}/letters`),
        api.get<
          {
            chain: { ok: boolean; firstBadSeq: number | null };
            events: {
              seq: number;
              type: string;
              occurredAt: string;
              hash: string;
              actor?: { name: string } | null;
            }[];
          } & ErrorBody
        >(`/v1/dossiers/${enc}/history`),
        agencyNames(api),
        api.get<{ name: string }>(`/v1/procedures/${encodeURIComponent(d.procedureCode)}`),
      ]);
      const left = d.pausedAt
        ? null
        : await workingLeft(d.currentAgencyCode ?? d.agencyCode, d.dueAt ?? undefined);
      const pending = PENDING.includes(d.status);
      const timelineRows =
        timeline.status === 200
          ? timeline.body.entries.map(
              (e) =>
                html`<tr><td><time datetime="${e.at}">${vnTime(e.at)}</time></td><td>${EVENT_LABELS[e.type] ?? e.type}</td><td>${e.actor ? `${e.actor.name} (${ROLE_LABELS[e.actor.role] ?? e.actor.role})` : 'Hệ thống'}</td><td>${agencyLabel(names, e.agencyCode)}</td><td>${STATUS_LABELS[e.status] ?? e.status}</td><td>${e.note ?? ''}</td></tr>`,
            )
          : [];
      const letterItems =
        letters.status === 200
          ? letters.body.items.map(
              (
                l,
              ) => html`<li>${l.kind === 'apology' ? 'Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)' : l.kind} — ${l.status === 'issued' ? `số ${l.number ?? ''}/${l.year ?? ''}, ban hành ${vnTime(l.issuedAt)}` : 'bản dự thảo'}
  ${l.pdfUrl ? html`<a href="${l.pdfUrl}" class="pdf">Mở PDF</a>` : html`(chưa có PDF)`}</li>`,
            )
          : [];
      const chain = history.status === 200 ? history.body.chain : null;
      const body = html`<p><a href="/ho-so">← Hồ sơ đang giải quyết</a></p>
<h1>Hồ sơ ${d.code}</h1>
<section aria-labelledby="h-state"><h2 id="h-state">Tình trạng</h2>
<dl class="facts">
  <dt>Người nộp</dt><dd>${d.applicantName}</dd>
  <dt>Thủ tục</dt><dd>${procedure.status === 200 ? procedure.body.name : ''} <small>(${d.procedureCode})</small></dd>
  <dt>Nơi tiếp nhận</dt><dd>${agencyLabel(names, d.agencyCode)}</dd>
  <dt>Cơ quan đang xử lý</dt><dd>${agencyLabel(names, d.currentAgencyCode)}</dd>
  <dt>Trạng thái</dt><dd id="dossier-status">${STATUS_LABELS[d.status] ?? d.status}${d.overdue ? html` <span class="tag late">Quá hạn</span>` : ''}${d.outcome ? html` <span class="tag">${OUTCOME_LABELS[d.outcome] ?? d.outcome}</span>` : ''}</dd>
</dl></section>
<section aria-labelledby="h-clock"><h2 id="h-clock">Thời hạn pháp lý</h2>
<dl class="facts">
  <dt>Tiếp nhận</dt><dd>${vnTime(d.receivedAt)}</dd>
  <dt>Hạn giải quyết ban đầu</dt><dd>${vnTime(d.originalDueAt ?? d.dueAt)}</dd>
  ${d.apology ? html`<dt>Hẹn lại (sau xin lỗi)</dt><dd>${vnTime(d.apology.newDueAt)} — lý do: ${d.apology.reason}</dd>` : ''}
  <dt>Hạn xin lỗi chậm nhất</dt><dd>${vnTime(d.warningAt)}</dd>
  ${pending ? html`<dt>Thời gian còn lại</dt><dd>${clockCell(left, d.pausedAt !== null)}</dd>` : html`<dt>Hoàn thành</dt><dd>${vnTime(d.completedAt)}</dd>`}
  <dt>Tạm dừng (chờ bổ sung)</dt><dd>${
    d.pauses.length === 0 && !d.pausedAt
      ? 'Không'
      : html`<ul>${d.pauses.map((p) => html`<li>${vnTime(p.start)} → ${vnTime(p.end)}</li>`)}${d.pausedAt ? html`<li>${vnTime(d.pausedAt)} → (đang dừng)</li>` : ''}</ul>`
  }</dd>
  <dt>Lịch làm việc áp dụng</dt><dd>${d.calendarVersion ?? '—'}</dd>
</dl></section>
<section aria-labelledby="h-timeline"><h2 id="h-timeline">Quá trình giải quyết (Mẫu 05)</h2>
<div class="table-wrap"><table id="timeline"><thead><tr><th scope="col">Thời điểm</th><th scope="col">Bước</th><th scope="col">Người thực hiện</th><th scope="col">Cơ quan</th><th scope="col">Trạng thái</th><th scope="col">Ghi chú</th></tr></thead>
<tbody>${timelineRows}</tbody></table></div>
<p><a href="/v1/dossiers/${enc}/control-slip.pdf">Phiếu kiểm soát (Mẫu 05, PDF)</a> · <a href="/v1/dossiers/${enc}/receipt.pdf">Giấy tiếp nhận (Mẫu 01, PDF)</a></p>
</section>
<section aria-labelledby="h-letters"><h2 id="h-letters">Văn bản</h2>
${letterItems.length ? html`<ul id="letters">${letterItems}</ul>` : html`<p>Chưa có văn bản xin lỗi.</p>`}
</section>
<section aria-labelledby="h-events"><h2 id="h-events">Sự kiện và chuỗi băm</h2>
${
  chain
    ? chain.ok
      ? html`<p class="tag ok" id="chain-verdict">Chuỗi băm hợp lệ: không sự kiện nào bị sửa.</p>`
      : html`<p class="tag late" id="chain-verdict" role="alert">Chuỗi băm bị sai từ sự kiện #${chain.firstBadSeq ?? '?'}.</p>`
    : html`<p>Không đọc được lịch sử sự kiện.</p>`
}
${
  history.status === 200
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Sự kiện</th><th scope="col">Thời điểm</th><th scope="col">Mã băm</th></tr></thead><tbody>${history.body.events.map(
        (e) =>
          html`<tr><td>${e.seq}</td><td>${EVENT_LABELS[e.type] ?? e.type}</td><td>${vnTime(e.occurredAt)}</td><td><code>${e.hash.slice(0, 16)}…</code></td></tr>`,
      )}</tbody></table></div>`
    : ''
}
</section>`;
      return sendHtml(reply, frame(body));
    }),
  );

  // ── Chỉ số ───────────────────────────────────────────────────────────────────────────────
  const defaultAgency = async (session: DashboardSession, api: Api): Promise<string | undefined> => {
    if (session.principal.agencyCode !== '*') return session.principal.agencyCode;
    const res = await api.get<{ items: { code: string; parentCode: string | null }[] }>(
      '/v1/agencies?limit=200',
    );
    // Nationwide: the top-level agency with the most agencies directly below it (a province).
    if (res.status !== 200) return undefined;
    const below = (code: string) => res.body.items.filter((a) => a.parentCode === code).length;
    return res.body.items
      .filter((a) => a.parentCode === null)
      .sort((a, b) => below(b.code) - below(a.code) || a.code.localeCompare(b.code))[0]?.code;
  };
  const monthRates = (api: Api, agency: string, month: string, procedure?: string) => {
    const r = periodRange('month', month, 'calendar');
    return api.get<RateReport & ErrorBody>(`/v1/rates${qs({ agency, from: r.from, to: r.to, procedure })}`);
  };

  app.get(
    '/chi-so',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      const q = request.query as Record<string, string | undefined>;
      const month = q.period && monthPattern.test(q.period) ? q.period : localMonth(now());
      const agency = str(q.agency) ?? (await defaultAgency(session, api));
      const frame = (body: SafeHtml) =>
        page({
          title: 'Chỉ số',
          principal: session.principal,
          csrfToken: session.csrfToken,
          active: 'rates',
          body,
          scripts: ['/assets/uPlot.iife.min.js'],
          styles: ['/assets/uPlot.min.css'],
        });
      if (!agency) return sendHtml(reply, frame(html`<h1>Chỉ số</h1><p>Chưa có cơ quan nào.</p>`));
      const months = Array.from({ length: 12 }, (_, i) => shiftMonth(month, i - 11));
      const [current, trend, children, procedures, scores, names] = await Promise.all([
        monthRates(api, agency, month),
        // The 12-month trend in one call (one SQL statement over the monthly roll-ups).
        api.get<RateSeries & ErrorBody>(
          `/v1/rates/series${qs({ agency, from: months[0]!, to: months[months.length - 1]! })}`,
        ),
        api.get<{ items: { code: string; name: string }[] }>(
          `/v1/agencies${qs({ parent: agency, limit: '50' })}`,
        ),
        api.get<{ items: { code: string; name: string }[] }>('/v1/procedures?limit=50'),
        api.get<
          {
            total: number;
            complete: boolean;
            label: string;
            groups: { key: string; name: string; points: number; score: number; complete: boolean }[];
          } & ErrorBody
        >(`/v1/scores/766${qs({ agency, period: month })}`),
        agencyNames(api),
      ]);
      if (current.status !== 200) {
        return sendHtml(
          reply,
          frame(html`<h1>Chỉ số</h1><p class="error" role="alert">${current.body.message}</p>`),
          current.status === 404 || current.status === 403 ? current.status : 200,
        );
      }
      const [childRates, procedureRates] = await Promise.all([
        Promise.all(
          (children.status === 200 ? children.body.items : []).map(async (c) => ({
            ...c,
            r: await monthRates(api, c.code, month),
          })),
        ),
        Promise.all(
          (procedures.status === 200 ? procedures.body.items : []).map(async (p) => ({
            ...p,
            r: await monthRates(api, agency, month, p.code),
          })),
        ),
      ]);
      const r = current.body;
      const rateRows = DASHBOARD_RATES.map((key) => {
        const rate = r.rates[key]!;
        const target = deps.targets[key];
        const met = rate.value === null ? null : rate.value >= target.value;
        return html`<tr data-rate="${key}">
  <th scope="row">${RATE_LABELS[key]}</th>
  <td class="num rate-value">${percent(rate.value)}</td>
  <td class="num"><abbr title="${target.source}">${percent(target.value)}</abbr></td>
  <td>${met === null ? html`<span class="tag">Chưa có số liệu</span>` : met ? html`<span class="tag ok">Đạt</span>` : html`<span class="tag late">Chưa đạt</span>`}</td>
  <td class="num">${rate.numerator}/${rate.denominator}</td>
</tr>`;
      });
      const drillTable = (
        caption: string,
        rows: { code: string; name: string; r: { status: number; body: RateReport } }[],
      ) =>
        rows.length === 0
          ? ''
          : html`<div class="table-wrap"><table><caption>${caption}</caption>
<thead><tr><th scope="col">Tên</th>${DASHBOARD_RATES.map((k) => html`<th scope="col">${RATE_LABELS[k]}</th>`)}<th scope="col">Đã giải quyết</th></tr></thead>
<tbody>${rows.map(
              (row) =>
                html`<tr><th scope="row">${row.name}</th>${DASHBOARD_RATES.map((k) => html`<td class="num">${row.r.status === 200 ? percent(row.r.body.rates[k]?.value) : '—'}</td>`)}<td class="num">${row.r.status === 200 ? row.r.body.counts.resolved : '—'}</td></tr>`,
            )}</tbody></table></div>`;
      const chartData = {
        months,
        series: DASHBOARD_RATES.map((k) => ({
          key: k,
          label: RATE_LABELS[k],
          values: months.map((m) =>
            trend.status === 200
              ? (trend.body.months.find((t) => t.month === m)?.rates[k]?.value ?? null)
              : null,
          ),
        })),
        targets: Object.fromEntries(DASHBOARD_RATES.map((k) => [k, deps.targets[k].value])),
      };
      const body = html`<h1>Chỉ số</h1>
<form method="get" action="/chi-so" class="filters" aria-label="Chọn cơ quan và kỳ">
  <div><label for="r-agency">Cơ quan</label>
  <select id="r-agency" name="agency">${[...names].map(([code, name]) => html`<option value="${code}"${code === agency ? html` selected` : ''}>${name} (${code})</option>`)}</select></div>
  <div><label for="r-period">Tháng</label><input id="r-period" name="period" type="month" value="${month}" required></div>
  <button type="submit">Xem</button>
</form>
<h2 id="rates-heading">${names.get(agency) ?? agency} — tháng ${month.slice(5)}/${month.slice(0, 4)} (${r.from} → ${r.to})</h2>
<p>Tiếp nhận: <strong id="count-received">${r.counts.received}</strong> · Đã giải quyết: <strong id="count-resolved">${r.counts.resolved}</strong></p>
<div class="table-wrap"><table id="rates"><caption>Tỷ lệ so với mục tiêu</caption>
<thead><tr><th scope="col">Chỉ số</th><th scope="col">Tỷ lệ</th><th scope="col">Mục tiêu</th><th scope="col">Đánh giá</th><th scope="col">Tử số/mẫu số</th></tr></thead>
<tbody>${rateRows}</tbody></table></div>
<h2>Xu hướng 12 tháng</h2>
<figure><div id="trend-chart" role="img" aria-label="Biểu đồ tỷ lệ theo tháng"></div>
<figcaption>Tỷ lệ theo tháng; bảng số liệu bên dưới.</figcaption></figure>
<details><summary>Bảng số liệu xu hướng</summary><div class="table-wrap"><table><thead><tr><th scope="col">Tháng</th>${DASHBOARD_RATES.map((k) => html`<th scope="col">${RATE_LABELS[k]}</th>`)}</tr></thead>
<tbody>${months.map((m, i) => html`<tr><th scope="row">${m}</th>${DASHBOARD_RATES.map((_, j) => html`<td class="num">${percent(chartData.series[j]!.values[i])}</td>`)}</tr>`)}</tbody></table></div></details>
${jsonScript('trend-data', chartData)}
<h2>Chi tiết theo đơn vị trực thuộc và theo thủ tục</h2>
${drillTable('Theo đơn vị trực thuộc', childRates)}
${drillTable(
  'Theo thủ tục',
  procedureRates.filter(
    (p) => p.r.status === 200 && (p.r.body.counts.received > 0 || p.r.body.counts.resolved > 0),
  ),
)}
<h2>Chỉ số Quyết định 766/QĐ-TTg</h2>
${
  scores.status === 200
    ? html`<p>Tổng điểm: <strong id="score-766">${scores.body.total.toFixed(2).replace('.', ',')}</strong> / 100${scores.body.complete ? '' : ' (còn tiêu chí chưa có số liệu hoặc cần nhập)'}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Nhóm</th><th scope="col">Điểm</th><th scope="col">Tối đa</th></tr></thead>
<tbody>${scores.body.groups.map((g) => html`<tr><th scope="row">${g.name}</th><td class="num">${g.score.toFixed(2).replace('.', ',')}</td><td class="num">${g.points}</td></tr>`)}</tbody></table></div>`
    : html`<p>${scores.body.message}</p>`
}`;
      return sendHtml(reply, frame(body));
    }),
  );

  // ── Báo cáo ──────────────────────────────────────────────────────────────────────────────
  app.get(
    '/bao-cao',
    { schema: { hide: true } },
    withSession(async (request, reply, session, api) => {
      const q = request.query as Record<string, string | undefined>;
      const agency = str(q.agency) ?? (await defaultAgency(session, api));
      const kind = q.kind === 'quarter' || q.kind === 'year' ? q.kind : 'month';
      const period = str(q.period) ?? (kind === 'month' ? localMonth(now()) : localMonth(now()).slice(0, 4));
      const names = await agencyNames(api);
      const query = { agency, kind, period };
      const preview = agency
        ? await api.get<{ caption: string; rows: Record<string, unknown>[] } & ErrorBody>(
            `/v1/reports/period${qs(query)}`,
          )
        : undefined;
      const body = html`<h1>Báo cáo định kỳ</h1>
<p class="lede">Báo cáo tình hình giải quyết thủ tục hành chính theo Thông tư 01/2020/TT-VPCP: tháng, quý, năm.</p>
<form method="get" action="/bao-cao" class="filters" aria-label="Chọn kỳ báo cáo">
  <div><label for="b-agency">Cơ quan</label>
  <select id="b-agency" name="agency">${[...names].map(([code, name]) => html`<option value="${code}"${code === agency ? html` selected` : ''}>${name} (${code})</option>`)}</select></div>
  <div><label for="b-kind">Loại kỳ</label><select id="b-kind" name="kind">
    <option value="month"${kind === 'month' ? html` selected` : ''}>Tháng</option>
    <option value="quarter"${kind === 'quarter' ? html` selected` : ''}>Quý</option>
    <option value="year"${kind === 'year' ? html` selected` : ''}>Năm</option></select></div>
  <div><label for="b-period">Kỳ (ví dụ 2026-11, 2026-Q3, 2026)</label><input id="b-period" name="period" value="${period}" required pattern="\\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?"></div>
  <button type="submit">Xem</button>
</form>
${
  preview?.status === 200
    ? html`<p><a class="button" href="/v1/reports/period${qs({ ...query, format: 'csv' })}" download>Tải CSV</a>
<a class="button" href="/v1/reports/period${qs({ ...query, format: 'xlsx' })}" download>Tải XLSX</a></p>
<h2>${preview.body.caption}</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Đơn vị</th>${PERIOD_COLUMNS.map(([, label]) => html`<th scope="col">${label}</th>`)}</tr></thead>
<tbody>${preview.body.rows.map((row) => html`<tr><th scope="row">${String(row.agencyName ?? row.label ?? row.agencyCode ?? '')}</th>${PERIOD_COLUMNS.map(([key]) => html`<td class="num">${String(row[key] ?? '')}</td>`)}</tr>`)}</tbody></table></div>`
    : preview
      ? html`<p class="error" role="alert">${preview.body.message}</p>`
      : ''
}`;
      return sendHtml(
        reply,
        page({
          title: 'Báo cáo',
          agencyName: names.get(session.principal.agencyCode),
          principal: session.principal,
          csrfToken: session.csrfToken,
          active: 'reports',
          body,
        }),
      );
    }),
  );

  // A signed-out visitor who follows an old link lands on the sign-in page, not a JSON error.
  void barePage;
}
