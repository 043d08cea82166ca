import { Command } from 'commander';
import { startServices } from '../app';
import { loadConfig } from '../config';
import { prepareDatabase } from '../db';
import { startStack } from '../infra';
import { onShutdown } from '../lifecycle';
import { createLogger } from '../logger';
import { seedSampleReferenceData } from '../reference';

export function devCommand(): Command {
  return new Command('dev')
    .description(
      'Run the whole system on one machine: Temporal dev server, NATS JetStream, PostgreSQL\n' +
        '(embedded unless DATABASE_URL is set), worker, projector and API. Ctrl-C stops everything.',
    )
    .option('--no-sample', 'do not load the sample agencies and procedures')
    .action(async (opts: { sample: boolean }) => {
      const base = loadConfig();
      const logger = createLogger('dev', base.LOG_LEVEL);
      const lifecycle = onShutdown(logger);
      console.error('motcua dev: starting Temporal, NATS and PostgreSQL (first run builds and caches them)…');
      const stack = await startStack({
        home: base.MOTCUA_HOME,
        logger,
        databaseUrl: base.DATABASE_URL,
        persistent: true,
        preferredPorts: true,
        handleSignals: false,
      });
      lifecycle.add('infrastructure', () => stack.stop());
      const config = loadConfig({
        ...process.env,
        DATABASE_URL: stack.databaseUrl,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        NATS_URL: stack.natsUrl,
      });
      await prepareDatabase(config.DATABASE_URL!, logger);
      const services = await startServices(config, logger, { worker: true, projector: true, api: true });
      lifecycle.add('services', () => services.stop());
      if (opts.sample) await seedSampleReferenceData(services.prisma);
      console.log(
        [
          '',
          'motcua is running:',
          `  API          ${services.apiUrl}/v1`,
          `  OpenAPI docs ${services.apiUrl}/docs`,
          `  Temporal UI  ${stack.temporalUiUrl}`,
          `  Temporal     ${stack.temporalAddress}`,
          `  NATS         ${stack.natsUrl}`,
          `  PostgreSQL   ${redact(stack.databaseUrl)}`,
          `  Logs         ${stack.logDir}`,
          'Press Ctrl-C to stop.',
        ].join('\n'),
      );
    });
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
