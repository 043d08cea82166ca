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
import { type CalendarImpact, calendarImpact } from './calendar-impact';
import type { Prisma, PrismaClient } from './db';
import { noReferenceCache, type ReferenceCache } from './reference-cache';

export interface CalendarVersionInfo {
  version: string;
  baseVersion: string | null;
  sources: string[];
  publishedBy: string;
  publishedAt: string;
}

/** Who published the versions that come with the code (domain/calendar/data). */
export const BUNDLED_PUBLISHER = 'bundled data (domain/calendar/data)';
const REBASED_PUBLISHER = 'bundled data (domain/calendar/data), with the amendments published by admins';

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
const yearsOf = (json: unknown): Record<string, YearSchedule> => {
  const years: Record<string, YearSchedule> = {};
  for (const y of OfficialDataSchema.parse(json)) years[String(y.year)] = y as YearSchedule;
  return years;
};

/**
 * `cache`: the calendar in force and the agencies' layers stay in memory until a calendar version
 * or an agency layer is published (services/reference-cache.ts); by default they are read each time.
 */
export function createCalendarStore(prisma: PrismaClient, cache: ReferenceCache = noReferenceCache) {
  const built = new Map<string, WorkingCalendar>();

  const toCalendar = (row: { version: string; officeHours: unknown; years: unknown }): WorkingCalendar => {
    const cached = built.get(row.version);
    if (cached) return cached;
    const calendar = createCalendar({
      version: row.version,
      years: yearsOf(row.years),
      officeHours: OfficeHoursSchema.parse(row.officeHours) as OfficeHours,
    });
    built.set(row.version, calendar);
    return calendar;
  };

  const latestNational = () =>
    prisma.calendarVersion.findFirst({ orderBy: [{ publishedAt: 'desc' }, { version: 'desc' }] });
  /** Read from PostgreSQL, never from the cache: what a new version or layer is built on. */
  const readNational = async () => {
    const row = await latestNational();
    return row ? toCalendar(row) : defaultCalendar();
  };

  const sourcesOf = (c: WorkingCalendar) => [...new Set(Object.values(c.years).flatMap((y) => y.sources))];

  /**
   * The years an admin amended on top of the bundled data: walks the version chain of `row` down
   * to the bundled version it was based on and keeps each year that differs from it.
   */
  const amendedYears = async (row: { version: string; baseVersion: string | null; years: unknown }) => {
    const inForce = yearsOf(row.years);
    let base = row.baseVersion
      ? await prisma.calendarVersion.findUnique({ where: { version: row.baseVersion } })
      : null;
    for (let hops = 0; base && base.publishedBy !== BUNDLED_PUBLISHER && hops < 1000; hops++) {
      base = base.baseVersion
        ? await prisma.calendarVersion.findUnique({ where: { version: base.baseVersion } })
        : null;
    }
    const baseYears = base ? yearsOf(base.years) : {};
    const amended: Record<string, YearSchedule> = {};
    for (const [year, schedule] of Object.entries(inForce)) {
      if (JSON.stringify(schedule) !== JSON.stringify(baseYears[year])) amended[year] = schedule;
    }
    return amended;
  };

  const readAgencyOverride = async (agencyCode: string): Promise<AgencyOverride | undefined> => {
    const row = await prisma.agencyCalendar.findFirst({
      where: { agencyCode },
      orderBy: { revision: 'desc' },
    });
    return row ? (AgencyOverrideSchema.parse(row.override) as AgencyOverride) : undefined;
  };

  const store = {
    /**
     * Stores the bundled national data as a version if the database does not have it yet. A newer
     * bundled version never overrides what admins published: when the calendar in force is an
     * admin's amendment, the years admins amended are carried over onto the new bundled data as
     * one more version (`<bundled>+<admin version>`), which becomes the one in force.
     */
    async ensureBundled(bundled: WorkingCalendar = defaultCalendar()): Promise<void> {
      built.set(bundled.version, bundled);
      await prisma.$transaction(async (tx) => {
        if (
          await tx.calendarVersion.findUnique({
            where: { version: bundled.version },
            select: { version: true },
          })
        )
          return;
        const inForce = await tx.calendarVersion.findFirst({
          orderBy: [{ publishedAt: 'desc' }, { version: 'desc' }],
        });
        const now = Date.now();
        await tx.calendarVersion.createMany({
          data: [
            {
              version: bundled.version,
              officeHours: bundled.officeHours as unknown as Prisma.InputJsonValue,
              years: Object.values(bundled.years) as unknown as Prisma.InputJsonValue,
              sources: sourcesOf(bundled),
              publishedBy: BUNDLED_PUBLISHER,
              publishedAt: new Date(now),
            },
          ],
          skipDuplicates: true,
        });
        if (!inForce || inForce.publishedBy === BUNDLED_PUBLISHER) return;
        const amended = await amendedYears(inForce);
        const rebased = createCalendar({
          version: `${bundled.version}+${inForce.version}`,
          years: { ...structuredClone(bundled.years), ...structuredClone(amended) },
          officeHours: OfficeHoursSchema.parse(inForce.officeHours) as OfficeHours,
        });
        await tx.calendarVersion.createMany({
          data: [
            {
              version: rebased.version,
              baseVersion: bundled.version,
              officeHours: rebased.officeHours as unknown as Prisma.InputJsonValue,
              years: Object.values(rebased.years) as unknown as Prisma.InputJsonValue,
              sources: sourcesOf(rebased),
              publishedBy: REBASED_PUBLISHER,
              publishedAt: new Date(now + 1),
            },
          ],
          skipDuplicates: true,
        });
      });
    },

    /** The national calendar in force. */
    national(): Promise<WorkingCalendar> {
      return cache.get('calendar:national', readNational);
    },

    agencyOverride(agencyCode: string): Promise<AgencyOverride | undefined> {
      return cache.get(`calendar:agency:${agencyCode}`, () => readAgencyOverride(agencyCode));
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

    /** The impact recorded when a version was published; undefined for an unknown version. */
    async recordedImpact(version: string): Promise<{ impact: CalendarImpact | null } | undefined> {
      const row = await prisma.calendarVersion.findUnique({ where: { version }, select: { impact: true } });
      return row ? { impact: (row.impact as unknown as CalendarImpact | null) ?? null } : undefined;
    },

    /**
     * What publishing `amendment` would do to open dossiers: those whose due instant would move,
     * and by how much (nothing is stored).
     */
    async impact(amendment: CalendarAmendment): Promise<CalendarImpact> {
      const base = await readNational();
      return calendarImpact(
        { prisma, agencyOverride: readAgencyOverride },
        base,
        amendCalendar(base, amendment),
      );
    },

    /**
     * Publishes a new national version from an announcement, recording with it the open dossiers
     * whose due instant it moves (`impact`). Due instants already computed stay as they are (each
     * records its version); a clock recomputed later (supplement received) uses the version in
     * force then and records it in its event.
     */
    async publish(
      amendment: CalendarAmendment,
      publishedBy: string,
    ): Promise<{ calendar: WorkingCalendar; impact: CalendarImpact }> {
      if (
        await prisma.calendarVersion.findUnique({
          where: { version: amendment.version },
          select: { version: true },
        })
      ) {
        throw new CalendarVersionExistsError(amendment.version);
      }
      const base = await readNational();
      const next = amendCalendar(base, amendment);
      const impact = await calendarImpact({ prisma, agencyOverride: readAgencyOverride }, base, next);
      const created = await prisma.calendarVersion.createMany({
        data: [
          {
            version: next.version,
            baseVersion: base.version,
            officeHours: next.officeHours as unknown as Prisma.InputJsonValue,
            years: Object.values(next.years) as unknown as Prisma.InputJsonValue,
            sources: amendment.sources,
            publishedBy,
            impact: impact as unknown as Prisma.InputJsonValue,
          },
        ],
        skipDuplicates: true,
      });
      if (created.count === 0) throw new CalendarVersionExistsError(next.version);
      built.set(next.version, next);
      return { calendar: next, impact };
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
        const calendar = withAgencyOverride(await readNational(), override);
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
