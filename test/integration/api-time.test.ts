import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { MotcuaApiError, type MotcuaClient } from '../../services/api/client';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { bearer, createTestKey } from './auth-helpers';
import { eventually, uniqueCode } from './helpers';

/*
 * Server time decides, through the API with the production tolerance (15 minutes): instants the
 * system refuses are answered 422 before anything is stored or started; the admin backfill records
 * history at its own instants.
 */
let world: ApiWorld;
let desk: MotcuaClient;
let officer: MotcuaClient;
let supervisor: MotcuaClient;
let adminToken: string;
let deskToken: string;

/** Tests break one activity on purpose (a dossier must never wedge on it). */
const broken: { resumeClock?: boolean } = {};

beforeAll(async () => {
  world = await startApiWorld('TM', {
    config: { MOTCUA_INSTANT_TOLERANCE_MINUTES: '15' },
    worker: {
      activities: (real) => ({
        ...real,
        async resumeClock(input) {
          if (broken.resumeClock) return undefined as never; // the decision then reads `undefined.dueAt`
          return real.resumeClock(input);
        },
      }),
    },
  });
  desk = await world.as('intake');
  officer = await world.as('officer');
  supervisor = await world.as('supervisor');
  adminToken = (await createTestKey(world.services.prisma, { role: 'admin', agencyCode: world.agency }))
    .token;
  deskToken = (await createTestKey(world.services.prisma, { role: 'intake', agencyCode: world.agency }))
    .token;
});
afterAll(async () => {
  await world?.stop();
});

const MINUTE = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function failure(p: Promise<unknown>): Promise<MotcuaApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MotcuaApiError)) throw new Error(`expected an API error, got ${String(err)}`);
  return err;
}

/** Nothing stored in PostgreSQL, nothing started in Temporal. */
async function expectNothingFor(code: string) {
  expect(await world.services.prisma.dossier.findUnique({ where: { code } })).toBeNull();
  expect(await world.services.prisma.dossierEvent.count({ where: { dossierCode: code } })).toBe(0);
  const described = await world.services
    .temporal!.workflow.getHandle(workflowIdFor(code))
    .describe()
    .then(
      () => 'started',
      (err: unknown) => (err instanceof WorkflowNotFoundError ? 'none' : String(err)),
    );
  expect(described).toBe('none');
}

const backfill = (body: unknown, token = adminToken) =>
  fetch(`${world.services.apiUrl}/v1/admin/backfill`, {
    method: 'POST',
    headers: bearer(token),
    body: JSON.stringify(body),
  });

describe('intake instants', () => {
  it('answers a receipt dated 9999 with 422 instant_out_of_range, before anything starts', async () => {
    const code = uniqueCode('TM');
    const err = await failure(desk.receive(world.intake(code, { receivedAt: '9999-01-01T08:00:00+07:00' })));
    expect(err).toMatchObject({ status: 422, code: 'instant_out_of_range' });
    await expectNothingFor(code);
    // The code stays usable.
    expect((await desk.receive(world.intake(code, { receivedAt: iso(Date.now()) }))).code).toBe(code);
  });

  it('refuses a backdated receipt (backdated_action) and one in the future (instant_in_future)', async () => {
    const code = uniqueCode('TM');
    expect(
      await failure(desk.receive(world.intake(code, { receivedAt: iso(Date.now() - 60 * MINUTE) }))),
    ).toMatchObject({ status: 422, code: 'backdated_action' });
    expect(
      await failure(desk.receive(world.intake(code, { receivedAt: iso(Date.now() + 60 * MINUTE) }))),
    ).toMatchObject({ status: 422, code: 'instant_in_future' });
    await expectNothingFor(code);
  });

  it('accepts a receipt a few minutes old (a desk queue)', async () => {
    const code = uniqueCode('TM');
    const receivedAt = iso(Date.now() - 5 * MINUTE);
    const view = await desk.receive(world.intake(code, { receivedAt }));
    expect(Date.parse(view.receivedAt)).toBe(Date.parse(receivedAt));
  });
});

describe('action instants', () => {
  it('refuses a backdated or future action with 422, and records nothing', async () => {
    const code = uniqueCode('TM');
    await desk.receive(world.intake(code, { receivedAt: iso(Date.now()) }));
    expect(await failure(officer.handOff(code, { at: iso(Date.now() - 60 * MINUTE) }))).toMatchObject({
      status: 422,
      code: 'backdated_action',
    });
    expect(await failure(officer.handOff(code, { at: iso(Date.now() + 60 * MINUTE) }))).toMatchObject({
      status: 422,
      code: 'instant_in_future',
    });
    const view = await officer.handOff(code, {});
    expect(view.lastSeq).toBe(2);
  });

  it('bounds the new appointment of an apology (instant_out_of_range, invalid_due_date)', async () => {
    const code = uniqueCode('TM');
    const received = await desk.receive(world.intake(code, { receivedAt: iso(Date.now()) }));
    const apology = (newDueAt: string) =>
      supervisor.issueApology(code, { reason: 'Cần xác minh', faultParty: 'processing_agency', newDueAt });
    expect(await failure(apology('9999-01-01T08:00:00+07:00'))).toMatchObject({
      status: 422,
      code: 'instant_out_of_range',
    });
    expect(await failure(apology(iso(Date.parse(received.dueAt!) + 400 * DAY)))).toMatchObject({
      status: 422,
      code: 'invalid_due_date',
    });
    const moved = await apology(iso(Date.parse(received.dueAt!) + 10 * DAY));
    expect(moved.apology).not.toBeNull();
  });
});

