/**
 * Vietnamese lunar calendar (âm lịch), computed for the meridian of UTC+7.
 *
 * Method (the one used by Vietnamese reference calendars, popularised by Hồ Ngọc Đức):
 * - a lunar month starts on the local (UTC+7) day containing an astronomical new moon;
 * - month 11 is the month containing the winter solstice (sun longitude 270°);
 * - when 13 new moons separate two months 11, the first month after month 11 without a
 *   major solar term (trung khí, sun longitude a multiple of 30°) is the leap month.
 * New moons use the truncated series of J. Meeus, "Astronomical Algorithms" (ch. 49);
 * the sun's apparent longitude uses the low-precision series of ch. 25. Both are
 * evaluated at UTC+7, which is why Vietnamese dates can differ from the Chinese (UTC+8)
 * calendar (e.g. Tết 2007: 17/2 in Vietnam, 18/2 in China).
 *
 * All day numbers here are epoch days (days since 1970-01-01), see ./time.
 */
import { epochDayFromYmd, JDN_EPOCH } from './time';

/** Vietnam's meridian; pass 8 to reproduce the (modern) Chinese calendar for comparison. */
export const VN_TZ_HOURS = 7;
const RAD = Math.PI / 180;
const SYNODIC_MONTH = 29.530588853;
/** Julian date of the new moon k = 0 of the series (1900-01-01 13:52 UT). */
const K0_JD = 2_415_021.076998695;

/** Julian date (UT) of the k-th new moon after 1900-01-01. */
export function newMoonJulianDate(k: number): number {
  const t = k / 1236.85;
  const t2 = t * t;
  const t3 = t2 * t;
  let jd = 2_415_020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
  jd += 0.00033 * Math.sin((166.56 + 132.87 * t - 0.009173 * t2) * RAD);
  const m = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * RAD; // sun anomaly
  const mp = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * RAD; // moon anomaly
  const f = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * RAD; // latitude arg.
  let c = (0.1734 - 0.000393 * t) * Math.sin(m) + 0.0021 * Math.sin(2 * m);
  c += -0.4068 * Math.sin(mp) + 0.0161 * Math.sin(2 * mp) - 0.0004 * Math.sin(3 * mp);
  c += 0.0104 * Math.sin(2 * f) - 0.0051 * Math.sin(m + mp) - 0.0074 * Math.sin(m - mp);
  c += 0.0004 * Math.sin(2 * f + m) - 0.0004 * Math.sin(2 * f - m) - 0.0006 * Math.sin(2 * f + mp);
  c += 0.001 * Math.sin(2 * f - mp) + 0.0005 * Math.sin(2 * mp + m);
  // ΔT (TT − UT) in days
  const deltaT =
    t < -11
      ? 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
      : -0.000278 + 0.000265 * t + 0.000262 * t2;
  return jd + c - deltaT;
}

/** Julian day number of the local (UTC+7) day containing the k-th new moon. */
function newMoonJdn(k: number, tz: number): number {
  return Math.floor(newMoonJulianDate(k) + 0.5 + tz / 24);
}

