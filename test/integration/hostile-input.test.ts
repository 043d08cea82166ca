import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandName } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import type { DossierState } from '../../domain/lifecycle';
import { type RunningServices, startServices } from '../../services/app';
import { keysCommand } from '../../services/cli/keys';
import { createPrisma } from '../../services/db';
import { noticeText } from '../../services/letters/notices';
import { hostileStrings } from '../input/hostile-strings';
import { createTestKey, type TestKey } from './auth-helpers';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * Bad input never gets a 2xx it cannot keep, nor a 500 (issue 8), on the real stack. Every refusal
 * is checked twice: the answer (status and code) AND that nothing was stored in PostgreSQL nor
 * started or recorded in Temporal.
 *
 * The worker's publish activity can be switched to fail as if NATS were down (`natsDown`), so
 * the bounded wait of actions is tested without killing the shared NATS.
 */

let services: RunningServices;
let natsDown = false;
const ADMIN_TOKEN = 'hostile-input-admin-token-0123456789';
const suffix = uniqueCode('HI').replace(/[^A-Za-z0-9-]/g, '-');
const A = `A-${suffix}`;
const B = `B-${suffix}`;
/** A procedure of this file: desk receipt at A, review at B (liên thông), leader approval at A. */
const LIEN_THONG = `P-${suffix}`;
const PROCEDURE = 'MAU-DANG-KY-KET-HON';
const RECEIVED = '2030-03-04T08:00:00+07:00';

const keys: Record<string, TestKey> = {};
const key = async (role: 'intake' | 'officer' | 'supervisor' | 'auditor', agency = A) => {
  const id = `${role}@${agency}`;
  keys[id] ??= await createTestKey(services.prisma, { role, agencyCode: agency });
  return keys[id]!.token;
};

beforeAll(async () => {
  services = await startServices(
    testConfig({ MOTCUA_ADMIN_TOKEN: ADMIN_TOKEN, ACTION_TIMEOUT_MS: '3000' }),
    testLogger(),
    { worker: true, projector: true, api: true },
    {
      activities: (real) => ({
        ...real,
        async publishDossierEvent(event) {
          if (natsDown) throw new Error('NATS is unavailable (simulated by the test)');
          return real.publishDossierEvent(event);
        },
      }),
    },
  );
  await services.prisma.agency.createMany({
    data: [
      { code: A, name: 'Ủy ban nhân dân xã A (test)', level: 'commune', parentCode: 'T-MAU' },
      { code: B, name: 'Công an xã B (test)', level: 'commune', parentCode: 'T-MAU' },
    ],
  });
  await services.prisma.procedure.create({
    data: {
      code: LIEN_THONG,
      name: 'Thủ tục liên thông (test)',
      level: 'commune',
      deadlineWorkingDays: 5,
      steps: [
        { key: 'tiep-nhan', name: 'Tiếp nhận', role: 'intake', agencyCode: null, budgetWorkingHours: 4 },
        { key: 'xac-minh', name: 'Xác minh tại B', role: 'officer', agencyCode: B, budgetWorkingHours: 16 },
        {
          key: 'phe-duyet',
          name: 'Lãnh đạo ký',
          role: 'supervisor',
          agencyCode: null,
          budgetWorkingHours: 8,
        },
      ],
    },
  });
}, 120_000);

afterAll(async () => {
  natsDown = false;
  await services?.stop();
});

