import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CalendarAmendmentSchema,
  CalendarDaySchema,
  CalendarError,
  computeDue,
  formatVietnamInstant,
  listDays,
  type Pause,
  parseInstant,
  type WorkingCalendar,
} from '../../../domain/calendar';
import { buildDueRequest } from '../../../domain/deadline';
import { agencyCodeSchema, procedureCodeSchema } from '../../../domain/dossier';
import { type Deadline, deadlineSchema } from '../../../domain/rulesets';
import { safeText } from '../../../domain/text';
import { type CalendarStore, CalendarVersionExistsError, UnknownAgencyError } from '../../calendars';
import type { Config } from '../../config';
import { requireRole } from '../auth';
import { ApiError } from '../errors';

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
const positive = z.coerce.number().positive();

const dueQuery = z
  .object({
    received: z.string().describe('receipt instant, ISO 8601 with offset'),
    procedure: procedureCodeSchema
      .optional()
      .describe("use this procedure's deadline, unit and same-day cut-off in force at `received`"),
    workingDays: positive.optional(),
    workingHours: positive.optional(),
    calendarDays: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .describe('calendar days ("ngày"): due on a day off → the next working day closing'),
    cutoff: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm')
      .optional()
      .describe('same-day cut-off HH:mm: received at or after it counts from the next working day'),
    agency: agencyCodeSchema.optional(),
    pause: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('supplement pause <start ISO>/<end ISO>, repeatable'),
  })
  .refine(
    (q) =>
      [q.workingDays, q.workingHours, q.calendarDays].filter((v) => v !== undefined).length ===
      (q.procedure === undefined ? 1 : 0),
    {
      message: 'give a procedure, or exactly one of workingDays, workingHours or calendarDays',
      path: ['workingDays'],
    },
  )
  .refine((q) => q.procedure === undefined || q.cutoff === undefined, {
    message: "a procedure brings its own same-day cut-off: don't give cutoff with it",
    path: ['cutoff'],
  });

const dueResponse = z.object({
  deadline: deadlineSchema.describe('the deadline the due instant was computed from'),
  due: z.string(),
  warning: z.string(),
  calendarVersion: z.string(),
  provisional: z.boolean(),
});

const daysResponse = z.object({
  calendarVersion: z.string(),
  year: z.number().int(),
  provisional: z.boolean(),
  days: z.array(CalendarDaySchema),
});

const amendmentBody = CalendarAmendmentSchema;

const impactResponse = z.object({
  fromVersion: z.string().describe('national version in force'),
  toVersion: z.string().describe('the version proposed'),
  checked: z.number().int().describe('open dossiers looked at'),
  moves: z.array(
    z.object({
      code: z.string(),
      agencyCode: z.string(),
      procedureCode: z.string(),
      dueAt: z.string(),
      newDueAt: z.string(),
      movedMinutes: z.number().int(),
      movedWorkingMinutes: z.number().int(),
      originalDueAt: z.string(),
      newOriginalDueAt: z.string(),
    }),
  ),
});

const overrideBody = z
  .object({
    officeHours: z.unknown().optional(),
    localDaysOff: z
      .array(z.object({ date: z.string(), name: safeText(200), source: safeText(500) }))
      .optional(),
    localWorkdays: z
      .array(z.object({ date: z.string(), name: safeText(200), source: safeText(500) }))
      .optional(),
    source: safeText(500),
  })
  .strict();

export interface CalendarRouteDeps {
  config: Pick<Config, 'MOTCUA_ADMIN_TOKEN'>;
  calendars: CalendarStore;
  /** A procedure's deadline in force at an instant (the catalogue version a dossier would pin). */
  procedureDeadline?: (procedureCode: string, at: Date) => Promise<Deadline | undefined>;
}

