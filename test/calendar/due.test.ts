import { describe, expect, it } from 'vitest';
import {
  amendCalendar,
  CalendarError,
  classify,
  computeDue,
  computeDueNaive,
  createCalendar,
  type DueRequest,
  defaultCalendar,
  extendDue,
  formatVietnamInstant,
  isOfficeOpen,
  listDays,
  parseInstant,
  withAgencyOverride,
  workingMsBetween,
} from '../../domain/calendar/index';
import { fmt, vn } from './helpers';

const cal = defaultCalendar();
// Week of Monday 2026-11-23 (no holidays)
const due = (received: string, rest: Omit<DueRequest, 'received'>) =>
  fmt(computeDue(cal, { received: vn(received), ...rest }).due);
const days = (received: string, n: number) => due(received, { workingDays: n });
const hours = (received: string, n: number) => due(received, { workingHours: n });

describe('counting working days from the receipt instant', () => {
  it('is due at the closing time when the count ends at a closing time (Mon 07:30 + 1 day → Mon 17:00)', () => {
    expect(days('2026-11-23 07:30', 1)).toBe('2026-11-23 17:00');
  });
  it('starts counting at the opening when received before office hours', () => {
    expect(days('2026-11-23 06:00', 1)).toBe('2026-11-23 17:00');
  });
  it('counts the exact instant: received Mon 10:00 + 1 day → Tue 10:00', () => {
    expect(days('2026-11-23 10:00', 1)).toBe('2026-11-24 10:00');
    expect(days('2026-11-23 10:17', 3)).toBe('2026-11-26 10:17');
  });
  it('starts counting at the next opening when received during the lunch break', () => {
    expect(days('2026-11-23 12:00', 1)).toBe('2026-11-24 11:30');
    expect(days('2026-11-23 11:30', 1)).toBe('2026-11-24 11:30');
  });
  it('starts counting the next morning when received exactly at closing time', () => {
    expect(days('2026-11-23 17:00', 1)).toBe('2026-11-24 17:00');
  });
  it('starts counting the next morning when received in the evening', () => {
    expect(days('2026-11-23 19:45', 1)).toBe('2026-11-24 17:00');
  });
  it('starts counting on Monday when received on a weekend', () => {
    expect(days('2026-11-21 10:00', 2)).toBe('2026-11-24 17:00');
    expect(days('2026-11-22 23:59', 1)).toBe('2026-11-23 17:00');
  });
  it('skips the weekend in the middle of a count (Fri 16:00 + 1 day → Mon 16:00)', () => {
    expect(days('2026-11-27 16:00', 1)).toBe('2026-11-30 16:00');
  });
  it('starts counting after a holiday when received on a holiday', () => {
    expect(days('2025-09-02 10:00', 1)).toBe('2025-09-03 17:00');
  });
  it('counts 30 working days over holidays (received 2025-08-20)', () => {
    // 20/8 Wed … 30 working days, skipping 1–2/9
    expect(days('2025-08-20 07:30', 30)).toBe('2025-10-02 17:00');
  });
  it('keeps seconds and milliseconds of the receipt', () => {
    const r = computeDue(cal, { received: new Date('2026-11-23T09:15:42.250+07:00'), workingDays: 1 });
    expect(formatVietnamInstant(r.due)).toBe('2026-11-24T09:15:42.250+07:00');
  });
  it('accepts fractional working days (0.5 day = 4 hours)', () => {
    expect(days('2026-11-23 07:30', 0.5)).toBe('2026-11-23 11:30');
  });
  it('spends exactly N × 8 h of office time between the start and the due instant', () => {
    const r = computeDue(cal, { received: vn('2026-11-20 14:10'), workingDays: 7 });
    expect(workingMsBetween(cal, vn('2026-11-20 14:10'), r.due)).toBe(7 * 8 * 3_600_000);
  });
});

