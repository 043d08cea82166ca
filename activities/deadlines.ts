import { computeDue, type WorkingCalendar } from '../domain/calendar';
import type { PrismaClient } from '../services/db';

export interface DeadlineDeps {
  prisma: PrismaClient;
  /** The calendar in force (national data plus agency overrides). */
  calendarFor(agencyCode: string): Promise<WorkingCalendar>;
}

export interface DueInstantInput {
  procedureCode: string;
  agencyCode: string;
  receivedAt: string;
}

export interface DueInstant {
  dueAt: string;
  warningAt: string;
  calendarVersion: string;
  provisional: boolean;
}

export function createDeadlineActivities({ prisma, calendarFor }: DeadlineDeps) {
  return {
    /** Hạn trả kết quả: the legal deadline as an absolute instant, recorded in workflow history. */
    async computeDueInstant(input: DueInstantInput): Promise<DueInstant> {
      const procedure = await prisma.procedure.findUniqueOrThrow({ where: { code: input.procedureCode } });
      const calendar = await calendarFor(input.agencyCode);
      const result = computeDue(calendar, {
        received: new Date(input.receivedAt),
        workingDays: procedure.deadlineWorkingDays ?? undefined,
        workingHours: procedure.deadlineWorkingHours ?? undefined,
        sameDayCutoff: procedure.sameDayCutoff ?? undefined,
      });
      return {
        dueAt: result.due.toISOString(),
        warningAt: result.warning.toISOString(),
        calendarVersion: result.calendarVersion,
        provisional: result.provisional,
      };
    },
  };
}
