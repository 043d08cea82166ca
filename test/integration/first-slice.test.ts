import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPaths } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import { DEFAULT_EVENT_PARTITIONS, partitionOf } from '../../domain/partitions';
import { type RunningServices, startServices } from '../../services/app';
import { eventSigningKeys } from '../../services/config';
import { SIGNATURE_HEADER, verifyEvent } from '../../services/event-signature';
import { connectTemporalClient } from '../../services/temporal';
import { createTestKey } from './auth-helpers';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

const config = testConfig();
let services: RunningServices;
let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
let desk: string;
let officer: string;

const call = (method: string, path: string, token: string, body?: unknown) =>
  fetch(`${services.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const post = (path: string, body: unknown, token = desk) => call('POST', path, token, body);

// Response bodies are checked field by field against the API contract.
const json = (res: Response): Promise<any> => res.json();

// Dates in 2030: the due-soon and overdue timers of these dossiers never fire during the test.
const intake = (code: string) => ({
  code,
  procedureCode: 'MAU-DANG-KY-KET-HON',
  agencyCode: 'X-AN-BINH',
  channel: 'direct',
  applicant: { name: 'Nguyễn Văn An' },
  // Thứ Hai 4 Mar 2030, 08:00 → 5 working days (no holiday in between) → Mon 11 Mar 08:00.
  receivedAt: '2030-03-04T08:00:00+07:00',
});
const resultReady = (code: string, at: string) =>
  post(`/v1/dossiers/${code}/result-ready`, { at, resultKind: 'paper' }, officer);

beforeAll(async () => {
  services = await startServices(config, testLogger(), { worker: true, projector: true, api: true });
  temporal = await connectTemporalClient(config);
  desk = (await createTestKey(services.prisma, { role: 'intake', agencyCode: 'X-AN-BINH' })).token;
  officer = (await createTestKey(services.prisma, { role: 'officer', agencyCode: 'X-AN-BINH' })).token;
});

afterAll(async () => {
  await temporal?.connection.close();
  await services?.stop();
});

describe('a dossier through the real stack', () => {
  it('starts a workflow on receipt, publishes dossier.received to JetStream and projects it to PostgreSQL', async () => {
    const code = uniqueCode('KH');
    const res = await post('/v1/dossiers', intake(code));
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({
      code,
      workflowId: workflowIdFor(code),
      status: 'received',
      receivedAt: '2030-03-04T08:00:00+07:00',
      dueAt: '2030-03-11T08:00:00+07:00',
      originalDueAt: '2030-03-11T08:00:00+07:00',
      currentAgencyCode: 'X-AN-BINH',
      lastSeq: 1,
    });
    // The procedure's steps, resolved to agencies at receipt.
    expect(created.steps.map((s: { key: string }) => s.key)).toEqual([
      'tiep-nhan',
      'tham-dinh',
      'phe-duyet',
      'tra-ket-qua',
    ]);

    const description = await temporal.workflow.getHandle(workflowIdFor(code)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('dossierWorkflow');

    const row = await eventually(() => services.prisma.dossier.findUnique({ where: { code } }));
    expect(row.dueAt.toISOString()).toBe('2030-03-11T01:00:00.000Z');
    expect(row.calendarVersion).toBe(created.calendarVersion);
    const events = await services.prisma.dossierEvent.findMany({ where: { dossierCode: code } });
    expect(events.map((e) => [e.id, e.type])).toEqual([[`${code}:1`, 'dossier.received']]);

    // The very message in JetStream, with the deterministic Nats-Msg-Id.
    const stored = await services.nats.jsm.streams.getMessage(config.NATS_STREAM, {
      seq: Number(events[0]!.streamSeq),
    });
    // On the receiving agency's subject and the dossier's partition, signed by the worker.
    expect(stored?.subject).toBe(
      `dossier.X-AN-BINH.received.${partitionOf(code, config.MOTCUA_EVENT_PARTITIONS ?? DEFAULT_EVENT_PARTITIONS)}`,
    );
    expect(stored?.header.get('Nats-Msg-Id')).toBe(`${code}:1`);
    expect(
      verifyEvent(
        eventSigningKeys(config),
        stored!.subject,
        stored!.data,
        stored!.header.get(SIGNATURE_HEADER),
      ),
    ).toEqual({ ok: true, keyId: 'test' });
    expect(stored?.json()).toMatchObject({
      id: `${code}:1`,
      dossierCode: code,
      seq: 1,
      type: 'dossier.received',
      payload: { actor: { role: 'intake', agencyCode: 'X-AN-BINH' } },
    });

    const got = await call('GET', `/v1/dossiers/${code}`, desk);
    expect(got.status).toBe(200);
    expect(await json(got)).toEqual(created);
  });

  it('classifies a result ready on its due day as on_time and records dossier.result_ready once', async () => {
    const code = uniqueCode('KH');
    expect((await post('/v1/dossiers', intake(code))).status).toBe(201);
    const done = await resultReady(code, '2030-03-11T07:45:00+07:00');
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({
      status: 'result_ready',
      outcome: 'on_time',
      resultKind: 'paper',
      completedAt: '2030-03-11T07:45:00+07:00',
      lastSeq: 2,
    });

    const row = await eventually(async () => {
      const d = await services.prisma.dossier.findUnique({ where: { code } });
      return d?.status === 'result_ready' ? d : undefined;
    });
    expect(row.outcome).toBe('on_time');
    expect(row.resultKind).toBe('paper');
    const events = await services.prisma.dossierEvent.findMany({
      where: { dossierCode: code },
      orderBy: { seq: 'asc' },
    });
    expect(events.map((e) => e.type)).toEqual(['dossier.received', 'dossier.result_ready']);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
  });

  it('classifies early and late results against the due instant', async () => {
    const early = uniqueCode('KH');
    const late = uniqueCode('KH');
    await post('/v1/dossiers', intake(early));
    await post('/v1/dossiers', intake(late));
    const e = await resultReady(early, '2030-03-08T16:00:00+07:00');
    const l = await resultReady(late, '2030-03-11T08:01:00+07:00');
    expect((await json(e)).outcome).toBe('early');
    expect((await json(l)).outcome).toBe('late');
  });

  it('keeps POST /complete as a deprecated alias of result-ready with a paper result', async () => {
    const code = uniqueCode('KH');
    await post('/v1/dossiers', intake(code));
    const res = await post(
      `/v1/dossiers/${code}/complete`,
      { completedAt: '2030-03-06T10:00:00+07:00' },
      officer,
    );
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: 'result_ready', outcome: 'early', resultKind: 'paper' });
  });

  it('answers a second intake of the same code with 409 and the existing dossier, starting nothing new', async () => {
    const code = uniqueCode('DUP');
    const first = await post('/v1/dossiers', intake(code));
    expect(first.status).toBe(201);
    const { runId } = await temporal.workflow.getHandle(workflowIdFor(code)).describe();

    const second = await post('/v1/dossiers', { ...intake(code), applicant: { name: 'Trần Thị Bình' } });
    expect(second.status).toBe(409);
    const body = await json(second);
    expect(body.code).toBe('dossier_exists');
    expect(body.message).toContain(code);
    expect(body.details.dossier).toMatchObject({ code, applicantName: 'Nguyễn Văn An', status: 'received' });

    expect((await temporal.workflow.getHandle(workflowIdFor(code)).describe()).runId).toBe(runId);
    const count = await eventually(async () => {
      const c = await temporal.workflow.count(`WorkflowId = '${workflowIdFor(code)}'`);
      return c.count === 1 ? c.count : undefined;
    });
    expect(count).toBe(1);
  });

  it('rejects an invalid body with 400 listing each invalid field, and starts and stores nothing', async () => {
    const code = uniqueCode('BAD');
    const res = await post('/v1/dossiers', {
      code,
      procedureCode: 'MAU-DANG-KY-KET-HON',
      agencyCode: 'X-AN-BINH',
      channel: 'fax',
      applicant: { name: '' },
      receivedAt: '2030-03-04 08:00',
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.code).toBe('invalid_request');
    const fields = body.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['body.applicant.name', 'body.channel', 'body.receivedAt']);
    await expect(temporal.workflow.getHandle(workflowIdFor(code)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect(await services.prisma.dossier.count({ where: { code } })).toBe(0);
  });

  it('rejects an unknown procedure with 422 and starts nothing', async () => {
    const code = uniqueCode('UNK');
    const res = await post('/v1/dossiers', { ...intake(code), procedureCode: 'NO-SUCH' });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('unknown_reference');
    expect(body.details.map((d: { field: string }) => d.field)).toEqual(['body.procedureCode']);
    await expect(temporal.workflow.getHandle(workflowIdFor(code)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });

  it('rejects a result before receipt (422), a second result (409) and an unknown dossier (404)', async () => {
    const code = uniqueCode('TWICE');
    await post('/v1/dossiers', intake(code));
    const before = await resultReady(code, '2030-03-01T08:00:00+07:00');
    expect(before.status).toBe(422);
    // Server time decides: an instant before the dossier's last event (its receipt) is refused as such.
    expect(await json(before)).toMatchObject({ code: 'instant_before_last_event' });
    expect((await resultReady(code, '2030-03-05T08:00:00+07:00')).status).toBe(200);
    const again = await resultReady(code, '2030-03-06T08:00:00+07:00');
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: 'invalid_transition' });
    const missing = await resultReady(uniqueCode('NONE'), '2030-03-06T08:00:00+07:00');
    expect(missing.status).toBe(404);
    expect((await json(missing)).code).toBe('dossier_not_found');
  });

  it("counts a receipt after the procedure's same-day cut-off from the next working day", async () => {
    const code = uniqueCode('CT');
    const res = await post('/v1/dossiers', {
      ...intake(code),
      procedureCode: 'MAU-CHUNG-THUC-BAN-SAO', // 4 working hours, cut-off 15:00
      receivedAt: '2030-03-04T15:30:00+07:00',
    });
    expect(res.status).toBe(201);
    expect((await json(res)).dueAt).toBe('2030-03-05T11:30:00+07:00');
  });

  it('serves OpenAPI documentation of every dossier endpoint', async () => {
    const res = await fetch(`${services.apiUrl}/docs/json`);
    expect(res.status).toBe(200);
    const spec = await json(res);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/dossiers',
        '/v1/dossiers/{code}',
        '/v1/dossiers/{code}/timeline',
        '/v1/dossiers/{code}/events',
        ...Object.values(commandPaths).map((p) => `/v1/dossiers/{code}/${p}`),
      ]),
    );
    const reject = spec.paths['/v1/dossiers/{code}/reject'].post;
    expect(reject.requestBody.content['application/json'].schema.required).toEqual(['reason']);
    expect(reject.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['code', 'idempotency-key']),
    );
    expect(spec.paths['/v1/dossiers/{code}/complete'].post.deprecated).toBe(true);
  });
});
