import { Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Command, CommandName } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import type { Actor } from '../../domain/events';
import type { DossierState } from '../../domain/lifecycle';
import { SAMPLE_DEATH_LIEN_THONG_CODE } from '../../domain/reference';
import {
  appointmentUpdate,
  type DossierWorkflowInput,
  dossierStartPolicy,
  dossierStateQuery,
  dossierUpdates,
} from '../../workflows/definitions';
import type { dossierWorkflow } from '../../workflows/dossier';

/** workflows/dossier.ts RATING_WINDOW, in days. */
const RATING_WINDOW_DAYS = 30;

import { dossierStartSearchAttributes } from '../../workflows/search-attributes';

/**
 * The lifecycle paths of issue 4, driven on the time-skipping server. `npm run record-histories`
 * runs them and saves each run's history to test/histories/<name>.json; the replay suite
 * (test/replay/replay.test.ts) replays every committed history against the current workflow code.
 */

export type Handle = WorkflowHandleWithFirstExecutionRunId<typeof dossierWorkflow>;

export interface ScenarioContext {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Starts a dossier received now (server time) and waits for its appointment. */
  receive(
    procedureCode: string,
    agencyCode: string,
    extra?: Partial<DossierWorkflowInput>,
  ): Promise<{ handle: Handle; state: DossierState }>;
  /** Runs one action as of now (server time) and returns the state after it. */
  act<N extends CommandName>(
    handle: Handle,
    name: N,
    body: Omit<Command<N>, 'at' | 'actor'>,
    actor?: Actor,
  ): Promise<DossierState>;
  /** Waits until the workflow (its last run) has closed, without skipping time. */
  closed(handle: Handle): Promise<void>;
  /** Lets server time pass (timers fire as they would in production). */
  sleep(duration: string): Promise<void>;
  now(): Promise<string>;
}

export interface Scenario {
  name: string;
  /** What the history shows, for the reader of test/histories. */
  description: string;
  /** Runs the scenario to the workflow's end; returns its handle (the recorder follows every run). */
  run(ctx: ScenarioContext): Promise<Handle>;
}

const desk = (agencyCode = 'X-AN-BINH'): Actor => ({ id: 'replay-desk', role: 'intake', agencyCode });
const officer = (agencyCode = 'X-AN-BINH'): Actor => ({ id: 'replay-officer', role: 'officer', agencyCode });
const leader = (agencyCode = 'X-AN-BINH'): Actor => ({ id: 'replay-leader', role: 'supervisor', agencyCode });

/** Hands off to the next step and completes it, for each remaining step. */
async function processAllSteps(ctx: ScenarioContext, handle: Handle, pauseBetween?: string) {
  let state = await handle.query(dossierStateQuery);
  const from =
    state.currentStep === null
      ? 0
      : state.currentStep + (state.steps[state.currentStep]?.completedAt ? 1 : 0);
  for (let i = from; i < state.steps.length; i++) {
    const step = state.steps[i]!;
    if (state.currentStep !== i) state = await ctx.act(handle, 'handOff', {}, desk(step.agencyCode));
    if (pauseBetween) await ctx.sleep(pauseBetween);
    state = await ctx.act(handle, 'completeStep', {}, officer(step.agencyCode));
  }
  return state;
}

/** Khai sinh with a delay report, one apology and a late result (two scenarios record it). */
async function lateWithApology(ctx: ScenarioContext): Promise<Handle> {
  const { handle, state } = await ctx.receive('MAU-DANG-KY-KHAI-SINH', 'X-AN-BINH');
  await ctx.act(handle, 'handOff', {}, desk());
  await ctx.act(handle, 'completeStep', {}, desk());
  await ctx.act(handle, 'handOff', {}, desk());
  const newDueAt = new Date(Date.parse(state.dueAt) + 3 * 86_400_000).toISOString();
  await ctx.act(
    handle,
    'reportDelay',
    {
      reason: 'Chờ xác minh thông tin hộ tịch',
      proposedDueAt: newDueAt,
      faultParty: 'processing_agency',
    },
    officer(),
  );
  await ctx.act(
    handle,
    'issueApology',
    {
      reason: 'Chờ xác minh thông tin hộ tịch',
      faultParty: 'processing_agency',
      newDueAt,
      signedBy: 'Chủ tịch UBND xã An Bình',
    },
    leader(),
  );
  // Past the original due instant, before the new appointment.
  await ctx.sleep('2 days');
  await processAllSteps(ctx, handle);
  await ctx.act(handle, 'markResultReady', { resultKind: 'paper' }, officer());
  await ctx.act(handle, 'returnResult', {}, desk());
  await ctx.closed(handle);
  return handle;
}

