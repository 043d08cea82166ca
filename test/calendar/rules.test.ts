import Holidays from 'date-holidays';
import { describe, expect, it } from 'vitest';
import { defaultCalendar, listDays, statutoryYear } from '../../domain/calendar/index';

const cal = defaultCalendar();
const kinds = (year: number) => statutoryYear(year).days.map((d) => `${d.date} ${d.kind}`);

describe('Labour Code 2019 rules for years without an official schedule (provisional)', () => {
  it('marks every computed day provisional and cites the Labour Code', () => {
    const y = statutoryYear(2027);
    expect(y.provisional).toBe(true);
    for (const d of y.days) {
      expect(d.provisional).toBe(true);
      expect(d.source).toMatch(/Bộ luật Lao động 2019/);
    }
  });

  it('gives Tết as the last day of the lunar year plus mùng 1–4, with compensatory days for the weekend', () => {
    // Tết Đinh Mùi: Saturday 6/2/2027
    expect(kinds(2027).filter((k) => k.startsWith('2027-02'))).toEqual([
      '2027-02-05 holiday',
      '2027-02-06 holiday',
      '2027-02-07 holiday',
      '2027-02-08 holiday',
      '2027-02-09 holiday',
      '2027-02-10 compensatory',
      '2027-02-11 compensatory',
    ]);
  });

  it('gives a compensatory Monday when 1/5 falls on Saturday (2027)', () => {
    expect(kinds(2027)).toContain('2027-05-01 holiday');
    expect(kinds(2027)).toContain('2027-05-03 compensatory');
  });

  it('places the compensatory day after the whole holiday block (30/4/2028 Sunday, 1/5 Monday)', () => {
    // 30/4/2028 Sunday, 1/5/2028 Monday → compensatory Tuesday 2/5
    expect(kinds(2028)).toEqual(
      expect.arrayContaining(['2028-04-30 holiday', '2028-05-01 holiday', '2028-05-02 compensatory']),
    );
  });

  it('picks the day adjacent to 2/9 that joins the weekend', () => {
    expect(kinds(2027)).toEqual(expect.arrayContaining(['2027-09-02 holiday', '2027-09-03 holiday'])); // Thu → Fri
    expect(kinds(2028)).toEqual(expect.arrayContaining(['2028-09-01 holiday', '2028-09-02 holiday'])); // Sat → Fri 1/9
    expect(kinds(2028)).toContain('2028-09-04 compensatory');
  });

  it('reproduces the official 2024 days off from the rules except the 30/4 swap', () => {
    const official = listDays(cal, 2024)
      .filter((d) => d.kind !== 'swap_off' && d.kind !== 'makeup_workday')
      .map((d) => d.date);
    const rules = statutoryYear(2024).days.map((d) => d.date);
    // 2024 Tết: official 8–14/2 = rule baseline 9–13/2 + compensatory 14–15/2 shifted one day earlier
    expect(rules.filter((d) => !d.startsWith('2024-02'))).toEqual(
      official.filter((d) => !d.startsWith('2024-02')),
    );
  });

  it('agrees with date-holidays (VN) on the fixed-date public holidays 1/1, 30/4, 1/5, 2/9 (2020–2040)', () => {
    const hd = new Holidays('VN');
    for (let y = 2020; y <= 2040; y++) {
      const theirs = hd
        .getHolidays(y)
        .filter((h) => h.type === 'public')
        .map((h) => h.date.slice(0, 10))
        .filter((d) => /-(01-01|04-30|05-01|09-02)$/.test(d));
      const ours = listDays(cal, y)
        .filter((d) => d.kind === 'holiday')
        .map((d) => d.date);
      expect(theirs.length, String(y)).toBe(4);
      for (const d of theirs) expect(ours, `${y}: ${d}`).toContain(d);
    }
  });
});
