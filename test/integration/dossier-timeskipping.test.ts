import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { createPrisma, type PrismaClient } from '../../services/db';
import { ensureTemporalTestServer } from '../../services/infra';
import { connectNats, type Nats } from '../../services/nats';
import { createDossierWorker } from '../../services/worker';
import { appointmentUpdate, completeUpdate } from '../../workflows/definitions';
import type { dossierWorkflow } from '../../workflows/dossier';
import { testConfig, testLogger, uniqueCode } from './helpers';

// The Java time-skipping test server (Maven artifact) with the real NATS and PostgreSQL.
const config = testConfig({ TEMPORAL_TASK_QUEUE: `timeskip-${process.pid}` });
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let prisma: PrismaClient;
let nats: Nats;

beforeAll(async () => {
  const path = await ensureTemporalTestServer({ home: config.MOTCUA_HOME, logger: testLogger() });
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  prisma = createPrisma(config.DATABASE_URL!);
  nats = await connectNats(config, testLogger());
  worker = await createDossierWorker({
    config,
    logger: testLogger(),
    prisma,
    nats,
    overrides: { connection: env.nativeConnection },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await nats?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

describe('dossier workflow on the time-skipping server', () => {
  it('waits weeks for its result and classifies a completion after the due instant as late', async () => {
    const code = uniqueCode('TS');
    const receivedAt = new Date(await env.currentTimeMs()).toISOString();
    const handle = await env.client.workflow.start<typeof dossierWorkflow>('dossierWorkflow', {
      workflowId: workflowIdFor(code),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [
        {
          code,
          procedureCode: 'MAU-DANG-KY-KHAI-SINH',
          agencyCode: 'X-AN-BINH',
          channel: 'online',
          applicantName: 'Lê Thị Cúc',
          receivedAt,
        },
      ],
    });
    const appointment = await handle.executeUpdate(appointmentUpdate);
    expect(Date.parse(appointment.dueAt!)).toBeGreaterThan(Date.parse(receivedAt));

    await env.sleep('30 days');
    const completedAt = new Date(await env.currentTimeMs()).toISOString();
    expect(Date.parse(completedAt) - Date.parse(receivedAt)).toBeGreaterThanOrEqual(30 * 86_400_000);
    const done = await handle.executeUpdate(completeUpdate, { args: [{ completedAt }] });
    expect(done.outcome).toBe('late');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', outcome: 'late', lastSeq: 2 });
  });
});