describe('hour deadlines ("4 giờ làm việc")', () => {
  it('uses the same arithmetic as days', () => {
    expect(hours('2026-11-23 07:30', 4)).toBe('2026-11-23 11:30');
    expect(hours('2026-11-23 10:00', 4)).toBe('2026-11-23 15:30');
    expect(hours('2026-11-23 16:00', 4)).toBe('2026-11-24 10:30');
    expect(hours('2026-11-23 07:30', 8)).toBe(days('2026-11-23 07:30', 1));
    expect(hours('2026-11-27 16:30', 1)).toBe('2026-11-30 08:00');
  });
  it('accepts fractional hours (1.5 h)', () => {
    expect(hours('2026-11-23 11:00', 1.5)).toBe('2026-11-23 14:00');
  });
});

describe('same-day cut-off', () => {
  const cutoff = (received: string, n = 1) => due(received, { workingDays: n, sameDayCutoff: '15:00' });
  it("counts from the next working day's opening when received after the cut-off", () => {
    expect(cutoff('2026-11-23 15:30')).toBe('2026-11-24 17:00');
    expect(cutoff('2026-11-27 16:00')).toBe('2026-11-30 17:00');
  });
  it('applies at exactly the cut-off time', () => {
    expect(cutoff('2026-11-23 15:00')).toBe('2026-11-24 17:00');
  });
  it('counts from the receipt instant before the cut-off', () => {
    expect(cutoff('2026-11-23 14:59')).toBe('2026-11-24 14:59');
  });
  it('does not matter on days off', () => {
    expect(cutoff('2026-11-21 16:00')).toBe('2026-11-23 17:00');
  });
  it('rejects a malformed cut-off', () => {
    expect(() =>
      computeDue(cal, { received: vn('2026-11-23 08:00'), workingDays: 1, sameDayCutoff: '3pm' }),
    ).toThrow(CalendarError);
  });
});

describe('pauses (supplement requests) stop the clock', () => {
  it('keeps the time used before the pause and resumes at its end', () => {
    // 1.5 h used Monday; resumes Wed 09:00 with 14.5 h left → Thu 17:00
    expect(
      due('2026-11-23 07:30', {
        workingDays: 2,
        pauses: [{ start: vn('2026-11-23 09:00'), end: vn('2026-11-25 09:00') }],
      }),
    ).toBe('2026-11-26 17:00');
  });
  it('resumes at the next opening when the pause ends outside office hours', () => {
    expect(
      due('2026-11-23 07:30', {
        workingDays: 1,
        pauses: [{ start: vn('2026-11-23 11:30'), end: vn('2026-11-23 20:00') }],
      }),
    ).toBe('2026-11-24 11:30');
    expect(
      due('2026-11-23 07:30', {
        workingDays: 1,
        pauses: [{ start: vn('2026-11-23 09:30'), end: vn('2026-11-23 12:15') }],
      }),
    ).toBe('2026-11-24 09:30');
  });
  it('ignores a pause that starts after the due instant', () => {
    expect(
      due('2026-11-23 07:30', {
        workingDays: 1,
        pauses: [{ start: vn('2026-11-23 17:00'), end: vn('2026-11-30 09:00') }],
      }),
    ).toBe('2026-11-23 17:00');
  });
  it('ignores a pause that ended before the receipt and clips one that started before it', () => {
    expect(
      due('2026-11-24 07:30', {
        workingDays: 1,
        pauses: [{ start: vn('2026-11-20 09:00'), end: vn('2026-11-23 09:00') }],
      }),
    ).toBe('2026-11-24 17:00');
    expect(
      due('2026-11-24 07:30', {
        workingDays: 1,
        pauses: [{ start: vn('2026-11-20 09:00'), end: vn('2026-11-24 13:00') }],
      }),
    ).toBe('2026-11-25 11:30');
  });
  it('handles several and overlapping pauses in any order', () => {
    const a = due('2026-11-23 07:30', {
      workingDays: 2,
      pauses: [
        { start: vn('2026-11-24 08:00'), end: vn('2026-11-24 10:00') },
        { start: vn('2026-11-23 08:00'), end: vn('2026-11-23 09:00') },
        { start: vn('2026-11-23 08:30'), end: vn('2026-11-23 10:00') },
      ],
    });
    // paused 08:00–10:00 Monday (2 h) and 08:00–10:00 Tuesday (2 h) → 4 h later than Tue 17:00
    expect(a).toBe('2026-11-25 11:30');
  });
  it('treats a zero-length pause as no pause', () => {
    const p = vn('2026-11-23 09:00');
    expect(due('2026-11-23 07:30', { workingDays: 1, pauses: [{ start: p, end: p }] })).toBe(
      '2026-11-23 17:00',
    );
  });
});

