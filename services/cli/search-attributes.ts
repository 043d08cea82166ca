import { Connection } from '@temporalio/client';
import { Command } from 'commander';
import { loadConfig } from '../config';
import { ensureDossierSearchAttributes } from '../search-attributes';

/**
 * `motcua search-attributes [--check]`: registers the dossier search attributes on the Temporal
 * namespace of TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (a real cluster; `motcua dev` does it itself).
 * Exit code 1 when one is missing (--check) or registered with another kind.
 */
export function searchAttributesCommand(): Command {
  return new Command('search-attributes')
    .description(
      'Register the dossier search attributes (MotcuaAgency, MotcuaOverdue, …) on the Temporal namespace\n' +
        '(env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE); --check only reports.',
    )
    .option('--check', 'report without registering')
    .action(async (opts: { check?: boolean }) => {
      const config = loadConfig();
      const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
      try {
        const statuses = await ensureDossierSearchAttributes(connection, config.TEMPORAL_NAMESPACE, {
          dryRun: opts.check,
        });
        let failed = false;
        for (const s of statuses) {
          const state = s.conflict
            ? `CONFLICT: registered as ${s.conflict}`
            : s.present
              ? 'registered'
              : opts.check
                ? 'MISSING'
                : 'added';
          if (s.conflict || (!s.present && opts.check)) failed = true;
          console.log(`${s.name.padEnd(24)} ${s.kind.padEnd(12)} ${state}`);
        }
        if (failed) process.exitCode = 1;
      } finally {
        await connection.close();
      }
    });
}