const call = async (method: string, path: string, token: string, body?: unknown, idempotencyKey?: string) => {
  const res = await fetch(`${services.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

const intakeBody = (code: string, overrides: Record<string, unknown> = {}) => ({
  code,
  procedureCode: PROCEDURE,
  agencyCode: A,
  channel: 'direct',
  applicant: { name: 'Nguyễn Văn An' },
  receivedAt: RECEIVED,
  ...overrides,
});

const handleOf = (code: string) => services.temporal!.workflow.getHandle(workflowIdFor(code));
const stateOf = (code: string) => handleOf(code).query<DossierState>('dossierState');
const eventCount = (code: string) => services.prisma.dossierEvent.count({ where: { dossierCode: code } });

/** Nothing of `code` anywhere: no read-model row, no event, no workflow. */
async function expectNothingStored(code: string) {
  // Give a wrongly started workflow the time to publish and project its first event.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await services.prisma.dossier.findUnique({ where: { code } })).toBeNull();
  expect(await eventCount(code)).toBe(0);
  await expect(handleOf(code).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** Receives a dossier as A's desk and waits until the read model has it. */
async function receive(prefix: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const code = uniqueCode(prefix);
  const res = await call('POST', '/v1/dossiers', await key('intake'), intakeBody(code, overrides));
  expect(res, `intake of ${code}`).toMatchObject({ status: 201 });
  await eventually(async () => ((await eventCount(code)) > 0 ? true : undefined));
  return code;
}

/** The action changed nothing: the workflow's sequence and the stored events are as before. */
async function expectUnchanged(code: string, before: { lastSeq: number; events: number }) {
  await new Promise((r) => setTimeout(r, 500));
  expect((await stateOf(code)).lastSeq).toBe(before.lastSeq);
  expect(await eventCount(code)).toBe(before.events);
}
const snapshot = async (code: string) => {
  const lastSeq = (await stateOf(code)).lastSeq;
  const events = await eventually(async () => {
    const n = await eventCount(code);
    return n === lastSeq ? n : undefined;
  });
  return { lastSeq, events };
};

const act = async (code: string, path: string, role: Parameters<typeof key>[0], body: unknown, agency = A) =>
  call('POST', `/v1/dossiers/${code}/${path}`, await key(role, agency), body);

describe('text that could break a consumer or disguise a name is refused at the door', () => {
  for (const [label, name] of Object.entries(hostileStrings)) {
    it(`refuses an applicant name with ${label}: 400 invalid_text, no dossier, no workflow`, async () => {
      const code = uniqueCode('TXT');
      const res = await call(
        'POST',
        '/v1/dossiers',
        await key('intake'),
        intakeBody(code, { applicant: { name } }),
      );
      expect(res).toMatchObject({
        status: 400,
        body: { code: 'invalid_text', details: [{ field: 'body.applicant.name' }] },
      });
      await expectNothingStored(code);
    });
  }

  const bad = hostileStrings.NUL!;
  const actions: [CommandName, string, Parameters<typeof key>[0], unknown, string][] = [
    ['handOff', 'hand-off', 'intake', { note: bad }, 'body.note'],
    [
      'requestSupplement',
      'request-supplement',
      'officer',
      { reason: 'Thiếu giấy tờ', items: ['Giấy khai sinh', hostileStrings['lone high surrogate']] },
      'body.items.1',
    ],
    [
      'reportDelay',
      'report-delay',
      'officer',
      {
        reason: hostileStrings['right-to-left override'],
        proposedDueAt: '2030-04-01T08:00:00+07:00',
        faultParty: 'desk',
      },
      'body.reason',
    ],
    [
      'issueApology',
      'issue-apology',
      'supervisor',
      { reason: 'Chậm xác minh', faultParty: 'desk', newDueAt: '2030-04-01T08:00:00+07:00', signedBy: bad },
      'body.signedBy',
    ],
    ['reject', 'reject', 'officer', { reason: bad }, 'body.reason'],
    ['withdraw', 'withdraw', 'intake', { reason: hostileStrings['first strong isolate'] }, 'body.reason'],
    ['recordDigitization', 'digitization', 'intake', { components: [bad] }, 'body.components.0'],
    [
      'recordPayment',
      'payment',
      'intake',
      { amountVnd: 1000, online: true, reference: bad },
      'body.reference',
    ],
  ];
  for (const [name, path, role, body, field] of actions) {
    it(`refuses ${name} with unsafe text in ${field}: 400 invalid_text, nothing recorded`, async () => {
      const code = await receive('TXA');
      const before = await snapshot(code);
      const res = await act(code, path, role, body);
      expect(res).toMatchObject({ status: 400, body: { code: 'invalid_text', details: [{ field }] } });
      await expectUnchanged(code, before);
    });
  }

  it('refuses a catalogue whose agency name hides a NUL; nothing is imported', async () => {
    const code = `C-${suffix}`;
    const res = await call('POST', '/v1/admin/catalogue', ADMIN_TOKEN, {
      agencies: [{ code, name: `Xã ${bad}`, level: 'commune', parentCode: 'T-MAU' }],
    });
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_catalogue' } });
    expect(JSON.stringify(res.body.details)).toContain('agencies.0.name');
    expect(await services.prisma.agency.findUnique({ where: { code } })).toBeNull();
  });

  it('refuses an API key whose name carries a bidi override; no key is created', async () => {
    const name = `Một cửa ${hostileStrings['right-to-left override']}`;
    const res = await call('POST', '/v1/admin/keys', ADMIN_TOKEN, { role: 'intake', agencyCode: A, name });
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_text' } });
    expect(await services.prisma.apiKey.count({ where: { name } })).toBe(0);
  });

  it('refuses a calendar version or agency override whose provenance hides a control character', async () => {
    const version = `hostile-${suffix}`.slice(0, 40);
    const amendment = await call('POST', '/v1/admin/calendars', ADMIN_TOKEN, {
      version,
      year: 2031,
      sources: [`Thông báo ${bad}`],
    });
    expect(amendment).toMatchObject({
      status: 400,
      body: { code: 'invalid_text', details: [{ field: 'body.sources.0' }] },
    });
    const override = await call('PUT', `/v1/admin/agencies/${A}/calendar`, ADMIN_TOKEN, {
      localDaysOff: [
        { date: '2031-01-02', name: hostileStrings['right-to-left override'], source: 'Quyết định' },
      ],
      source: 'Quyết định',
    });
    expect(override).toMatchObject({ status: 400, body: { code: 'invalid_text' } });
    const versions = await call('GET', '/v1/calendar/versions', ADMIN_TOKEN);
    expect(JSON.stringify(versions.body)).not.toContain(version);
  });

  it('stores names in NFC: a decomposed "Nguyễn" is the precomposed one', async () => {
    const code = await receive('NFC', { applicant: { name: 'Nguye\u0302\u0303n Văn An' } });
    const row = await services.prisma.dossier.findUnique({ where: { code } });
    expect(row?.applicantName).toBe('Nguyễn Văn An');
  });
});

describe('intake of a code that is taken', () => {
  it('answers twenty concurrent intakes of one code with one 201 and nineteen 409, never a 500', async () => {
    const code = uniqueCode('RACE');
    const token = await key('intake');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/v1/dossiers', token, intakeBody(code))),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('dossier_exists');
    await eventually(async () => ((await eventCount(code)) > 0 ? true : undefined));
    expect(await eventCount(code)).toBe(1);
  });

  it('shows the existing dossier in the 409 only to a caller who may see it', async () => {
    const code = await receive('LEAK');
    const own = await call('POST', '/v1/dossiers', await key('intake'), intakeBody(code));
    expect(own).toMatchObject({
      status: 409,
      body: { code: 'dossier_exists', details: { dossier: { code } } },
    });
    // B's desk guesses the code: it learns that the code is taken, nothing else.
    const other = await call(
      'POST',
      '/v1/dossiers',
      await key('intake', B),
      intakeBody(code, { agencyCode: B }),
    );
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('dossier_exists');
    expect(other.body.details).toBeUndefined();
    expect(JSON.stringify(other.body)).not.toContain('Nguyễn');
  });

  it('never starts a second, hidden workflow for a code the read model knows', async () => {
    const code = await receive('GONE');
    // As if Temporal's retention had dropped it: the run is over (terminated: a new start would be allowed).
    const { runId } = await handleOf(code).describe();
    await handleOf(code).terminate('test: the first run is gone');
    const res = await call('POST', '/v1/dossiers', await key('intake'), intakeBody(code));
    expect(res).toMatchObject({ status: 409, body: { code: 'dossier_exists' } });
    const after = await handleOf(code).describe();
    expect(after.runId).toBe(runId);
    expect(after.status.name).toBe('TERMINATED');
  });

  it('does not burn a code whose first run failed before receipt was recorded', async () => {
    const code = uniqueCode('FAIL');
    // A first run that fails in its first activity (unknown procedure), so nothing was received.
    const first = await services.temporal!.workflow.start('dossierWorkflow', {
      workflowId: workflowIdFor(code),
      taskQueue: testConfig().TEMPORAL_TASK_QUEUE,
      args: [
        { ...intakeBody(code), procedureCode: 'KHONG-TON-TAI', applicantName: 'An', receivedAt: RECEIVED },
      ],
    });
    await expect(first.result()).rejects.toThrow();
    const res = await call('POST', '/v1/dossiers', await key('intake'), intakeBody(code));
    expect(res).toMatchObject({ status: 201, body: { code, status: 'received' } });
  });
});

describe('actions the dossier cannot keep are refused with nothing recorded', () => {
  it('counts a payment once: the same reference again answers 409 payment_already_recorded', async () => {
    const code = await receive('PAY');
    const body = { at: '2030-03-04T09:00:00+07:00', amountVnd: 50_000, online: true, reference: 'VNPAY-123' };
    expect(await act(code, 'payment', 'intake', body)).toMatchObject({ status: 200 });
    const before = await snapshot(code);
    const again = await act(code, 'payment', 'intake', { ...body, at: '2030-03-04T09:05:00+07:00' });
    expect(again).toMatchObject({ status: 409, body: { code: 'payment_already_recorded' } });
    await expectUnchanged(code, before);
  });

  it('refuses a handoff to an agency the procedure does not name for that step (422 agency_not_allowed)', async () => {
    const code = await receive('AGY');
    const before = await snapshot(code);
    const res = await act(code, 'hand-off', 'intake', { at: '2030-03-04T08:30:00+07:00', toAgencyCode: B });
    expect(res).toMatchObject({ status: 422, body: { code: 'agency_not_allowed' } });
    await expectUnchanged(code, before);
  });

  it('lets only a supervisor sign the apology (Mẫu 04)', async () => {
    const code = await receive('APO');
    const body = {
      at: '2030-03-05T08:00:00+07:00',
      reason: 'Chờ xác minh',
      faultParty: 'processing_agency',
      newDueAt: '2030-03-20T08:00:00+07:00',
    };
    const before = await snapshot(code);
    for (const role of ['officer', 'intake'] as const) {
      expect(await act(code, 'issue-apology', role, body)).toMatchObject({
        status: 403,
        body: { code: 'forbidden_role' },
      });
    }
    await expectUnchanged(code, before);
    expect(await act(code, 'issue-apology', 'supervisor', body)).toMatchObject({ status: 200 });
  });

  it('keeps a step over budget when the dossier is handed back to it', async () => {
    const code = await receive('BACK');
    const at = (day: number, hm: string) => `2030-03-0${day}T${hm}:00+07:00`;
    expect(await act(code, 'hand-off', 'intake', { at: at(4, '08:10') })).toMatchObject({ status: 200 });
    // The desk's step (4 working hours) is completed the next day: over budget.
    const late = await act(code, 'complete-step', 'intake', { at: at(5, '09:00') });
    expect(late.body.steps[0].overBudget).toBe(true);
    expect(await act(code, 'hand-off', 'intake', { at: at(5, '09:10') })).toMatchObject({ status: 200 });
    expect(await act(code, 'complete-step', 'officer', { at: at(5, '09:30') })).toMatchObject({
      status: 200,
    });
    const back = await act(code, 'hand-off', 'officer', { at: at(5, '10:00'), toStep: 0 });
    expect(back).toMatchObject({ status: 200, body: { currentStep: 0 } });
    expect(back.body.steps[0].overBudget).toBe(true);
    // Quick this time, and still over budget: its history is kept.
    const again = await act(code, 'complete-step', 'intake', { at: at(5, '10:15') });
    expect(again.body.steps[0].overBudget).toBe(true);
    const completions = await eventually(async () => {
      const events = await services.prisma.dossierEvent.findMany({
        where: { dossierCode: code, type: 'dossier.step_completed' },
        orderBy: { seq: 'asc' },
      });
      return events.length === 3 ? events : undefined;
    });
    expect(
      completions.map((e) => (e.payload as { payload: { overBudget: boolean } }).payload.overBudget),
    ).toEqual([true, false, true]);
  });

  it('refuses result-ready while the step being processed is open (409 steps_open)', async () => {
    const code = await receive('OPEN');
    expect(await act(code, 'hand-off', 'intake', { at: '2030-03-04T08:10:00+07:00' })).toMatchObject({
      status: 200,
    });
    const before = await snapshot(code);
    const res = await act(code, 'result-ready', 'officer', {
      at: '2030-03-04T09:00:00+07:00',
      resultKind: 'paper',
    });
    expect(res).toMatchObject({ status: 409, body: { code: 'steps_open' } });
    await expectUnchanged(code, before);
  });
});

describe('acting requires holding the dossier and the step’s role', () => {
  it('keeps the receiving agency off a step another agency holds, and a desk off a leader’s step', async () => {
    const code = await receive('HOLD', { procedureCode: LIEN_THONG });
    const at = (h: number) => `2030-03-04T${String(h).padStart(2, '0')}:00:00+07:00`;
    expect(await act(code, 'hand-off', 'intake', { at: at(8) })).toMatchObject({ status: 200 });
    expect(await act(code, 'complete-step', 'intake', { at: at(9) })).toMatchObject({ status: 200 });
    // Step 2 is B's (liên thông): B holds the dossier now.
    expect(await act(code, 'hand-off', 'intake', { at: at(10) })).toMatchObject({ status: 200 });
    let before = await snapshot(code);
    for (const role of ['intake', 'officer', 'supervisor'] as const) {
      const res = await act(code, 'complete-step', role, { at: at(11) });
      expect(res, `${role}@A completing B's step`).toMatchObject({
        status: 403,
        body: { code: 'forbidden_scope' },
      });
    }
    await expectUnchanged(code, before);
    expect(await act(code, 'complete-step', 'officer', { at: at(11) }, B)).toMatchObject({ status: 200 });
    expect(await act(code, 'hand-off', 'officer', { at: at(12) }, B)).toMatchObject({ status: 200 });
    // Step 3 is the leader's approval at A: neither the desk nor an officer completes it.
    before = await snapshot(code);
    for (const role of ['intake', 'officer'] as const) {
      const res = await act(code, 'complete-step', role, { at: at(13) });
      expect(res, `${role}@A approving`).toMatchObject({ status: 403, body: { code: 'forbidden_role' } });
    }
    await expectUnchanged(code, before);
    expect(await act(code, 'complete-step', 'supervisor', { at: at(13) })).toMatchObject({ status: 200 });
  });

  it("refuses to create a '*' key for supervisors, officers and desks (auditors and admins only)", async () => {
    for (const role of ['supervisor', 'officer', 'intake'] as const) {
      const name = `nationwide ${role} ${suffix}`;
      const res = await call('POST', '/v1/admin/keys', ADMIN_TOKEN, { role, agencyCode: '*', name });
      expect(res, role).toMatchObject({ status: 422, body: { code: 'invalid_agency' } });
      expect(await services.prisma.apiKey.count({ where: { name } })).toBe(0);
    }
    // The CLI refuses it too (same createApiKey).
    const err: string[] = [];
    const cli = keysCommand({
      prisma: () => createPrisma(testConfig().DATABASE_URL!),
      createdBy: 'cli:test',
      out: () => {},
      err: (line) => err.push(line),
    });
    const name = `nationwide supervisor cli ${suffix}`;
    await expect(
      cli.parseAsync(['create', '--role', 'supervisor', '--agency', '*', '--name', name], { from: 'user' }),
    ).rejects.toBeDefined();
    expect(err.join('')).toContain("'*'");
    expect(await services.prisma.apiKey.count({ where: { name } })).toBe(0);
    const auditor = await call('POST', '/v1/admin/keys', ADMIN_TOKEN, {
      role: 'auditor',
      agencyCode: '*',
      name: `nationwide auditor ${suffix}`,
    });
    expect(auditor.status).toBe(201);
  });
});