describe('warning instant (apology deadline)', () => {
  it('is one working day before due by default', () => {
    const r = computeDue(cal, { received: vn('2026-11-23 07:30'), workingDays: 3 });
    expect(fmt(r.due)).toBe('2026-11-25 17:00');
    expect(fmt(r.warning)).toBe('2026-11-24 17:00');
    const r2 = computeDue(cal, { received: vn('2026-11-23 10:00'), workingDays: 3 });
    expect(fmt(r2.warning)).toBe('2026-11-25 10:00');
  });
  it('skips days off when counting back', () => {
    const r = computeDue(cal, { received: vn('2026-11-27 10:00'), workingDays: 2 }); // Fri → Tue 10:00
    expect(fmt(r.due)).toBe('2026-12-01 10:00');
    expect(fmt(r.warning)).toBe('2026-11-30 10:00');
  });
  it('is configurable in working minutes', () => {
    const r = computeDue(cal, {
      received: vn('2026-11-23 07:30'),
      workingDays: 3,
      warningWorkingMinutes: 240,
    });
    expect(fmt(r.warning)).toBe('2026-11-25 11:30');
    const r0 = computeDue(cal, {
      received: vn('2026-11-23 07:30'),
      workingDays: 3,
      warningWorkingMinutes: 0,
    });
    expect(r0.warning).toEqual(r0.due);
  });
  it('is half the working time after receipt when the deadline is shorter than the warning period', () => {
    // 4 working hours from Mon 09:00: due 14:30 (lunch skipped); half-way 11:00, not at receipt.
    const r = computeDue(cal, { received: vn('2026-11-23 09:00'), workingHours: 4 });
    expect(fmt(r.due)).toBe('2026-11-23 14:30');
    expect(fmt(r.warning)).toBe('2026-11-23 11:00');
  });
  it('does not fire at receipt for a one-working-day deadline: half a day later', () => {
    const r = computeDue(cal, { received: vn('2026-11-23 07:30'), workingDays: 1 });
    expect(fmt(r.due)).toBe('2026-11-23 17:00');
    expect(fmt(r.warning)).toBe('2026-11-23 11:30');
    expect(computeDueNaive(cal, { received: vn('2026-11-23 07:30'), workingDays: 1 }).warning).toEqual(
      r.warning,
    );
  });
  it('is the later of (due − 1 working day) and (receipt + half the working time)', () => {
    // 2 days: both rules give the same instant; 3 days: one day before due is later.
    const two = computeDue(cal, { received: vn('2026-11-23 07:30'), workingDays: 2 });
    expect(fmt(two.warning)).toBe('2026-11-23 17:00');
    const three = computeDue(cal, { received: vn('2026-11-23 07:30'), workingDays: 3 });
    expect(fmt(three.warning)).toBe('2026-11-24 17:00');
  });
  it('counts half the working time without the supplement pauses', () => {
    // 1 day from Mon 07:30, paused Mon 09:30 → Tue 09:30: due Tue 17:00; half-way (2 h before the
    // pause, 2 h after) Tue 11:30, later than one working day before due (Mon 09:30 + pause = receipt side).
    const req = {
      received: vn('2026-11-23 07:30'),
      workingDays: 1,
      pauses: [{ start: vn('2026-11-23 09:30'), end: vn('2026-11-24 09:30') }],
    };
    const r = computeDue(cal, req);
    expect(fmt(r.due)).toBe('2026-11-24 17:00');
    expect(fmt(r.warning)).toBe('2026-11-24 11:30');
    expect(computeDueNaive(cal, req).warning).toEqual(r.warning);
  });
});

