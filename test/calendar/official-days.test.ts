import { describe, expect, it } from 'vitest';
import {
  computeDue,
  defaultCalendar,
  listDays,
  NATIONAL_CALENDAR_VERSION,
  OFFICIAL_YEARS,
  OfficialDataSchema,
} from '../../domain/calendar/index';
import { fmt, vn } from './helpers';

const cal = defaultCalendar();

/** Received at 09:00 on the day with a 1-working-hour deadline: due 1 h after the next opening. */
const oneHourFrom = (date: string) =>
  fmt(computeDue(cal, { received: vn(`${date} 09:00`), workingHours: 1 }).due);

describe('official schedule 2024 (Thông báo 5015/TB-LĐTBXH; Công văn 2450/VPCP-KGVX)', () => {
  it('lists exactly the official days off and make-up days', () => {
    expect(listDays(cal, 2024).map((d) => `${d.date} ${d.kind}`)).toEqual([
      '2024-01-01 holiday',
      '2024-02-08 holiday',
      '2024-02-09 holiday',
      '2024-02-10 holiday',
      '2024-02-11 holiday',
      '2024-02-12 holiday',
      '2024-02-13 compensatory',
      '2024-02-14 compensatory',
      '2024-04-18 holiday',
      '2024-04-29 swap_off',
      '2024-04-30 holiday',
      '2024-05-01 holiday',
      '2024-05-04 makeup_workday',
      '2024-09-02 holiday',
      '2024-09-03 holiday',
    ]);
    expect(listDays(cal, 2024).every((d) => !d.provisional && d.source.length > 0)).toBe(true);
  });

  it.each([
    ['2024-01-01', '2024-01-02 08:30', 'Tết Dương lịch (Monday)'],
    ['2024-02-08', '2024-02-15 08:30', 'Tết: 29 Chạp'],
    ['2024-02-09', '2024-02-15 08:30', 'Tết: 30 Chạp'],
    ['2024-02-10', '2024-02-15 08:30', 'Tết: mùng 1 (Saturday)'],
    ['2024-02-11', '2024-02-15 08:30', 'Tết: mùng 2 (Sunday)'],
    ['2024-02-12', '2024-02-15 08:30', 'Tết: mùng 3'],
    ['2024-02-13', '2024-02-15 08:30', 'Tết: compensatory'],
    ['2024-02-14', '2024-02-15 08:30', 'Tết: compensatory'],
    ['2024-04-18', '2024-04-19 08:30', 'Giỗ Tổ Hùng Vương'],
    ['2024-04-27', '2024-05-02 08:30', 'Saturday before the 30/4 bridge'],
    ['2024-04-29', '2024-05-02 08:30', 'swap day off for Saturday 4/5'],
    ['2024-04-30', '2024-05-02 08:30', 'Ngày Chiến thắng'],
    ['2024-05-01', '2024-05-02 08:30', 'Quốc tế Lao động'],
    ['2024-08-31', '2024-09-04 08:30', 'Saturday before Quốc khánh'],
    ['2024-09-02', '2024-09-04 08:30', 'Quốc khánh'],
    ['2024-09-03', '2024-09-04 08:30', 'Quốc khánh adjacent day'],
  ])('does not count %s (%s → due %s)', (date, due) => {
    expect(oneHourFrom(date)).toBe(due);
  });

  it('counts the make-up Saturday 4/5/2024 as a working day', () => {
    expect(oneHourFrom('2024-05-04')).toBe('2024-05-04 10:00');
    expect(fmt(computeDue(cal, { received: vn('2024-05-04 07:30'), workingDays: 1 }).due)).toBe(
      '2024-05-04 17:00',
    );
  });

  it('counts the Saturdays around the 2024 holidays that were not make-up days as days off', () => {
    expect(oneHourFrom('2024-05-11')).toBe('2024-05-13 08:30');
  });
});

