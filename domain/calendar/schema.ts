import { z } from 'zod';
import { safeText } from '../text';

export const IsoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
export const HhmmSchema = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:mm');

export const DayKindSchema = z.enum([
  'holiday',
  'compensatory',
  'swap_off',
  'makeup_workday',
  'local_day_off',
]);

export const CalendarDaySchema = z.object({
  date: IsoDateSchema,
  kind: DayKindSchema,
  name: z.string().min(1),
  source: z.string().min(1),
  provisional: z.boolean(),
  uncertain: z.boolean().optional(),
  note: z.string().optional(),
});

export const YearScheduleSchema = z
  .object({
    year: z.number().int().min(1900).max(2199),
    provisional: z.boolean(),
    sources: z.array(z.string().min(1)),
    days: z.array(CalendarDaySchema),
    note: z.string().optional(),
  })
  .superRefine((y, ctx) => {
    const seen = new Set<string>();
    for (const d of y.days) {
      if (!d.date.startsWith(`${y.year}-`)) {
        ctx.addIssue({ code: 'custom', message: `${d.date} is not in ${y.year}` });
      }
      if (seen.has(d.date)) ctx.addIssue({ code: 'custom', message: `duplicate date ${d.date}` });
      seen.add(d.date);
    }
  });

export const OfficialDataSchema = z.array(YearScheduleSchema);

export const TimeIntervalSchema = z.object({ start: HhmmSchema, end: HhmmSchema });

export const OfficeHoursSchema = z.object({
  workingWeekdays: z.array(z.number().int().min(1).max(7)),
  intervals: z.array(TimeIntervalSchema).min(1),
  weekdayIntervals: z.record(z.string().regex(/^[1-7]$/), z.array(TimeIntervalSchema)).optional(),
});

const LocalDaySchema = z.object({ date: IsoDateSchema, name: z.string().min(1), source: z.string().min(1) });

export const AgencyOverrideSchema = z.object({
  agencyCode: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'agency code: letters, digits, _ . -'),
  revision: z.number().int().min(0),
  officeHours: OfficeHoursSchema.optional(),
  localDaysOff: z.array(LocalDaySchema).optional(),
  localWorkdays: z.array(LocalDaySchema).optional(),
  source: z.string().optional(),
});

const DateSchema = z.date().refine((d) => Number.isFinite(d.getTime()), 'invalid date');

export const PauseSchema = z.object({ start: DateSchema, end: DateSchema });

/** Boundary schema for due requests (the engine re-validates itself; use this at API edges). */
export const DueRequestSchema = z
  .object({
    received: DateSchema,
    workingDays: z.number().positive().finite().optional(),
    workingHours: z.number().positive().finite().optional(),
    calendarDays: z.number().int().positive().optional(),
    pauses: z.array(PauseSchema).optional(),
    sameDayCutoff: HhmmSchema.optional(),
    warningWorkingMinutes: z.number().nonnegative().finite().optional(),
  })
  .refine(
    (r) => [r.workingDays, r.workingHours, r.calendarDays].filter((v) => v !== undefined).length === 1,
    { message: 'exactly one of workingDays, workingHours and calendarDays is required' },
  );

export const DueResultJsonSchema = z.object({
  due: z.string(),
  warning: z.string(),
  calendarVersion: z.string(),
  provisional: z.boolean(),
});

/** A new national calendar version from an announcement (`POST /v1/admin/calendars`, `calendar impact`). */
export const CalendarAmendmentSchema = z
  .object({
    version: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, ".", "_" or "-"'),
    year: z.number().int().min(1900).max(2200),
    // Names and provenance end up in letters and reports: safe text only (domain/text.ts).
    add: z.array(CalendarDaySchema.extend({ name: safeText(200), source: safeText(500) })).default([]),
    remove: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
    sources: z.array(safeText(500)).min(1, 'name the announcement(s) this version follows'),
    provisional: z.boolean().optional(),
  })
  .strict();
