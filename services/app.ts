import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { type RunningAlertsConsumer, startAlertsConsumer } from './alerts/consumer';
import { buildApi } from './api/server';
import type { Config } from './config';
import { createPrisma, createReadPrisma, type PrismaClient } from './db';
import { type RunningLettersConsumer, startLettersConsumer } from './letters/consumer';
import type { Logger } from './logger';
import { connectNats, type Nats } from './nats';
import { type RunningProjector, startProjector } from './projector';
import { startReferenceCache } from './reference-cache';
import { connectTemporalClient } from './temporal';
import { createDossierWorker, type WorkerDeps } from './worker';

export interface Roles {
  worker?: boolean;
  api?: boolean;
  projector?: boolean;
  /** Alerts consumer, letters consumer (draft apologies, applicant notices) and their dispatchers (`motcua alerts`). */
  alerts?: boolean;
}

export interface RunningServices {
  prisma: PrismaClient;
  nats: Nats;
  temporal?: Client;
  worker?: Worker;
  api?: FastifyInstance;
  /** Base URL of the API when it listens. */
  apiUrl?: string;
  projector?: RunningProjector;
  alerts?: RunningAlertsConsumer;
  letters?: RunningLettersConsumer;
  stop(): Promise<void>;
}

/** Wires the long-running roles of motcua in one process (dev, tests) or one role per process. */
export async function startServices(
  config: Config,
  logger: Logger,
  roles: Roles,
  overrides?: WorkerDeps['overrides'],
): Promise<RunningServices> {
  const prisma = createPrisma(config.DATABASE_URL!);
  const nats = await connectNats(
    config,
    logger.child({ component: 'nats' }),
    `motcua-${Object.keys(roles).join('-')}`,
  );
  // One per process: the API's and the worker's reference lookups (keys, catalogue, calendars).
  const referenceCache =
    roles.api || roles.worker
      ? await startReferenceCache(config.DATABASE_URL!, logger.child({ component: 'reference-cache' }))
      : undefined;
  const running: RunningServices = { prisma, nats, stop: async () => {} };
  let workerRun: Promise<void> | undefined;
  let readPrisma: PrismaClient | undefined;

  if (roles.worker) {
    running.worker = await createDossierWorker({
      config,
      logger: logger.child({ role: 'worker' }),
      prisma,
      nats,
      ...(referenceCache && { referenceCache }),
      overrides,
    });
    workerRun = running.worker.run();
  }
  if (roles.projector) {
    running.projector = await startProjector({
      config,
      logger: logger.child({ role: 'projector' }),
      prisma,
      nats,
    });
  }
  if (roles.alerts || roles.api) running.temporal = await connectTemporalClient(config);
  if (roles.alerts) {
    running.alerts = await startAlertsConsumer({
      config,
      logger: logger.child({ role: 'alerts' }),
      prisma,
      nats,
      temporal: running.temporal!,
    });
    running.letters = await startLettersConsumer({
      config,
      logger: logger.child({ role: 'letters' }),
      prisma,
      nats,
      temporal: running.temporal!,
    });
  }
  if (roles.api) {
    readPrisma = createReadPrisma(config, prisma);
    running.api = await buildApi({
      config,
      logger: logger.child({ role: 'api' }),
      prisma,
      readPrisma,
      temporal: running.temporal!,
      nats,
      ...(referenceCache && { referenceCache }),
    });
    running.apiUrl = await running.api.listen({ host: config.API_HOST, port: config.API_PORT });
  }

  running.stop = async () => {
    await running.api?.close();
    await running.alerts?.stop();
    await running.letters?.stop();
    await running.temporal?.connection.close();
    if (running.worker) {
      if (running.worker.getState() === 'RUNNING') running.worker.shutdown();
      await workerRun;
    }
    await running.projector?.stop();
    await nats.close();
    await referenceCache?.close();
    if (readPrisma && readPrisma !== prisma) await readPrisma.$disconnect();
    await prisma.$disconnect();
  };
  return running;
}