describe('POST /v1/admin/backfill', () => {
  /** A Monday 08:00 (+07:00) about `weeks` weeks ago. */
  const mondayWeeksAgo = (weeks: number) => {
    const local = new Date(Date.now() - weeks * 7 * DAY + 7 * 3_600_000);
    const back = (local.getUTCDay() + 6) % 7;
    return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - back, 1, 0);
  };

  it('is for admin keys only (403)', async () => {
    const code = uniqueCode('BF');
    const res = await backfill({ ...world.intake(code), actions: [] }, deskToken);
    expect(res.status).toBe(403);
    await expectNothingFor(code);
  });

  it('records history at its instants, marks it backfilled, and lists can include or exclude it', async () => {
    const code = uniqueCode('BF');
    const received = mondayWeeksAgo(4);
    const res = await backfill({
      ...world.intake(code, { receivedAt: iso(received) }),
      actions: [
        { action: 'hand-off', at: iso(received + 3_600_000) },
        { action: 'complete-step', at: iso(received + 5 * DAY) },
        { action: 'result-ready', at: iso(received + 10 * DAY), resultKind: 'paper' },
        { action: 'return-result', at: iso(received + 10 * DAY + 3_600_000) },
      ],
    });
    expect(res.status).toBe(201);
    const view = (await res.json()) as { backfilled: boolean; outcome: string; status: string };
    expect(view).toMatchObject({ backfilled: true, outcome: 'late', status: 'returned' });
    const row = await eventually(async () => {
      const r = await world.services.prisma.dossier.findUnique({ where: { code } });
      return r && r.status === 'returned' ? r : undefined;
    });
    expect(row.backfilled).toBe(true);
    const log = await desk.events(code);
    expect(log.events.map((e) => e.type)).toContain('dossier.overdue');
    expect(log.events.every((e) => (e.event as { backfilled?: boolean }).backfilled === true)).toBe(true);
    const only = await desk.list({ backfilled: true, agency: world.agency } as never);
    expect(only.items.map((i) => i.code)).toContain(code);
    const live = await desk.list({ backfilled: false, agency: world.agency } as never);
    expect(live.items.map((i) => i.code)).not.toContain(code);
  });

  it('answers the first refused action with its index and code, and records nothing', async () => {
    const code = uniqueCode('BF');
    const received = mondayWeeksAgo(2);
    const res = await backfill({
      ...world.intake(code, { receivedAt: iso(received) }),
      actions: [
        { action: 'hand-off', at: iso(received + 3_600_000) },
        { action: 'return-result', at: iso(received + 2 * 3_600_000) },
      ],
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'invalid_transition', details: { index: 1 } });
    const outOfOrder = await backfill({
      ...world.intake(code, { receivedAt: iso(received) }),
      actions: [
        { action: 'hand-off', at: iso(received + 3_600_000) },
        { action: 'complete-step', at: iso(received + 1_800_000) },
      ],
    });
    expect(outOfOrder.status).toBe(422);
    expect(await outOfOrder.json()).toMatchObject({
      code: 'instant_before_last_event',
      details: { index: 1, code: 'instant_before_last_event' },
    });
    await expectNothingFor(code);
  });
});

describe('failures never wedge a dossier nor burn a code', () => {
  it('answers a failure before the receipt with its reason and leaves the code usable', async () => {
    const procedureCode = `P-BROKEN-${process.pid}`;
    await world.services.prisma.procedure.create({
      data: {
        code: procedureCode,
        name: 'Thủ tục hỏng (test)',
        level: 'commune',
        deadlineWorkingDays: 3,
        steps: [{ key: 'a', name: 'A', role: 'nobody', agencyCode: null, budgetWorkingHours: 8 }],
      },
    });
    const code = uniqueCode('TM');
    const err = await failure(
      desk.receive(world.intake(code, { procedureCode, receivedAt: iso(Date.now()) })),
    );
    expect(err).toMatchObject({ status: 422, code: 'invalid_procedure_steps' });
    expect(await world.services.prisma.dossier.findUnique({ where: { code } })).toBeNull();
    await world.services.prisma.procedure.update({
      where: { code: procedureCode },
      data: { steps: [{ key: 'a', name: 'A', role: 'officer', agencyCode: null, budgetWorkingHours: 8 }] },
    });
    const view = await desk.receive(world.intake(code, { procedureCode, receivedAt: iso(Date.now()) }));
    expect(view).toMatchObject({ code, status: 'received' });
  });

  it('answers an unexpected error inside an action with 500 workflow_failure and an operator alert; the dossier goes on', async () => {
    const code = uniqueCode('TM');
    await desk.receive(world.intake(code, { receivedAt: iso(Date.now()) }));
    await officer.requestSupplement(code, { reason: 'Thiếu giấy tờ', items: ['CCCD'] });
    broken.resumeClock = true;
    try {
      expect(await failure(desk.receiveSupplement(code))).toMatchObject({
        status: 500,
        code: 'workflow_failure',
      });
    } finally {
      broken.resumeClock = false;
    }
    const alerts = await world.services.prisma.alert.findMany({ where: { dossierCode: code } });
    expect(alerts).toMatchObject([{ kind: 'workflow_failure', audience: 'operator' }]);
    const resumed = await desk.receiveSupplement(code);
    expect(resumed.status).toBe('received');
  });
});
