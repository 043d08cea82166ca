import { Command, CommanderError } from 'commander';
import { calendarCommand } from './calendar';
import { dbCommand } from './db';
import { devCommand } from './dev';
import { roleCommands } from './roles';
import { testCommand } from './test';

export function buildProgram(): Command {
  const program = new Command('motcua')
    .description(
      'motcua: durable workflows for administrative-procedure dossiers (hồ sơ thủ tục hành chính),\n' +
        'from the one-stop desk to the result, on a legal working-day clock.',
    )
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(devCommand());
  for (const c of roleCommands()) program.addCommand(c);
  program.addCommand(calendarCommand());
  program.addCommand(dbCommand());
  program.addCommand(testCommand());
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