describe('lists say what overdue means', () => {
  it('overdue = pending and past due; wasLate = ever late; dueSoon = warned, pending, not overdue', async () => {
    const base = {
      procedureCode: PROCEDURE,
      agencyCode: A,
      channel: 'direct',
      applicantName: 'Nguyễn Văn An',
      receivedAt: new Date('2030-01-02T01:00:00Z'),
      dueAt: new Date('2030-01-09T01:00:00Z'),
      calendarVersion: 'test',
      lastSeq: 1,
      lastHash: '0'.repeat(64),
    };
    const rows = {
      pendingLate: { status: 'processing', overdue: true, dueSoon: true },
      finishedLate: { status: 'returned', overdue: true, dueSoon: true, outcome: 'late' },
      warned: { status: 'received', overdue: false, dueSoon: true },
      finishedEarly: { status: 'result_ready', overdue: false, dueSoon: false, outcome: 'early' },
    };
    const codes: Record<string, string> = {};
    for (const [label, row] of Object.entries(rows)) {
      const code = uniqueCode(`LIST-${label}`);
      codes[label] = code;
      await services.prisma.dossier.create({
        data: { ...base, ...row, code, workflowId: workflowIdFor(code) },
      });
    }
    const list = async (query: string) => {
      const res = await call(
        'GET',
        `/v1/dossiers?agency=${A}&receivedTo=2030-01-03T00:00:00Z&${query}`,
        ADMIN_TOKEN,
      );
      expect(res.status).toBe(200);
      return (res.body.items as { code: string }[])
        .map((i) => i.code)
        .filter((c) => Object.values(codes).includes(c))
        .sort();
    };
    expect(await list('overdue=true')).toEqual([codes.pendingLate]);
    expect(await list('wasLate=true')).toEqual([codes.pendingLate, codes.finishedLate].sort());
    expect(await list('dueSoon=true')).toEqual([codes.warned]);
    expect(await list('overdue=false')).toEqual(
      [codes.finishedLate, codes.warned, codes.finishedEarly].sort(),
    );
  });
});

