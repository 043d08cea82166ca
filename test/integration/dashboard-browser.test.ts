import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '../../services/infra/chromium';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { createTestKey } from './auth-helpers';
import { eventually, uniqueCode } from './helpers';
import { receiveOverdueDossier } from './letter-helpers';

// The dashboard in a real browser (Debian's chromium driven by playwright-core) on the real stack:
// a supervisor signs in, watches a dossier go overdue live, acknowledges, opens the dossier, its
// timeline and letter, changes the period of the rates; an officer of another agency sees nothing.
const ARTIFACTS = path.resolve('test-artifacts', 'dashboard');
/** `MOTCUA_UPDATE_DOCS_SCREENSHOT=1` also refreshes docs/dashboard.png (the README's picture). */
const UPDATE_DOCS = process.env.MOTCUA_UPDATE_DOCS_SCREENSHOT === '1';

let w: ApiWorld;
let base: string;
let context: BrowserContext;
let page: Page;
let profileDir: string;
let supervisorToken: string;
let officerToken: string;
let code: string;
let alertId: string;

beforeAll(async () => {
  // Installed like the other servers: PATH first, then `apt-get install chromium` (root).
  const executablePath = await ensureChromium();
  w = await startApiWorld('dashui', { alerts: true });
  base = w.services.apiUrl!;
  await w.services.prisma.agency.update({
    where: { code: w.agency },
    data: { name: 'Ủy ban nhân dân xã An Bình' },
  });
  supervisorToken = (
    await createTestKey(w.services.prisma, {
      role: 'supervisor',
      agencyCode: w.agency,
      name: 'Trần Thị Minh Thư',
    })
  ).token;
  officerToken = (await createTestKey(w.services.prisma, { role: 'officer', agencyCode: w.otherAgency }))
    .token;
  // Something to look at: two dossiers in time, one already late (its alert is on the page).
  const desk = await w.as('intake');
  const now = new Date().toISOString();
  await desk.receive(w.intake(uniqueCode('UI'), { receivedAt: now, applicant: { name: 'Lê Văn Hùng' } }));
  await desk.receive(w.intake(uniqueCode('UI'), { receivedAt: now, applicant: { name: 'Phạm Thị Hoa' } }));
  const early = await receiveOverdueDossier(w, { applicant: { name: 'Hoàng Minh Đức' } }, 'UI');
  await eventually(async () => (await (await w.as('supervisor')).alerts({ dossier: early })).items[0]);

  await mkdir(ARTIFACTS, { recursive: true });
  profileDir = await mkdtemp(path.join(tmpdir(), 'motcua-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 768 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 900_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  await w?.stop();
});

async function signIn(token: string): Promise<void> {
  await page.goto(`${base}/`);
  expect(new URL(page.url()).pathname).toBe('/dang-nhap');
  await page.getByLabel('Khóa truy cập').fill(token);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL(`${base}/`);
}

describe('the dashboard in a browser', () => {
  it('signs a supervisor in with an API key and opens the live alert feed', async () => {
    await signIn(supervisorToken);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Cảnh báo');
    await page.waitForSelector('body[data-live="on"]', { timeout: 10_000 });
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'motcua_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('shows the alert of a dossier that goes overdue while the page is open, within 2 s, without reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    code = await receiveOverdueDossier(w, { applicant: { name: 'Nguyễn Thị Lan' } }, 'UI');
    // The moment the system raised the alert (its row's createdAt: this machine's clock, unlike
    // raisedAt, the legal instant) and the moment the open page shows it.
    const seenOnPage = page
      .waitForSelector(`#alert-rows tr:has(a:text-is("${code}"))`, { timeout: 60_000 })
      .then(() => Date.now());
    const raised = await eventually(async () => {
      const row = await w.services.prisma.alert.findFirst({
        where: { dossierCode: code, kind: 'overdue_without_apology' },
      });
      return row ? { id: row.id, at: row.createdAt.getTime() } : undefined;
    }, 60_000);
    alertId = raised.id;
    const shown = await seenOnPage;
    expect(shown - raised.at).toBeLessThan(2000);
    expect(navigations).toEqual([]);
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await expect.poll(() => row.textContent()).toContain('Quá hạn mà chưa xin lỗi người dân');
    // The server's row (working hours overdue on the agency's calendar) replaces the first one.
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/Quá hạn \d+ giờ/);
    // A violation marks the tab title.
    expect(await page.title()).toMatch(/^\(\d+\) ⚠ Cảnh báo/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alerts.png') });
    if (UPDATE_DOCS) await page.screenshot({ path: path.resolve('docs', 'dashboard.png') });
  });

  it('acknowledges the alert in one click', async () => {
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await row.getByRole('button', { name: 'Xác nhận' }).click();
    await expect.poll(() => row.textContent(), { timeout: 5000 }).toContain('Đã xác nhận');
    const supervisor = await w.as('supervisor');
    const alert = (await supervisor.alerts({ dossier: code, kind: 'overdue_without_apology' })).items[0];
    expect(alert?.acknowledgedAt).not.toBeNull();
  });

  it('opens the dossier: legal clock, Mẫu 05 timeline, hash chain verdict and the letter PDF', async () => {
    await page.locator(`#alert-rows a:text-is("${code}")`).first().click();
    await page.waitForURL(`${base}/ho-so/${code}`);
    expect(await page.locator('h1').textContent()).toBe(`Hồ sơ ${code}`);
    expect(await page.locator('#dossier-status').textContent()).toContain('Quá hạn');
    const timeline = page.locator('#timeline tbody');
    expect(await timeline.textContent()).toContain('Tiếp nhận hồ sơ');
    expect(await page.locator('#chain-verdict').textContent()).toContain('Chuỗi băm hợp lệ');
    // The letters consumer drafts the apology (Mẫu 04) shortly after the overdue event.
    const pdfLink = page.locator('#letters a.pdf').first();
    await eventually(async () => {
      await page.reload();
      return (await pdfLink.count()) > 0 ? true : undefined;
    }, 30_000);
    expect(await timeline.textContent()).toContain('Quá hạn');
    const href = await pdfLink.getAttribute('href');
    const pdf = await page.request.get(`${base}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dossier.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dossier-phone.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('changes the period of the rates and sees them change', async () => {
    await page.getByRole('link', { name: 'Chỉ số' }).click();
    await page.waitForURL(/\/chi-so/);
    await page.waitForSelector('#trend-chart canvas');
    const month = await page.locator('#r-period').inputValue();
    const before = {
      received: await page.locator('#count-received').textContent(),
      rates: await page.locator('#rates tbody').textContent(),
    };
    expect(Number(before.received)).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'rates.png'), fullPage: true });
    // Every dossier of this world was received in the last days: the same month a year earlier has
    // none (not the month before: a run around local midnight on the 1st has dossiers in both).
    const [y, m] = month.split('-').map(Number) as [number, number];
    const previous = `${y - 1}-${String(m).padStart(2, '0')}`;
    await page.locator('#r-period').fill(previous);
    await page.getByRole('button', { name: 'Xem' }).click();
    await page.waitForURL(new RegExp(`period=${previous}`));
    expect(await page.locator('#count-received').textContent()).toBe('0');
    expect(await page.locator('#rates tbody').textContent()).not.toBe(before.rates);
  });

  it('an officer of another agency cannot see the dossier', async () => {
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.waitForURL(/\/dang-nhap/);
    await signIn(officerToken);
    expect(await page.locator('#alert-rows').textContent()).not.toContain(code);
    const res = await page.goto(`${base}/ho-so/${code}`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Không tìm thấy hồ sơ');
    await page.goto(`${base}/ho-so`);
    expect(await page.content()).not.toContain(code);
  });
});
