import {
  type AgencyOverride,
  CalendarError,
  type WorkingCalendar,
  withAgencyOverride,
  workingMsBetween,
} from '../domain/calendar';
import { recomputeClock } from '../domain/deadline';
import { type DossierState, PENDING_STATUSES } from '../domain/lifecycle';
import type { PrismaClient } from './db';
import { procedureRulesAt } from './reference';

/** One open dossier whose due instant a calendar version would move. */
export interface DueMove {
  code: string;
  agencyCode: string;
  procedureCode: string;
  /** The due instant now (the new appointment after an apology). */
  dueAt: string;
  newDueAt: string;
  /** Wall-clock minutes the due instant moves (negative: earlier). */
  movedMinutes: number;
  /** Working minutes between the two instants on the new calendar (negative: earlier). */
  movedWorkingMinutes: number;
  /** The legal due instant (classification) before and after, when it moves too. */
  originalDueAt: string;
  newOriginalDueAt: string;
}

export interface CalendarImpact {
  /** The national version in force now, and the one proposed. */
  fromVersion: string;
  toVersion: string;
  /** Open dossiers looked at. */
  checked: number;
  moves: DueMove[];
}

export interface ImpactDeps {
  prisma: PrismaClient;
  agencyOverride(agencyCode: string): Promise<AgencyOverride | undefined>;
}

/**
 * Which open dossiers would see their due instant move if `next` replaced the national calendar
 * `current`, and by how much. Each dossier's clock is recomputed on both (its receiving agency's
 * layer on top) from its pinned deadline (or, for dossiers received before pinning, the catalogue
 * version in force at its receipt), its supplement pauses and its extension; only a difference
 * between the two recomputations is reported, so an appointment set by hand never shows as a move.
 */
export async function calendarImpact(
  { prisma, agencyOverride }: ImpactDeps,
  current: WorkingCalendar,
  next: WorkingCalendar,
): Promise<CalendarImpact> {
  const rows = await prisma.dossier.findMany({
    where: { status: { in: [...PENDING_STATUSES] } },
    select: { code: true, state: true, procedureCode: true, agencyCode: true },
    orderBy: { code: 'asc' },
  });
  const layers = new Map<string, { current: WorkingCalendar; next: WorkingCalendar }>();
  const calendarsOf = async (agencyCode: string) => {
    let found = layers.get(agencyCode);
    if (!found) {
      const override = await agencyOverride(agencyCode);
      found = override
        ? { current: withAgencyOverride(current, override), next: withAgencyOverride(next, override) }
        : { current, next };
      layers.set(agencyCode, found);
    }
    return found;
  };
  const moves: DueMove[] = [];
  for (const row of rows) {
    const state = row.state as unknown as DossierState | null;
    if (!state) continue;
    const receivedAt = new Date(state.receivedAt);
    const deadline =
      state.rules?.deadline ?? (await procedureRulesAt(prisma, row.procedureCode, receivedAt))?.deadline;
    if (!deadline) continue;
    const input = {
      deadline,
      receivedAt,
      pauses: state.pauses.map((p) => ({ start: new Date(p.start), end: new Date(p.end) })),
      ...(state.apology && {
        extension: { originalDueAt: new Date(state.originalDueAt), dueAt: new Date(state.dueAt) },
      }),
    };
    const cals = await calendarsOf(row.agencyCode);
    let before: ReturnType<typeof recomputeClock>;
    let after: ReturnType<typeof recomputeClock>;
    try {
      before = recomputeClock(cals.current, input);
      after = recomputeClock(cals.next, input);
    } catch (err) {
      if (err instanceof CalendarError) continue;
      throw err;
    }
    const moved = after.due.getTime() - before.due.getTime();
    const movedOriginal = after.originalDue.getTime() - before.originalDue.getTime();
    if (moved === 0 && movedOriginal === 0) continue;
    const newDue = new Date(Date.parse(state.dueAt) + moved);
    const working =
      workingMsBetween(cals.next, before.due, after.due) ||
      workingMsBetween(cals.next, after.due, before.due);
    moves.push({
      code: row.code,
      agencyCode: row.agencyCode,
      procedureCode: row.procedureCode,
      dueAt: state.dueAt,
      newDueAt: newDue.toISOString(),
      movedMinutes: Math.round(moved / 60_000),
      movedWorkingMinutes: Math.sign(moved) * Math.round(working / 60_000),
      originalDueAt: state.originalDueAt,
      newOriginalDueAt: new Date(Date.parse(state.originalDueAt) + movedOriginal).toISOString(),
    });
  }
  return { fromVersion: current.version, toVersion: next.version, checked: rows.length, moves };
}
