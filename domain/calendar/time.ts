/**
 * Vietnam local-time arithmetic. Asia/Ho_Chi_Minh is UTC+7 with no DST since 1975,
 * so a fixed offset is exact for every date the engine handles.
 * "Epoch day" = number of local calendar days since 1970-01-01 (local).
 */
import { CalendarError } from './errors';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const VN_OFFSET_MINUTES = 420;
export const VN_OFFSET_MS = VN_OFFSET_MINUTES * MINUTE_MS;
/** Julian day number of the epoch day 0 (1970-01-01). */
export const JDN_EPOCH = 2_440_588;

export function epochDayOf(utcMs: number): number {
  return Math.floor((utcMs + VN_OFFSET_MS) / DAY_MS);
}

/** UTC milliseconds of local midnight starting the epoch day. */
export function dayStartUtcMs(day: number): number {
  return day * DAY_MS - VN_OFFSET_MS;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: number): number {
  const w = (((day + 3) % 7) + 7) % 7; // day 0 (1970-01-01) was a Thursday → 3 (0-based from Monday)
  return w + 1;
}

export function epochDayFromYmd(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function epochDayFromIso(date: string): number {
  const m = ISO_DATE.exec(date);
  if (!m) throw new CalendarError('INVALID_CALENDAR', `invalid date '${date}', expected YYYY-MM-DD`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const day = epochDayFromYmd(y, mo, d);
  if (isoDateOf(day) !== date) throw new CalendarError('INVALID_CALENDAR', `invalid date '${date}'`);
  return day;
}

export function isoDateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function yearOfDay(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:mm' → minutes since local midnight ('24:00' allowed as an interval end). */
export function parseHhmm(value: string): number {
  if (value === '24:00') return 1440;
  const m = HHMM.exec(value);
  if (!m) throw new CalendarError('INVALID_CALENDAR', `invalid time '${value}', expected HH:mm`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function formatHhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** ISO 8601 in Vietnam local time with an explicit +07:00 offset (milliseconds only when non-zero). */
export function formatVietnamInstant(d: Date): string {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new CalendarError('INVALID_INSTANT', 'invalid Date');
  const iso = new Date(t + VN_OFFSET_MS).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const ms = iso.slice(19, 23);
  return `${iso.slice(0, 19)}${ms === '.000' ? '' : ms}+07:00`;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Strict ISO 8601 instant parser: requires a date, a time and an explicit offset (or Z). */
export function parseInstant(value: string): Date {
  const m = ISO_INSTANT.exec(value.trim());
  if (!m) {
    throw new CalendarError(
      'INVALID_INSTANT',
      `invalid instant '${value}': expected ISO 8601 with an offset, e.g. 2026-11-23T07:30:00+07:00`,
    );
  }
  const d = new Date(value.trim());
  if (!Number.isFinite(d.getTime())) throw new CalendarError('INVALID_INSTANT', `invalid instant '${value}'`);
  // reject calendar overflow such as 2026-02-30
  const [, y, mo, da, hh, mi] = m;
  const tz = m[8] ?? 'Z';
  const offMin =
    tz === 'Z' ? 0 : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(-2)));
  const local = new Date(d.getTime() + offMin * MINUTE_MS);
  if (
    local.getUTCFullYear() !== Number(y) ||
    local.getUTCMonth() + 1 !== Number(mo) ||
    local.getUTCDate() !== Number(da) ||
    local.getUTCHours() !== Number(hh) ||
    local.getUTCMinutes() !== Number(mi)
  ) {
    throw new CalendarError('INVALID_INSTANT', `invalid instant '${value}'`);
  }
  return d;
}