export const scenarios: Scenario[] = [
  {
    name: 'early',
    description:
      'Kết hôn (5 ngày làm việc) processed step by step within a day: digitized, paid, result ready early, rated, returned.',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-DANG-KY-KET-HON', 'X-AN-BINH');
      await ctx.act(handle, 'recordDigitization', { components: ['to-khai', 'cccd'], result: false }, desk());
      await processAllSteps(ctx, handle, '1 hour');
      await ctx.act(handle, 'markResultReady', { resultKind: 'electronic' }, officer());
      await ctx.act(handle, 'recordDigitization', { components: [], result: true }, officer());
      await ctx.act(handle, 'recordPayment', { amountVnd: 0, online: true }, desk());
      await ctx.act(handle, 'recordRating', { score: 5, comment: 'Nhanh, chu đáo' }, desk());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'late-with-apology',
    description:
      'Khai sinh (1 ngày): the officer reports a delay, the agency apologises once with a new appointment (Mẫu 04); the result comes after the original due instant: late, with due-soon warning fired.',
    run: lateWithApology,
  },
  {
    name: 'late-without-apology',
    description:
      'Chứng thực (4 giờ): nobody acts until after the due instant; due-soon and overdue alarms fire, the result is late.',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-CHUNG-THUC-BAN-SAO', 'X-AN-BINH');
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.sleep('5 days');
      await processAllSteps(ctx, handle);
      await ctx.act(handle, 'markResultReady', { resultKind: 'paper' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'supplement',
    description:
      'Kết hôn: the officer requests a supplement (Mẫu 02), the clock stops for 10 days and resumes with the time left when it arrives; the result comes within the moved deadline.',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-DANG-KY-KET-HON', 'X-AN-BINH');
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.act(handle, 'completeStep', {}, desk());
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.sleep('2 hours');
      await ctx.act(
        handle,
        'requestSupplement',
        { reason: 'Thiếu giấy xác nhận tình trạng hôn nhân', items: ['Giấy xác nhận tình trạng hôn nhân'] },
        officer(),
      );
      await ctx.sleep('10 days');
      await ctx.act(handle, 'receiveSupplement', {}, desk());
      await processAllSteps(ctx, handle, '2 hours');
      await ctx.act(handle, 'markResultReady', { resultKind: 'electronic' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'lien-thong',
    description:
      'Liên thông khai tử → xóa thường trú (Công an xã) → trợ cấp mai táng (BHXH tỉnh): handoffs across agencies, each step on its own budget; the police step overruns its budget (step_overdue).',
    async run(ctx) {
      const { handle, state } = await ctx.receive(SAMPLE_DEATH_LIEN_THONG_CODE, 'X-AN-BINH');
      for (const step of state.steps) {
        await ctx.act(handle, 'handOff', {}, desk(step.agencyCode));
        // The police step (8 working hours) takes three calendar days.
        await ctx.sleep(step.agencyCode.startsWith('CA-') ? '3 days' : '1 hour');
        await ctx.act(handle, 'completeStep', {}, officer(step.agencyCode));
      }
      await ctx.act(handle, 'markResultReady', { resultKind: 'electronic' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'routed-subjects',
    description:
      "Liên thông khai tử after events were routed by agency (patched('event-subject-agency')): every publish carries the receiving agency X-AN-BINH, also while other agencies hold the dossier.",
    async run(ctx) {
      const { handle, state } = await ctx.receive(SAMPLE_DEATH_LIEN_THONG_CODE, 'X-AN-BINH');
      for (const step of state.steps) {
        await ctx.act(handle, 'handOff', {}, desk(step.agencyCode));
        await ctx.sleep('1 hour');
        await ctx.act(handle, 'completeStep', {}, officer(step.agencyCode));
      }
      await ctx.act(handle, 'markResultReady', { resultKind: 'electronic' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'reject',
    description: 'Giấy phép xây dựng: the officer rejects the dossier (Mẫu 03) during review.',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-GIAY-PHEP-XAY-DUNG', 'X-AN-BINH');
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.act(handle, 'completeStep', {}, desk());
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.sleep('1 day');
      await ctx.act(handle, 'reject', { reason: 'Công trình không phù hợp quy hoạch' }, leader());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'withdraw',
    description: 'Khai sinh: a supplement is requested, then the applicant withdraws the dossier.',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-DANG-KY-KHAI-SINH', 'X-AN-BINH');
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.act(
        handle,
        'requestSupplement',
        { reason: 'Thiếu giấy chứng sinh', items: ['Giấy chứng sinh'] },
        officer(),
      );
      await ctx.sleep('1 day');
      await ctx.act(handle, 'withdraw', { reason: 'Người dân xin rút hồ sơ' }, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'rating-after-return',
    description:
      'Chứng thực bản sao (4 giờ): result returned at the desk, the applicant rates the service two days later (patch rating-window-after-return).',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-CHUNG-THUC-BAN-SAO', 'X-AN-BINH');
      await processAllSteps(ctx, handle, '30 minutes');
      await ctx.act(handle, 'markResultReady', { resultKind: 'paper' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.sleep('2 days');
      await ctx.act(handle, 'recordRating', { score: 4 }, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'handback-over-budget',
    description:
      'Kết hôn: a payment with its transaction reference; the review step overruns its budget (step_overdue), the leader sends the dossier back to it and the second visit is completed over budget too (patches command-rules-issue-8, step-over-budget-kept).',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-DANG-KY-KET-HON', 'X-AN-BINH');
      await ctx.act(handle, 'recordPayment', { amountVnd: 0, online: true, reference: 'REPLAY-1' }, desk());
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.act(handle, 'completeStep', {}, desk());
      await ctx.act(handle, 'handOff', {}, desk());
      // The review (24 working hours) takes a week.
      await ctx.sleep('7 days');
      await ctx.act(handle, 'completeStep', {}, officer());
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.act(handle, 'completeStep', {}, leader());
      // The leader sends it back for more review, which is quick this time.
      await ctx.act(handle, 'handOff', { toStep: 1 }, leader());
      await ctx.sleep('1 hour');
      await ctx.act(handle, 'completeStep', {}, officer());
      await processAllSteps(ctx, handle, '10 minutes');
      await ctx.act(handle, 'markResultReady', { resultKind: 'paper' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'continue-as-new',
    description:
      'Chứng thực with a tiny history limit: the workflow continues as new mid-process with its state and timers, then finishes in a later run.',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-CHUNG-THUC-BAN-SAO', 'X-AN-BINH', { historyLimit: 60 });
      await processAllSteps(ctx, handle, '10 minutes');
      await ctx.act(handle, 'markResultReady', { resultKind: 'electronic' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      const last = await ctx.env.client.workflow.getHandle(handle.workflowId).describe();
      if (last.runId === handle.firstExecutionRunId) throw new Error('the workflow did not continue as new');
      return handle;
    },
  },
  {
    name: 'pinned-rules',
    description:
      'Kết hôn received with its rules pinned (patch pinned-rules-at-receipt): a supplement resumes on the pinned deadline; the result comes after the overdue alarm and carries both verdicts (patch classification-granularity).',
    async run(ctx) {
      const { handle } = await ctx.receive('MAU-DANG-KY-KET-HON', 'X-AN-BINH');
      await ctx.act(handle, 'handOff', {}, desk());
      await ctx.sleep('2 hours');
      await ctx.act(
        handle,
        'requestSupplement',
        { reason: 'Thiếu bản sao CCCD', items: ['CCCD'] },
        officer(),
      );
      await ctx.sleep('1 day');
      await ctx.act(handle, 'receiveSupplement', {}, desk());
      await ctx.sleep('10 days');
      await processAllSteps(ctx, handle, '1 hour');
      await ctx.act(handle, 'markResultReady', { resultKind: 'paper' }, officer());
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'backfill',
    description:
      'Kết hôn migrated from an older system (patches server-time-decides, event-recorded-at): received three weeks ago, handed off and processed, the result ready after the due instant (overdue recorded before it, late); then returned live.',
    async run(ctx) {
      const received = Date.parse(await ctx.now()) - 21 * 86_400_000;
      const at = (hours: number) => new Date(received + hours * 3_600_000).toISOString();
      const { handle } = await ctx.receive('MAU-DANG-KY-KET-HON', 'X-AN-BINH', {
        receivedAt: at(0),
        backfill: {
          actions: [
            { name: 'handOff', command: { at: at(1), actor: desk() } },
            { name: 'completeStep', command: { at: at(50), actor: officer() } },
            { name: 'markResultReady', command: { at: at(24 * 10), resultKind: 'paper', actor: officer() } },
          ],
        },
      });
      await ctx.act(handle, 'returnResult', {}, desk());
      await ctx.closed(handle);
      return handle;
    },
  },
  {
    name: 'intake-local-plan',
    description:
      'The dossier of late-with-apology, recorded on the intake path of issue 12 (patches receipt-instant-checked, intake-plan-local-activity, intake-answer-full-state): the plan is a local-activity marker in the first workflow task and the appointment answers the full state.',
    run: lateWithApology,
  },
];

const ICT_OFFSET_MS = 7 * 3_600_000;

/** The next Monday–Friday 08:30 in Vietnam (UTC+7) strictly after `fromMs`. */
export function nextMorningReceipt(fromMs: number): number {
  const local = new Date(fromMs + ICT_OFFSET_MS);
  for (let days = 1; ; days++) {
    const day = new Date(
      Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days, 8, 30),
    );
    const weekday = day.getUTCDay();
    if (weekday >= 1 && weekday <= 5) return day.getTime() - ICT_OFFSET_MS;
  }
}

/**
 * Scenario context on a time-skipping environment whose worker polls `taskQueue`. Each dossier
 * is received at the next weekday 08:30 (server time skipped to it), as at a real desk.
 */
export function scenarioContext(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  scenario: string,
): ScenarioContext {
  const now = async () => new Date(await env.currentTimeMs()).toISOString();
  const code = `REPLAY-${scenario.toUpperCase()}`;
  // The environment's own client skips time while awaiting a result (up to the 10-year execution
  // timeout once nothing else is pending): wait for closing through a plain client instead.
  const plain = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  return {
    env,
    taskQueue,
    now,
    sleep: (duration) => env.sleep(duration),
    closed: async (handle) => {
      const latest = plain.workflow.getHandle(handle.workflowId);
      // A returned, unrated dossier waits for the applicant's rating: let that window pass.
      if ((await latest.describe()).status.name === 'RUNNING') {
        const state = await latest.query(dossierStateQuery);
        if (state.status === 'returned' && !state.rating) await env.sleep(`${RATING_WINDOW_DAYS + 1} days`);
      }
      await latest.result();
    },
    async receive(procedureCode, agencyCode, extra = {}) {
      const current = await env.currentTimeMs();
      await env.sleep(nextMorningReceipt(current) - current);
      const input: DossierWorkflowInput = {
        code,
        procedureCode,
        agencyCode,
        channel: 'direct',
        applicantName: 'Nguyễn Thị Mẫu',
        receivedAt: await now(),
        actor: desk(agencyCode),
        ...extra,
      };
      const handle = await env.client.workflow.start<typeof dossierWorkflow>('dossierWorkflow', {
        workflowId: workflowIdFor(code),
        taskQueue,
        args: [input],
        ...dossierStartPolicy,
        typedSearchAttributes: dossierStartSearchAttributes(input),
      });
      await handle.executeUpdate(appointmentUpdate);
      return { handle, state: await handle.query(dossierStateQuery) };
    },
    async act(handle, name, body, actor = officer()) {
      const command = { ...body, at: await now(), actor } as Command<typeof name>;
      await handle.executeUpdate(dossierUpdates[name] as (typeof dossierUpdates)['handOff'], {
        args: [command as never],
      });
      // Updates answer a slim view: the full state (timeline included) by query.
      return handle.query(dossierStateQuery);
    },
  };
}
