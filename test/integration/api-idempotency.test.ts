import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { createMotcuaClient, MotcuaApiError, type MotcuaClient } from '../../services/api/client';
import { updateIdFor } from '../../services/api/idempotency';
import { instantLimitsOf } from '../../services/api/routes/dossiers';
import { dossierStartPolicy } from '../../workflows/definitions';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { createTestKey, type TestKey } from './auth-helpers';
import { eventually, testConfig, uniqueCode } from './helpers';

/*
 * Idempotency-Key on the real stack: a retry with the same key and body gets the first answer and
 * the action runs once; the same key with another body is refused.
 */

let world: ApiWorld;
let desk: MotcuaClient;
let officer: MotcuaClient;
let officerKey: TestKey;

beforeAll(async () => {
  world = await startApiWorld('IDEM');
  desk = await world.as('intake');
  officerKey = await createTestKey(world.services.prisma, { role: 'officer', agencyCode: world.agency });
  officer = createMotcuaClient({ baseUrl: world.services.apiUrl!, token: officerKey.token });
});
afterAll(async () => {
  await world?.stop();
});

const RECEIVED = '2030-03-04T08:00:00+07:00';

const eventsOf = (code: string) =>
  world.services.prisma.dossierEvent.findMany({ where: { dossierCode: code }, orderBy: { seq: 'asc' } });

/** The event types once the read model has caught up with the workflow. */
async function settledEventTypes(code: string): Promise<string[]> {
  const state = (await world.services
    .temporal!.workflow.getHandle(workflowIdFor(code))
    .query('dossierState')) as { lastSeq: number };
  return eventually(async () => {
    const events = await eventsOf(code);
    return events.length === state.lastSeq ? events.map((e) => e.type) : undefined;
  });
}

const raw = (path: string, token: string, body: unknown, key?: string) =>
  fetch(`${world.services.apiUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });

async function failure(p: Promise<unknown>): Promise<MotcuaApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MotcuaApiError)) throw new Error(`expected an API error, got ${String(err)}`);
  return err;
}

describe('a retried action with the same Idempotency-Key', () => {
  it('answers the first result again and records the action once', async () => {
    const code = uniqueCode('ID');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const key = `pay-${code}`;
    const body = { at: '2030-03-04T09:00:00+07:00', amountVnd: 50_000, online: true };
    const first = await desk.recordPayment(code, body, { idempotencyKey: key });
    const second = await desk.recordPayment(code, body, { idempotencyKey: key });
    expect(second).toEqual(first);
    expect(first.payments).toHaveLength(1);

    const res = await raw(`/v1/dossiers/${code}/payment`, (await keyToken('intake')).token, body, key);
    // A different principal's key space: this is a new request for it, not a replay.
    expect(res.headers.get('idempotent-replayed')).toBeNull();

    expect(await settledEventTypes(code)).toEqual([
      'dossier.received',
      'dossier.payment_recorded',
      'dossier.payment_recorded',
    ]);
  });

  it('marks a replayed answer with Idempotent-Replayed and keeps the first instant when `at` was left out', async () => {
    const code = uniqueCode('ID');
    await desk.receive(world.intake(code, { receivedAt: new Date(Date.now() - 60_000).toISOString() }));
    const key = `digit-${code}`;
    const first = await raw(
      `/v1/dossiers/${code}/digitization`,
      officerKey.token,
      { components: ['Tờ khai'] },
      key,
    );
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.json();
    await new Promise((r) => setTimeout(r, 1100));
    const again = await raw(
      `/v1/dossiers/${code}/digitization`,
      officerKey.token,
      { components: ['Tờ khai'] },
      key,
    );
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(await settledEventTypes(code)).toEqual(['dossier.received', 'dossier.digitized']);
  });

  it('runs the action once when retries race each other', async () => {
    const code = uniqueCode('RACE');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const key = `handoff-${code}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        officer.handOff(code, { at: '2030-03-04T09:00:00+07:00' }, { idempotencyKey: key }),
      ),
    );
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 'processing', currentStep: 0, lastSeq: 2 });
    expect(await settledEventTypes(code)).toEqual(['dossier.received', 'dossier.handed_off']);
    // The next hand-off with a fresh key is a new action, refused because the step is still open.
    const next = await failure(
      officer.handOff(code, { at: '2030-03-04T10:00:00+07:00' }, { idempotencyKey: `${key}-2` }),
    );
    expect(next).toMatchObject({ status: 409, code: 'step_not_completed' });
  });

  it('refuses the same key with a different body: 422 idempotency_key_reused, nothing recorded', async () => {
    const code = uniqueCode('REUSE');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const key = `reject-${code}`;
    await officer.reportDelay(
      code,
      {
        at: '2030-03-05T08:00:00+07:00',
        reason: 'Chờ xác minh',
        proposedDueAt: '2030-03-13T08:00:00+07:00',
        faultParty: 'processing_agency',
      },
      { idempotencyKey: key },
    );
    const reused = await failure(
      officer.reportDelay(
        code,
        {
          at: '2030-03-05T08:00:00+07:00',
          reason: 'Lý do khác',
          proposedDueAt: '2030-03-13T08:00:00+07:00',
          faultParty: 'processing_agency',
        },
        { idempotencyKey: key },
      ),
    );
    expect(reused).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    // Same key on another endpoint is another request too.
    const elsewhere = await failure(
      officer.handOff(code, { at: '2030-03-05T08:00:00+07:00' }, { idempotencyKey: key }),
    );
    expect(elsewhere.code).toBe('idempotency_key_reused');
    expect(await settledEventTypes(code)).toEqual(['dossier.received', 'dossier.delay_reported']);
  });

  it('replays a refusal too: the retry of an invalid transition gets the same 409', async () => {
    const code = uniqueCode('REF');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const key = `return-${code}`;
    const body = { at: '2030-03-04T09:00:00+07:00' };
    const first = await raw(
      `/v1/dossiers/${code}/return-result`,
      (await keyToken('intake')).token,
      body,
      key,
    );
    expect(first.status).toBe(409);
    const again = await raw(`/v1/dossiers/${code}/return-result`, tokens.get('intake')!.token, body, key);
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
  });

  it('refuses a malformed key with 400', async () => {
    const code = uniqueCode('BADKEY');
    const res = await raw(
      '/v1/dossiers',
      (await keyToken('intake')).token,
      world.intake(code),
      'x'.repeat(129),
    );
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { details: unknown };
    expect(answer.details).toEqual([expect.objectContaining({ field: 'headers.idempotency-key' })]);
  });
});

