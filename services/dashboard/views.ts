import type { Principal } from '../../domain/access';
import { formatVietnamInstant } from '../../domain/calendar';
import { html, type SafeHtml } from './html';

/** Vietnamese labels and the page frame of the dashboard. Pure: data in, escaped HTML out. */

export const ROLE_LABELS: Record<string, string> = {
  intake: 'Bộ phận Một cửa',
  officer: 'Chuyên viên',
  supervisor: 'Lãnh đạo',
  auditor: 'Thanh tra',
  admin: 'Quản trị',
};

export const STATUS_LABELS: Record<string, string> = {
  received: 'Đã tiếp nhận',
  processing: 'Đang xử lý',
  waiting_supplement: 'Chờ bổ sung',
  result_ready: 'Có kết quả',
  returned: 'Đã trả kết quả',
  rejected: 'Từ chối',
  withdrawn: 'Rút hồ sơ',
};

export const OUTCOME_LABELS: Record<string, string> = {
  early: 'Trước hạn',
  on_time: 'Đúng hạn',
  late: 'Quá hạn',
};

export const RATE_LABELS: Record<string, string> = {
  onTime: 'Giải quyết đúng hạn',
  digitizedDossiers: 'Số hóa hồ sơ',
  digitizedResults: 'Số hóa kết quả',
  electronicResults: 'Kết quả điện tử',
  online: 'Hồ sơ trực tuyến',
  onlinePayment: 'Thanh toán trực tuyến',
  satisfaction: 'Mức độ hài lòng',
};

export const EVENT_LABELS: Record<string, string> = {
  'dossier.received': 'Tiếp nhận hồ sơ',
  'dossier.handed_off': 'Chuyển xử lý',
  'dossier.step_completed': 'Hoàn thành bước',
  'dossier.supplement_requested': 'Yêu cầu bổ sung',
  'dossier.supplement_received': 'Nhận hồ sơ bổ sung',
  'dossier.due_soon': 'Sắp đến hạn',
  'dossier.overdue': 'Quá hạn',
  'dossier.delay_reported': 'Báo cáo chậm',
  'dossier.apology_issued': 'Xin lỗi, hẹn lại ngày trả',
  'dossier.result_ready': 'Có kết quả',
  'dossier.result_returned': 'Trả kết quả',
  'dossier.digitized': 'Số hóa thành phần hồ sơ',
  'dossier.step_overdue': 'Bước xử lý quá hạn',
  'dossier.rejected': 'Từ chối',
  'dossier.withdrawn': 'Rút hồ sơ',
  'dossier.payment_recorded': 'Thanh toán',
  'dossier.rating_recorded': 'Đánh giá mức độ hài lòng',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** "14:05 02/11/2026" in Vietnam time. */
export function vnTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const s = formatVietnamInstant(d); // YYYY-MM-DDTHH:mm:ss+07:00
  return `${s.slice(11, 16)} ${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)}`;
}

/** Working time in words: "3 giờ 20 phút làm việc". */
export function workingDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = [h > 0 ? `${h} giờ` : '', m > 0 || h === 0 ? `${m} phút` : ''].filter(Boolean);
  return `${parts.join(' ')} làm việc`;
}

/** Time left (positive) or overdue (negative) on the legal clock, as a labelled cell. */
export function clockCell(workingMsLeft: number | null, paused = false): SafeHtml {
  if (paused) return html`<span class="tag paused">Tạm dừng (chờ bổ sung)</span>`;
  if (workingMsLeft === null) return html`—`;
  return workingMsLeft < 0
    ? html`<span class="tag late">Quá hạn ${workingDuration(workingMsLeft)}</span>`
    : html`<span class="tag ${workingMsLeft < 8 * 3_600_000 ? 'soon' : 'ok'}">Còn ${workingDuration(workingMsLeft)}</span>`;
}

