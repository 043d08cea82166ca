import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { SupervisorAlertKind } from '../../domain/alerts';
import type { Outcome } from '../../domain/calendar/types';
import { type CommandName, commandPaths, type Role } from '../../domain/commands';
import { type CounterName, type Counts, emptyCounts } from '../../domain/counters';
import { workflowIdFor } from '../../domain/dossier';
import type { DossierStatus } from '../../domain/lifecycle';
import { dossierStateQuery } from '../../workflows/definitions';

/**
 * Every lifecycle path a dossier can take, as an intake system and officers drive it through the
 * HTTP API, with what each path must leave behind — written down here by hand, independently of
 * the projector, so the fault and scale-out tests compare the system's counters against it.
 *
 * Dossiers are dated on a fixed business calendar: `future` ones are received on Mon 4 Mar 2030
 * 08:00 (+07:00; Đăng ký kết hôn, 5 working days → due Mon 11 Mar 2030 08:00) so no timer of theirs
 * fires during a test; `past` ones were received on Mon 2 Nov 2026 08:00 (due Mon 9 Nov 2026 08:00)
 * and so cross their due instant the moment they start: due_soon, overdue and step_overdue fire at
 * once, supervisors are alerted and an apology is drafted.
 */

export const PROCEDURE = 'MAU-DANG-KY-KET-HON';
const FUTURE_RECEIPT = '2030-03-04T08:00:00+07:00';
const PAST_RECEIPT = '2026-11-02T08:00:00+07:00';

interface Action {
  name: CommandName;
  role: Role;
  body: Record<string, unknown>;
}

export interface DossierPath {
  name: string;
  channel: 'direct' | 'online' | 'postal';
  receipt: 'future' | 'past';
  /** Wait until the workflow went overdue before the first action (past receipts). */
  awaitOverdue?: boolean;
  actions: (code: string) => Action[];
  /** The final state every copy of the dossier must show (workflow query and read model). */
  status: DossierStatus;
  outcome?: Outcome;
  /** What the path adds to the counter buckets of its receiving agency (all days summed). */
  counts: Partial<Counts>;
  /** Applicant notices (one email each): received, supplement_needed, delayed, result_ready. */
  notices: number;
  /** One Mẫu 04 apology letter (a draft, or issued when `apologyIssued`). */
  apologyLetter: boolean;
  apologyIssued?: boolean;
  /**
   * The supervisor alerts the path raises, one each (and one email + one webhook call each): a
   * dossier that crosses its due instant without an apology is warned (`due_soon`) and raises
   * exactly one `overdue_without_apology`.
   */
  alerts: SupervisorAlertKind[];
}

const act = (name: CommandName, role: Role, body: Record<string, unknown>): Action => ({ name, role, body });

