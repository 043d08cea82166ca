import Holidays from 'date-holidays';
import { describe, expect, it } from 'vitest';
import {
  hungKingsDay,
  lunarMonthsForYear,
  lunarYearName,
  tetDay,
  toLunar,
} from '../../domain/calendar/lunar';
import { epochDayFromIso, isoDateOf } from '../../domain/calendar/time';

/**
 * Tết Nguyên Đán (1/1 lunar) in Vietnam, 1990–2050, as published in Vietnamese calendar
 * tables (Hồ Ngọc Đức's "Âm lịch Việt Nam" tables; government schedules for 1990–2026).
 * It equals the Chinese New Year except in 2007 and 2030 (see below).
 */
const TET_VN: Record<number, string> = {
  1990: '1990-01-27',
  1991: '1991-02-15',
  1992: '1992-02-04',
  1993: '1993-01-23',
  1994: '1994-02-10',
  1995: '1995-01-31',
  1996: '1996-02-19',
  1997: '1997-02-07',
  1998: '1998-01-28',
  1999: '1999-02-16',
  2000: '2000-02-05',
  2001: '2001-01-24',
  2002: '2002-02-12',
  2003: '2003-02-01',
  2004: '2004-01-22',
  2005: '2005-02-09',
  2006: '2006-01-29',
  2007: '2007-02-17',
  2008: '2008-02-07',
  2009: '2009-01-26',
  2010: '2010-02-14',
  2011: '2011-02-03',
  2012: '2012-01-23',
  2013: '2013-02-10',
  2014: '2014-01-31',
  2015: '2015-02-19',
  2016: '2016-02-08',
  2017: '2017-01-28',
  2018: '2018-02-16',
  2019: '2019-02-05',
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-02',
  2031: '2031-01-23',
  2032: '2032-02-11',
  2033: '2033-01-31',
  2034: '2034-02-19',
  2035: '2035-02-08',
  2036: '2036-01-28',
  2037: '2037-02-15',
  2038: '2038-02-04',
  2039: '2039-01-24',
  2040: '2040-02-12',
  2041: '2041-02-01',
  2042: '2042-01-22',
  2043: '2043-02-10',
  2044: '2044-01-30',
  2045: '2045-02-17',
  2046: '2046-02-06',
  2047: '2047-01-26',
  2048: '2048-02-14',
  2049: '2049-02-02',
  2050: '2050-01-23',
};

/** Years where the Vietnamese (UTC+7) and Chinese (UTC+8) Tết differ; CN dates as published (HKO). */
const VN_CN_DIFFERENCES: { year: number; vn: string; cn: string; why: string }[] = [
  { year: 1968, vn: '1968-01-29', cn: '1968-01-30', why: 'new moon between 23:00 and 24:00 UTC+8' },
  {
    year: 1985,
    vn: '1985-01-21',
    cn: '1985-02-20',
    why: 'different month 11/leap month: a whole month apart',
  },
  {
    year: 2007,
    vn: '2007-02-17',
    cn: '2007-02-18',
    why: 'new moon 17/2 16:14 UTC = 23:14 in Hà Nội, 00:14 in Beijing',
  },
  { year: 2030, vn: '2030-02-02', cn: '2030-02-03', why: 'new moon 2/2 16:07 UTC' },
  { year: 2053, vn: '2053-02-18', cn: '2053-02-19', why: 'new moon late on 18/2 UTC' },
];