describe('the event path being down never hangs a caller', () => {
  it('answers an action 503 dependency_unavailable within the bound; the same key later gets it once', async () => {
    const code = await receive('NATS');
    const before = await snapshot(code);
    const body = { at: '2030-03-04T09:00:00+07:00', amountVnd: 20_000, online: false, reference: 'TM-1' };
    natsDown = true;
    try {
      const started = Date.now();
      const res = await call(
        'POST',
        `/v1/dossiers/${code}/payment`,
        await key('intake'),
        body,
        `pay-${code}`,
      );
      expect(res).toMatchObject({ status: 503, body: { code: 'dependency_unavailable' } });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await eventCount(code)).toBe(before.events);
    } finally {
      natsDown = false;
    }
    // The publish activity retries with backoff: a retry may still find it waiting, then succeeds.
    const retry = await eventually(async () => {
      const r = await call('POST', `/v1/dossiers/${code}/payment`, await key('intake'), body, `pay-${code}`);
      return r.status === 503 ? undefined : r;
    }, 90_000);
    expect(retry).toMatchObject({ status: 200 });
    expect(retry.body.payments).toHaveLength(1);
    await eventually(async () => ((await eventCount(code)) === before.events + 1 ? true : undefined), 60_000);
  });
});

describe('a worker outage never hangs an intake', () => {
  it('answers 503 dependency_unavailable within the bound when no worker takes the dossier', async () => {
    // An API whose task queue no worker polls: the receipt can never be recorded in time.
    const lonely = await startServices(
      testConfig({ TEMPORAL_TASK_QUEUE: `nobody-${suffix}`, ACTION_TIMEOUT_MS: '2000' }),
      testLogger(),
      { api: true },
    );
    const code = uniqueCode('NOWORKER');
    try {
      const started = Date.now();
      const res = await fetch(`${lonely.apiUrl}/v1/dossiers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await key('intake')}`, 'content-type': 'application/json' },
        body: JSON.stringify(intakeBody(code)),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'dependency_unavailable' });
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(await services.prisma.dossier.findUnique({ where: { code } })).toBeNull();
    } finally {
      await handleOf(code)
        .terminate('test: no worker')
        .catch(() => undefined);
      await lonely.stop();
    }
  });
});

