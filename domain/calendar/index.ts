/**
 * Legal-time engine (pure: no I/O, no clock reads). See DESIGN.md "Legal time".
 */
export {
  amendCalendar,
  type CalendarAmendment,
  createCalendar,
  DEFAULT_INDEX_RANGE,
  DEFAULT_OFFICE_HOURS,
  defaultCalendar,
  listDays,
  withAgencyOverride,
  workingMinutesPerDay,
} from './calendar';
export { NATIONAL_CALENDAR_VERSION, OFFICIAL_YEARS } from './data/vn-official';
export {
  type CompletionVerdicts,
  classify,
  classifyByDay,
  classifyCompletion,
  computeDue,
  computeDueNaive,
  type ExtendedDueResult,
  extendDue,
  isOfficeOpen,
  warmCalendar,
  workingMsBetween,
} from './engine';
export { CalendarError, type CalendarErrorCode, isCalendarError } from './errors';
export { hungKingsDay, type LunarDate, lunarToEpochDay, lunarYearName, tetDay, toLunar } from './lunar';
export { statutoryYear } from './rules';
export {
  AgencyOverrideSchema,
  CalendarAmendmentSchema,
  CalendarDaySchema,
  DueRequestSchema,
  DueResultJsonSchema,
  OfficeHoursSchema,
  OfficialDataSchema,
  YearScheduleSchema,
} from './schema';
export { epochDayFromIso, formatVietnamInstant, isoDateOf, parseInstant } from './time';
export type {
  AgencyOverride,
  CalendarDay,
  ClassificationGranularity,
  DayKind,
  DueRequest,
  DueResult,
  OfficeHours,
  Outcome,
  Pause,
  TimeInterval,
  WorkingCalendar,
  YearSchedule,
} from './types';