/** Apparent solar longitude in radians [0, 2π) at Julian date `jd` (UT). */
export function sunLongitude(jd: number): number {
  const t = (jd - 2_451_545.0) / 36_525;
  const t2 = t * t;
  const m = (357.5291 + 35_999.0503 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * RAD;
  const l0 = 280.46645 + 36_000.76983 * t + 0.0003032 * t2;
  const dl =
    (1.9146 - 0.004817 * t - 0.000014 * t2) * Math.sin(m) +
    (0.019993 - 0.000101 * t) * Math.sin(2 * m) +
    0.00029 * Math.sin(3 * m);
  const l = (l0 + dl) * RAD;
  const twoPi = 2 * Math.PI;
  return l - twoPi * Math.floor(l / twoPi);
}

/** Index 0..11 of the 30° sector of the sun's longitude at local midnight starting the day `jdn`. */
function sunSector(jdn: number, tz: number): number {
  return Math.floor(sunLongitude(jdn - 0.5 - tz / 24) / (Math.PI / 6));
}

function kNear(jdn: number): number {
  return Math.floor((jdn - K0_JD) / SYNODIC_MONTH + 0.5);
}

/** JDN of the first day of lunar month 11 (the month containing the winter solstice) of Gregorian year y. */
function month11Jdn(y: number, tz: number): number {
  const dec31 = epochDayFromYmd(y, 12, 31) + JDN_EPOCH;
  const k = Math.floor((dec31 - K0_JD) / SYNODIC_MONTH);
  const nm = newMoonJdn(k, tz);
  // if the sun is already past 270° when this month begins, the solstice fell in the previous month
  return sunSector(nm, tz) >= 9 ? newMoonJdn(k - 1, tz) : nm;
}

export interface LunarMonth {
  /** 1..12 */
  month: number;
  leap: boolean;
  /** epoch day of day 1 of the month */
  startDay: number;
  /** 29 or 30 */
  length: number;
}

const yearCache = new Map<string, readonly LunarMonth[]>();

/**
 * Lunar months from month 11 of the lunar year ending in Gregorian year `y - 1`'s winter
 * to month 10 (or its leap) before month 11 of year `y`, i.e. the months whose month 1
 * begins the lunar year that starts (Tết) in Gregorian year `y`.
 */
export function lunarMonthsForYear(y: number, tz = VN_TZ_HOURS): readonly LunarMonth[] {
  const key = `${y}:${tz}`;
  const cached = yearCache.get(key);
  if (cached) return cached;
  const a11 = month11Jdn(y - 1, tz);
  const b11 = month11Jdn(y, tz);
  const k = kNear(a11);
  const count = Math.round((b11 - a11) / SYNODIC_MONTH); // 12 or 13
  const starts: number[] = [];
  for (let i = 0; i <= count; i++) starts.push(newMoonJdn(k + i, tz));
  starts[0] = a11;
  starts[count] = b11;
  let leapIndex = -1;
  if (count === 13) {
    for (let i = 1; i < 13; i++) {
      if (sunSector(starts[i]!, tz) === sunSector(starts[i + 1]!, tz)) {
        leapIndex = i;
        break;
      }
    }
  }
  const months: LunarMonth[] = [];
  let label = 11;
  for (let i = 0; i < count; i++) {
    const leap = i === leapIndex;
    if (i > 0 && !leap) label = (label % 12) + 1;
    const start = starts[i]!;
    months.push({ month: label, leap, startDay: start - JDN_EPOCH, length: starts[i + 1]! - start });
  }
  yearCache.set(key, months);
  return months;
}

/** Epoch day of a lunar date in the lunar year whose Tết falls in Gregorian year `lunarYear`. */
export function lunarToEpochDay(
  lunarYear: number,
  month: number,
  day: number,
  leap = false,
  tz = VN_TZ_HOURS,
): number {
  // months 11 and 12 (and their leaps) of lunar year Y precede the Tết of Y + 1
  const months = lunarMonthsForYear(month >= 11 ? lunarYear + 1 : lunarYear, tz);
  const m = months.find((x) => x.month === month && x.leap === leap);
  if (!m) throw new RangeError(`lunar month ${month}${leap ? ' (leap)' : ''} does not exist in ${lunarYear}`);
  if (day < 1 || day > m.length) throw new RangeError(`lunar day ${day} out of range for that month`);
  return m.startDay + day - 1;
}

/** Epoch day of Tết Nguyên Đán (1/1 lunar) in Gregorian year y. */
export function tetDay(y: number, tz = VN_TZ_HOURS): number {
  return lunarToEpochDay(y, 1, 1, false, tz);
}

/** Epoch day of Giỗ Tổ Hùng Vương (10/3 lunar) in Gregorian year y. */
export function hungKingsDay(y: number): number {
  return lunarToEpochDay(y, 3, 10);
}

export interface LunarDate {
  /** the Gregorian year in which this lunar year's Tết falls */
  year: number;
  month: number;
  day: number;
  leap: boolean;
}

/** Convert an epoch day to the Vietnamese lunar date. */
export function toLunar(epochDay: number): LunarDate {
  const y = new Date(epochDay * 86_400_000).getUTCFullYear();
  for (const candidate of [y + 1, y]) {
    const months = lunarMonthsForYear(candidate);
    for (let i = months.length - 1; i >= 0; i--) {
      const m = months[i]!;
      if (epochDay >= m.startDay) {
        if (epochDay >= m.startDay + m.length) break;
        const year = m.month >= 11 ? candidate - 1 : candidate;
        return { year, month: m.month, day: epochDay - m.startDay + 1, leap: m.leap };
      }
    }
  }
  throw new RangeError(`cannot convert epoch day ${epochDay}`);
}

const CAN = ['Giáp', 'Ất', 'Bính', 'Đinh', 'Mậu', 'Kỷ', 'Canh', 'Tân', 'Nhâm', 'Quý'];
const CHI = ['Tý', 'Sửu', 'Dần', 'Mão', 'Thìn', 'Tỵ', 'Ngọ', 'Mùi', 'Thân', 'Dậu', 'Tuất', 'Hợi'];

/** Sexagenary name of a lunar year, e.g. 2026 → 'Bính Ngọ'. */
export function lunarYearName(year: number): string {
  return `${CAN[(((year + 6) % 10) + 10) % 10]} ${CHI[(((year + 8) % 12) + 12) % 12]}`;
}