export const PATHS: DossierPath[] = [
  {
    // Tiếp nhận → chuyển xử lý → thẩm định → kết quả điện tử → trả → đánh giá. The handoff from the
    // desk opens step 0 (tiếp nhận, a budget of 4 working hours: due 14:30 the same day); completed
    // the next morning it is over budget, while the dossier itself still finishes early.
    name: 'handoff-early',
    channel: 'direct',
    receipt: 'future',
    actions: () => [
      act('handOff', 'intake', { at: '2030-03-04T09:00:00+07:00' }),
      act('completeStep', 'officer', { at: '2030-03-05T09:00:00+07:00' }),
      act('markResultReady', 'officer', { at: '2030-03-06T09:00:00+07:00', resultKind: 'electronic' }),
      act('returnResult', 'intake', { at: '2030-03-07T09:00:00+07:00' }),
      act('recordRating', 'intake', { at: '2030-03-07T09:30:00+07:00', score: 5 }),
    ],
    status: 'returned',
    outcome: 'early',
    counts: {
      receivedDirect: 1,
      handoffsIn: 1,
      stepsCompleted: 1,
      stepsOverBudget: 1,
      resolvedEarly: 1,
      resolvedByDayEarly: 1,
      resolvedElectronic: 1,
      resolvedResultDigitized: 1,
      returned: 1,
      rating5: 1,
    },
    notices: 2,
    apologyLetter: false,
    alerts: [],
  },
  {
    // Mẫu 02: the clock stops while the applicant supplements, then resumes.
    name: 'supplement',
    channel: 'direct',
    receipt: 'future',
    actions: () => [
      act('requestSupplement', 'intake', {
        at: '2030-03-04T10:00:00+07:00',
        reason: 'Thiếu giấy tờ',
        items: ['Bản sao giấy khai sinh'],
      }),
      act('receiveSupplement', 'intake', { at: '2030-03-06T10:00:00+07:00' }),
      act('markResultReady', 'officer', { at: '2030-03-07T10:00:00+07:00', resultKind: 'paper' }),
      act('returnResult', 'intake', { at: '2030-03-08T10:00:00+07:00' }),
    ],
    status: 'returned',
    outcome: 'early',
    counts: {
      receivedDirect: 1,
      supplementRequests: 1,
      resolvedEarly: 1,
      resolvedByDayEarly: 1,
      returned: 1,
    },
    notices: 3,
    apologyLetter: false,
    alerts: [],
  },
  {
    name: 'reject',
    channel: 'postal',
    receipt: 'future',
    actions: () => [
      act('reject', 'officer', { at: '2030-03-04T10:00:00+07:00', reason: 'Không thuộc thẩm quyền' }),
    ],
    status: 'rejected',
    counts: { receivedPostal: 1, rejected: 1 },
    notices: 1,
    apologyLetter: false,
    alerts: [],
  },
  {
    name: 'withdraw',
    channel: 'online',
    receipt: 'future',
    actions: () => [
      act('withdraw', 'intake', { at: '2030-03-05T10:00:00+07:00', reason: 'Người dân rút hồ sơ' }),
    ],
    status: 'withdrawn',
    counts: { receivedOnline: 1, withdrawn: 1 },
    notices: 1,
    apologyLetter: false,
    alerts: [],
  },
  {
    // Late processing reported in time: Mẫu 04 moves the appointment once; still late in every count.
    name: 'delay-apology-late',
    channel: 'direct',
    receipt: 'future',
    actions: () => [
      act('reportDelay', 'officer', {
        at: '2030-03-08T09:00:00+07:00',
        reason: 'Cần xác minh thêm',
        proposedDueAt: '2030-03-14T17:00:00+07:00',
        faultParty: 'processing_agency',
      }),
      act('issueApology', 'supervisor', {
        at: '2030-03-08T10:00:00+07:00',
        reason: 'Cần xác minh thêm',
        faultParty: 'processing_agency',
        newDueAt: '2030-03-14T17:00:00+07:00',
        signedBy: 'Chủ tịch UBND xã',
      }),
      act('markResultReady', 'officer', { at: '2030-03-12T10:00:00+07:00', resultKind: 'paper' }),
      act('returnResult', 'intake', { at: '2030-03-12T11:00:00+07:00' }),
    ],
    status: 'returned',
    outcome: 'late',
    counts: { receivedDirect: 1, apologies: 1, resolvedLate: 1, resolvedByDayLate: 1, returned: 1 },
    notices: 3,
    apologyLetter: true,
    apologyIssued: true,
    alerts: [],
  },
  {
    // On the due day, before the due instant.
    name: 'on-time',
    channel: 'direct',
    receipt: 'future',
    actions: () => [
      act('markResultReady', 'officer', { at: '2030-03-11T07:45:00+07:00', resultKind: 'electronic' }),
      act('returnResult', 'intake', { at: '2030-03-11T09:00:00+07:00' }),
    ],
    status: 'returned',
    outcome: 'on_time',
    counts: {
      receivedDirect: 1,
      resolvedOnTime: 1,
      resolvedByDayOnTime: 1,
      resolvedElectronic: 1,
      resolvedResultDigitized: 1,
      returned: 1,
    },
    notices: 2,
    apologyLetter: false,
    alerts: [],
  },
  {
    name: 'online-digitized-paid',
    channel: 'online',
    receipt: 'future',
    actions: (code) => [
      act('recordDigitization', 'intake', {
        at: '2030-03-04T09:00:00+07:00',
        components: ['Tờ khai đăng ký'],
      }),
      act('recordPayment', 'intake', {
        at: '2030-03-04T09:05:00+07:00',
        amountVnd: 20_000,
        online: true,
        reference: `TT-${code}`,
      }),
      act('markResultReady', 'officer', { at: '2030-03-05T09:00:00+07:00', resultKind: 'electronic' }),
      act('returnResult', 'intake', { at: '2030-03-05T10:00:00+07:00' }),
      act('recordRating', 'intake', { at: '2030-03-05T10:30:00+07:00', score: 3 }),
    ],
    status: 'returned',
    outcome: 'early',
    counts: {
      receivedOnline: 1,
      receivedDigitized: 1,
      paid: 1,
      paidOnline: 1,
      resolvedEarly: 1,
      resolvedByDayEarly: 1,
      resolvedElectronic: 1,
      resolvedResultDigitized: 1,
      returned: 1,
      rating3: 1,
    },
    notices: 2,
    apologyLetter: false,
    alerts: [],
  },
  {
    // Crosses its due instant without an apology (a violation supervisors see at once), then finishes late.
    name: 'overdue-late',
    channel: 'direct',
    receipt: 'past',
    awaitOverdue: true,
    actions: () => [
      act('markResultReady', 'officer', { resultKind: 'paper' }),
      act('returnResult', 'intake', {}),
    ],
    status: 'returned',
    outcome: 'late',
    counts: {
      receivedDirect: 1,
      becameOverdue: 1,
      closedOverdue: 1,
      resolvedLate: 1,
      resolvedByDayLate: 1,
      returned: 1,
    },
    notices: 2,
    apologyLetter: true,
    alerts: ['due_soon', 'overdue_without_apology'],
  },
];

export interface PlannedDossier {
  code: string;
  path: DossierPath;
}

