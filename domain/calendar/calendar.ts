/**
 * Calendar construction (national data + agency layers) and day resolution.
 */
import { NATIONAL_CALENDAR_VERSION, OFFICIAL_YEARS } from './data/vn-official';
import { CalendarError } from './errors';
import { statutoryYear } from './rules';
import { AgencyOverrideSchema, OfficeHoursSchema, OfficialDataSchema, YearScheduleSchema } from './schema';
import { epochDayFromIso, isoWeekday, MINUTE_MS, parseHhmm, yearOfDay } from './time';
import type {
  AgencyOverride,
  CalendarDay,
  DayKind,
  OfficeHours,
  WorkingCalendar,
  YearSchedule,
} from './types';

export const DEFAULT_OFFICE_HOURS: OfficeHours = {
  workingWeekdays: [1, 2, 3, 4, 5],
  intervals: [
    { start: '07:30', end: '11:30' },
    { start: '13:00', end: '17:00' },
  ],
};

export const DEFAULT_INDEX_RANGE = { from: 2000, to: 2060 } as const;

/**
 * Working minutes of one standard working day: the total of the office's default daily
 * intervals (07:30–11:30 + 13:00–17:00 = 480 by default). The one source for "a working day"
 * in hours or minutes: step budgets, catalogue checks and due computations all derive it here.
 */
