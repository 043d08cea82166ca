import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { ensureTemporalCli } from '../infra';
import { readDevStack } from './dev-stack';

/**
 * `motcua temporal …` runs the Temporal CLI motcua built and cached (it is not on PATH), against
 * the running dev stack unless TEMPORAL_ADDRESS says otherwise.
 */
export function temporalCommand(): Command {
  return new Command('temporal')
    .description(
      'Run the cached Temporal CLI (e.g. `motcua temporal workflow list`); targets the running `motcua dev` server unless TEMPORAL_ADDRESS is set',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'arguments for the temporal CLI')
    .action(async (args: string[]) => {
      const cli = await ensureTemporalCli();
      const env = { ...process.env };
      const dev = readDevStack();
      if (!env.TEMPORAL_ADDRESS && dev) env.TEMPORAL_ADDRESS = dev.temporalAddress;
      const r = spawnSync(cli, args.length > 0 ? args : ['--help'], { stdio: 'inherit', env });
      process.exitCode = r.status ?? 1;
    });
}