describe('extension (new appointment after an apology)', () => {
  const first = computeDue(cal, { received: vn('2026-11-23 07:30'), workingDays: 3 });
  it('replaces the due instant once and keeps the original due', () => {
    const ext = extendDue(cal, first, { newDue: vn('2026-11-30 17:00') });
    expect(fmt(ext.due)).toBe('2026-11-30 17:00');
    expect(fmt(ext.warning)).toBe('2026-11-27 17:00');
    expect(ext.originalDue).toEqual(first.due);
    expect(ext.extended).toBe(true);
  });
  it('can be expressed in working days after the current due instant', () => {
    const ext = extendDue(cal, first, { workingDays: 2 });
    expect(fmt(ext.due)).toBe('2026-11-27 17:00');
  });
  it('cannot be used twice', () => {
    const ext = extendDue(cal, first, { workingDays: 2 });
    expect(() => extendDue(cal, ext, { workingDays: 1 })).toThrow(
      expect.objectContaining({ code: 'EXTENSION_ALREADY_USED' }),
    );
  });
  it('must move the appointment later', () => {
    expect(() => extendDue(cal, first, { newDue: vn('2026-11-24 17:00') })).toThrow(
      expect.objectContaining({ code: 'INVALID_EXTENSION' }),
    );
  });
  it('keeps a dossier finished after the original due instant late', () => {
    const ext = extendDue(cal, first, { workingDays: 2 });
    expect(classify(ext.originalDue, vn('2026-11-26 09:00'))).toBe('late');
  });
});

describe('classification', () => {
  const d = vn('2026-11-25 17:00');
  it('is early when completed on a calendar day before the due day', () => {
    expect(classify(d, vn('2026-11-24 23:59'))).toBe('early');
    expect(classify(d, vn('2026-11-20 08:00'))).toBe('early');
  });
  it('is on time on the due day up to and including the due instant', () => {
    expect(classify(d, vn('2026-11-25 00:00'))).toBe('on_time');
    expect(classify(d, vn('2026-11-25 17:00'))).toBe('on_time');
  });
  it('is late after the due instant, even on the same day', () => {
    expect(classify(d, vn('2026-11-25 17:00:01'))).toBe('late');
    expect(classify(d, vn('2026-11-26 08:00'))).toBe('late');
  });
  it('uses the Vietnam calendar day, not the UTC day', () => {
    const morning = vn('2026-11-23 08:00'); // 01:00 UTC
    expect(classify(morning, vn('2026-11-23 00:30'))).toBe('on_time'); // still 22/11 in UTC
    expect(classify(morning, vn('2026-11-22 23:30'))).toBe('early');
  });
});

describe('rejecting bad input with a typed CalendarError', () => {
  const base = { received: vn('2026-11-23 08:00') };
  it.each<[string, DueRequest, string]>([
    ['N = 0', { ...base, workingDays: 0 }, 'INVALID_DURATION'],
    ['N < 0', { ...base, workingDays: -1 }, 'INVALID_DURATION'],
    ['N = NaN', { ...base, workingDays: Number.NaN }, 'INVALID_DURATION'],
    ['N = Infinity', { ...base, workingHours: Number.POSITIVE_INFINITY }, 'INVALID_DURATION'],
    ['both days and hours', { ...base, workingDays: 1, workingHours: 2 }, 'AMBIGUOUS_DURATION'],
    ['neither days nor hours', { ...base }, 'AMBIGUOUS_DURATION'],
    ['invalid receipt', { received: new Date('x'), workingDays: 1 }, 'INVALID_INSTANT'],
    [
      'pause ending before it starts',
      { ...base, workingDays: 1, pauses: [{ start: vn('2026-11-23 10:00'), end: vn('2026-11-23 09:00') }] },
      'INVALID_PAUSE',
    ],
    ['negative warning', { ...base, workingDays: 1, warningWorkingMinutes: -5 }, 'INVALID_WARNING'],
  ])('rejects %s', (_label, req, code) => {
    expect(() => computeDue(cal, req)).toThrow(CalendarError);
    expect(() => computeDue(cal, req)).toThrow(expect.objectContaining({ code }));
  });
});

