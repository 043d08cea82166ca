import {
  type Catalogue,
  type CatalogueFormat,
  type CatalogueIssue,
  checkCatalogue,
  type KnownReferences,
} from '../domain/catalogue';
import { deadlineOf } from '../domain/deadline';
import {
  type Agency,
  type AgencyInput,
  agencySchema,
  isInterAgency,
  type Procedure,
  type ProcedureGroup,
  type ProcedureGroupInput,
  type ProcedureInput,
  procedureGroupSchema,
  procedureSchema,
  sampleAgencies,
  sampleProcedureGroups,
  sampleProcedures,
} from '../domain/reference';
import type { Prisma, PrismaClient } from './db';
import { noReferenceCache, type ReferenceCache } from './reference-cache';

type Db = PrismaClient | Prisma.TransactionClient;

/** A catalogue import runs in one transaction; large catalogues need more than Prisma's 5 s default. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 300_000 } as const;

/** What an import changed (or, in a dry run, would change), per kind. */
export interface ChangeCount {
  created: string[];
  updated: string[];
  unchanged: number;
  /** Sample records (dữ liệu mẫu) that this import replaces with real ones. */
  replacedSample: string[];
}
export interface ImportSummary {
  agencies: ChangeCount;
  groups: ChangeCount;
  procedures: ChangeCount;
}

export type ImportResult =
  | { ok: true; dryRun: boolean; format: CatalogueFormat; summary: ImportSummary; warnings: CatalogueIssue[] }
  | {
      ok: false;
      dryRun: boolean;
      format: CatalogueFormat;
      errors: CatalogueIssue[];
      warnings: CatalogueIssue[];
    };

/** Agencies and groups already stored, for the catalogue's reference checks. */
export async function loadKnownReferences(db: Db): Promise<KnownReferences> {
  const [agencies, groups] = await Promise.all([
    db.agency.findMany({ select: { code: true, parentCode: true } }),
    db.procedureGroup.findMany({ select: { code: true } }),
  ]);
  return {
    agencies: new Map(agencies.map((a) => [a.code, a.parentCode])),
    groups: new Set(groups.map((g) => g.code)),
  };
}

/** Parents before children (within the given list), so the foreign key is always satisfied. */
function parentsFirst<T extends { code: string; parentCode: string | null }>(agencies: readonly T[]): T[] {
  const byCode = new Map(agencies.map((a) => [a.code, a]));
  const depth = (a: T, seen = new Set<string>()): number => {
    const parent = a.parentCode ? byCode.get(a.parentCode) : undefined;
    if (!parent || seen.has(a.code)) return 0;
    seen.add(a.code);
    return 1 + depth(parent, seen);
  };
  return [...agencies].sort((x, y) => depth(x) - depth(y));
}

const agencyData = (a: Agency) => ({
  code: a.code,
  name: a.name,
  level: a.level,
  parentCode: a.parentCode,
  isSample: a.isSample,
});
const groupData = (g: ProcedureGroup) => ({ code: g.code, name: g.name, isSample: g.isSample });
const procedureData = (p: Procedure) => ({
  code: p.code,
  name: p.name,
  level: p.level,
  deadlineWorkingDays: p.deadlineWorkingDays,
  deadlineWorkingHours: p.deadlineWorkingHours,
  deadlineCalendarDays: p.deadlineCalendarDays,
  sameDayCutoff: p.sameDayCutoff,
  steps: p.steps as unknown as Prisma.InputJsonValue,
  feeVnd: p.feeVnd,
  onlinePayment: p.onlinePayment,
  fullyOnline: p.fullyOnline,
  groupCode: p.groupCode,
  isSample: p.isSample,
});

/** Stable comparison of what an import would write against what is stored. */
const same = (a: object, b: object): boolean => canonical(a) === canonical(b);
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The rules a procedure version holds: what a dossier pins at receipt. */
const versionRules = (p: {
  deadlineWorkingDays: number | null;
  deadlineWorkingHours: number | null;
  deadlineCalendarDays: number | null;
  sameDayCutoff: string | null;
  steps: unknown;
}) => ({
  deadlineWorkingDays: p.deadlineWorkingDays,
  deadlineWorkingHours: p.deadlineWorkingHours,
  deadlineCalendarDays: p.deadlineCalendarDays,
  sameDayCutoff: p.sameDayCutoff,
  steps: p.steps as Prisma.InputJsonValue,
});

/** When an import's rules take effect and where they come from. */
export interface VersionStamp {
  effectiveFrom: Date;
  source?: string;
}