/** `n` dossiers, the paths taken in turn. */
export function planDossiers(n: number, prefix: string): PlannedDossier[] {
  const run = `${process.pid}-${Date.now().toString(36)}`.toUpperCase();
  return Array.from({ length: n }, (_, i) => ({
    code: `${prefix}-${run}-${String(i).padStart(4, '0')}`,
    path: PATHS[i % PATHS.length]!,
  }));
}

/** The counters the plan must leave, summed over every day, computed from the plan alone. */
export function expectedCounts(plan: readonly PlannedDossier[]): Counts {
  const out = emptyCounts();
  for (const { path } of plan) {
    for (const [c, v] of Object.entries(path.counts) as [CounterName, number][]) out[c] += v;
  }
  return out;
}

export const applicantEmailOf = (code: string) => `${code.toLowerCase()}@nguoi-dan.test`;

export interface Driver {
  apiUrl: string;
  /** API tokens of the receiving agency per role. */
  tokens: Partial<Record<Role, string>>;
  agencyCode: string;
  temporal: Client;
  /** Dossiers driven at once. */
  concurrency: number;
  /** Kept up to date while driving (the faults hook on it). */
  progress?: DriveProgress;
  /** Awaited before the dossier with this index (in plan order) is received. */
  mayStart?: (index: number) => Promise<void>;
}

/** What is in flight at any moment of a drive. */
export interface DriveProgress {
  /** Dossiers that finished their path. */
  done: number;
  /** Dossiers received (or being received) that have not finished their path. */
  open: Set<string>;
  /** HTTP calls sent and not yet answered. */
  callsInFlight: number;
}

export const newDriveProgress = (): DriveProgress => ({ done: 0, open: new Set(), callsInFlight: 0 });

/** Status codes the API answered (the faults should only ever cause 503s and refused connections). */
export type AnswerTally = Map<number | 'network', number>;

/**
 * Drives every planned dossier through its path over HTTP, as an intake system that retries: every
 * call carries an Idempotency-Key (also the Temporal Update id) and is retried on 503 or a network
 * error until answered; a 409 on a retried intake means the first attempt went through.
 */
export async function driveDossiers(
  d: Driver,
  plan: readonly PlannedDossier[],
): Promise<{ answers: AnswerTally }> {
  const answers: AnswerTally = new Map();
  const progress = d.progress ?? newDriveProgress();
  let next = 0;
  const runOne = async ({ code, path }: PlannedDossier) => {
    progress.open.add(code);
    await call(d, progress, answers, 'intake', '/v1/dossiers', `${code}:receive`, {
      code,
      procedureCode: PROCEDURE,
      agencyCode: d.agencyCode,
      channel: path.channel,
      applicant: { name: 'Nguyễn Thị Lan', email: applicantEmailOf(code) },
      receivedAt: path.receipt === 'future' ? FUTURE_RECEIPT : PAST_RECEIPT,
    });
    if (path.awaitOverdue) await untilOverdue(d.temporal, code);
    for (const [i, a] of path.actions(code).entries()) {
      await call(
        d,
        progress,
        answers,
        a.role,
        `/v1/dossiers/${code}/${commandPaths[a.name]}`,
        `${code}:${i}`,
        a.body,
      );
    }
    progress.open.delete(code);
    progress.done += 1;
  };
  const lanes = Array.from({ length: d.concurrency }, async () => {
    while (next < plan.length) {
      const index = next++;
      await d.mayStart?.(index);
      await runOne(plan[index]!);
    }
  });
  await Promise.all(lanes);
  return { answers };
}

async function untilOverdue(temporal: Client, code: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const state = await temporal.workflow
      .getHandle(workflowIdFor(code))
      .query(dossierStateQuery)
      .catch(() => undefined);
    if (state?.overdue) return;
    if (Date.now() > deadline) throw new Error(`${code} never went overdue`);
    await sleep(500);
  }
}

async function call(
  d: Driver,
  progress: DriveProgress,
  answers: AnswerTally,
  role: Role,
  path: string,
  idempotencyKey: string,
  body: unknown,
): Promise<void> {
  const token = d.tokens[role];
  if (!token) throw new Error(`no ${role} token`);
  const ok = path === '/v1/dossiers' ? 201 : 200;
  const deadline = Date.now() + 300_000;
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    progress.callsInFlight += 1;
    const res = await fetch(`${d.apiUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    })
      .then(async (r) => ({ status: r.status, text: await r.text() }))
      .catch((err: Error) => err)
      .finally(() => {
        progress.callsInFlight -= 1;
      });
    if (res instanceof Error) {
      answers.set('network', (answers.get('network') ?? 0) + 1);
      problem = String(res);
    } else {
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      const { text } = res;
      if (res.status === ok) return;
      problem = `${res.status} ${text}`;
      // A retried intake whose first attempt started the workflow.
      if (attempt > 1 && res.status === 409 && path === '/v1/dossiers') return;
      if (res.status !== 503 && res.status !== 502 && res.status !== 504)
        throw new Error(`POST ${path} answered ${problem}`);
    }
    if (Date.now() > deadline) throw new Error(`POST ${path} kept failing: ${problem}`);
    await sleep(Math.min(2000, 200 * attempt));
  }
}