describe('versioned calendars and agency overrides', () => {
  const agency = withAgencyOverride(cal, {
    agencyCode: 'UBND-CGX',
    revision: 3,
    officeHours: {
      workingWeekdays: [1, 2, 3, 4, 5, 6],
      intervals: [
        { start: '07:00', end: '11:00' },
        { start: '13:30', end: '17:30' },
      ],
      weekdayIntervals: { '6': [{ start: '07:30', end: '11:30' }] },
    },
    localDaysOff: [{ date: '2026-11-24', name: 'Ngày nghỉ của địa phương', source: 'Quyết định 12/QĐ-UBND' }],
    localWorkdays: [{ date: '2026-11-29', name: 'Tiếp nhận Chủ nhật', source: 'Quyết định 13/QĐ-UBND' }],
  });

  it('changes the version string', () => {
    expect(agency.version).toBe('vn-2026.1+UBND-CGX.3');
    expect(computeDue(agency, { received: vn('2026-11-23 07:00'), workingDays: 1 }).calendarVersion).toBe(
      'vn-2026.1+UBND-CGX.3',
    );
  });
  it('uses the agency office hours and local days off', () => {
    expect(fmt(computeDue(agency, { received: vn('2026-11-23 07:00'), workingDays: 1 }).due)).toBe(
      '2026-11-23 17:30',
    );
    // Mon 17:30 → Tue is a local day off → Wed
    expect(fmt(computeDue(agency, { received: vn('2026-11-23 17:30'), workingHours: 1 }).due)).toBe(
      '2026-11-25 08:00',
    );
    // Saturday morning only, then the local working Sunday
    expect(fmt(computeDue(agency, { received: vn('2026-11-28 07:30'), workingHours: 6 }).due)).toBe(
      '2026-11-29 09:00',
    );
  });
  it('keeps the national days off under the override', () => {
    expect(fmt(computeDue(agency, { received: vn('2026-09-01 08:00'), workingHours: 1 }).due)).toBe(
      '2026-09-03 08:00',
    );
  });
  it('lists the local days with their source', () => {
    const local = listDays(agency, 2026).filter((d) => d.source.includes('QĐ-UBND'));
    expect(local.map((d) => `${d.date} ${d.kind}`)).toEqual([
      '2026-11-24 local_day_off',
      '2026-11-29 makeup_workday',
    ]);
  });
  it('leaves the base calendar untouched', () => {
    expect(cal.version).toBe('vn-2026.1');
    expect(fmt(computeDue(cal, { received: vn('2026-11-23 17:30'), workingHours: 1 }).due)).toBe(
      '2026-11-24 08:30',
    );
  });
  it('rejects an invalid override', () => {
    expect(() => withAgencyOverride(cal, { agencyCode: 'bad code!', revision: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OVERRIDE' }),
    );
    expect(() =>
      withAgencyOverride(cal, {
        agencyCode: 'X',
        revision: 1,
        localDaysOff: [{ date: '2026-02-30', name: 'x', source: 'y' }],
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OVERRIDE' }));
    expect(() =>
      withAgencyOverride(cal, {
        agencyCode: 'X',
        revision: 1,
        officeHours: { workingWeekdays: [1], intervals: [{ start: '12:00', end: '08:00' }] },
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OVERRIDE' }));
  });
  it('falls back to the day walker outside the index range, with the same arithmetic', () => {
    const narrow = createCalendar({ version: 'test-1', years: {}, indexRange: { from: 2026, to: 2026 } });
    const r = computeDue(narrow, { received: vn('2026-12-30 10:00'), workingDays: 3 });
    expect(fmt(r.due)).toBe('2027-01-05 10:00'); // 31/12, (1/1 holiday), 4/1, 5/1
    expect(r.provisional).toBe(true);
  });
  it('tells whether the office is open at an instant', () => {
    expect(isOfficeOpen(cal, vn('2026-11-23 07:30'))).toBe(true);
    expect(isOfficeOpen(cal, vn('2026-11-23 11:30'))).toBe(false);
    expect(isOfficeOpen(cal, vn('2026-11-21 09:00'))).toBe(false);
  });
});

describe('formatVietnamInstant', () => {
  it('prints ISO 8601 with +07:00', () => {
    expect(formatVietnamInstant(new Date('2026-11-23T10:00:00Z'))).toBe('2026-11-23T17:00:00+07:00');
    expect(formatVietnamInstant(new Date('2026-11-22T17:00:00Z'))).toBe('2026-11-23T00:00:00+07:00');
    expect(formatVietnamInstant(new Date('2026-11-23T10:00:00.5Z'))).toBe('2026-11-23T17:00:00.500+07:00');
  });
});

describe('amending the national calendar (a later announcement)', () => {
  const amended = amendCalendar(cal, {
    version: 'vn-2026.2',
    year: 2026,
    add: [
      {
        date: '2026-11-24',
        kind: 'holiday',
        name: 'Ngày Văn hóa Việt Nam (24/11)',
        source: 'Văn bản giả định cho kiểm thử',
        provisional: false,
      },
    ],
    sources: ['Văn bản giả định cho kiểm thử'],
  });

  it('produces a new version and leaves the old one computing as before', () => {
    const req = { received: vn('2026-11-23 17:00'), workingHours: 1 };
    expect(computeDue(amended, req).calendarVersion).toBe('vn-2026.2');
    expect(fmt(computeDue(amended, req).due)).toBe('2026-11-25 08:30');
    expect(fmt(computeDue(cal, req).due)).toBe('2026-11-24 08:30');
  });

  it('can turn a provisional year official', () => {
    const y2027 = amendCalendar(cal, { version: 'vn-2027.1', year: 2027, sources: ['Thông báo giả định'] });
    expect(computeDue(y2027, { received: vn('2027-03-01 07:30'), workingDays: 1 }).provisional).toBe(false);
    expect(computeDue(cal, { received: vn('2027-03-01 07:30'), workingDays: 1 }).provisional).toBe(true);
  });

  it('refuses to reuse the version string or to amend an agency calendar', () => {
    expect(() => amendCalendar(cal, { version: cal.version, year: 2026, sources: [] })).toThrow(
      CalendarError,
    );
    const agency = withAgencyOverride(cal, { agencyCode: 'A', revision: 1 });
    expect(() => amendCalendar(agency, { version: 'vn-2026.2', year: 2026, sources: [] })).toThrow(
      CalendarError,
    );
  });
});

describe('parseInstant (CLI/API boundary)', () => {
  it('accepts ISO 8601 instants with an offset or Z', () => {
    expect(parseInstant('2026-11-23T07:30:00+07:00').toISOString()).toBe('2026-11-23T00:30:00.000Z');
    expect(parseInstant('2026-11-23T07:30+0700').toISOString()).toBe('2026-11-23T00:30:00.000Z');
    expect(parseInstant('2026-11-23T00:30:00Z').toISOString()).toBe('2026-11-23T00:30:00.000Z');
  });
  it.each([
    '2026-11-23T07:30:00',
    '2026-11-23',
    '2026-02-30T07:30:00+07:00',
    '2026-11-23T24:00:00+07:00',
    'soon',
  ])('rejects %s', (s) => {
    expect(() => parseInstant(s)).toThrow(expect.objectContaining({ code: 'INVALID_INSTANT' }));
  });
});
