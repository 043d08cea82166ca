import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type Activities, createActivities } from '../activities';
import { createCalendarStore } from './calendars';
import {
  type Config,
  ConfigError,
  DEFAULT_MAX_CACHED_WORKFLOWS,
  eventSigningKeys,
  projectRoot,
} from './config';
import type { PrismaClient } from './db';
import type { Logger } from './logger';
import type { Nats } from './nats';
import type { ReferenceCache } from './reference-cache';
import { installTemporalLogging, temporalDataConverter } from './temporal';

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
        | 'MOTCUA_PAYLOAD_KEYS'
        | 'MOTCUA_WORKFLOW_BUNDLE'
        | 'NODE_ENV'
      >
    >;
  logger: Logger;
  prisma: PrismaClient;
  nats: Nats;
  /** The catalogue, agencies and calendars in memory until they change (services/reference-cache.ts). */
  referenceCache?: ReferenceCache;
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
  referenceCache,
  overrides,
}: WorkerDeps): Promise<Worker> {
  installTemporalLogging(logger.child({ component: 'temporal' }));
  const connection =
    overrides?.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  const calendars = createCalendarStore(prisma, referenceCache);
  const dataConverter = temporalDataConverter(config);
  const workflowBundle = overrides?.workflowBundle ?? prebuiltWorkflowBundle(config, logger);
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(dataConverter && { dataConverter }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
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
        ...(referenceCache && { referenceCache }),
        ...(config.MOTCUA_CLASSIFICATION_GRANULARITY && {
          classificationGranularity: config.MOTCUA_CLASSIFICATION_GRANULARITY,
        }),
      }),
    ),
  });
}

/**
 * The workflow bundle built at image build time (`scripts/build-image-tree.sh` writes
 * `dist/workflow-bundle.js`; MOTCUA_WORKFLOW_BUNDLE names another file). The worker then starts
 * without webpack and needs no dev dependency; without it, the worker bundles `workflows/` itself.
 */
export function prebuiltWorkflowBundle(
  config: Partial<Pick<Config, 'MOTCUA_WORKFLOW_BUNDLE'>>,
  logger?: Logger,
): { codePath: string } | undefined {
  const file = config.MOTCUA_WORKFLOW_BUNDLE ?? defaultWorkflowBundlePath;
  if (!existsSync(file)) {
    if (config.MOTCUA_WORKFLOW_BUNDLE)
      throw new ConfigError([`MOTCUA_WORKFLOW_BUNDLE: no such file ${config.MOTCUA_WORKFLOW_BUNDLE}`]);
    return undefined;
  }
  logger?.info({ workflowBundle: file }, 'worker uses the pre-built workflow bundle');
  return { codePath: file };
}

export const defaultWorkflowBundlePath = path.join(projectRoot, 'dist', 'workflow-bundle.js');

/** For events of workflows that predate routed subjects: the receiving agency the read model knows. */
export function receivingAgencyFromReadModel(prisma: PrismaClient) {
  return async (code: string): Promise<string | undefined> =>
    (await prisma.dossier.findUnique({ where: { code }, select: { agencyCode: true } }))?.agencyCode;
}
