/**
 * Vietnamese administrative-text helpers for letters (pure, no I/O).
 * Dates follow the official-document convention (Decree 30/2020/NĐ-CP, Appendix I): a day
 * below 10 and the months 1 and 2 are written with a leading zero, e.g. "ngày 05 tháng 02 năm 2026".
 * All instants are shown in Asia/Ho_Chi_Minh (UTC+7, no DST).
 */

export const NATIONAL_NAME = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
export const NATIONAL_MOTTO = 'Độc lập - Tự do - Hạnh phúc';

const VN_OFFSET_MS = 7 * 3_600_000;

/** Local (UTC+7) calendar parts of an ISO instant. */
export function localParts(instant: string): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
} {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`invalid instant '${instant}'`);
  const d = new Date(ms + VN_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

const two = (n: number) => String(n).padStart(2, '0');

/** "ngày 30 tháng 11 năm 2026" (leading zero for days < 10 and for months 1 and 2). */
export function vnDate(instant: string): string {
  const { year, month, day } = localParts(instant);
  const m = month <= 2 ? two(month) : String(month);
  return `ngày ${two(day)} tháng ${m} năm ${year}`;
}

/** "14 giờ 30 phút, ngày 30 tháng 11 năm 2026". */
export function vnDateTime(instant: string): string {
  const { hour, minute } = localParts(instant);
  return `${two(hour)} giờ ${two(minute)} phút, ${vnDate(instant)}`;
}

/** "14:30 30/11/2026" for table cells. */
export function vnShortDateTime(instant: string): string {
  const { year, month, day, hour, minute } = localParts(instant);
  return `${two(hour)}:${two(minute)} ${two(day)}/${two(month)}/${year}`;
}

/** The place-and-date line under the motto: "An Bình, ngày 30 tháng 11 năm 2026". */
export function placeAndDate(place: string, instant: string): string {
  return `${place}, ${vnDate(instant)}`;
}

/** Local year of an instant: the numbering year of a letter issued then. */
export function localYear(instant: string): number {
  return localParts(instant).year;
}

/** C0/C1 controls (other than line breaks), zero-width and bidirectional-override marks. */
function isInvisibleControl(cp: number): boolean {
  return (
    cp <= 0x08 ||
    (cp >= 0x0e && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0xfeff
  );
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes any user-supplied string safe to draw as plain text: NFC (precomposed Vietnamese
 * letters, so every glyph exists in the font and extraction returns the same code points),
 * lone surrogates replaced, control characters removed (line breaks become spaces unless
 * `keepNewlines`), runs of spaces collapsed. Markup is not interpreted anywhere: "<script>"
 * stays the literal text "<script>".
 */
export function plainText(value: string, opts: { keepNewlines?: boolean } = {}): string {
  let s = value.replace(LONE_SURROGATE, '\ufffd').normalize('NFC');
  s = s.replace(/\r\n?/g, '\n');
  s = opts.keepNewlines ? s.replace(/[\t\v\f]/g, ' ') : s.replace(/\s/g, ' ');
  s = [...s].filter((ch) => !isInvisibleControl(ch.codePointAt(0)!)).join('');
  s = s.replace(/[ \u00a0]{2,}/g, ' ');
  return opts.keepNewlines ? s.replace(/ *\n */g, '\n').trim() : s.trim();
}
