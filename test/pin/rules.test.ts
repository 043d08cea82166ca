import { describe, expect, it } from 'vitest';
import {
  classifyCompletion,
  computeDue,
  computeDueNaive,
  createCalendar,
  DEFAULT_OFFICE_HOURS,
  defaultCalendar,
  workingMinutesPerDay,
} from '../../domain/calendar';
import { buildDueRequest, deadlineOf, recomputeClock } from '../../domain/deadline';
import { deadlineHours, planSteps } from '../../domain/reference';
import { ruleSetInForce } from '../../domain/rulesets';
import { fmt, vn } from '../calendar/helpers';

const calendar = defaultCalendar();

describe('legal rule-sets as data with effective dates', () => {
  it('pins Decree 61/2018 to a receipt on 30/6/2025 and Decree 118/2025 from 1/7/2025 (local time)', () => {
    const before = ruleSetInForce(vn('2025-06-30 23:59'));
    const after = ruleSetInForce(vn('2025-07-01 00:00'));
    expect(before).toMatchObject({
      id: 'nd-61-2018',
      apologyForm: {
        id: 'mau-04',
        title: 'Phiếu xin lỗi và hẹn lại ngày trả kết quả',
        circular: 'Thông tư 01/2018/TT-VPCP',
      },
      classificationGranularity: 'instant',
    });
    expect(after).toMatchObject({
      id: 'nd-118-2025',
      effectiveFrom: '2025-07-01',
      apologyForm: {
        title: 'Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết',
        circular: 'Thông tư 03/2025/TT-VPCP',
      },
    });
  });

  it('lets a deployment choose day granularity without changing the rule-set', () => {
    expect(ruleSetInForce(vn('2026-11-23 09:00'), 'day')).toMatchObject({
      id: 'nd-118-2025',
      classificationGranularity: 'day',
    });
  });
});

describe('calendar-day deadlines ("ngày" where the law does not say working days)', () => {
  const due = (received: string, days: number, extra: Partial<Parameters<typeof buildDueRequest>[2]> = {}) =>
    computeDue(calendar, buildDueRequest({ amount: days, unit: 'calendar_days' }, vn(received), extra));

  it('is due at the closing of the N-th calendar day when that day is a working day', () => {
    expect(fmt(due('2026-11-23 09:00', 4).due)).toBe('2026-11-27 17:00');
  });

  it('rolls a due day that falls on a weekend to the next working day closing', () => {
    const r = due('2026-11-23 09:00', 5); // Saturday 28/11
    expect(fmt(r.due)).toBe('2026-11-30 17:00');
    // The apology deadline stays one working day before.
    expect(fmt(r.warning)).toBe('2026-11-27 17:00');
  });

  it('rolls past a public holiday (1/1) and the weekend after it', () => {
    expect(fmt(due('2026-12-29 10:00', 3).due)).toBe('2027-01-04 17:00');
  });

  it('counts from the next day after the same-day cut-off, and gives a pause back in whole days', () => {
    const withCutoff = computeDue(
      calendar,
      buildDueRequest({ amount: 4, unit: 'calendar_days', sameDayCutoff: '15:00' }, vn('2026-11-23 16:00')),
    );
    expect(fmt(withCutoff.due)).toBe('2026-11-30 17:00');
    const paused = due('2026-11-23 09:00', 4, {
      pauses: [{ start: vn('2026-11-24 09:00'), end: vn('2026-11-24 11:00') }],
    });
    expect(fmt(paused.due)).toBe('2026-11-30 17:00');
  });

  it('agrees between the indexed and the naive engine', () => {
    const req = buildDueRequest({ amount: 10, unit: 'calendar_days' }, vn('2026-04-25 10:00'));
    expect(computeDueNaive(calendar, req)).toEqual(computeDue(calendar, req));
  });

  it('refuses a request that names two units', () => {
    expect(() =>
      computeDue(calendar, { received: vn('2026-11-23 09:00'), workingDays: 1, calendarDays: 1 }),
    ).toThrow(/one of/);
  });
});

describe('one place builds a due request from a procedure', () => {
  it("carries the procedure's same-day cut-off and unit", () => {
    const deadline = deadlineOf({
      deadlineWorkingDays: null,
      deadlineWorkingHours: 4,
      deadlineCalendarDays: null,
      sameDayCutoff: '15:00',
    });
    expect(deadline).toEqual({ amount: 4, unit: 'working_hours', sameDayCutoff: '15:00' });
    expect(buildDueRequest(deadline, vn('2026-11-23 15:30'))).toEqual({
      received: vn('2026-11-23 15:30'),
      workingHours: 4,
      sameDayCutoff: '15:00',
    });
    // 15:30 is after the cut-off: the count starts Tuesday morning.
    expect(fmt(computeDue(calendar, buildDueRequest(deadline, vn('2026-11-23 15:30'))).due)).toBe(
      '2026-11-24 11:30',
    );
  });

  it('recomputes a resumed clock from the deadline it is given, not from any catalogue', () => {
    const clock = recomputeClock(calendar, {
      deadline: { amount: 2, unit: 'working_days' },
      receivedAt: vn('2026-11-23 07:30'),
      pauses: [{ start: vn('2026-11-23 11:30'), end: vn('2026-11-24 11:30') }],
    });
    expect(fmt(clock.due)).toBe('2026-11-25 17:00');
    expect(clock.originalDue).toEqual(clock.due);
  });
});

describe('working minutes per day come from the office hours', () => {
  it('is 480 minutes on the default office hours and follows an agency that opens longer', () => {
    expect(workingMinutesPerDay()).toBe(480);
    const longer = {
      ...DEFAULT_OFFICE_HOURS,
      intervals: [
        { start: '07:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
    };
    expect(workingMinutesPerDay(longer)).toBe(540);
    // A one-step plan gets the whole deadline in that agency's working hours.
    const plan = planSteps({ steps: [], deadlineWorkingDays: 2, deadlineWorkingHours: null }, 'X-A', 540);
    expect(plan[0]!.budgetWorkingHours).toBe(18);
    expect(deadlineHours({ deadlineWorkingDays: 2, deadlineWorkingHours: null })).toBe(16);
    // And the engine's working day is the same quantity.
    const cal = createCalendar({ version: 't', years: {}, officeHours: longer });
    const r = computeDue(cal, { received: vn('2026-11-23 07:00'), workingDays: 1 });
    expect(fmt(r.due)).toBe('2026-11-23 17:00');
  });
});

describe('classification granularity', () => {
  const due = vn('2026-11-27 11:00');
  const verdicts = (completed: string, granularity: 'instant' | 'day', overdueFired = false) =>
    classifyCompletion({ originalDueAt: due, completedAt: vn(completed), granularity, overdueFired });

  it('keeps both verdicts and counts the instant one by default', () => {
    expect(verdicts('2026-11-27 15:00', 'instant')).toEqual({
      outcome: 'late',
      outcomeByInstant: 'late',
      outcomeByDay: 'on_time',
    });
  });

  it('counts a finish on the due day as on time under day granularity', () => {
    expect(verdicts('2026-11-27 15:00', 'day').outcome).toBe('on_time');
    expect(verdicts('2026-11-28 08:00', 'day').outcome).toBe('late');
    expect(verdicts('2026-11-26 16:00', 'day').outcome).toBe('early');
  });

  it('never classifies early or on time by instant once the overdue alarm fired', () => {
    expect(verdicts('2026-11-26 16:00', 'instant', true)).toEqual({
      outcome: 'late',
      outcomeByInstant: 'late',
      outcomeByDay: 'on_time',
    });
  });
});