describe('idempotency records expire', () => {
  it('frees a key once its record is older than IDEMPOTENCY_TTL_HOURS (default 7 days)', async () => {
    const code = await receive('TTL');
    const token = await key('intake');
    const k = `digitize-${code}`;
    const first = await call(
      'POST',
      `/v1/dossiers/${code}/digitization`,
      token,
      { at: '2030-03-04T09:00:00+07:00', components: ['Tờ khai'] },
      k,
    );
    expect(first.status).toBe(200);
    const reused = await call(
      'POST',
      `/v1/dossiers/${code}/digitization`,
      token,
      { at: '2030-03-04T09:30:00+07:00', components: ['CCCD'] },
      k,
    );
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });
    await services.prisma.idempotencyRecord.updateMany({
      where: { key: k },
      data: { createdAt: new Date(Date.now() - 8 * 24 * 3_600_000) },
    });
    const later = await call(
      'POST',
      `/v1/dossiers/${code}/digitization`,
      token,
      { at: '2030-03-04T09:30:00+07:00', components: ['CCCD'] },
      k,
    );
    expect(later.status).toBe(200);
    expect(later.body.digitization.components).toEqual(['Tờ khai', 'CCCD']);
  });
});

/*
 * Issue 12: the hostile-input catalogue. Each case names what is sent and what must come back: a 4xx
 * with a machine code and a Vietnamese message, and nothing stored in PostgreSQL nor started in
 * Temporal.
 */
