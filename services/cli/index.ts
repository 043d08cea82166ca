import { Command, CommanderError } from 'commander';
import { createCalendarStore } from '../calendars';
import { loadConfig } from '../config';
import { createPrisma } from '../db';
import { procedureRulesAt } from '../reference';
import { auditCommand } from './audit';
import { type CalendarCommandOptions, calendarCommand } from './calendar';
import { catalogueCommand } from './catalogue';
import { dbCommand } from './db';
import { devCommand } from './dev';
import { cliDatabaseUrl } from './dev-stack';
import { eventsCommand } from './events';
import { keysCommand } from './keys';
import { reportCommand } from './report';
import { roleCommands } from './roles';
import { searchAttributesCommand } from './search-attributes';
import { temporalCommand } from './temporal';
import { testCommand } from './test';

/**
 * With DATABASE_URL the calendar commands use the versions published in PostgreSQL and the
 * agencies' layers; without it, the bundled national calendar (and no --agency).
 */
function databaseCalendars(): CalendarCommandOptions {
  const url = cliDatabaseUrl();
  if (!url) return {};
  const withStore = async <T>(
    fn: (store: ReturnType<typeof createCalendarStore>) => Promise<T>,
  ): Promise<T> => {
    const prisma = createPrisma(url);
    try {
      return await fn(createCalendarStore(prisma));
    } finally {
      await prisma.$disconnect();
    }
  };
  return {
    calendar: () => withStore((store) => store.national()),
    agencyProvider: (code) =>
      withStore(async (store) => ((await store.agencyExists(code)) ? store.forAgency(code) : undefined)),
    impact: (amendment) => withStore((store) => store.impact(amendment)),
    procedureDeadline: async (code, at) => {
      const prisma = createPrisma(loadConfig().DATABASE_URL!);
      try {
        return (await procedureRulesAt(prisma, code, at))?.deadline;
      } finally {
        await prisma.$disconnect();
      }
    },
  };
}

export function buildProgram(): Command {
  const program = new Command('motcua')
    .description(
      'motcua: durable workflows for administrative-procedure dossiers (hồ sơ thủ tục hành chính), ' +
        'from the one-stop desk to the result, on a legal working-day clock.',
    )
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(devCommand());
  for (const c of roleCommands()) program.addCommand(c);
  program.addCommand(calendarCommand(databaseCalendars()));
  program.addCommand(catalogueCommand());
  program.addCommand(dbCommand());
  program.addCommand(eventsCommand());
  program.addCommand(keysCommand());
  program.addCommand(searchAttributesCommand());
  program.addCommand(temporalCommand());
  program.addCommand(testCommand());
  program.addCommand(reportCommand());
  program.addCommand(auditCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 1 ? 2 : err.exitCode);
    console.error(`motcua: ${(err as Error).message}`);
    process.exit(1);
  }
}
