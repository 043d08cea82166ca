import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Command, CommandName } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import type { Actor, DossierEvent, DossierEventOf, DossierEventType } from '../../domain/events';
import type { DossierState } from '../../domain/lifecycle';
import { createCalendarStore } from '../../services/calendars';
import { createPrisma, type PrismaClient } from '../../services/db';
import { connectNats, type Nats } from '../../services/nats';
import { createDossierWorker } from '../../services/worker';
import {
  appointmentUpdate,
  type DossierWorkflowInput,
  dossierStartPolicy,
  dossierStateQuery,
  dossierUpdates,
} from '../../workflows/definitions';
import type { dossierWorkflow } from '../../workflows/dossier';
import { createTimeSkippingEnvironment } from '../setup/time-skipping';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

export const officer: Actor = {
  id: 'officer-an-binh',
  name: 'Trần Văn Bình',
  role: 'officer',
  agencyCode: 'X-AN-BINH',
};
export const provinceOfficer: Actor = { id: 'officer-tinh', role: 'officer', agencyCode: 'T-MAU' };
export const desk: Actor = { id: 'desk-an-binh', role: 'intake', agencyCode: 'X-AN-BINH' };

/**
 * The Java time-skipping server with a worker running the REAL activities (PostgreSQL catalogue
 * and calendars, JetStream publishing). The publish activity is wrapped only to record what the
 * workflow emitted, after JetStream accepted it.
 */
export interface Harness {
  env: TestWorkflowEnvironment;
  prisma: PrismaClient;
  calendars: ReturnType<typeof createCalendarStore>;
  taskQueue: string;
  published: DossierEvent[];
  now(): Promise<string>;
  /** Moves the server clock forward (timers fire on the way) to just past `instant`. */
  sleepUntil(instant: string, plusMs?: number): Promise<void>;
  start(fields: Partial<DossierWorkflowInput> & { procedureCode: string }): Promise<{
    code: string;
    handle: WorkflowHandleWithFirstExecutionRunId<typeof dossierWorkflow>;
    state: DossierState;
  }>;
  act<N extends CommandName>(
    code: string,
    name: N,
    fields: Omit<Command<N>, 'at' | 'actor'> & { at?: string; actor?: Actor },
  ): Promise<DossierState>;
  state(code: string): Promise<DossierState>;
  eventsOf(code: string): DossierEvent[];
  typesOf(code: string): DossierEventType[];
  only<T extends DossierEventType>(code: string, type: T): DossierEventOf<T>[];
  /** Waits until `count` events of `type` were published (timers fire asynchronously to the test). */
  waitForEvent<T extends DossierEventType>(
    code: string,
    type: T,
    count?: number,
  ): Promise<DossierEventOf<T>[]>;
  stop(): Promise<void>;
}

export async function startHarness(name: string): Promise<Harness> {
  // The time-skipping server's own client has no payload codec: this harness's histories stay plain.
  const config = testConfig({ TEMPORAL_TASK_QUEUE: `${name}-${process.pid}`, MOTCUA_PAYLOAD_KEYS: '' });
  const logger = testLogger();
  const env = await createTimeSkippingEnvironment({ home: config.MOTCUA_HOME, logger });
  const prisma = createPrisma(config.DATABASE_URL!);
  let nats: Nats | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const published: DossierEvent[] = [];
  try {
    nats = await connectNats(config, logger);
    worker = await createDossierWorker({
      config,
      logger,
      prisma,
      nats,
      overrides: {
        connection: env.nativeConnection,
        activities: (real) => ({
          ...real,
          async publishDossierEvent(event) {
            const result = await real.publishDossierEvent(event);
            if (!result.duplicate) published.push(event);
            return result;
          },
        }),
      },
    });
    running = worker.run();
  } catch (err) {
    await nats?.close();
    await prisma.$disconnect();
    await env.teardown();
    throw err;
  }

  const now = async () => new Date(await env.currentTimeMs()).toISOString();
  const handleOf = (code: string) =>
    env.client.workflow.getHandle<typeof dossierWorkflow>(workflowIdFor(code));
  const eventsOf = (code: string) =>
    published.filter((e) => e.dossierCode === code).sort((a, b) => a.seq - b.seq);

  return {
    env,
    prisma,
    calendars: createCalendarStore(prisma),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    published,
    now,
    async sleepUntil(instant, plusMs = 60_000) {
      const wait = Date.parse(instant) + plusMs - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    },
    async start(fields) {
      const code = fields.code ?? uniqueCode('TS');
      const handle = await env.client.workflow.start<typeof dossierWorkflow>('dossierWorkflow', {
        ...dossierStartPolicy,
        workflowId: workflowIdFor(code),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [
          {
            agencyCode: 'X-AN-BINH',
            channel: 'direct',
            applicantName: 'Lê Thị Cúc',
            receivedAt: await now(),
            actor: desk,
            ...fields,
            code,
          },
        ],
      });
      await handle.executeUpdate(appointmentUpdate);
      return { code, handle, state: await handle.query(dossierStateQuery) };
    },
    async act(code, name, fields) {
      const command = { at: await now(), actor: officer, ...fields } as Command<typeof name>;
      const update = dossierUpdates[name] as unknown as typeof dossierUpdates.handOff;
      await handleOf(code).executeUpdate(update, { args: [command as never] });
      // Updates answer a slim view: the full state (timeline included) by query.
      return handleOf(code).query(dossierStateQuery);
    },
    state: (code) => handleOf(code).query(dossierStateQuery),
    eventsOf,
    typesOf: (code) => eventsOf(code).map((e) => e.type),
    only: <T extends DossierEventType>(code: string, type: T) =>
      eventsOf(code).filter((e): e is DossierEventOf<T> => e.type === type),
    waitForEvent: <T extends DossierEventType>(code: string, type: T, count = 1) =>
      eventually(async () => {
        const found = eventsOf(code).filter((e): e is DossierEventOf<T> => e.type === type);
        return found.length >= count ? found : undefined;
      }),
    async stop() {
      worker?.shutdown();
      await running;
      await nats?.close();
      await prisma.$disconnect();
      await env.teardown();
    },
  };
}
