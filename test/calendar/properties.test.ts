import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classify,
  computeDue,
  computeDueNaive,
  type DueRequest,
  defaultCalendar,
  type WorkingCalendar,
  withAgencyOverride,
  workingMsBetween,
} from '../../domain/calendar/index';

const cal = defaultCalendar();
const agency = withAgencyOverride(cal, {
  agencyCode: 'PROP',
  revision: 1,
  officeHours: {
    workingWeekdays: [1, 2, 3, 4, 5, 6],
    intervals: [
      { start: '07:00', end: '11:00' },
      { start: '13:30', end: '17:30' },
    ],
    weekdayIntervals: { '6': [{ start: '07:30', end: '11:30' }] },
  },
  localDaysOff: [{ date: '2025-03-14', name: 'Ngày nghỉ địa phương', source: 'test' }],
  localWorkdays: [{ date: '2025-03-16', name: 'Làm việc Chủ nhật', source: 'test' }],
});

const FROM = Date.parse('2023-01-01T00:00:00+07:00');
const TO = Date.parse('2028-12-31T00:00:00+07:00');
const MIN = 60_000;

/** Instants on a 1-minute grid (plus some with seconds) across 2023–2028. */
const instant = fc.oneof(
  fc.integer({ min: FROM / MIN, max: TO / MIN }).map((m) => new Date(m * MIN)),
  fc.integer({ min: FROM, max: TO }).map((ms) => new Date(ms)),
);

const duration = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((n) => ({ workingDays: n })),
  fc.integer({ min: 1, max: 240 }).map((n) => ({ workingHours: n })),
  fc.double({ min: 0.1, max: 30, noNaN: true }).map((n) => ({ workingDays: n })),
);

const pause = fc
  .tuple(instant, fc.integer({ min: 0, max: 20 * 24 * 60 }))
  .map(([s, m]) => ({ start: s, end: new Date(s.getTime() + m * MIN) }));

const request = fc
  .record(
    {
      received: instant,
      duration,
      pauses: fc.array(pause, { maxLength: 3 }),
      sameDayCutoff: fc.constantFrom('15:00', '16:30', '11:00'),
      warningWorkingMinutes: fc.integer({ min: 0, max: 3 * 480 }),
    },
    { requiredKeys: ['received', 'duration'] },
  )
  .map(({ duration: d, ...rest }) => ({ ...rest, ...d }) as DueRequest);

const calendars: [string, WorkingCalendar][] = [
  ['national', cal],
  ['agency override', agency],
];

describe.each(calendars)('properties (%s calendar)', (_name, c) => {
  it('indexed and naive (day-walking) implementations give identical results', () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(computeDue(c, req)).toEqual(computeDueNaive(c, req));
      }),
      { numRuns: 3000 },
    );
  });

  it('due is strictly increasing in the number of working days', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 29 }), (received, n) => {
        const a = computeDue(c, { received, workingDays: n }).due.getTime();
        const b = computeDue(c, { received, workingDays: n + 1 }).due.getTime();
        expect(a).toBeLessThan(b);
      }),
      { numRuns: 1000 },
    );
  });

  it('due is monotonic in the receipt instant', () => {
    fc.assert(
      fc.property(instant, instant, duration, (x, y, d) => {
        const [r1, r2] = x <= y ? [x, y] : [y, x];
        expect(computeDue(c, { received: r1, ...d }).due.getTime()).toBeLessThanOrEqual(
          computeDue(c, { received: r2, ...d }).due.getTime(),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('a pause never makes the due instant earlier', () => {
    fc.assert(
      fc.property(
        instant,
        duration,
        fc.array(pause, { minLength: 1, maxLength: 3 }),
        (received, d, pauses) => {
          const plain = computeDue(c, { received, ...d }).due.getTime();
          const paused = computeDue(c, { received, ...d, pauses }).due.getTime();
          expect(paused).toBeGreaterThanOrEqual(plain);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('without pauses, exactly the budget of office time lies between receipt and due', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 240 }), (received, h) => {
        const r = computeDue(c, { received, workingHours: h });
        expect(workingMsBetween(c, received, r.due)).toBe(h * 3_600_000);
      }),
      { numRuns: 500 },
    );
  });

  it('the warning lies between the receipt and the due instant', () => {
    fc.assert(
      fc.property(request, (req) => {
        const r = computeDue(c, req);
        expect(r.warning.getTime()).toBeGreaterThanOrEqual(req.received.getTime());
        expect(r.warning.getTime()).toBeLessThanOrEqual(r.due.getTime());
      }),
      { numRuns: 1000 },
    );
  });
});

describe('classification properties', () => {
  it('is consistent with the due instant', () => {
    fc.assert(
      fc.property(instant, instant, (due, done) => {
        const o = classify(due, done);
        if (done.getTime() > due.getTime()) expect(o).toBe('late');
        else expect(o === 'early' || o === 'on_time').toBe(true);
        expect(classify(due, due)).toBe('on_time');
        // early ⇒ completed at least one local calendar day before the due instant's day
        if (o === 'early') {
          const day = (d: Date) => Math.floor((d.getTime() + 7 * 3_600_000) / 86_400_000);
          expect(day(done)).toBeLessThan(day(due));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