/**
 * Adds a version of the procedure's rules when they differ from its newest version (never edits
 * one: dossiers received under it keep it). A procedure stored before versions existed first gets
 * its stored rules as version 1, in force since it was created.
 */
async function addProcedureVersion(
  db: Db,
  p: Procedure,
  stored:
    | {
        deadlineWorkingDays: number | null;
        deadlineWorkingHours: number | null;
        deadlineCalendarDays: number | null;
        sameDayCutoff: string | null;
        steps: unknown;
        createdAt: Date;
      }
    | undefined,
  stamp: VersionStamp,
): Promise<void> {
  const latest = await db.procedureVersion.findFirst({
    where: { procedureCode: p.code },
    orderBy: { version: 'desc' },
  });
  let version = latest?.version ?? 0;
  if (!latest && stored) {
    version = 1;
    await db.procedureVersion.create({
      data: {
        procedureCode: p.code,
        version,
        effectiveFrom: stored.createdAt,
        ...versionRules(stored),
        source: 'catalogue before versions',
      },
    });
  }
  const rules = versionRules(p);
  const newest = latest ?? (stored ? versionRules(stored) : undefined);
  if (newest && same(rules, versionRules(newest))) return;
  await db.procedureVersion.create({
    data: {
      procedureCode: p.code,
      version: version + 1,
      effectiveFrom: stamp.effectiveFrom,
      ...rules,
      source: stamp.source ?? null,
    },
  });
}

const emptyCount = (): ChangeCount => ({ created: [], updated: [], unchanged: 0, replacedSample: [] });

/**
 * Writes agencies (parents first), groups, then procedures: created or updated by code, unchanged
 * rows left alone, nothing deleted. Idempotent: a second run reports everything unchanged.
 */
async function applyReferenceData(
  db: Db,
  data: { agencies: Agency[]; groups: ProcedureGroup[]; procedures: Procedure[] },
  dryRun: boolean,
  stamp: VersionStamp = { effectiveFrom: new Date() },
): Promise<ImportSummary> {
  const summary: ImportSummary = { agencies: emptyCount(), groups: emptyCount(), procedures: emptyCount() };
  const classify = (
    count: ChangeCount,
    code: string,
    next: { isSample: boolean },
    stored: { isSample: boolean } | undefined,
    unchanged: boolean,
  ): boolean => {
    if (!stored) count.created.push(code);
    else if (unchanged) count.unchanged += 1;
    else count.updated.push(code);
    if (stored?.isSample && !next.isSample) count.replacedSample.push(code);
    return !stored || !unchanged;
  };

  const agencies = parentsFirst(data.agencies);
  const storedAgencies = new Map(
    (await db.agency.findMany({ where: { code: { in: agencies.map((a) => a.code) } } })).map((a) => [
      a.code,
      a,
    ]),
  );
  for (const a of agencies) {
    const row = agencyData(a);
    const stored = storedAgencies.get(a.code);
    const changed = classify(summary.agencies, a.code, a, stored, !!stored && same(row, agencyData(stored)));
    if (changed && !dryRun) await db.agency.upsert({ where: { code: a.code }, create: row, update: row });
  }

  const storedGroups = new Map(
    (await db.procedureGroup.findMany({ where: { code: { in: data.groups.map((g) => g.code) } } })).map(
      (g) => [g.code, g],
    ),
  );
  for (const g of data.groups) {
    const row = groupData(g);
    const stored = storedGroups.get(g.code);
    const changed = classify(summary.groups, g.code, g, stored, !!stored && same(row, groupData(stored)));
    if (changed && !dryRun)
      await db.procedureGroup.upsert({ where: { code: g.code }, create: row, update: row });
  }

  const storedProcedures = new Map(
    (await db.procedure.findMany({ where: { code: { in: data.procedures.map((p) => p.code) } } })).map(
      (p) => [p.code, p],
    ),
  );
  for (const p of data.procedures) {
    const row = procedureData(p);
    const stored = storedProcedures.get(p.code);
    const changed = classify(
      summary.procedures,
      p.code,
      p,
      stored,
      // Compared as stored (not re-parsed): a legacy row that no longer validates is simply updated.
      !!stored && same(row, { ...procedureData(stored as unknown as Procedure), steps: stored.steps }),
    );
    if (changed && !dryRun) {
      await db.procedure.upsert({ where: { code: p.code }, create: row, update: row });
      await addProcedureVersion(db, p, stored, stamp);
    }
  }
  return summary;
}

