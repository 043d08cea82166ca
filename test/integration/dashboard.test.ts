import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignInLink, SESSION_COOKIE } from '../../services/dashboard/session';
import { revokeApiKey } from '../../services/keys';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { createTestKey } from './auth-helpers';
import { eventually, uniqueCode } from './helpers';

// The dashboard's sign-in, session and form rules over HTTP (the browser test drives the pages).
let w: ApiWorld;
let base: string;

beforeAll(async () => {
  // Open alert streams recheck their credential every second here (default 5 s).
  w = await startApiWorld('dash', { config: { MOTCUA_STREAM_RECHECK_SECONDS: '1' } });
  base = w.services.apiUrl!;
});
afterAll(async () => {
  await w?.stop();
});

interface ErrorBody {
  code: string;
  message: string;
}

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(token: string): Promise<Session> {
  const res = await fetch(`${base}/dang-nhap`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: token, next: '/ho-so' }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/ho-so');
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  const page = await fetch(`${base}/`, { headers: { cookie } });
  expect(page.status).toBe(200);
  const csrf = /data-csrf="([^"]+)"/.exec(await page.text())?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

const supervisorSession = async () =>
  signIn((await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency })).token);

describe('signing in to the dashboard', () => {
  it('refuses a wrong key with a Vietnamese message and sets no cookie', async () => {
    const res = await fetch(`${base}/dang-nhap`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: 'mck_0123456789abcdef_wrongwrongwrongwrongwrongwrongwrongwrongwro' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('Khóa truy cập không hợp lệ hoặc đã bị thu hồi.');
  });

  it('stores only a hash of the session token', async () => {
    const s = await supervisorSession();
    const token = decodeURIComponent(s.cookie.slice(SESSION_COOKIE.length + 1));
    const rows = await w.services.prisma.dashboardSession.findMany({
      where: { tokenHash: { contains: token } },
    });
    expect(rows).toHaveLength(0);
  });

  it('forgets sessions a week after they ended when someone signs in', async () => {
    const old = await supervisorSession();
    await w.services.prisma.dashboardSession.updateMany({
      where: { csrfToken: old.csrf },
      data: { expiresAt: new Date(Date.now() - 8 * 24 * 3_600_000) },
    });
    await supervisorSession();
    expect(await w.services.prisma.dashboardSession.count({ where: { csrfToken: old.csrf } })).toBe(0);
  });

  it('sends a signed-out visitor to the sign-in page, never to another site', async () => {
    const res = await fetch(`${base}/ho-so`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dang-nhap?next=%2Fho-so');
    const evil = await fetch(`${base}/dang-nhap`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        key: (await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency })).token,
        next: '//evil.example/',
      }),
      redirect: 'manual',
    });
    expect(evil.headers.get('location')).toBe('/');
  });

  /** Opens a link as a browser does: the confirmation page, its form token and its cookie. */
  const openLink = async (link: string) => {
    const res = await fetch(`${base}/dang-nhap/lien-ket/${link}`, { redirect: 'manual' });
    const page = await res.text();
    return {
      res,
      page,
      csrf: /name="_csrf" value="([^"]+)"/.exec(page)?.[1],
      cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!,
    };
  };
  const confirmLink = (link: string, opened: { csrf?: string | undefined; cookie: string }) =>
    fetch(`${base}/dang-nhap/lien-ket/${link}`, {
      method: 'POST',
      headers: { cookie: opened.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: opened.csrf ?? '' }),
      redirect: 'manual',
    });

  it('a one-time sign-in link is not used by opening it (mail scanners): only its confirmation POST signs in, once', async () => {
    const key = await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency });
    const link = await createSignInLink({ prisma: w.services.prisma }, key.id);
    // A scanner or preview opens it, twice: a Vietnamese confirmation page, no session, link intact.
    for (let i = 0; i < 2; i++) {
      const opened = await openLink(link);
      expect(opened.res.status).toBe(200);
      expect(opened.page).toContain('Xác nhận đăng nhập bảng điều khiển');
      expect(opened.page).toContain('<html lang="vi">');
      expect(opened.page).toMatch(/<form method="post" action="\/dang-nhap\/lien-ket\/[^"]+"/);
      expect(opened.cookie).not.toMatch(new RegExp(`^${SESSION_COOKIE}=`));
      expect(opened.res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    }
    expect(
      await w.services.prisma.dashboardSignInLink.count({
        where: { principalId: key.id, usedAt: { not: null } },
      }),
    ).toBe(0);
    expect(await w.services.prisma.dashboardSession.count({ where: { principalId: key.id } })).toBe(0);
    // A POST without the page's token (another site's form) is refused and uses nothing.
    const opened = await openLink(link);
    for (const forged of [
      { cookie: '', csrf: opened.csrf },
      { cookie: opened.cookie, csrf: 'not-the-token' },
    ]) {
      const res = await confirmLink(link, forged);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(((await res.json()) as ErrorBody).code).toBe('csrf_token_invalid');
    }
    // The person's POST signs in...
    const first = await confirmLink(link, opened);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=.+`));
    expect((await fetch(`${base}/v1/alerts`, { headers: { cookie } })).status).toBe(200);
    // ...once: a second POST (even with a fresh page token) and a later GET are refused.
    const again = await confirmLink(link, opened);
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.text()).toContain('Liên kết đăng nhập không hợp lệ, đã dùng hoặc đã hết hạn.');
    expect((await openLink(link)).res.status).toBe(401);
    const expired = await createSignInLink({ prisma: w.services.prisma }, key.id, -1);
    expect((await openLink(expired)).res.status).toBe(401);
    const stillValid = await createSignInLink({ prisma: w.services.prisma }, key.id);
    const page = await openLink(stillValid);
    await w.services.prisma.dashboardSignInLink.updateMany({
      where: { principalId: key.id, usedAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await confirmLink(stillValid, page)).status).toBe(401);
  });

  it('a session of an expired API key ends', async () => {
    const key = await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency });
    const s = await signIn(key.token);
    await w.services.prisma.apiKey.update({
      where: { id: key.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await fetch(`${base}/v1/alerts`, { headers: { cookie: s.cookie } })).status).toBe(401);
  });
});

describe('a dashboard session', () => {
  it('ends at its expiry: pages redirect to sign-in and the API answers 401', async () => {
    const s = await supervisorSession();
    expect((await fetch(`${base}/v1/alerts`, { headers: { cookie: s.cookie } })).status).toBe(200);
    await w.services.prisma.dashboardSession.updateMany({
      where: { csrfToken: s.csrf },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const page = await fetch(`${base}/ho-so`, { headers: { cookie: s.cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
    const api = await fetch(`${base}/v1/alerts`, { headers: { cookie: s.cookie } });
    expect(api.status).toBe(401);
    expect(((await api.json()) as ErrorBody).code).toBe('unauthorized');
  });

  it('ends at logout, and logout itself needs the CSRF token', async () => {
    const s = await supervisorSession();
    const forged = await fetch(`${base}/dang-xuat`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: 'not-the-token' }),
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as ErrorBody).code).toBe('csrf_token_invalid');
    const out = await fetch(`${base}/dang-xuat`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrf }),
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await fetch(`${base}/v1/alerts`, { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it('ends when its API key is revoked', async () => {
    const key = await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency });
    const s = await signIn(key.token);
    await revokeApiKey(w.services.prisma, key.id);
    expect((await fetch(`${base}/v1/alerts`, { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it('refuses a cookie-authenticated POST without the CSRF token: 403 csrf_token_invalid, nothing done', async () => {
    const s = await supervisorSession();
    const id = '00000000-0000-4000-8000-000000000000';
    for (const headers of [{}, { 'x-csrf-token': 'wrong' }] as Record<string, string>[]) {
      const res = await fetch(`${base}/v1/alerts/${id}/ack`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'content-type': 'application/json', ...headers },
        body: '{}',
      });
      expect(res.status).toBe(403);
      const body = (await res.json()) as ErrorBody;
      expect(body.code).toBe('csrf_token_invalid');
      expect(body.message).toContain('chống giả mạo');
    }
    const form = await fetch(`${base}/canh-bao/${id}/xac-nhan`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(form.status).toBe(403);
    expect(((await form.json()) as ErrorBody).code).toBe('csrf_token_invalid');
    // With the token the request reaches the route: an unknown alert is 404, not 403.
    const ok = await fetch(`${base}/v1/alerts/${id}/ack`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf },
      body: '{}',
    });
    expect(ok.status).toBe(404);
  });

  it('sees exactly what its key may see through the API (same rules): another agency gets 404', async () => {
    const code = uniqueCode('DS');
    await (await w.as('intake')).receive(w.intake(code));
    await eventually(async () =>
      (await (await w.as('supervisor')).get(code).catch(() => undefined)) ? true : undefined,
    );
    const own = await supervisorSession();
    const other = await signIn(
      (await createTestKey(w.services.prisma, { role: 'officer', agencyCode: w.otherAgency })).token,
    );
    expect((await fetch(`${base}/ho-so/${code}`, { headers: { cookie: own.cookie } })).status).toBe(200);
    const hidden = await fetch(`${base}/ho-so/${code}`, { headers: { cookie: other.cookie } });
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).toContain('Không tìm thấy hồ sơ');
    expect((await fetch(`${base}/v1/dossiers/${code}`, { headers: { cookie: other.cookie } })).status).toBe(
      404,
    );
  });
});

describe('an open alert stream (SSE) ends with the credential that opened it', () => {
  const RECHECK_MS = 1_000;
  /** Opens the stream; `ended` resolves (with the instant) when the server ends it. */
  async function openStream(headers: Record<string, string>) {
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/alerts/stream`, { headers, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': motcua alerts');
    let endedAt: number | undefined;
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // aborted by the test
      }
      endedAt = Date.now();
      return endedAt;
    })();
    return { ended, isOpen: () => endedAt === undefined, stop: () => abort.abort() };
  }
  /** The stream's end, failing when it is still open after `withinMs`. */
  const endsWithin = (stream: { ended: Promise<number> }, withinMs: number) =>
    Promise.race([
      stream.ended,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`stream still open after ${withinMs} ms`)), withinMs),
      ),
    ]);
  const logout = (s: Session) =>
    fetch(`${base}/dang-xuat`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrf }),
      redirect: 'manual',
    });

  it("ends at logout, at once; another session's stream stays open", async () => {
    const [s, other] = [await supervisorSession(), await supervisorSession()];
    const [stream, otherStream] = [
      await openStream({ cookie: s.cookie }),
      await openStream({ cookie: other.cookie }),
    ];
    const at = Date.now();
    expect((await logout(s)).status).toBe(303);
    // The logout ran in this API process: no wait for the recheck.
    expect((await endsWithin(stream, 3 * RECHECK_MS)) - at).toBeLessThan(RECHECK_MS);
    await new Promise((r) => setTimeout(r, 2.5 * RECHECK_MS));
    expect(otherStream.isOpen()).toBe(true);
    otherStream.stop();
  });

  it('ends within the recheck when the session ends or expires elsewhere (another API process)', async () => {
    const [ended, expired] = [await supervisorSession(), await supervisorSession()];
    const streams = [
      await openStream({ cookie: ended.cookie }),
      await openStream({ cookie: expired.cookie }),
    ];
    await w.services.prisma.dashboardSession.updateMany({
      where: { csrfToken: ended.csrf },
      data: { endedAt: new Date() },
    });
    await w.services.prisma.dashboardSession.updateMany({
      where: { csrfToken: expired.csrf },
      data: { expiresAt: new Date() },
    });
    for (const stream of streams) await endsWithin(stream, 5 * RECHECK_MS);
  });

  it('ends when its API key is revoked: at once through the API, within the recheck from the CLI', async () => {
    const admin = await createTestKey(w.services.prisma, { role: 'admin', agencyCode: '*' });
    // Revoked through DELETE /v1/admin/keys/:id of this process: bearer and session streams end at once.
    const viaApi = await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency });
    const session = await signIn(viaApi.token);
    const byApi = [
      await openStream({ authorization: `Bearer ${viaApi.token}` }),
      await openStream({ cookie: session.cookie }),
    ];
    const at = Date.now();
    const revoked = await fetch(`${base}/v1/admin/keys/${viaApi.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(revoked.status).toBe(200);
    for (const stream of byApi)
      expect((await endsWithin(stream, 3 * RECHECK_MS)) - at).toBeLessThan(RECHECK_MS);
    // Revoked by `motcua keys revoke` (straight in the database): within the recheck.
    const viaCli = await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency });
    const byCli = await openStream({ authorization: `Bearer ${viaCli.token}` });
    const kept = await openStream({ authorization: `Bearer ${admin.token}` });
    await revokeApiKey(w.services.prisma, viaCli.id);
    await endsWithin(byCli, 5 * RECHECK_MS);
    expect(kept.isOpen()).toBe(true);
    kept.stop();
  });
});

describe('hostile text', () => {
  it('shows an applicant named <script>… as text on the list and dossier pages', async () => {
    const code = uniqueCode('XSS');
    const hostile = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>';
    await (await w.as('intake')).receive(w.intake(code, { applicant: { name: hostile } }));
    const s = await supervisorSession();
    const detail = await eventually(async () => {
      const res = await fetch(`${base}/ho-so/${code}`, { headers: { cookie: s.cookie } });
      return res.status === 200 ? res.text() : undefined;
    });
    const list = await (await fetch(`${base}/ho-so`, { headers: { cookie: s.cookie } })).text();
    for (const page of [detail, list]) {
      expect(page).toContain(
        '&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;',
      );
      expect(page).not.toContain('<script>document.title');
      expect(page).not.toContain('<img src=x');
    }
  });
});

describe('the pending list behind "Hồ sơ đang giải quyết"', () => {
  it('sorts by urgency (earliest due first) with keyset pages, and puts paused dossiers apart', async () => {
    const desk = await w.as('intake');
    const officer = await w.as('officer');
    const procedure = 'MAU-DANG-KY-KET-HON';
    // Same procedure, receipts on three different days: the earliest receipt is due first.
    const codes = [uniqueCode('UR'), uniqueCode('UR'), uniqueCode('UR'), uniqueCode('UR')];
    const days = ['2026-11-04', '2026-11-02', '2026-11-03', '2026-11-05'];
    for (const [i, code] of codes.entries()) {
      await desk.receive(
        w.intake(code, { procedureCode: procedure, receivedAt: `${days[i]}T08:00:00+07:00` }),
      );
    }
    await eventually(async () => {
      const page = await officer.list({ procedure, limit: 200 });
      return codes.every((c) => page.items.some((d) => d.code === c)) ? true : undefined;
    });
    await officer.requestSupplement(codes[3]!, { reason: 'Thiếu giấy tờ', items: ['CCCD'] });
    await eventually(async () => ((await officer.get(codes[3]!)).pausedAt ? true : undefined));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await officer.list({
        procedure,
        paused: false,
        sort: 'due',
        limit: 1,
        ...(cursor && { cursor }),
      });
      seen.push(...page.items.map((d) => d.code).filter((c) => codes.includes(c)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([codes[1], codes[2], codes[0]]);
    const paused = await officer.list({ procedure, paused: true, sort: 'due' });
    expect(paused.items.map((d) => d.code).filter((c) => codes.includes(c))).toEqual([codes[3]]);
  });
});

describe('the rates page', () => {
  it('draws its 12-month trend from ONE GET /v1/rates/series call, month by month equal to the series', async () => {
    // An auditor's rate reads are recorded in audit_log: the page's API calls can be counted there.
    const auditor = await createTestKey(w.services.prisma, { role: 'auditor', agencyCode: w.agency });
    const s = await signIn(auditor.token);
    const month = '2026-11';
    const since = new Date(Date.now() - 1000);
    const page = await fetch(`${base}/chi-so?agency=${w.agency}&period=${month}`, {
      headers: { cookie: s.cookie },
    });
    expect(page.status).toBe(200);
    const chart = JSON.parse(
      /<script[^>]*id="trend-data"[^>]*>([\s\S]*?)<\/script>/.exec(await page.text())?.[1] ?? 'null',
    ) as { months: string[]; series: { key: string; values: (number | null)[] }[] };
    expect(chart.months).toHaveLength(12);
    expect(chart.months.at(-1)).toBe(month);

    const reads = await w.services.prisma.auditLog.findMany({
      where: { who: auditor.id, at: { gte: since }, action: { in: ['rates', 'rates_series'] } },
    });
    expect(reads.filter((r) => r.action === 'rates_series').map((r) => r.details)).toEqual([
      expect.objectContaining({ agency: w.agency, from: chart.months[0], to: month }),
    ]);
    // The per-month /v1/rates reads left are the selected month's (the table and the drill-downs).
    for (const r of reads.filter((x) => x.action === 'rates')) {
      expect(r.details).toMatchObject({ from: `${month}-01`, to: `${month}-30` });
    }

    const series = (await (
      await fetch(`${base}/v1/rates/series?agency=${w.agency}&from=${chart.months[0]}&to=${month}`, {
        headers: { authorization: `Bearer ${auditor.token}` },
      })
    ).json()) as { months: { month: string; rates: Record<string, { value: number | null }> }[] };
    for (const line of chart.series) {
      expect(line.values, line.key).toEqual(series.months.map((m) => m.rates[line.key]!.value));
    }
  });
});