describe('official schedule 2025 (Công văn 8726/VPCP-KGVX)', () => {
  it('lists exactly the official days off and make-up days', () => {
    expect(listDays(cal, 2025).map((d) => `${d.date} ${d.kind}`)).toEqual([
      '2025-01-01 holiday',
      '2025-01-27 holiday',
      '2025-01-28 holiday',
      '2025-01-29 holiday',
      '2025-01-30 holiday',
      '2025-01-31 holiday',
      '2025-04-07 holiday',
      '2025-04-26 makeup_workday',
      '2025-04-30 holiday',
      '2025-05-01 holiday',
      '2025-05-02 swap_off',
      '2025-09-01 holiday',
      '2025-09-02 holiday',
    ]);
  });

  it.each([
    ['2025-01-01', '2025-01-02 08:30', 'Tết Dương lịch (Wednesday)'],
    ['2025-01-25', '2025-02-03 08:30', 'Tết: first weekend (26 Chạp)'],
    ['2025-01-27', '2025-02-03 08:30', 'Tết: 28 Chạp'],
    ['2025-01-28', '2025-02-03 08:30', 'Tết: 29 Chạp (no 30 Chạp in Giáp Thìn)'],
    ['2025-01-29', '2025-02-03 08:30', 'Tết: mùng 1'],
    ['2025-01-30', '2025-02-03 08:30', 'Tết: mùng 2'],
    ['2025-01-31', '2025-02-03 08:30', 'Tết: mùng 3'],
    ['2025-02-01', '2025-02-03 08:30', 'Tết: mùng 4 (Saturday)'],
    ['2025-04-05', '2025-04-08 08:30', 'Saturday before Giỗ Tổ'],
    ['2025-04-07', '2025-04-08 08:30', 'Giỗ Tổ Hùng Vương (Monday)'],
    ['2025-04-30', '2025-05-05 08:30', 'Ngày Chiến thắng'],
    ['2025-05-01', '2025-05-05 08:30', 'Quốc tế Lao động'],
    ['2025-05-02', '2025-05-05 08:30', 'swap day off for Saturday 26/4'],
    ['2025-05-03', '2025-05-05 08:30', 'Saturday in the bridge'],
    ['2025-08-30', '2025-09-03 08:30', 'Saturday before Quốc khánh'],
    ['2025-09-01', '2025-09-03 08:30', 'Quốc khánh adjacent day'],
    ['2025-09-02', '2025-09-03 08:30', 'Quốc khánh'],
  ])('does not count %s (due %s; %s)', (date, due) => {
    expect(oneHourFrom(date)).toBe(due);
  });

  it('counts the make-up Saturday 26/4/2025 as a working day', () => {
    expect(oneHourFrom('2025-04-26')).toBe('2025-04-26 10:00');
    expect(fmt(computeDue(cal, { received: vn('2025-04-26 08:00'), workingDays: 1 }).due)).toBe(
      '2025-04-28 08:00',
    );
  });

  it('does not invent a make-up Saturday 8/2/2025 (Tết 2025 had no swap)', () => {
    expect(oneHourFrom('2025-02-08')).toBe('2025-02-10 08:30');
  });

  it('carries a dossier received just before the 30/4 bridge over the whole bridge', () => {
    // Tue 29/4 16:00: one hour used that day, the remaining 7 h on Monday 5/5
    expect(fmt(computeDue(cal, { received: vn('2025-04-29 16:00'), workingDays: 1 }).due)).toBe(
      '2025-05-05 16:00',
    );
  });
});

describe('official schedule 2026', () => {
  it('applies the New Year swap (off Friday 2/1, work Saturday 10/1)', () => {
    expect(oneHourFrom('2026-01-01')).toBe('2026-01-05 08:30');
    expect(oneHourFrom('2026-01-02')).toBe('2026-01-05 08:30');
    expect(oneHourFrom('2026-01-10')).toBe('2026-01-10 10:00');
  });

  it('gives 9 days for Tết Bính Ngọ (14/2–22/2)', () => {
    expect(fmt(computeDue(cal, { received: vn('2026-02-13 17:00'), workingHours: 1 }).due)).toBe(
      '2026-02-23 08:30',
    );
  });

  it('gives a compensatory day for Giỗ Tổ on Sunday 26/4 and 4 days for 30/4–3/5', () => {
    expect(oneHourFrom('2026-04-26')).toBe('2026-04-28 08:30');
    expect(oneHourFrom('2026-04-30')).toBe('2026-05-04 08:30');
  });

  it('applies the Quốc khánh swap (off 29/8–2/9, work Saturday 22/8)', () => {
    expect(oneHourFrom('2026-08-22')).toBe('2026-08-22 10:00');
    expect(oneHourFrom('2026-08-31')).toBe('2026-09-03 08:30');
  });

  it('is not provisional, while 2027 is', () => {
    expect(computeDue(cal, { received: vn('2026-11-23 07:30'), workingDays: 5 }).provisional).toBe(false);
    expect(computeDue(cal, { received: vn('2026-12-21 07:30'), workingDays: 15 }).provisional).toBe(true);
    expect(listDays(cal, 2027).every((d) => d.provisional)).toBe(true);
  });
});

describe('calendar data', () => {
  it('validates against the schema and carries a version', () => {
    expect(OfficialDataSchema.safeParse(OFFICIAL_YEARS).success).toBe(true);
    expect(cal.version).toBe(NATIONAL_CALENDAR_VERSION);
    expect(cal.version).toMatch(/^vn-\d{4}\.\d+$/);
  });

  it('records a source and a Vietnamese name for every official day', () => {
    for (const y of OFFICIAL_YEARS) {
      expect(y.provisional).toBe(false);
      for (const d of y.days) {
        expect(d.source.length, d.date).toBeGreaterThan(10);
        expect(d.name.normalize('NFC'), d.date).toBe(d.name); // precomposed diacritics
        expect(d.name).toMatch(/[ăâđêôơưàảãáạèẻẽéẹìỉĩíịòỏõóọùủũúụỳỷỹýỵ]/i);
      }
    }
  });

  it('keeps the make-up days on Saturdays and the days off on weekdays (or weekend holidays)', () => {
    for (const y of OFFICIAL_YEARS) {
      for (const d of y.days) {
        const wd = new Date(`${d.date}T00:00:00Z`).getUTCDay();
        if (d.kind === 'makeup_workday') expect(wd, d.date).toBe(6);
        if (d.kind === 'swap_off' || d.kind === 'compensatory')
          expect(wd === 0 || wd === 6, d.date).toBe(false);
      }
    }
  });

  it('balances each swap: as many make-up Saturdays as swapped days off per year', () => {
    for (const y of OFFICIAL_YEARS) {
      const swaps = y.days.filter((d) => d.kind === 'swap_off').length;
      const makeups = y.days.filter((d) => d.kind === 'makeup_workday').length;
      expect(makeups, String(y.year)).toBe(swaps);
    }
  });
});