/** Upserts agencies parents-first, groups, then procedures, in one transaction; idempotent. */
export async function upsertReferenceData(
  prisma: PrismaClient,
  agencies: AgencyInput[],
  procedures: ProcedureInput[],
  groups: ProcedureGroupInput[] = [],
): Promise<ImportSummary> {
  const data = {
    agencies: agencies.map((a) => agencySchema.parse(a)),
    groups: groups.map((g) => procedureGroupSchema.parse(g)),
    procedures: procedures.map((p) => procedureSchema.parse(p)),
  };
  return prisma.$transaction((tx) => applyReferenceData(tx, data, false), TX_OPTIONS);
}

/** Dữ liệu mẫu for a fresh system (marked as sample in names and the is_sample flags). */
export async function seedSampleReferenceData(prisma: PrismaClient): Promise<void> {
  await upsertReferenceData(prisma, sampleAgencies, sampleProcedures, sampleProcedureGroups);
}

/**
 * Imports a catalogue file (JSON or CSV): parses it, checks it against the stored agencies and
 * groups, and writes it in one transaction — all of it or, on any error, nothing. A dry run
 * reports what would change without writing.
 */
export async function importCatalogue(
  prisma: PrismaClient,
  text: string,
  format: CatalogueFormat,
  opts: { dryRun?: boolean } = {},
): Promise<ImportResult> {
  const dryRun = opts.dryRun ?? false;
  return prisma.$transaction(async (tx) => {
    const checked = checkCatalogue(text, format, await loadKnownReferences(tx));
    const warnings = checked.issues.filter((i) => i.severity === 'warning');
    if (!checked.ok) {
      return {
        ok: false,
        dryRun,
        format,
        errors: checked.issues.filter((i) => i.severity === 'error'),
        warnings,
      };
    }
    const catalogue = checked.parsed.catalogue;
    const summary = await applyReferenceData(tx, catalogueToReference(catalogue), dryRun, {
      effectiveFrom: effectiveFromOf(catalogue.effectiveFrom),
      ...(catalogue.source !== undefined && { source: catalogue.source }),
    });
    return { ok: true, dryRun, format, summary, warnings };
  }, TX_OPTIONS);
}

/**
 * A local date (YYYY-MM-DD) starts at local midnight (UTC+7); no date = the moment of the import.
 * Never earlier than the import: dossiers already received keep the rules they were received
 * under, so a version cannot reach back before it was imported.
 */