const VIETNAMESE = /[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]/i;

/** A request with a raw body (not necessarily JSON). */
const rawCall = async (path: string, token: string, body: string, contentType = 'application/json') => {
  const res = await fetch(`${services.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

function expectRefusal(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ code });
  expect(res.body.message, `message of ${code}`).toMatch(VIETNAMESE);
}

describe('hostile intakes: a 4xx with a code and a Vietnamese message, nothing stored or started', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const future = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();
  type Case = [
    spec: string,
    body: (code: string) => Record<string, unknown> | string,
    status: number,
    errorCode: string,
    contentType?: string,
  ];
  const cases: Case[] = [
    [
      'an oversized body (2 MB) is 413 body_too_large',
      (c) => JSON.stringify(intakeBody(c, { pad: 'x'.repeat(2 * 1024 * 1024) })),
      413,
      'body_too_large',
    ],
    ['malformed JSON is 400 invalid_json', (c) => `{"code": "${c}", "applicant": {`, 400, 'invalid_json'],
    ['an empty JSON body is 400 invalid_json', () => '', 400, 'invalid_json'],
    [
      'JSON nested 100 000 deep is refused (400), never a 500',
      (c) => `{"code":"${c}","applicant":${deep(100_000)}}`,
      400,
      'invalid_request',
    ],
    [
      'JSON nested 5 000 deep in a field is 400 invalid_request',
      (c) => `{"code":"${c}","applicant":{"name":${deep(5_000)}}}`,
      400,
      'invalid_request',
    ],
    ['a body that is a JSON array is 400 invalid_request', () => '[]', 400, 'invalid_request'],
    ['a body that is JSON null is 400 invalid_request', () => 'null', 400, 'invalid_request'],
    [
      'a form-encoded body is 415 unsupported_media_type',
      (c) => `code=${c}`,
      415,
      'unsupported_media_type',
      'application/x-www-form-urlencoded',
    ],
    [
      'a code that is a number is 400 invalid_request',
      (c) => intakeBody(c, { code: 12345 }),
      400,
      'invalid_request',
    ],
    [
      'an applicant that is a string is 400 invalid_request',
      (c) => intakeBody(c, { applicant: 'Nguyễn Văn An' }),
      400,
      'invalid_request',
    ],
    [
      'an applicant name that is an array is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: ['Nguyễn'] } }),
      400,
      'invalid_request',
    ],
    [
      'receivedAt as epoch milliseconds is 400 invalid_request',
      (c) => intakeBody(c, { receivedAt: Date.now() }),
      400,
      'invalid_request',
    ],
    [
      'an unknown channel is 400 invalid_request',
      (c) => intakeBody(c, { channel: 'fax' }),
      400,
      'invalid_request',
    ],
    [
      'an unknown top-level field is 400 invalid_request',
      (c) => intakeBody(c, { isAdmin: true }),
      400,
      'invalid_request',
    ],
    [
      'a __proto__ field (prototype poisoning) is 400 invalid_json',
      (c) => `{"__proto__":{"admin":true},${JSON.stringify(intakeBody(c)).slice(1)}`,
      400,
      'invalid_json',
    ],
    [
      'a missing applicant is 400 invalid_request',
      (c) => intakeBody(c, { applicant: undefined }),
      400,
      'invalid_request',
    ],
    [
      'an instant without offset is 400 invalid_request',
      (c) => intakeBody(c, { receivedAt: '2030-03-04T08:00:00' }),
      400,
      'invalid_request',
    ],
    [
      'a date without time is 400 invalid_request',
      (c) => intakeBody(c, { receivedAt: '2030-03-04' }),
      400,
      'invalid_request',
    ],
    [
      'an impossible date (30 February) is 400 invalid_request',
      (c) => intakeBody(c, { receivedAt: '2030-02-30T08:00:00+07:00' }),
      400,
      'invalid_request',
    ],
    [
      'year 0001 is 422 instant_out_of_range',
      (c) => intakeBody(c, { receivedAt: '0001-01-01T08:00:00+07:00' }),
      422,
      'instant_out_of_range',
    ],
    [
      'year 9999 is 422 instant_out_of_range',
      (c) => intakeBody(c, { receivedAt: '9999-12-31T08:00:00+07:00' }),
      422,
      'instant_out_of_range',
    ],
    [
      'a 100 000-character name is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: 'A'.repeat(100_000) } }),
      400,
      'invalid_request',
    ],
    [
      'an empty name is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: '   ' } }),
      400,
      'invalid_request',
    ],
    [
      'a name of zero-width characters only is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: '\u200b\u200b' } }),
      400,
      'invalid_request',
    ],
    [
      'a name of punctuation only is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: '<>/;--' } }),
      400,
      'invalid_request',
    ],
    [
      'an invalid email is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: 'An', email: 'an@<script>' } }),
      400,
      'invalid_request',
    ],
    [
      'an ID number with SQL is 400 invalid_request',
      (c) => intakeBody(c, { applicant: { name: 'An', idNumber: "1' OR '1'='1" } }),
      400,
      'invalid_request',
    ],
    [
      'a code with ../ is 400 invalid_request',
      (c) => intakeBody(c, { code: `../../${c}` }),
      400,
      'invalid_request',
    ],
    [
      'a code with a slash is 400 invalid_request',
      (c) => intakeBody(c, { code: `${c}/x` }),
      400,
      'invalid_request',
    ],
    ['a code with a NUL is 400', (c) => intakeBody(c, { code: `${c}\u0000` }), 400, 'invalid_request'],
    [
      'a code with URL-encoded dots is 400 invalid_request',
      (c) => intakeBody(c, { code: `%2e%2e%2f${c}` }),
      400,
      'invalid_request',
    ],
    [
      'a procedure code with ../ is 400 invalid_request',
      (c) => intakeBody(c, { procedureCode: '../MAU-DANG-KY-KET-HON' }),
      400,
      'invalid_request',
    ],
    [
      'an unknown procedure is 422 unknown_reference',
      (c) => intakeBody(c, { procedureCode: 'KHONG-CO' }),
      422,
      'unknown_reference',
    ],
  ];
  for (const [spec, body, status, errorCode, contentType] of cases) {
    it(`refuses an intake where ${spec}`, async () => {
      const code = uniqueCode('HOST');
      const b = body(code);
      const res =
        typeof b === 'string'
          ? await rawCall('/v1/dossiers', await key('intake'), b, contentType)
          : await call('POST', '/v1/dossiers', await key('intake'), b);
      expectRefusal(res, status, errorCode);
      await expectNothingStored(code);
    });
  }

  it('refuses a receipt dated days in the future with the production tolerance (422 instant_in_future)', async () => {
    // This file's services run with a century of tolerance: the API's own check uses a fresh config.
    const strict = await startServices(
      testConfig({ MOTCUA_ADMIN_TOKEN: ADMIN_TOKEN, MOTCUA_INSTANT_TOLERANCE_MINUTES: '15' }),
      testLogger(),
      { api: true },
    );
    try {
      const code = uniqueCode('FUT');
      const res = await fetch(`${strict.apiUrl}/v1/dossiers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await key('intake')}`, 'content-type': 'application/json' },
        body: JSON.stringify(intakeBody(code, { receivedAt: future })),
      });
      expectRefusal({ status: res.status, body: await res.json() }, 422, 'instant_in_future');
      await expectNothingStored(code);
    } finally {
      await strict.stop();
    }
  });
});

describe('HTML, script and SQL in names and reasons are stored as text and rendered inert', () => {
  const name = `<script>alert("x")</script><img src=x onerror=alert(1)> Robert'); DROP TABLE dossier;--`;
  it('keeps the name byte for byte, runs no SQL, and renders it as plain text in the receipt and notices', async () => {
    const before = await services.prisma.dossier.count();
    const code = await receive('XSS', { applicant: { name } });
    const row = await services.prisma.dossier.findUnique({ where: { code } });
    expect(row?.applicantName).toBe(name);
    expect(await services.prisma.dossier.count()).toBe(before + 1);
    // The receipt (Mẫu 01) is a PDF: text, never markup a viewer runs.
    const pdf = await fetch(`${services.apiUrl}/v1/dossiers/${code}/receipt.pdf`, {
      headers: { authorization: `Bearer ${await key('intake')}` },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toMatch(/application\/pdf/);
    // API answers are JSON with the name as a string (the dashboard escapes it when it renders).
    const view = await call('GET', `/v1/dossiers/${code}`, await key('intake'));
    expect(view.body.applicantName).toBe(name);
    // Applicant notices are plain-text emails (no HTML part): the name is literal text in them.
    const stored = await services.prisma.dossierEvent.findFirst({ where: { dossierCode: code } });
    const notice = noticeText(stored!.payload as unknown as DossierEvent, {
      dossierCode: code,
      applicantName: name,
      agencyName: 'Ủy ban nhân dân xã A',
      procedureName: 'Đăng ký kết hôn',
    });
    expect(notice?.text).toContain(`Kính gửi Ông/Bà ${name},`);
  });

  it('keeps a reason with markup as text in the dossier and its events', async () => {
    const code = await receive('XSSR');
    const reason = `<b onmouseover="alert(1)">Thiếu</b>'; DELETE FROM dossier_event;--`;
    const res = await act(code, 'reject', 'officer', { reason });
    expect(res.status).toBe(200);
    const events = await eventually(async () => {
      const rows = await services.prisma.dossierEvent.findMany({ where: { dossierCode: code } });
      return rows.length >= 2 ? rows : undefined;
    });
    expect(JSON.stringify(events.map((e) => e.payload))).toContain(JSON.stringify(reason).slice(1, -1));
  });
});

describe('hostile callers: tokens, scopes, idempotency and races', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a Basic scheme', 'Basic YWRtaW46YWRtaW4='],
    ['a bearer token that is not a key', 'Bearer not-a-key'],
    ['a key id with a wrong secret', 'Bearer mck_00000000_wrongsecret'],
    ['an SQL injection as token', "Bearer mck_' OR 1=1;--_x"],
    ['a 10 000-character token', `Bearer mck_${'a'.repeat(10_000)}`],
  ])('answers 401 unauthorized to %s, nothing started', async (_label, authorization) => {
    const code = uniqueCode('TOK');
    const res = await fetch(`${services.apiUrl}/v1/dossiers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(intakeBody(code)),
    });
    expectRefusal({ status: res.status, body: await res.json() }, 401, 'unauthorized');
    await expectNothingStored(code);
  });

  it('refuses a revoked key (401), nothing started', async () => {
    const revoked = await createTestKey(services.prisma, { role: 'intake', agencyCode: A });
    await call('DELETE', `/v1/admin/keys/${revoked.id}`, ADMIN_TOKEN);
    const code = uniqueCode('REV');
    expectRefusal(await call('POST', '/v1/dossiers', revoked.token, intakeBody(code)), 401, 'unauthorized');
    await expectNothingStored(code);
  });

  it('refuses an expired key (401), nothing started', async () => {
    const expired = await createTestKey(services.prisma, { role: 'intake', agencyCode: A });
    await services.prisma.apiKey.update({
      where: { id: expired.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const code = uniqueCode('EXP');
    expectRefusal(await call('POST', '/v1/dossiers', expired.token, intakeBody(code)), 401, 'unauthorized');
    await expectNothingStored(code);
  });

  it('refuses an intake for another agency with a desk key (403 forbidden_scope), nothing started', async () => {
    const code = uniqueCode('SCOPE');
    const res = await call('POST', '/v1/dossiers', await key('intake', B), intakeBody(code));
    expectRefusal(res, 403, 'forbidden_scope');
    await expectNothingStored(code);
  });

  it("answers another agency's key acting on a dossier as if it did not exist (404), nothing recorded", async () => {
    const code = await receive('OTHER');
    const before = await snapshot(code);
    const res = await act(code, 'hand-off', 'intake', {}, B);
    expectRefusal(res, 404, 'dossier_not_found');
    await expectUnchanged(code, before);
  });

  it.each([
    ['../../v1/admin/keys', 403, 'forbidden_role'],
    ['..%2F..%2Fadmin%2Fkeys', 400, 'invalid_request'],
    ['%00', 400, 'invalid_request'],
    ['%2e%2e', 404, 'route_not_found'],
  ])('answers a path trick %s in a dossier code with %i %s, never a 500', async (trick, status, code) => {
    const res = await fetch(`${services.apiUrl}/v1/dossiers/${trick}`, {
      headers: { authorization: `Bearer ${await key('intake')}` },
    });
    expectRefusal({ status: res.status, body: await res.json() }, status, code);
  });

  it('refuses an Idempotency-Key reused with another body (422 idempotency_key_reused), nothing started', async () => {
    const first = uniqueCode('IDEM');
    const idem = `idem-${first}`;
    expect((await call('POST', '/v1/dossiers', await key('intake'), intakeBody(first), idem)).status).toBe(
      201,
    );
    const second = uniqueCode('IDEM');
    const res = await call('POST', '/v1/dossiers', await key('intake'), intakeBody(second), idem);
    expectRefusal(res, 422, 'idempotency_key_reused');
    await expectNothingStored(second);
  });

  it('refuses a 200-character Idempotency-Key (400 invalid_request), nothing started', async () => {
    const code = uniqueCode('IDEMB');
    const res = await fetch(`${services.apiUrl}/v1/dossiers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await key('intake')}`,
        'content-type': 'application/json',
        'idempotency-key': 'k'.repeat(200),
      },
      body: JSON.stringify(intakeBody(code)),
    });
    expectRefusal({ status: res.status, body: await res.json() }, 400, 'invalid_request');
    await expectNothingStored(code);
  });

  it('runs twenty parallel identical hand-offs once: one 200, the others 409, one event', async () => {
    const code = await receive('RACEA');
    const before = await snapshot(code);
    const token = await key('intake');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', `/v1/dossiers/${code}/hand-off`, token, {})),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(19).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.message).toMatch(VIETNAMESE);
    await eventually(async () => ((await eventCount(code)) === before.events + 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(await eventCount(code)).toBe(before.events + 1);
  });

  it('runs twenty parallel hand-offs with one Idempotency-Key once: twenty identical 200s, one event', async () => {
    const code = await receive('RACEB');
    const before = await snapshot(code);
    const token = await key('intake');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('POST', `/v1/dossiers/${code}/hand-off`, token, {}, `ho-${code}`),
      ),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    await eventually(async () => ((await eventCount(code)) === before.events + 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(await eventCount(code)).toBe(before.events + 1);
  });
});
