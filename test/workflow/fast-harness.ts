import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { expect } from 'vitest';
import { type Activities, createActivities } from '../../activities';
import { defaultCalendar } from '../../domain/calendar';
import type { CommandName } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import type { Actor, DossierEvent, DossierEventType } from '../../domain/events';
import type { DossierState } from '../../domain/lifecycle';
import type { PrismaClient } from '../../services/db';
import { parseSigningKeys } from '../../services/event-signature';
import type { JetStreamClient } from '../../services/nats';
import { workflowsPath } from '../../services/worker';
import {
  appointmentUpdate,
  type DossierWorkflowInput,
  dossierStartPolicy,
  dossierStateQuery,
  dossierUpdates,
  type UpdateCommand,
} from '../../workflows/definitions';
import type { dossierWorkflow } from '../../workflows/dossier';
import { createTimeSkippingEnvironment } from '../setup/time-skipping';

/**
 * The fast tier: the workflow on the time-skipping server with the REAL deadline functions over an
 * in-memory catalogue (the bundled national calendar) and an in-memory JetStream. No NATS, no
 * PostgreSQL: a wrong decision about time shows up in seconds.
 */
export const officer: Actor = { id: 'officer-1', role: 'officer', agencyCode: 'X-AN-BINH' };
export const desk: Actor = { id: 'desk-1', role: 'intake', agencyCode: 'X-AN-BINH' };

interface ProcedureRow {
  code: string;
  deadlineWorkingDays: number | null;
  deadlineWorkingHours: number | null;
  deadlineCalendarDays: number | null;
  sameDayCutoff: string | null;
  steps: unknown[];
}

/** Two procedures: 5 working days in two steps, and 1 working day in one. */
export const procedures: Record<string, ProcedureRow> = {
  'KET-HON': {
    code: 'KET-HON',
    deadlineWorkingDays: 5,
    deadlineWorkingHours: null,
    deadlineCalendarDays: null,
    sameDayCutoff: null,
    steps: [
      { key: 'tham-dinh', name: 'Thẩm định', role: 'officer', agencyCode: null, budgetWorkingHours: 24 },
      { key: 'phe-duyet', name: 'Phê duyệt', role: 'supervisor', agencyCode: null, budgetWorkingHours: 16 },
    ],
  },
  'KHAI-SINH': {
    code: 'KHAI-SINH',
    deadlineWorkingDays: 1,
    deadlineWorkingHours: null,
    deadlineCalendarDays: null,
    sameDayCutoff: null,
    steps: [],
  },
};

const fakePrisma = {
  // No catalogue versions: the procedure row is the rule (as for a catalogue before versioning).
  procedure: {
    findUnique: async ({ where }: { where: { code: string } }) =>
      procedures[where.code] ? { ...procedures[where.code], versions: [] } : null,
  },
  agency: {
    findUnique: async ({ where }: { where: { code: string } }) =>
      where.code === 'X-AN-BINH' ? { code: where.code } : null,
  },
  alert: { createMany: async () => ({ count: 1 }) },
} as unknown as PrismaClient;

export interface FastHarness {
  env: TestWorkflowEnvironment;
  published: DossierEvent[];
  /** Replace activities per test (e.g. a broken one). */
  override: Partial<Activities>;
  now(): Promise<number>;
  start(
    fields?: Partial<DossierWorkflowInput>,
  ): Promise<{ code: string; state: DossierState; handle: ReturnType<FastHarness['handle']> }>;
  handle(code: string): ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>;
  act<N extends CommandName>(
    code: string,
    name: N,
    fields: Omit<UpdateCommand<N>, 'actor'> & { actor?: Actor },
  ): Promise<DossierState>;
  state(code: string): Promise<DossierState>;
  typesOf(code: string): DossierEventType[];
  eventsOf(code: string): DossierEvent[];
  sleepUntil(instant: string | number, plusMs?: number): Promise<void>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startFastHarness(): Promise<FastHarness> {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const env = await createTimeSkippingEnvironment({ home: process.env.MOTCUA_HOME });
  const published: DossierEvent[] = [];
  const js = {
    async publish(_subject: string, data: string) {
      published.push(JSON.parse(data) as DossierEvent);
      return { seq: published.length, duplicate: false };
    },
  } as unknown as JetStreamClient;
  const calendar = defaultCalendar();
  const real = createActivities({
    prisma: fakePrisma,
    js,
    calendarFor: async () => calendar,
    signingKeys: parseSigningKeys(`fast:${'k'.repeat(43)}`),
  });
  const override: Partial<Activities> = {};
  const activities = Object.fromEntries(
    Object.keys(real).map((name) => [
      name,
      (...args: unknown[]) =>
        (
          (override[name as keyof Activities] ?? real[name as keyof Activities]) as (
            ...a: unknown[]
          ) => unknown
        )(...args),
    ]),
  ) as Activities;
  const taskQueue = `fast-${process.pid}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities,
  });
  const running = worker.run();

  const handle = (code: string) => env.client.workflow.getHandle<typeof dossierWorkflow>(workflowIdFor(code));
  const now = async () => env.currentTimeMs();
  const eventsOf = (code: string) =>
    published.filter((e) => e.dossierCode === code).sort((a, b) => a.seq - b.seq);
  return {
    env,
    published,
    override,
    now,
    handle,
    async start(fields = {}) {
      counter += 1;
      const code = fields.code ?? `FAST-${process.pid}-${counter}`;
      const h = await env.client.workflow.start<typeof dossierWorkflow>('dossierWorkflow', {
        ...dossierStartPolicy,
        workflowId: workflowIdFor(code),
        taskQueue,
        args: [
          {
            procedureCode: 'KET-HON',
            agencyCode: 'X-AN-BINH',
            channel: 'direct',
            applicantName: 'Lê Thị Cúc',
            receivedAt: new Date(await now()).toISOString(),
            actor: desk,
            instantLimits: { toleranceMinutes: 15, maxAppointmentExtensionDays: 90 },
            ...fields,
            code,
          },
        ],
      });
      await h.executeUpdate(appointmentUpdate).catch(async (err: unknown) => {
        // A run that failed before the receipt: its own failure says why.
        throw await h.result().then(
          () => err,
          (failed: unknown) => failed,
        );
      });
      return { code, state: await h.query(dossierStateQuery), handle: h };
    },
    async act(code, name, fields) {
      const command = { actor: officer, ...fields };
      const update = dossierUpdates[name] as unknown as typeof dossierUpdates.handOff;
      await handle(code).executeUpdate(update, { args: [command as never] });
      return handle(code).query(dossierStateQuery);
    },
    state: (code) => handle(code).query(dossierStateQuery),
    eventsOf,
    typesOf: (code) => eventsOf(code).map((e) => e.type),
    async sleepUntil(instant, plusMs = 60_000) {
      const target = typeof instant === 'number' ? instant : Date.parse(instant);
      const wait = target + plusMs - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    },
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** The failure type an Update was refused with. */
export async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? undefined;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
