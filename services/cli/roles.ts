import { Connection } from '@temporalio/client';
import { Command } from 'commander';
import { type Roles, startServices } from '../app';
import { loadConfig } from '../config';
import { prepareDatabase } from '../db';
import { onShutdown } from '../lifecycle';
import { createLogger } from '../logger';
import { ensureDossierSearchAttributes } from '../search-attributes';
import { alertsSubcommands } from './alerts';

/** Runs one role against external servers (configured by env), e.g. one container per role. */
async function runRole(name: keyof Roles): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(name, config.LOG_LEVEL);
  if (!config.DATABASE_URL)
    throw new Error('DATABASE_URL is not set; use `motcua dev` for the embedded stack');
  const lifecycle = onShutdown(logger);
  if (name !== 'worker')
    await prepareDatabase(config.DATABASE_URL, logger, { ownerUrl: config.DATABASE_OWNER_URL });
  if (name === 'worker') {
    // Workflows upsert these on every transition; an unregistered one would fail every task.
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const statuses = await ensureDossierSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
      const conflicts = statuses.filter((s) => s.conflict);
      if (conflicts.length > 0)
        throw new Error(
          `search attributes registered with another type: ${conflicts.map((c) => c.name).join(', ')}`,
        );
      logger.info(
        { added: statuses.filter((s) => !s.present).map((s) => s.name) },
        'search attributes ready',
      );
    } finally {
      await connection.close();
    }
  }
  const services = await startServices(config, logger, { [name]: true });
  lifecycle.add(name, () => services.stop());
  logger.info({ role: name, apiUrl: services.apiUrl }, 'started');
}

export function roleCommands(): Command[] {
  const alerts = new Command('alerts')
    .description(
      'Run the alerts consumer: dossier events → supervisor alerts (PostgreSQL, NATS alerts.<agency>.<kind>), escalation clocks, email and webhook deliveries; and the letters consumer: draft apology letters (Mẫu 04) and applicant notices (env: NATS_*, TEMPORAL_*, DATABASE_URL, SMTP_URL, NOTICE_*)',
    )
    .action(() => runRole('alerts'));
  for (const sub of alertsSubcommands()) alerts.addCommand(sub);
  return [
    new Command('worker')
      .description(
        'Run a Temporal worker for dossier workflows and activities (env: TEMPORAL_*, NATS_*, DATABASE_URL)',
      )
      .action(() => runRole('worker')),
    new Command('api')
      .description('Run the HTTP API (env: API_HOST, API_PORT, TEMPORAL_*, NATS_*, DATABASE_URL)')
      .action(() => runRole('api')),
    new Command('projector')
      .description('Run the JetStream → PostgreSQL read-model projector (env: NATS_*, DATABASE_URL)')
      .action(() => runRole('projector')),
    alerts,
  ];
}