describe('a retried intake', () => {
  it('with the same key answers 201 with the same appointment; without one, 409 with the existing dossier', async () => {
    const code = uniqueCode('IN');
    const key = `intake-${code}`;
    const first = await desk.receive(world.intake(code, { receivedAt: RECEIVED }), { idempotencyKey: key });
    const retry = await desk.receive(world.intake(code, { receivedAt: RECEIVED }), { idempotencyKey: key });
    expect(retry).toEqual(first);
    const plain = await failure(desk.receive(world.intake(code, { receivedAt: RECEIVED })));
    expect(plain).toMatchObject({ status: 409, code: 'dossier_exists' });
    expect(await settledEventTypes(code)).toEqual(['dossier.received']);
  });

  it('answers 201 when its first attempt started the workflow but never answered', async () => {
    const deskKey = await createTestKey(world.services.prisma, { role: 'intake', agencyCode: world.agency });
    const client = createMotcuaClient({ baseUrl: world.services.apiUrl!, token: deskKey.token });
    const code = uniqueCode('CRASH');
    const key = `intake-${code}`;
    const body = world.intake(code, { receivedAt: RECEIVED });
    // What the first attempt did before the API process died: the workflow runs, no answer was stored.
    await world.services.temporal!.workflow.start('dossierWorkflow', {
      workflowId: workflowIdFor(code),
      taskQueue: testConfig().TEMPORAL_TASK_QUEUE,
      ...dossierStartPolicy,
      memo: { idempotencyKey: updateIdFor(deskKey.id, key) },
      args: [
        {
          code,
          procedureCode: body.procedureCode,
          agencyCode: body.agencyCode,
          channel: body.channel,
          applicantName: body.applicant.name,
          receivedAt: new Date(body.receivedAt).toISOString(),
          // As the API pins them at the start (this file dates its dossiers in 2030).
          instantLimits: instantLimitsOf(testConfig()),
        },
      ],
    });
    const retry = await client.receive(body, { idempotencyKey: key });
    expect(retry).toMatchObject({ code, status: 'received', dueAt: '2030-03-11T08:00:00+07:00' });
    // Someone else's key does not claim that run.
    const other = await failure(desk.receive(body, { idempotencyKey: key }));
    expect(other).toMatchObject({ status: 409, code: 'dossier_exists' });
  });
});

const tokens = new Map<string, TestKey>();
async function keyToken(role: 'intake'): Promise<TestKey> {
  let k = tokens.get(role);
  if (!k) {
    k = await createTestKey(world.services.prisma, { role, agencyCode: world.agency });
    tokens.set(role, k);
  }
  return k;
}
