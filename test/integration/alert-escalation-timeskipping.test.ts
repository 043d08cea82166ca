import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { workflowsPath } from '../../services/worker';
import {
  alertEscalationWorkflow,
  alertSettledSignal,
  supplementReceivedSignal,
  supplementWatchWorkflow,
} from '../../workflows/alerts';
import { createTimeSkippingEnvironment } from '../setup/time-skipping';

// Workflow decisions only: stub activities (working hours = plain hours here), skipped time.
const HOUR = 3_600_000;
const chain = ['X-AN-BINH', 'T-MAU', 'BO-TU-PHAP'];

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const escalations: { alertId: string; toLevel: number; at: number }[] = [];
const acknowledged = new Set<string>();
const raisedSupplement: string[] = [];
const waiting = new Set<string>();

const stubs = {
  async stepDueInstant(input: { from: string; budgetWorkingHours: number }) {
    return new Date(Date.parse(input.from) + input.budgetWorkingHours * HOUR).toISOString();
  },
  async escalateAlert(input: { alertId: string; toLevel: number; at: string }) {
    if (acknowledged.has(input.alertId)) return { escalated: false, reason: 'settled' };
    const target = chain[input.toLevel];
    if (!target) return { escalated: false, reason: 'top' };
    escalations.push({ alertId: input.alertId, toLevel: input.toLevel, at: Date.parse(input.at) });
    return { escalated: true, level: input.toLevel, targetAgencyCode: target, at: input.at };
  },
  async raiseSupplementWaiting(input: { dossierCode: string; at: string }) {
    if (!waiting.has(input.dossierCode)) return { raised: false };
    raisedSupplement.push(input.dossierCode);
    return { raised: true, alertId: `sw-${input.dossierCode}`, raisedAt: input.at };
  },
} as unknown as Activities;

beforeAll(async () => {
  env = await createTimeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'alerts-timeskip',
    workflowsPath,
    activities: stubs,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const start = (alertId: string, workingHours = 4) =>
  env.client.workflow.start(alertEscalationWorkflow, {
    workflowId: `esc-${alertId}`,
    taskQueue: 'alerts-timeskip',
    args: [
      {
        alertId,
        kind: 'overdue_without_apology',
        agencyCode: chain[0]!,
        raisedAt: new Date(0).toISOString(),
        workingHours,
      },
    ],
  });

describe('alert escalation (leo thang cảnh báo)', () => {
  it('raises an unacknowledged alert one level after the working time, and again to the top', async () => {
    const raisedAt = await env.currentTimeMs();
    const handle = await env.client.workflow.start(alertEscalationWorkflow, {
      workflowId: 'esc-a1',
      taskQueue: 'alerts-timeskip',
      args: [
        {
          alertId: 'a1',
          kind: 'overdue_without_apology',
          agencyCode: chain[0]!,
          raisedAt: new Date(raisedAt).toISOString(),
          workingHours: 4,
        },
      ],
    });
    expect(await handle.result()).toBe(2);
    const mine = escalations.filter((e) => e.alertId === 'a1');
    expect(mine.map((e) => e.toLevel)).toEqual([1, 2]);
    // Not before the working time: each step waits its 4 hours from the previous one.
    expect(mine[0]!.at - raisedAt).toBeGreaterThanOrEqual(4 * HOUR);
    expect(mine[1]!.at - mine[0]!.at).toBeGreaterThanOrEqual(4 * HOUR);
  });

  it('never escalates an alert acknowledged before the working time ran out', async () => {
    const raisedAt = await env.currentTimeMs();
    const handle = await env.client.workflow.start(alertEscalationWorkflow, {
      workflowId: 'esc-a2',
      taskQueue: 'alerts-timeskip',
      args: [
        {
          alertId: 'a2',
          kind: 'due_soon',
          agencyCode: chain[0]!,
          raisedAt: new Date(raisedAt).toISOString(),
          workingHours: 4,
        },
      ],
    });
    await env.sleep(3 * HOUR);
    acknowledged.add('a2');
    await handle.signal(alertSettledSignal);
    expect(await handle.result()).toBe(0);
    expect(escalations.filter((e) => e.alertId === 'a2')).toEqual([]);
  });

  it('stops climbing when the acknowledgement is in the row even if its signal was lost', async () => {
    acknowledged.add('a3');
    const handle = await start('a3');
    expect(await handle.result()).toBe(0);
    expect(escalations.filter((e) => e.alertId === 'a3')).toEqual([]);
  });
});

describe('supplement watch (chờ bổ sung)', () => {
  it('raises supplement_waiting when the applicant has not supplemented in time', async () => {
    waiting.add('D1');
    const requestedAt = new Date(await env.currentTimeMs()).toISOString();
    const handle = await env.client.workflow.start(supplementWatchWorkflow, {
      workflowId: 'watch-D1',
      taskQueue: 'alerts-timeskip',
      args: [
        {
          dossierCode: 'D1',
          sourceId: 'D1:3',
          requestedAt,
          agencyCode: chain[0]!,
          workingHours: 40,
          escalationWorkingHours: 4,
        },
      ],
    });
    expect(await handle.result()).toBe(true);
    expect(raisedSupplement).toContain('D1');
  });

  it('raises nothing when the supplement arrives in time', async () => {
    waiting.add('D2');
    const requestedAt = new Date(await env.currentTimeMs()).toISOString();
    const handle = await env.client.workflow.start(supplementWatchWorkflow, {
      workflowId: 'watch-D2',
      taskQueue: 'alerts-timeskip',
      args: [
        {
          dossierCode: 'D2',
          sourceId: 'D2:3',
          requestedAt,
          agencyCode: chain[0]!,
          workingHours: 40,
          escalationWorkingHours: 4,
        },
      ],
    });
    await env.sleep(10 * HOUR);
    await handle.signal(supplementReceivedSignal);
    expect(await handle.result()).toBe(false);
    expect(raisedSupplement).not.toContain('D2');
  });
});
