import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import {
  type CalendarErrorCode,
  type ClassificationGranularity,
  computeDue,
  extendDue,
  isCalendarError,
  type WorkingCalendar,
  workingMinutesPerDay,
} from '../domain/calendar';
import {
  buildDueRequest,
  type ExtendDueInput,
  type PauseInstants,
  type ResumeClockInput,
  type ResumedClock,
  recomputeClock,
  type StepDueInput,
} from '../domain/deadline';
import type { PlannedStep } from '../domain/events';
import { planSteps, procedureStepSchema } from '../domain/reference';
import { type PinnedRules, ruleSetInForce } from '../domain/rulesets';
import type { PrismaClient } from '../services/db';
import { agencyExists, procedureRulesAt as rulesAt } from '../services/reference';
import { noReferenceCache, type ReferenceCache } from '../services/reference-cache';

export interface DeadlineDeps {
  prisma: PrismaClient;
  /** The calendar in force (national data plus agency overrides). */
  calendarFor(agencyCode: string): Promise<WorkingCalendar>;
  /** Deployment option overriding the rule-set's default classification granularity. */
  classificationGranularity?: ClassificationGranularity;
  /** The catalogue and agencies in memory until they change (services/reference-cache.ts); default: read each time. */
  referenceCache?: ReferenceCache;
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
  /** What the dossier pins at receipt: deadline, unit, cut-off, procedure version, rule-set. */
  rules: PinnedRules;
}

export type {
  ExtendDueInput,
  PauseInstants,
  ResumeClockInput,
  ResumedClock,
  StepDueInput,
} from '../domain/deadline';

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

export function createDeadlineActivities({
  prisma,
  calendarFor,
  classificationGranularity,
  referenceCache = noReferenceCache,
}: DeadlineDeps) {
  const procedureRulesAt = async (procedureCode: string, at: Date) =>
    (await rulesAt(prisma, procedureCode, at, referenceCache)) ??
    nonRetryable('unknown_procedure', `unknown procedure '${procedureCode}'`);

  const knownAgency = async (agencyCode: string) => {
    if (!(await agencyExists(prisma, agencyCode, referenceCache))) {
      nonRetryable('unknown_agency', `unknown agency '${agencyCode}'`);
    }
  };

  return {
    /**
     * Tiếp nhận: the legal deadline as absolute instants (recorded in workflow history), the
     * procedure's steps resolved to agencies (`agencyCode: null` = the receiving agency) and the
     * rules the dossier pins: all from the catalogue version in force at the receipt.
     */
    async planDossier(input: PlanDossierInput): Promise<DossierPlan> {
      const received = new Date(input.receivedAt);
      const { procedure, version, deadline, steps, deadlineColumns } = await procedureRulesAt(
        input.procedureCode,
        received,
      );
      const parsed = z.array(procedureStepSchema).safeParse(steps);
      if (!parsed.success) {
        nonRetryable(
          'invalid_procedure_steps',
          `procedure '${procedure.code}' has invalid steps: ${parsed.error.message}`,
        );
      }
      const calendar = await calendarFor(input.agencyCode);
      const due = calendarCall(() => computeDue(calendar, buildDueRequest(deadline, received)));
      return {
        dueAt: iso(due.due),
        warningAt: iso(due.warning),
        calendarVersion: due.calendarVersion,
        provisional: due.provisional,
        steps: planSteps(
          { ...deadlineColumns, steps: parsed.data },
          input.agencyCode,
          workingMinutesPerDay(calendar.officeHours),
        ),
        rules: {
          deadline,
          ...(version !== undefined && { procedureVersion: version }),
          ruleSet: ruleSetInForce(received, classificationGranularity),
        },
      };
    },

    /**
     * The supplement arrived: the legal clock resumes with the time not yet used. The due
     * instant is recomputed from receipt with every pause; an extension already granted keeps
     * its working-time length after the (moved) legal due instant.
     */
    async resumeClock(input: ResumeClockInput): Promise<ResumedClock> {
      const receivedAt = new Date(input.receivedAt);
      const deadline =
        input.rules?.deadline ?? (await procedureRulesAt(input.procedureCode, receivedAt)).deadline;
      const calendar = await calendarFor(input.agencyCode);
      const clock = calendarCall(() =>
        recomputeClock(calendar, {
          deadline,
          receivedAt,
          pauses: toPauses(input.pauses),
          ...(input.extension && {
            extension: {
              originalDueAt: new Date(input.extension.originalDueAt),
              dueAt: new Date(input.extension.dueAt),
            },
          }),
        }),
      );
      return {
        dueAt: iso(clock.due),
        warningAt: iso(clock.warning),
        originalDueAt: iso(clock.originalDue),
        calendarVersion: clock.calendarVersion,
        provisional: clock.provisional,
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
        computeDue(
          calendar,
          buildDueRequest({ amount: input.budgetWorkingHours, unit: 'working_hours' }, new Date(input.from), {
            pauses: toPauses(input.pauses),
            warningWorkingMinutes: 0,
          }),
        ),
      );
      return iso(due.due);
    },
  };
}
