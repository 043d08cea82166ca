import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import {
  type CalendarErrorCode,
  computeDue,
  type DueRequest,
  extendDue,
  isCalendarError,
  type WorkingCalendar,
  workingMsBetween,
} from '../domain/calendar';
import type { PlannedStep } from '../domain/events';
import { planSteps, procedureStepSchema } from '../domain/reference';
import type { PrismaClient } from '../services/db';

export interface DeadlineDeps {
  prisma: PrismaClient;
  /** The calendar in force (national data plus agency overrides). */
  calendarFor(agencyCode: string): Promise<WorkingCalendar>;
}

export interface DueInstant {
  dueAt: string;
  warningAt: string;
  calendarVersion: string;
  provisional: boolean;
}

export interface PlanDossierInput {
  procedureCode: string;
  agencyCode: string;
  receivedAt: string;
}

export interface DossierPlan extends DueInstant {
  /** The procedure's steps, each resolved to the agency that handles it. */
  steps: PlannedStep[];
}

export interface PauseInstants {
  start: string;
  end: string;
}

export interface ResumeClockInput {
  procedureCode: string;
  agencyCode: string;
  receivedAt: string;
  /** Every supplement pause so far, the one just ended included. */
  pauses: PauseInstants[];
  /** The appointment moved once (Mẫu 04): the extension keeps its working-time length. */
  extension?: { originalDueAt: string; dueAt: string };
}

export interface ResumedClock extends DueInstant {
  /** The legal due instant before the extension (= dueAt without one). */
  originalDueAt: string;
}

export interface ExtendDueInput {
  agencyCode: string;
  dueAt: string;
  warningAt: string;
  calendarVersion: string;
  provisional: boolean;
  newDueAt: string;
}

export interface StepDueInput {
  agencyCode: string;
  /** When the agency received the dossier (handoff instant). */
  from: string;
  budgetWorkingHours: number;
  /** Supplement pauses also stop the step budget. */
  pauses?: PauseInstants[];
}

const HOUR_MS = 3_600_000;
const toPauses = (pauses: PauseInstants[] = []) =>
  pauses.map((p) => ({ start: new Date(p.start), end: new Date(p.end) }));
const iso = (d: Date) => d.toISOString();

/** Wrong input never succeeds on retry: fail the activity at once with a typed failure. */
function nonRetryable(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

function calendarCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isCalendarError(err)) nonRetryable((err as { code: CalendarErrorCode }).code, err.message);
    throw err;
  }
}

export function createDeadlineActivities({ prisma, calendarFor }: DeadlineDeps) {
  const procedureDeadline = async (procedureCode: string) => {
    const procedure = await prisma.procedure.findUnique({ where: { code: procedureCode } });
    if (!procedure) nonRetryable('unknown_procedure', `unknown procedure '${procedureCode}'`);
    const request: Omit<DueRequest, 'received'> = {};
    if (procedure.deadlineWorkingDays !== null) request.workingDays = procedure.deadlineWorkingDays;
    if (procedure.deadlineWorkingHours !== null) request.workingHours = procedure.deadlineWorkingHours;
    if (procedure.sameDayCutoff !== null) request.sameDayCutoff = procedure.sameDayCutoff;
    return { procedure, request };
  };

  const knownAgency = async (agencyCode: string) => {
    if ((await prisma.agency.count({ where: { code: agencyCode } })) !== 1) {
      nonRetryable('unknown_agency', `unknown agency '${agencyCode}'`);
    }
  };

  return {
    /**
     * Tiếp nhận: the legal deadline as absolute instants (recorded in workflow history) and the
     * procedure's steps resolved to agencies (`agencyCode: null` = the receiving agency).
     */
    async planDossier(input: PlanDossierInput): Promise<DossierPlan> {
      const { procedure, request } = await procedureDeadline(input.procedureCode);
      const parsed = z.array(procedureStepSchema).safeParse(procedure.steps);
      if (!parsed.success) {
        nonRetryable(
          'invalid_procedure_steps',
          `procedure '${procedure.code}' has invalid steps: ${parsed.error.message}`,
        );
      }
      const calendar = await calendarFor(input.agencyCode);
      const due = calendarCall(() =>
        computeDue(calendar, { ...request, received: new Date(input.receivedAt) }),
      );
      return {
        dueAt: iso(due.due),
        warningAt: iso(due.warning),
        calendarVersion: due.calendarVersion,
        provisional: due.provisional,
        steps: planSteps({ ...procedure, steps: parsed.data }, input.agencyCode),
      };
    },

    /**
     * The supplement arrived: the legal clock resumes with the time not yet used. The due
     * instant is recomputed from receipt with every pause; an extension already granted keeps
     * its working-time length after the (moved) legal due instant.
     */
    async resumeClock(input: ResumeClockInput): Promise<ResumedClock> {
      const { request } = await procedureDeadline(input.procedureCode);
      const calendar = await calendarFor(input.agencyCode);
      const pauses = toPauses(input.pauses);
      const legal = calendarCall(() =>
        computeDue(calendar, { ...request, received: new Date(input.receivedAt), pauses }),
      );
      if (!input.extension) {
        return {
          dueAt: iso(legal.due),
          warningAt: iso(legal.warning),
          originalDueAt: iso(legal.due),
          calendarVersion: legal.calendarVersion,
          provisional: legal.provisional,
        };
      }
      const { originalDueAt, dueAt } = input.extension;
      const extensionMs = workingMsBetween(calendar, new Date(originalDueAt), new Date(dueAt));
      const extended = calendarCall(() => {
        const moved =
          extensionMs > 0
            ? computeDue(calendar, {
                received: legal.due,
                workingHours: extensionMs / HOUR_MS,
                pauses,
                warningWorkingMinutes: 0,
              }).due
            : new Date(Math.max(Date.parse(dueAt), legal.due.getTime() + 1));
        return extendDue(calendar, legal, { newDue: moved });
      });
      return {
        dueAt: iso(extended.due),
        warningAt: iso(extended.warning),
        originalDueAt: iso(legal.due),
        calendarVersion: extended.calendarVersion,
        provisional: extended.provisional,
      };
    },

    /** Mẫu 04: the one allowed new appointment; the warning moves with it. */
    async extendDueInstant(input: ExtendDueInput): Promise<ResumedClock> {
      const calendar = await calendarFor(input.agencyCode);
      const extended = calendarCall(() =>
        extendDue(
          calendar,
          {
            due: new Date(input.dueAt),
            warning: new Date(input.warningAt),
            calendarVersion: input.calendarVersion,
            provisional: input.provisional,
          },
          { newDue: new Date(input.newDueAt) },
        ),
      );
      return {
        dueAt: iso(extended.due),
        warningAt: iso(extended.warning),
        originalDueAt: iso(extended.originalDue),
        calendarVersion: extended.calendarVersion,
        provisional: extended.provisional,
      };
    },

    /** A step's time budget as an instant, on the calendar of the agency doing the step. */
    async stepDueInstant(input: StepDueInput): Promise<string> {
      await knownAgency(input.agencyCode);
      const calendar = await calendarFor(input.agencyCode);
      const due = calendarCall(() =>
        computeDue(calendar, {
          received: new Date(input.from),
          workingHours: input.budgetWorkingHours,
          pauses: toPauses(input.pauses),
          warningWorkingMinutes: 0,
        }),
      );
      return iso(due.due);
    },
  };
}
