import {
  type AgencyOverride,
  AgencyOverrideSchema,
  amendCalendar,
  type CalendarAmendment,
  createCalendar,
  defaultCalendar,
  type OfficeHours,
  OfficeHoursSchema,
  OfficialDataSchema,
  type WorkingCalendar,
  withAgencyOverride,
  type YearSchedule,
} from '../domain/calendar';
import type { Prisma, PrismaClient } from './db';

export interface CalendarVersionInfo {
  version: string;
  baseVersion: string | null;
  sources: string[];
  publishedBy: string;
  publishedAt: string;
}

/** An agency's layer as stored; the revision is assigned by the store. */
export type AgencyOverrideInput = Omit<AgencyOverride, 'agencyCode' | 'revision'>;

export class UnknownAgencyError extends Error {
  constructor(readonly agencyCode: string) {
    super(`unknown agency '${agencyCode}'`);
  }
}

export class CalendarVersionExistsError extends Error {
  constructor(readonly version: string) {
    super(`calendar version '${version}' already exists`);
  }
}

/**
 * Versioned calendars in PostgreSQL: the newest published national version is in force;
 * each agency's newest revision is layered on top. Built calendars are cached by version,
 * so the precomputed index is built once per version and process.
 */
export function createCalendarStore(prisma: PrismaClient) {
  const built = new Map<string, WorkingCalendar>();

  const toCalendar = (row: { version: string; officeHours: unknown; years: unknown }): WorkingCalendar => {
    const cached = built.get(row.version);
    if (cached) return cached;
    const years: Record<string, YearSchedule> = {};
    for (const y of OfficialDataSchema.parse(row.years)) years[String(y.year)] = y as YearSchedule;
    const calendar = createCalendar({
      version: row.version,
      years,
      officeHours: OfficeHoursSchema.parse(row.officeHours) as OfficeHours,
    });
    built.set(row.version, calendar);
    return calendar;
  };

  const latestNational = () =>
    prisma.calendarVersion.findFirst({ orderBy: [{ publishedAt: 'desc' }, { version: 'desc' }] });

  const store = {
    /** Stores the bundled national data as a version if the database does not have it yet. */
    async ensureBundled(): Promise<void> {
      const bundled = defaultCalendar();
      await prisma.calendarVersion.upsert({
        where: { version: bundled.version },
        update: {},
        create: {
          version: bundled.version,
          officeHours: bundled.officeHours as unknown as Prisma.InputJsonValue,
          years: Object.values(bundled.years) as unknown as Prisma.InputJsonValue,
          sources: [...new Set(Object.values(bundled.years).flatMap((y) => y.sources))],
          publishedBy: 'bundled data (domain/calendar/data)',
        },
      });
      built.set(bundled.version, bundled);
    },

    /** The national calendar in force. */
    async national(): Promise<WorkingCalendar> {
      const row = await latestNational();
      return row ? toCalendar(row) : defaultCalendar();
    },

    async agencyOverride(agencyCode: string): Promise<AgencyOverride | undefined> {
      const row = await prisma.agencyCalendar.findFirst({
        where: { agencyCode },
        orderBy: { revision: 'desc' },
      });
      return row ? (AgencyOverrideSchema.parse(row.override) as AgencyOverride) : undefined;
    },

    /** The calendar an agency works by: national in force plus its newest layer. */
    async forAgency(agencyCode: string): Promise<WorkingCalendar> {
      const [national, override] = await Promise.all([store.national(), store.agencyOverride(agencyCode)]);
      if (!override) return national;
      const key = `${national.version}+${override.agencyCode}.${override.revision}`;
      const cached = built.get(key);
      if (cached) return cached;
      const calendar = withAgencyOverride(national, override);
      built.set(key, calendar);
      return calendar;
    },

    async agencyExists(agencyCode: string): Promise<boolean> {
      return (await prisma.agency.count({ where: { code: agencyCode } })) === 1;
    },

    async versions(): Promise<CalendarVersionInfo[]> {
      const rows = await prisma.calendarVersion.findMany({
        orderBy: [{ publishedAt: 'desc' }, { version: 'desc' }],
        select: { version: true, baseVersion: true, sources: true, publishedBy: true, publishedAt: true },
      });
      return rows.map((r) => ({ ...r, publishedAt: r.publishedAt.toISOString() }));
    },

    /**
     * Publishes a new national version from an announcement. Due instants already computed stay
     * as they are (each records its version); a clock recomputed later (supplement received,
     * apology) uses the version in force then and records it in its event.
     */
    async publish(amendment: CalendarAmendment, publishedBy: string): Promise<WorkingCalendar> {
      if (
        await prisma.calendarVersion.findUnique({
          where: { version: amendment.version },
          select: { version: true },
        })
      ) {
        throw new CalendarVersionExistsError(amendment.version);
      }
      const base = await store.national();
      const next = amendCalendar(base, amendment);
      const created = await prisma.calendarVersion.createMany({
        data: [
          {
            version: next.version,
            baseVersion: base.version,
            officeHours: next.officeHours as unknown as Prisma.InputJsonValue,
            years: Object.values(next.years) as unknown as Prisma.InputJsonValue,
            sources: amendment.sources,
            publishedBy,
          },
        ],
        skipDuplicates: true,
      });
      if (created.count === 0) throw new CalendarVersionExistsError(next.version);
      built.set(next.version, next);
      return next;
    },

    /** Adds the next revision of an agency's layer (validated against the calendar in force). */
    async setAgencyOverride(agencyCode: string, input: AgencyOverrideInput, createdBy: string) {
      if (!(await store.agencyExists(agencyCode))) throw new UnknownAgencyError(agencyCode);
      return prisma.$transaction(async (tx) => {
        const last = await tx.agencyCalendar.findFirst({
          where: { agencyCode },
          orderBy: { revision: 'desc' },
        });
        const override: AgencyOverride = { ...input, agencyCode, revision: (last?.revision ?? 0) + 1 };
        const calendar = withAgencyOverride(await store.national(), override);
        await tx.agencyCalendar.create({
          data: {
            agencyCode,
            revision: override.revision,
            override: override as unknown as Prisma.InputJsonValue,
            createdBy,
          },
        });
        return calendar;
      });
    },
  };
  return store;
}

export type CalendarStore = ReturnType<typeof createCalendarStore>;
