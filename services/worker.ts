import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type Activities, createActivities } from '../activities';
import { createCalendarStore } from './calendars';
import { type Config, DEFAULT_MAX_CACHED_WORKFLOWS, eventSigningKeys } from './config';
import type { PrismaClient } from './db';
import type { Logger } from './logger';
import type { Nats } from './nats';
import { installTemporalLogging } from './temporal';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerDeps {
  config: Pick<
    Config,
    'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'MOTCUA_EVENT_SIGNING_KEYS'
  > &
    Partial<
      Pick<
        Config,
        | 'MOTCUA_CLASSIFICATION_GRANULARITY'
        | 'WORKER_MAX_CACHED_WORKFLOWS'
        | 'WORKER_REUSE_V8_CONTEXT'
        | 'MOTCUA_EVENT_PARTITIONS'
      >
    >;
  logger: Logger;
  prisma: PrismaClient;
  nats: Nats;
  /**
   * Tests pass a pre-built bundle or an existing connection (e.g. the time-skipping server's); the
   * memory benchmark passes `maxCachedWorkflows: undefined` to measure the SDK's own default.
   */
  overrides?: Partial<Pick<WorkerOptions, 'workflowBundle' | 'connection' | 'maxCachedWorkflows'>> & {
    /** Tests observe the real activities (e.g. record what is published) by wrapping them. */
    activities?: (real: Activities) => Activities;
  };
}

/** Creates the dossier worker; call `run()` on it. */
export async function createDossierWorker({
  config,
  logger,
  prisma,
  nats,
  overrides,
}: WorkerDeps): Promise<Worker> {
  installTemporalLogging(logger.child({ component: 'temporal' }));
  const connection =
    overrides?.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  const calendars = createCalendarStore(prisma);
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(overrides?.workflowBundle ? { workflowBundle: overrides.workflowBundle } : { workflowsPath }),
    // Memory bound: the SDK sizes the cache from the heap limit (thousands of workflows), so a
    // province's tens of thousands of open dossiers would keep growing the process.
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    reuseV8Context: config.WORKER_REUSE_V8_CONTEXT ?? true,
    ...(overrides && 'maxCachedWorkflows' in overrides
      ? { maxCachedWorkflows: overrides.maxCachedWorkflows }
      : {}),
    activities: (overrides?.activities ?? ((real) => real))(
      createActivities({
        prisma,
        js: nats.js,
        signingKeys: eventSigningKeys(config),
        receivingAgencyOf: receivingAgencyFromReadModel(prisma),
        ...(config.MOTCUA_EVENT_PARTITIONS && { eventPartitions: config.MOTCUA_EVENT_PARTITIONS }),
        calendarFor: (agencyCode) => calendars.forAgency(agencyCode),
        ...(config.MOTCUA_CLASSIFICATION_GRANULARITY && {
          classificationGranularity: config.MOTCUA_CLASSIFICATION_GRANULARITY,
        }),
      }),
    ),
  });
}

/** For events of workflows that predate routed subjects: the receiving agency the read model knows. */
export function receivingAgencyFromReadModel(prisma: PrismaClient) {
  return async (code: string): Promise<string | undefined> =>
    (await prisma.dossier.findUnique({ where: { code }, select: { agencyCode: true } }))?.agencyCode;
}