describe('Vietnamese lunar calendar', () => {
  it.each(Object.entries(TET_VN))('puts Tết %s on %s', (year, date) => {
    expect(isoDateOf(tetDay(Number(year)))).toBe(date);
  });

  it.each(VN_CN_DIFFERENCES)('computes Tết $year for Vietnam ($vn), not China ($cn)', ({ year, vn, cn }) => {
    expect(isoDateOf(tetDay(year))).toBe(vn);
    // the same algorithm at UTC+8 reproduces the Chinese date: the difference is the meridian
    expect(isoDateOf(tetDay(year, 8))).toBe(cn);
  });

  it('differs from the UTC+8 (Chinese) computation only in these years between 1960 and 2060', () => {
    // (North Vietnam adopted the UTC+7 calendar in 1967; 1965 is the UTC+7 computation, not the calendar then in use)
    const differing: number[] = [];
    for (let y = 1960; y <= 2060; y++) if (tetDay(y) !== tetDay(y, 8)) differing.push(y);
    expect(differing).toEqual([1965, 1968, 1969, 1985, 2007, 2030, 2053]);
  });

  it.each([
    [2019, '2019-04-14'],
    [2020, '2020-04-02'],
    [2021, '2021-04-21'],
    [2022, '2022-04-10'],
    [2023, '2023-04-29'],
    [2024, '2024-04-18'],
    [2025, '2025-04-07'],
    [2026, '2026-04-26'],
    [2027, '2027-04-16'],
  ])('puts Giỗ Tổ Hùng Vương (10/3 lunar) %i on %s', (year, date) => {
    expect(isoDateOf(hungKingsDay(year))).toBe(date);
  });

  it('knows the last day of the lunar year (30 Chạp exists in some years only)', () => {
    expect(toLunar(epochDayFromIso('2024-02-09'))).toEqual({ year: 2023, month: 12, day: 30, leap: false });
    expect(toLunar(epochDayFromIso('2024-02-08'))).toMatchObject({ month: 12, day: 29 }); // Thông báo 5015: 29 Chạp
    expect(toLunar(epochDayFromIso('2025-01-28'))).toEqual({ year: 2024, month: 12, day: 29, leap: false });
    expect(toLunar(epochDayFromIso('2025-01-25'))).toMatchObject({ month: 12, day: 26 }); // "26 tháng Chạp"
    expect(toLunar(epochDayFromIso('2026-02-14'))).toMatchObject({ month: 12, day: 27 }); // "27 tháng Chạp"
    expect(toLunar(epochDayFromIso('2026-02-22'))).toEqual({ year: 2026, month: 1, day: 6, leap: false });
  });

  it('places leap months (tháng nhuận)', () => {
    const leap = (y: number) =>
      lunarMonthsForYear(y)
        .filter((m) => m.leap)
        .map((m) => [m.month, isoDateOf(m.startDay)]);
    expect(leap(2020)).toEqual([[4, '2020-05-23']]);
    expect(leap(2023)).toEqual([[2, '2023-03-22']]);
    expect(leap(2025)).toEqual([[6, '2025-07-25']]);
    expect(leap(2034)).toEqual([[11, '2033-12-22']]); // the "2033 problem": leap 11th month
  });

  it('round-trips every day 2020–2030 through toLunar', () => {
    const start = epochDayFromIso('2020-01-01');
    const end = epochDayFromIso('2030-12-31');
    let prev = toLunar(start - 1);
    for (let d = start; d <= end; d++) {
      const l = toLunar(d);
      if (l.day === 1) expect(prev.day === 29 || prev.day === 30).toBe(true);
      else expect(l.day).toBe(prev.day + 1);
      prev = l;
    }
  });

  it('names the sexagenary years', () => {
    expect(lunarYearName(2024)).toBe('Giáp Thìn');
    expect(lunarYearName(2025)).toBe('Ất Tỵ');
    expect(lunarYearName(2026)).toBe('Bính Ngọ');
    expect(lunarYearName(1985)).toBe('Ất Sửu');
  });

  it('agrees with date-holidays (VN) on Tết and Giỗ Tổ for 1990–2050, except its Giỗ Tổ 2050', () => {
    // date-holidays puts Giỗ Tổ 2050 on 31/3; the new moon starting lunar month 3 is on
    // 23/3/2050 07:43 (UTC+7), far from midnight, so 10/3 lunar is 1/4/2050.
    const hd = new Holidays('VN');
    const mismatches: string[] = [];
    for (let y = 1990; y <= 2050; y++) {
      const list = hd.getHolidays(y);
      const tet = list.find((h) => h.name === 'Tết Nguyên Đán');
      const gio = list.find((h) => /Hùng Vương/.test(h.name));
      if (tet?.date.slice(0, 10) !== isoDateOf(tetDay(y))) mismatches.push(`Tết ${y}`);
      if (gio?.date.slice(0, 10) !== isoDateOf(hungKingsDay(y))) mismatches.push(`Giỗ Tổ ${y}`);
    }
    expect(mismatches).toEqual(['Giỗ Tổ 2050']);
    expect(isoDateOf(hungKingsDay(2050))).toBe('2050-04-01');
  });
});
