import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CalendarDaySchema,
  CalendarError,
  computeDue,
  formatVietnamInstant,
  listDays,
  type Pause,
  parseInstant,
  type WorkingCalendar,
} from '../../../domain/calendar';
import { agencyCodeSchema } from '../../../domain/dossier';
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
    workingDays: positive.optional(),
    workingHours: positive.optional(),
    agency: agencyCodeSchema.optional(),
    pause: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('supplement pause <start ISO>/<end ISO>, repeatable'),
  })
  .refine((q) => (q.workingDays === undefined) !== (q.workingHours === undefined), {
    message: 'give exactly one of workingDays or workingHours',
    path: ['workingDays'],
  });

const dueResponse = z.object({
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

const amendmentBody = z
  .object({
    version: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, ".", "_" or "-"'),
    year: z.number().int().min(1900).max(2200),
    add: z.array(CalendarDaySchema.extend({ name: safeText(200), source: safeText(500) })).default([]),
    remove: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
    sources: z.array(safeText(500)).min(1, 'name the announcement(s) this version follows'),
    provisional: z.boolean().optional(),
  })
  .strict();

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
}

/** Legal-time API: the same computations as `motcua calendar …`, against the calendars in force. */
export const calendarRoutes: FastifyPluginAsyncZod<CalendarRouteDeps> = async (app, { calendars }) => {
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
        summary: 'Due instant (hạn giải quyết) of a deadline in working days or hours',
        tags: ['calendar'],
        querystring: dueQuery,
        response: { 200: dueResponse, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const calendar = await calendarFor(q.agency);
      try {
        const pauses: Pause[] = [q.pause ?? []].flat().map((p) => {
          const parts = p.split('/');
          if (parts.length !== 2)
            throw new CalendarError('INVALID_PAUSE', `pause expects <start>/<end>, got '${p}'`);
          return { start: parseInstant(parts[0]!), end: parseInstant(parts[1]!) };
        });
        const r = computeDue(calendar, {
          received: parseInstant(q.received),
          workingDays: q.workingDays,
          workingHours: q.workingHours,
          pauses,
        });
        return {
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
        const next = await calendars.publish(request.body, request.principal.id);
        request.log.info({ calendarVersion: next.version }, 'calendar version published');
        return reply.status(201).send({ version: next.version });
      } catch (err) {
        if (err instanceof CalendarVersionExistsError)
          throw new ApiError(409, 'calendar_version_exists', err.message);
        return asBadRequest(err);
      }
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