function effectiveFromOf(value: string | undefined): Date {
  const now = Date.now();
  if (value === undefined) return new Date(now);
  const given = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00+07:00` : value);
  return new Date(Math.max(given, now));
}

function catalogueToReference(c: Catalogue) {
  return { agencies: c.agencies, groups: c.groups, procedures: c.procedures };
}

/** A stored procedure row as the domain type (steps are JSON in PostgreSQL). */
export function procedureFromRow(row: {
  code: string;
  name: string;
  level: string;
  deadlineWorkingDays: number | null;
  deadlineWorkingHours: number | null;
  deadlineCalendarDays: number | null;
  sameDayCutoff: string | null;
  steps: unknown;
  feeVnd: number | null;
  onlinePayment: boolean;
  fullyOnline: boolean;
  groupCode: string | null;
  isSample: boolean;
}): Procedure {
  return procedureSchema.parse({
    code: row.code,
    name: row.name,
    level: row.level,
    deadlineWorkingDays: row.deadlineWorkingDays,
    deadlineWorkingHours: row.deadlineWorkingHours,
    deadlineCalendarDays: row.deadlineCalendarDays,
    sameDayCutoff: row.sameDayCutoff,
    steps: Array.isArray(row.steps) ? row.steps : [],
    feeVnd: row.feeVnd,
    onlinePayment: row.onlinePayment,
    fullyOnline: row.fullyOnline,
    groupCode: row.groupCode,
    isSample: row.isSample,
  });
}

/**
 * A procedure's rules in force at an instant: its newest catalogue version effective then (the
 * first version for an earlier instant; the procedure row itself when it has no versions).
 * Undefined for an unknown procedure. What a dossier received at `at` pins.
 */
export async function procedureRulesAt(
  db: Db,
  procedureCode: string,
  at: Date,
  cache: ReferenceCache = noReferenceCache,
) {
  const procedure = await procedureWithVersions(db, procedureCode, cache);
  if (!procedure) return undefined;
  const version = versionInForce(procedure.versions, at);
  const rules = version ?? procedure;
  return {
    procedure,
    /** Undefined when the procedure has no versions. */
    version: version?.version,
    deadline: deadlineOf(rules),
    deadlineColumns: {
      deadlineWorkingDays: rules.deadlineWorkingDays,
      deadlineWorkingHours: rules.deadlineWorkingHours,
      deadlineCalendarDays: rules.deadlineCalendarDays,
    },
    /** As stored (JSON): validate before use. */
    steps: rules.steps,
  };
}

/** A procedure row with all its versions (one read; from `cache` while nothing in the catalogue changed). */
function procedureWithVersions(db: Db, procedureCode: string, cache: ReferenceCache) {
  return cache.get(
    `procedure:${procedureCode}`,
    () => db.procedure.findUnique({ where: { code: procedureCode }, include: { versions: true } }),
    (p) => p !== null,
  );
}

/**
 * The version in force at `at`: the newest effective then (latest `effectiveFrom`, then highest
 * version); before the first one takes effect, the first version. Undefined without versions.
 */
export function versionInForce<V extends { version: number; effectiveFrom: Date }>(
  versions: readonly V[],
  at: Date,
): V | undefined {
  let inForce: V | undefined;
  let first: V | undefined;
  for (const v of versions) {
    if (!first || v.version < first.version) first = v;
    if (v.effectiveFrom.getTime() > at.getTime()) continue;
    if (
      !inForce ||
      v.effectiveFrom.getTime() > inForce.effectiveFrom.getTime() ||
      (v.effectiveFrom.getTime() === inForce.effectiveFrom.getTime() && v.version > inForce.version)
    )
      inForce = v;
  }
  return inForce ?? first;
}

/** Whether the catalogue has this procedure (from `cache` while nothing in the catalogue changed). */
export async function procedureExists(
  db: Db,
  procedureCode: string,
  cache: ReferenceCache = noReferenceCache,
) {
  return (await procedureWithVersions(db, procedureCode, cache)) !== null;
}

/** Whether this agency exists (from `cache` while no agency changed). */
export async function agencyExists(db: Db, agencyCode: string, cache: ReferenceCache = noReferenceCache) {
  return cache.get(
    `agency:${agencyCode}`,
    async () =>
      (await db.agency.findUnique({ where: { code: agencyCode }, select: { code: true } })) !== null,
    (known) => known,
  );
}

/** A procedure as the API and CLI show it. */
export type ProcedureView = Procedure & { interAgency: boolean };

export interface ProcedureFilter {
  /**
   * Procedures an agency handles: those of its administrative level (it can receive them) and
   * those whose steps name it (liên thông).
   */
  agency?: string;
  level?: string;
  group?: string;
}

export class UnknownAgencyCodeError extends Error {
  constructor(readonly agencyCode: string) {
    super(`No agency ${agencyCode}`);
    this.name = 'UnknownAgencyCodeError';
  }
}

export async function listProcedures(db: Db, filter: ProcedureFilter = {}): Promise<ProcedureView[]> {
  const where: Prisma.ProcedureWhereInput = {};
  if (filter.level) where.level = filter.level;
  if (filter.group) where.groupCode = filter.group;
  let agencyLevel: string | undefined;
  if (filter.agency) {
    const agency = await db.agency.findUnique({ where: { code: filter.agency }, select: { level: true } });
    if (!agency) throw new UnknownAgencyCodeError(filter.agency);
    agencyLevel = agency.level;
  }
  const rows = await db.procedure.findMany({ where, orderBy: { code: 'asc' } });
  return rows
    .map((r) => {
      const p = procedureFromRow(r);
      return { ...p, interAgency: isInterAgency(p) };
    })
    .filter(
      (p) => !filter.agency || p.level === agencyLevel || p.steps.some((s) => s.agencyCode === filter.agency),
    );
}

export async function getProcedure(db: Db, code: string): Promise<ProcedureView | undefined> {
  const row = await db.procedure.findUnique({ where: { code } });
  if (!row) return undefined;
  const p = procedureFromRow(row);
  return { ...p, interAgency: isInterAgency(p) };
}

export async function listAgencies(
  db: Db,
  filter: { level?: string; parent?: string } = {},
): Promise<Agency[]> {
  const where: Prisma.AgencyWhereInput = {};
  if (filter.level) where.level = filter.level;
  if (filter.parent) where.parentCode = filter.parent;
  const rows = await db.agency.findMany({ where, orderBy: { code: 'asc' } });
  return rows.map(agencyData);
}

export type ProcedureGroupView = ProcedureGroup & { procedureCodes: string[] };

export async function listProcedureGroups(db: Db): Promise<ProcedureGroupView[]> {
  const rows = await db.procedureGroup.findMany({
    orderBy: { code: 'asc' },
    include: { procedures: { select: { code: true }, orderBy: { code: 'asc' } } },
  });
  return rows.map((g) => ({ ...groupData(g), procedureCodes: g.procedures.map((p) => p.code) }));
}