export function workingMinutesPerDay(hours: OfficeHours = DEFAULT_OFFICE_HOURS): number {
  return hours.intervals.reduce((sum, iv) => sum + parseHhmm(iv.end) - parseHhmm(iv.start), 0);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

let national: WorkingCalendar | undefined;

/** The national calendar from the bundled official data (memoised, immutable). */
export function defaultCalendar(): WorkingCalendar {
  if (national) return national;
  const parsed = OfficialDataSchema.safeParse(OFFICIAL_YEARS);
  if (!parsed.success) {
    throw new CalendarError('INVALID_CALENDAR', `bundled calendar data invalid: ${parsed.error.message}`);
  }
  const years: Record<string, YearSchedule> = {};
  for (const y of parsed.data) {
    for (const d of y.days) epochDayFromIso(d.date);
    years[String(y.year)] = y as YearSchedule;
  }
  national = createCalendar({ version: NATIONAL_CALENDAR_VERSION, years });
  return national;
}

/** Build a calendar from explicit data (e.g. a newer announcement loaded from the database). */
export function createCalendar(input: {
  version: string;
  years: Record<string, YearSchedule>;
  officeHours?: OfficeHours;
  indexRange?: { from: number; to: number };
}): WorkingCalendar {
  const officeHours = input.officeHours ?? DEFAULT_OFFICE_HOURS;
  validateOfficeHours(officeHours);
  const range = input.indexRange ?? DEFAULT_INDEX_RANGE;
  if (!(Number.isInteger(range.from) && Number.isInteger(range.to) && range.from <= range.to)) {
    throw new CalendarError('INVALID_CALENDAR', 'invalid index range');
  }
  return deepFreeze({
    version: input.version,
    timeZone: 'Asia/Ho_Chi_Minh',
    utcOffsetMinutes: 420,
    officeHours: structuredClone(officeHours),
    years: structuredClone(input.years),
    overrides: [],
    indexRange: { from: range.from, to: range.to },
  } satisfies WorkingCalendar);
}

function validateOfficeHours(h: OfficeHours): void {
  const parsed = OfficeHoursSchema.safeParse(h);
  if (!parsed.success)
    throw new CalendarError('INVALID_CALENDAR', `invalid office hours: ${parsed.error.message}`);
  const check = (list: { start: string; end: string }[], what: string) => {
    let prevEnd = -1;
    for (const iv of list) {
      const s = parseHhmm(iv.start);
      const e = parseHhmm(iv.end);
      if (!(s < e) || s < prevEnd) {
        throw new CalendarError(
          'INVALID_CALENDAR',
          `office intervals (${what}) must be sorted and non-overlapping`,
        );
      }
      prevEnd = e;
    }
  };
  check(h.intervals, 'default');
  for (const [k, v] of Object.entries(h.weekdayIntervals ?? {})) check(v, `weekday ${k}`);
  const working = h.workingWeekdays.some((w) => {
    const list = h.weekdayIntervals?.[String(w)] ?? h.intervals;
    return list.length > 0;
  });
  if (!working) throw new CalendarError('INVALID_CALENDAR', 'office hours must open on at least one weekday');
}

/** Layer an agency's office hours and local days over a calendar; the version gains '+CODE.revision'. */
export function withAgencyOverride(base: WorkingCalendar, override: AgencyOverride): WorkingCalendar {
  const parsed = AgencyOverrideSchema.safeParse(override);
  if (!parsed.success) {
    throw new CalendarError('INVALID_OVERRIDE', `invalid agency override: ${parsed.error.message}`);
  }
  const o = parsed.data as AgencyOverride;
  for (const d of [...(o.localDaysOff ?? []), ...(o.localWorkdays ?? [])]) {
    try {
      epochDayFromIso(d.date);
    } catch {
      throw new CalendarError('INVALID_OVERRIDE', `invalid date '${d.date}' in agency override`);
    }
  }
  if (o.officeHours) {
    try {
      validateOfficeHours(o.officeHours);
    } catch (e) {
      throw new CalendarError('INVALID_OVERRIDE', (e as Error).message);
    }
  }
  return deepFreeze({
    ...base,
    version: `${base.version}+${o.agencyCode}.${o.revision}`,
    officeHours: structuredClone(o.officeHours ?? base.officeHours),
    overrides: [...base.overrides, structuredClone(o)],
  } satisfies WorkingCalendar);
}

export interface CalendarAmendment {
  /** the new national version, e.g. 'vn-2026.2' */
  version: string;
  year: number;
  /** days to add (replacing any day with the same date) */
  add?: CalendarDay[];
  /** dates ('YYYY-MM-DD') to remove */
  remove?: string[];
  /** announcements the amendment comes from */
  sources: string[];
  /** the year becomes official (not provisional) unless set to true */
  provisional?: boolean;
}

/**
 * A new national calendar version after an announcement (e.g. a new holiday, or the official
 * schedule of a year that was provisional). Dossiers keep the version their due instant was
 * computed with; recomputing them against the new version is an explicit operation.
 */
export function amendCalendar(base: WorkingCalendar, amendment: CalendarAmendment): WorkingCalendar {
  if (base.overrides.length > 0) {
    throw new CalendarError(
      'INVALID_CALENDAR',
      'amend the national calendar, then re-apply agency overrides',
    );
  }
  if (amendment.version === base.version) {
    throw new CalendarError('INVALID_CALENDAR', 'an amendment needs a new version string');
  }
  const current = base.years[String(amendment.year)] ?? statutoryYear(amendment.year);
  const removed = new Set(amendment.remove ?? []);
  const byDate = new Map<string, CalendarDay>();
  for (const d of current.days) if (!removed.has(d.date)) byDate.set(d.date, d);
  for (const d of amendment.add ?? []) byDate.set(d.date, d);
  const provisional = amendment.provisional ?? false;
  const schedule: YearSchedule = {
    year: amendment.year,
    provisional,
    sources: [...current.sources, ...amendment.sources],
    days: [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
  };
  const parsed = YearScheduleSchema.safeParse(schedule);
  if (!parsed.success)
    throw new CalendarError('INVALID_CALENDAR', `invalid amendment: ${parsed.error.message}`);
  for (const d of schedule.days) epochDayFromIso(d.date);
  return createCalendar({
    version: amendment.version,
    years: { ...structuredClone(base.years), [String(amendment.year)]: schedule },
    officeHours: base.officeHours,
    indexRange: base.indexRange,
  });
}

// ---------------------------------------------------------------------------------------
// Resolution: which days are open, with which intervals (shared by both engines)

const WORKING_KINDS: ReadonlySet<DayKind> = new Set(['makeup_workday']);

export interface ResolvedCalendar {
  readonly calendar: WorkingCalendar;
  /** working milliseconds of one standard working day */
  readonly dayMs: number;
  /** interval patterns: [startMs, endMs, startMs, endMs, …] from local midnight; pattern 0 = closed */
  readonly patterns: readonly Float64Array[];
  /** pattern index of an epoch day */
  patternOfDay(day: number): number;
  /** whether the national schedule of that year is provisional */
  isProvisionalYear(year: number): boolean;
  yearSchedule(year: number): YearSchedule;
}

const resolvedCache = new WeakMap<WorkingCalendar, ResolvedCalendar>();

function toPattern(list: { start: string; end: string }[]): Float64Array {
  const out = new Float64Array(list.length * 2);
  list.forEach((iv, i) => {
    out[2 * i] = parseHhmm(iv.start) * MINUTE_MS;
    out[2 * i + 1] = parseHhmm(iv.end) * MINUTE_MS;
  });
  return out;
}

export function resolveCalendar(cal: WorkingCalendar): ResolvedCalendar {
  const cached = resolvedCache.get(cal);
  if (cached) return cached;

  const h = cal.officeHours;
  const patterns: Float64Array[] = [new Float64Array(0), toPattern(h.intervals)];
  const weekdayPattern = new Int32Array(8); // index by ISO weekday
  for (let w = 1; w <= 7; w++) {
    if (!h.workingWeekdays.includes(w)) continue;
    const specific = h.weekdayIntervals?.[String(w)];
    if (!specific) weekdayPattern[w] = 1;
    else if (specific.length > 0) {
      patterns.push(toPattern(specific));
      weekdayPattern[w] = patterns.length - 1;
    }
  }
  const dayMs = workingMinutesPerDay(h) * MINUTE_MS;

  const yearCache = new Map<number, { schedule: YearSchedule; kinds: Map<number, DayKind> }>();
  const yearData = (year: number) => {
    let y = yearCache.get(year);
    if (!y) {
      const schedule = cal.years[String(year)] ?? statutoryYear(year);
      const kinds = new Map<number, DayKind>();
      for (const d of schedule.days) kinds.set(epochDayFromIso(d.date), d.kind);
      y = { schedule, kinds };
      yearCache.set(year, y);
    }
    return y;
  };

  // agency layers: later layers win
  const local = new Map<number, DayKind>();
  for (const o of cal.overrides) {
    for (const d of o.localDaysOff ?? []) local.set(epochDayFromIso(d.date), 'local_day_off');
    for (const d of o.localWorkdays ?? []) local.set(epochDayFromIso(d.date), 'makeup_workday');
  }

  const patternOfDay = (day: number): number => {
    const kind = local.get(day) ?? yearData(yearOfDay(day)).kinds.get(day);
    const wp = weekdayPattern[isoWeekday(day)]!;
    if (kind === undefined) return wp;
    if (WORKING_KINDS.has(kind)) return wp !== 0 ? wp : 1;
    return 0;
  };

  const resolved: ResolvedCalendar = {
    calendar: cal,
    dayMs,
    patterns,
    patternOfDay,
    isProvisionalYear: (year) => yearData(year).schedule.provisional,
    yearSchedule: (year) => yearData(year).schedule,
  };
  resolvedCache.set(cal, resolved);
  return resolved;
}

/** Days off and make-up working days of a year (national schedule + agency layers), sorted by date. */
export function listDays(calendar: WorkingCalendar, year: number): CalendarDay[] {
  if (!Number.isInteger(year) || year < 1900 || year > 2199) {
    throw new CalendarError('INVALID_YEAR', `year must be an integer in 1900..2199, got ${year}`);
  }
  const schedule = resolveCalendar(calendar).yearSchedule(year);
  const byDate = new Map<string, CalendarDay>();
  for (const d of schedule.days) byDate.set(d.date, { ...d });
  const prefix = `${year}-`;
  for (const o of calendar.overrides) {
    for (const d of o.localDaysOff ?? []) {
      if (!d.date.startsWith(prefix)) continue;
      byDate.set(d.date, {
        date: d.date,
        kind: 'local_day_off',
        name: d.name,
        source: d.source,
        provisional: false,
      });
    }
    for (const d of o.localWorkdays ?? []) {
      if (!d.date.startsWith(prefix)) continue;
      byDate.set(d.date, {
        date: d.date,
        kind: 'makeup_workday',
        name: d.name,
        source: d.source,
        provisional: false,
      });
    }
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