export const percent = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(1).replace('.', ',')}%`;

export interface PageFrame {
  title: string;
  principal: Principal;
  /** The principal's agency by name, when the page knows it. */
  agencyName?: string | undefined;
  csrfToken: string;
  active: 'alerts' | 'pending' | 'rates' | 'reports' | 'dossier';
  body: SafeHtml;
  /** Extra scripts (local assets only). */
  scripts?: string[];
  styles?: string[];
}

const NAV: [PageFrame['active'], string, string][] = [
  ['alerts', '/', 'Cảnh báo'],
  ['pending', '/ho-so', 'Hồ sơ đang giải quyết'],
  ['rates', '/chi-so', 'Chỉ số'],
  ['reports', '/bao-cao', 'Báo cáo'],
];

export function page(frame: PageFrame): SafeHtml {
  const p = frame.principal;
  return html`<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Một cửa</title>
<link rel="stylesheet" href="/assets/dashboard.css">
${(frame.styles ?? []).map((s) => html`<link rel="stylesheet" href="${s}">`)}
</head>
<body data-csrf="${frame.csrfToken}">
<a class="skip" href="#main">Bỏ qua, đến nội dung chính</a>
<header class="top">
  <p class="brand"><a href="/">Một cửa · Bảng điều khiển</a></p>
  <nav aria-label="Các mục chính"><ul>
    ${NAV.map(
      ([key, href, label]) =>
        html`<li><a href="${href}"${key === frame.active ? html` aria-current="page"` : ''}>${label}</a></li>`,
    )}
  </ul></nav>
  <div class="who">
    <span>${p.name} · ${ROLE_LABELS[p.role] ?? p.role} · ${p.agencyCode === '*' ? 'Toàn quốc' : (frame.agencyName ?? p.agencyCode)}</span>
    <form method="post" action="/dang-xuat"><input type="hidden" name="_csrf" value="${frame.csrfToken}"><button type="submit" class="link">Đăng xuất</button></form>
  </div>
</header>
<main id="main" tabindex="-1">
${frame.body}
</main>
<div id="live-announcer" class="visually-hidden" aria-live="assertive"></div>
<script src="/assets/dashboard.js" defer></script>
${(frame.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</body>
</html>`;
}

/** Pages without a session (sign-in, errors before sign-in). */
export function barePage(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Một cửa</title>
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<main id="main" class="narrow">
${body}
</main>
</body>
</html>`;
}

export function signInPage(opts: { error?: string; next?: string }): SafeHtml {
  return barePage(
    'Đăng nhập',
    html`<h1>Đăng nhập bảng điều khiển</h1>
<p>Nhập khóa truy cập (API key) do quản trị viên cấp. Khóa chỉ dùng một lần để mở phiên làm việc; trình duyệt không lưu khóa.</p>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/dang-nhap" class="stack">
  <input type="hidden" name="next" value="${opts.next ?? '/'}">
  <label for="key">Khóa truy cập</label>
  <input id="key" name="key" type="password" autocomplete="off" required autofocus spellcheck="false">
  <button type="submit">Đăng nhập</button>
</form>`,
  );
}

/**
 * The page a one-time sign-in link opens: it only asks to confirm. Opening a link must not use it
 * (mail scanners and link previews open links too); the button's POST does.
 */
export function signInLinkPage(opts: { action: string; csrfToken: string }): SafeHtml {
  return barePage(
    'Xác nhận đăng nhập',
    html`<h1>Xác nhận đăng nhập bảng điều khiển</h1>
<p>Bạn đang mở liên kết đăng nhập một lần. Liên kết chỉ được dùng khi bạn bấm nút dưới đây; sau đó không dùng lại được.</p>
<p>Nếu bạn không yêu cầu liên kết này, hãy đóng trang.</p>
<form method="post" action="${opts.action}" class="stack">
  <input type="hidden" name="_csrf" value="${opts.csrfToken}">
  <button type="submit" autofocus>Đăng nhập</button>
</form>`,
  );
}

export function pad2(n: number): string {
  return pad(n);
}
