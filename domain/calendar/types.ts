export type Outcome = 'early' | 'on_time' | 'late';

/** How a completion is classified: `instant` (late after the due instant) or `day` (late on a later day). */
export type ClassificationGranularity = 'instant' | 'day';

export type DayKind = 'holiday' | 'compensatory' | 'swap_off' | 'makeup_workday' | 'local_day_off';

/** A day off or a make-up working day, with provenance. */
export interface CalendarDay {
  /** local date 'YYYY-MM-DD' (Asia/Ho_Chi_Minh) */
  date: string;
  kind: DayKind;
  /** Vietnamese name, e.g. 'Tết Nguyên Đán (mùng 1 tháng Giêng)' */
  name: string;
  /** the announcement or legal text this day comes from */
  source: string;
  /** true when computed from the Labour Code rules rather than taken from an official schedule */
  provisional: boolean;
  /** set when the data could not be fully verified against the primary text */
  uncertain?: boolean;
  note?: string;
}

export interface TimeInterval {
  /** 'HH:mm' local */
  start: string;
  /** 'HH:mm' local, exclusive */
  end: string;
}

export interface OfficeHours {
  /** ISO weekdays (1 = Monday … 7 = Sunday) that are normally working days */
  workingWeekdays: number[];
  /** default daily office intervals; their total is "one working day" */
  intervals: TimeInterval[];
  /** optional weekday-specific intervals (key: ISO weekday '1'..'7') */
  weekdayIntervals?: Record<string, TimeInterval[]>;
}

export interface YearSchedule {
  year: number;
  /** false when the year follows an official announcement */
  provisional: boolean;
  /** the announcements the year is built from */
  sources: string[];
  days: CalendarDay[];
  note?: string;
}

/** A per-agency layer on top of a national calendar. */
export interface AgencyOverride {
  agencyCode: string;
  /** bumped each time the agency changes its calendar; appears in the version string */
  revision: number;
  /** replaces the base office hours */
  officeHours?: OfficeHours;
  /** local days off (kind 'local_day_off') */
  localDaysOff?: { date: string; name: string; source: string }[];
  /** extra local working days (kind 'makeup_workday'), e.g. a Saturday the agency opens */
  localWorkdays?: { date: string; name: string; source: string }[];
  source?: string;
}

export interface WorkingCalendar {
  /** e.g. 'vn-2026.1' or 'vn-2026.1+AGENCY.3' */
  readonly version: string;
  readonly timeZone: 'Asia/Ho_Chi_Minh';
  readonly utcOffsetMinutes: 420;
  readonly officeHours: OfficeHours;
  /** official schedules keyed by year; other years are computed from the rules (provisional) */
  readonly years: Readonly<Record<string, YearSchedule>>;
  /** agency layers applied, oldest first */
  readonly overrides: readonly AgencyOverride[];
  /** years covered by the precomputed index (outside: day-walking fallback) */
  readonly indexRange: { readonly from: number; readonly to: number };
}

export interface Pause {
  start: Date;
  end: Date;
}

export interface DueRequest {
  received: Date;
  workingDays?: number;
  workingHours?: number;
  /**
   * Calendar days ("ngày" where the law does not say working days): due at the closing of the
   * N-th calendar day after receipt, rolled to the next working day's closing when that day is
   * off. Supplement pauses extend it by their length rounded up to whole days.
   */
  calendarDays?: number;
  pauses?: Pause[];
  /** 'HH:mm' local: received at or after this time on a working day → counted from the next working day */
  sameDayCutoff?: string;
  /** default: one working day of the calendar */
  warningWorkingMinutes?: number;
}

export interface DueResult {
  due: Date;
  warning: Date;
  calendarVersion: string;
  provisional: boolean;
}