/** Legal-time API: the same computations as `motcua calendar …`, against the calendars in force. */
export const calendarRoutes: FastifyPluginAsyncZod<CalendarRouteDeps> = async (
  app,
  { calendars, procedureDeadline },
) => {
  const calendarFor = async (agency: string | undefined): Promise<WorkingCalendar> => {
    if (agency === undefined) return calendars.national();
    if (!(await calendars.agencyExists(agency)))
      throw new ApiError(404, 'agency_not_found', `No agency ${agency}`);
    return calendars.forAgency(agency);
  };
  const asBadRequest = (err: unknown): never => {
    if (err instanceof CalendarError)
      throw new ApiError(400, 'invalid_calendar_request', err.message, { reason: err.code });
    throw err;
  };

  app.get(
    '/v1/calendar/due',
    {
      schema: {
        summary:
          "Due instant (hạn giải quyết) of a procedure's deadline, or of a deadline in working days, working hours or calendar days",
        tags: ['calendar'],
        querystring: dueQuery,
        response: { 200: dueResponse, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const calendar = await calendarFor(q.agency);
      let received: Date;
      try {
        received = parseInstant(q.received);
      } catch (err) {
        return asBadRequest(err);
      }
      let deadline: Deadline;
      if (q.procedure !== undefined) {
        const found = await procedureDeadline?.(q.procedure, received);
        if (!found) throw new ApiError(404, 'procedure_not_found', `No procedure ${q.procedure}`);
        deadline = found;
      } else {
        deadline =
          q.workingDays !== undefined
            ? { amount: q.workingDays, unit: 'working_days' }
            : q.workingHours !== undefined
              ? { amount: q.workingHours, unit: 'working_hours' }
              : { amount: q.calendarDays!, unit: 'calendar_days' };
        if (q.cutoff !== undefined) deadline.sameDayCutoff = q.cutoff;
      }
      try {
        const pauses: Pause[] = [q.pause ?? []].flat().map((p) => {
          const parts = p.split('/');
          if (parts.length !== 2)
            throw new CalendarError('INVALID_PAUSE', `pause expects <start>/<end>, got '${p}'`);
          return { start: parseInstant(parts[0]!), end: parseInstant(parts[1]!) };
        });
        const r = computeDue(calendar, buildDueRequest(deadline, received, { pauses }));
        return {
          deadline,
          due: formatVietnamInstant(r.due),
          warning: formatVietnamInstant(r.warning),
          calendarVersion: r.calendarVersion,
          provisional: r.provisional,
        };
      } catch (err) {
        return asBadRequest(err);
      }
    },
  );

  app.get(
    '/v1/calendar/days',
    {
      schema: {
        summary: 'Days off and make-up working days of a year, each with its source',
        tags: ['calendar'],
        querystring: z.object({
          year: z.coerce.number().int().min(1900).max(2200),
          agency: agencyCodeSchema.optional(),
        }),
        response: { 200: daysResponse, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const calendar = await calendarFor(request.query.agency);
      const year = request.query.year;
      const schedule = calendar.years[String(year)];
      return {
        calendarVersion: calendar.version,
        year,
        provisional: schedule ? schedule.provisional : true,
        days: listDays(calendar, year),
      };
    },
  );

  app.get(
    '/v1/calendar/versions',
    {
      schema: {
        summary: 'Published national calendar versions, newest (in force) first',
        tags: ['calendar'],
        response: {
          200: z.array(
            z.object({
              version: z.string(),
              baseVersion: z.string().nullable(),
              sources: z.array(z.string()),
              publishedBy: z.string(),
              publishedAt: z.string(),
            }),
          ),
        },
      },
    },
    async () => calendars.versions(),
  );

  app.post(
    '/v1/admin/calendars',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary: 'Publish a new national calendar version from an announcement (admin)',
        tags: ['admin'],
        body: amendmentBody,
        response: {
          201: z.object({ version: z.string() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        const { calendar: next, impact } = await calendars.publish(request.body, request.principal.id);
        request.log.info(
          { calendarVersion: next.version, movedDossiers: impact.moves.length },
          'calendar version published',
        );
        return reply.status(201).send({ version: next.version });
      } catch (err) {
        if (err instanceof CalendarVersionExistsError)
          throw new ApiError(409, 'calendar_version_exists', err.message);
        return asBadRequest(err);
      }
    },
  );

  app.post(
    '/v1/admin/calendars/impact',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary:
          'Before publishing: the open dossiers whose due instant a calendar version would move, and by how much (admin)',
        tags: ['admin'],
        body: amendmentBody,
        response: {
          200: impactResponse,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      if ((await calendars.versions()).some((v) => v.version === request.body.version))
        throw new ApiError(
          409,
          'calendar_version_exists',
          `calendar version '${request.body.version}' already exists`,
        );
      try {
        return await calendars.impact(request.body);
      } catch (err) {
        return asBadRequest(err);
      }
    },
  );

  app.get(
    '/v1/admin/calendars/:version/impact',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary:
          'The open dossiers a published calendar version moved, as recorded when it was published (admin)',
        tags: ['admin'],
        params: z.object({ version: z.string().min(1).max(200) }),
        response: {
          200: z.object({ version: z.string(), impact: impactResponse.nullable() }),
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const found = await calendars.recordedImpact(request.params.version);
      if (!found)
        throw new ApiError(
          404,
          'calendar_version_not_found',
          `No calendar version ${request.params.version}`,
        );
      return { version: request.params.version, impact: found.impact };
    },
  );

  app.put(
    '/v1/admin/agencies/:code/calendar',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary: "Set an agency's calendar layer (office hours, local days off); adds a revision (admin)",
        tags: ['admin'],
        params: z.object({ code: agencyCodeSchema }),
        body: overrideBody,
        response: {
          200: z.object({ calendarVersion: z.string() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      try {
        const calendar = await calendars.setAgencyOverride(
          request.params.code,
          request.body as Parameters<CalendarStore['setAgencyOverride']>[1],
          request.principal.id,
        );
        return { calendarVersion: calendar.version };
      } catch (err) {
        if (err instanceof UnknownAgencyError) throw new ApiError(404, 'agency_not_found', err.message);
        if (err instanceof CalendarError) throw new ApiError(400, 'invalid_calendar_override', err.message);
        throw err;
      }
    },
  );
};
