import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { type DossierEvent, dossierEventSchema } from '../../domain/events';
import { MotcuaApiError, type MotcuaClient } from '../../services/api/client';
import { chainHash, GENESIS_HASH } from '../../services/eventlog';
import { projectEvent } from '../../services/projector';
import { handOff, received as receivedEvent } from '../lifecycle/fixtures';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { eventually, uniqueCode } from './helpers';

/*
 * Intake and actions end to end: typed client → API → Temporal Update → event in JetStream →
 * projector → PostgreSQL, and back out through the read endpoints. Dates are in 2030 so the
 * dossiers' due-soon and overdue timers never fire while the tests run.
 */

let world: ApiWorld;
let desk: MotcuaClient;
let officer: MotcuaClient;
let supervisor: MotcuaClient;

beforeAll(async () => {
  world = await startApiWorld('LC');
  desk = await world.as('intake');
  officer = await world.as('officer');
  supervisor = await world.as('supervisor');
});
afterAll(async () => {
  await world?.stop();
});

const RECEIVED = '2030-03-04T08:00:00+07:00';
const DUE = '2030-03-11T08:00:00+07:00';

/** Error answer of a call that must fail. */
async function failure(p: Promise<unknown>): Promise<MotcuaApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MotcuaApiError)) throw new Error(`expected an API error, got ${String(err)}`);
  return err;
}

/** Waits until the read model has projected `seq` events of the dossier. */
const projected = (code: string, seq: number) =>
  eventually(async () => {
    const row = await world.services.prisma.dossier.findUnique({ where: { code } });
    return row && row.lastSeq >= seq ? row : undefined;
  });

const eventTypes = async (code: string) =>
  (
    await world.services.prisma.dossierEvent.findMany({
      where: { dossierCode: code },
      orderBy: { seq: 'asc' },
    })
  ).map((e) => e.type);

describe('a dossier from receipt to the returned result', () => {
  it('goes received → processing → result_ready → returned, and the read model, events and timeline agree', async () => {
    const code = uniqueCode('LC');
    const received = await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    expect(received).toMatchObject({ status: 'received', dueAt: DUE, currentStep: null, lastSeq: 1 });
    expect(received.steps.length).toBeGreaterThan(1);

    // Every step: chuyển xử lý, then the officer (or the leader) finishes it.
    const day = (d: number, hm: string) => `2030-03-0${d}T${hm}:00+07:00`;
    let view = received;
    for (const [i, step] of received.steps.entries()) {
      view = await officer.handOff(code, { at: day(4 + i, '08:30') });
      expect(view).toMatchObject({
        status: 'processing',
        currentStep: i,
        currentAgencyCode: step.agencyCode,
      });
      expect(view.steps[i]!.startedAt).toBe(day(4 + i, '08:30'));
      // A leader's approval step is completed by a supervisor (lãnh đạo), the others by the officer.
      const by = step.role === 'supervisor' ? supervisor : officer;
      view = await by.completeStep(code, { at: day(4 + i, '10:00'), note: `Xong bước ${step.name}` });
      expect(view.steps[i]!.completedAt).toBe(day(4 + i, '10:00'));
    }
    // No step left: the officer records the result.
    const noNext = await failure(officer.handOff(code, { at: day(8, '09:00') }));
    expect(noNext).toMatchObject({ status: 409, code: 'no_next_step' });

    view = await officer.markResultReady(code, { at: day(8, '11:00'), resultKind: 'electronic' });
    expect(view).toMatchObject({
      status: 'result_ready',
      resultKind: 'electronic',
      completedAt: day(8, '11:00'),
      // Friday 8 March, before the due day (Monday 11 March).
      outcome: 'early',
      currentAgencyCode: world.agency,
    });
    view = await desk.recordDigitization(code, {
      at: day(8, '11:05'),
      result: true,
      components: ['Tờ khai'],
    });
    view = await desk.recordRating(code, { at: day(8, '15:00'), score: 5, comment: 'Nhanh, chu đáo' });
    const returned = await desk.returnResult(code, { at: day(8, '15:05') });
    expect(returned).toMatchObject({
      status: 'returned',
      returnedAt: day(8, '15:05'),
      digitization: { components: ['Tờ khai'], result: true },
      rating: { score: 5, comment: 'Nhanh, chu đáo' },
    });

    // Read model: the same view, from the projected state.
    const seq = returned.lastSeq;
    const row = await projected(code, seq);
    expect(row).toMatchObject({
      status: 'returned',
      outcome: 'early',
      resultKind: 'electronic',
      currentStep: received.steps.length - 1,
      resultDigitized: true,
      componentsDigitized: true,
      ratingScore: 5,
    });
    expect(row.completedAt?.toISOString()).toBe(new Date(day(8, '11:00')).toISOString());
    expect(row.returnedAt?.toISOString()).toBe(new Date(day(8, '15:05')).toISOString());
    expect(await desk.get(code)).toEqual(returned);

    // Events: one per transition, hash-chained, each carrying who did it for which agency.
    const log = await desk.events(code);
    expect(log.events.map((e) => e.type)).toEqual([
      'dossier.received',
      ...received.steps.flatMap(() => ['dossier.handed_off', 'dossier.step_completed']),
      'dossier.result_ready',
      'dossier.digitized',
      'dossier.rating_recorded',
      'dossier.result_returned',
    ]);
    expect(log.events.map((e) => e.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
    let prev = GENESIS_HASH;
    for (const e of log.events) {
      const event = dossierEventSchema.parse(e.event);
      expect(e.prevHash).toBe(prev);
      expect(e.hash).toBe(chainHash(prev, event));
      prev = e.hash;
    }
    const actors = log.events.map((e) => (e.event.payload as { actor?: { role: string } }).actor?.role);
    expect(actors).toEqual([
      'intake',
      ...received.steps.flatMap((step) => ['officer', step.role === 'supervisor' ? 'supervisor' : 'officer']),
      'officer',
      'intake',
      'intake',
      'intake',
    ]);

    // Mẫu 05 from the workflow (closed now, still queryable) lists the same transitions.
    const timeline = await desk.timeline(code);
    expect(timeline.entries.map((e) => e.type)).toEqual(log.events.map((e) => e.type));
    expect(timeline.entries.at(-1)).toMatchObject({ status: 'returned', at: day(8, '15:05') });
    expect(timeline.entries[2]).toMatchObject({ note: `Xong bước ${received.steps[0]!.name}` });

    const description = await world.services.temporal!.workflow.getHandle(workflowIdFor(code)).describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  it('pauses the clock while the applicant supplements and resumes it with the unused time', async () => {
    const code = uniqueCode('BS');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    await officer.handOff(code, { at: '2030-03-04T09:00:00+07:00' });
    const paused = await officer.requestSupplement(code, {
      at: '2030-03-05T08:00:00+07:00',
      reason: 'Thiếu giấy xác nhận tình trạng hôn nhân',
      items: ['Giấy xác nhận tình trạng hôn nhân'],
    });
    expect(paused).toMatchObject({ status: 'waiting_supplement', pausedAt: '2030-03-05T08:00:00+07:00' });

    // The clock is stopped: nothing can be finished meanwhile.
    const blocked = await failure(
      officer.markResultReady(code, { at: '2030-03-05T09:00:00+07:00', resultKind: 'paper' }),
    );
    expect(blocked).toMatchObject({ status: 409, code: 'invalid_transition' });

    // Two working days later (Thursday 7 March 08:00): the due instant moves by two working days.
    const resumed = await desk.receiveSupplement(code, { at: '2030-03-07T08:00:00+07:00' });
    expect(resumed).toMatchObject({
      status: 'processing',
      pausedAt: null,
      pauses: [{ start: '2030-03-05T08:00:00+07:00', end: '2030-03-07T08:00:00+07:00' }],
      dueAt: '2030-03-13T08:00:00+07:00',
    });
    const row = await projected(code, resumed.lastSeq);
    expect(row.pausedAt).toBeNull();
    expect(row.dueAt.toISOString()).toBe('2030-03-13T01:00:00.000Z');
  });

  it('moves the appointment once with an apology; a second apology answers 409 apology_already_issued', async () => {
    const code = uniqueCode('XL');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    await officer.reportDelay(code, {
      at: '2030-03-07T09:00:00+07:00',
      reason: 'Cần xác minh tại nơi cư trú',
      proposedDueAt: '2030-03-14T08:00:00+07:00',
      faultParty: 'processing_agency',
    });
    const apologised = await supervisor.issueApology(code, {
      at: '2030-03-07T10:00:00+07:00',
      reason: 'Cần xác minh tại nơi cư trú',
      faultParty: 'processing_agency',
      newDueAt: '2030-03-14T08:00:00+07:00',
      signedBy: 'Chủ tịch UBND xã',
    });
    expect(apologised).toMatchObject({
      dueAt: '2030-03-14T08:00:00+07:00',
      originalDueAt: DUE,
      apology: { signedBy: 'Chủ tịch UBND xã', newDueAt: '2030-03-14T08:00:00+07:00' },
      delayReports: [{ proposedDueAt: '2030-03-14T08:00:00+07:00' }],
    });
    const before = apologised.lastSeq;

    const again = await failure(
      supervisor.issueApology(code, {
        at: '2030-03-08T10:00:00+07:00',
        reason: 'Lại chậm',
        faultParty: 'processing_agency',
        newDueAt: '2030-03-20T08:00:00+07:00',
      }),
    );
    expect(again).toMatchObject({ status: 409, code: 'apology_already_issued' });
    expect(again.message).toMatch(/một lần/);

    // A late result stays late, classified against the original due instant.
    const late = await officer.markResultReady(code, {
      at: '2030-03-12T09:00:00+07:00',
      resultKind: 'paper',
    });
    expect(late).toMatchObject({ outcome: 'late', lastSeq: before + 1 });
    const row = await projected(code, before + 1);
    expect(row.apologyIssuedAt?.toISOString()).toBe('2030-03-07T03:00:00.000Z');
    expect(row.originalDueAt?.toISOString()).toBe('2030-03-11T01:00:00.000Z');
  });

  it('closes a dossier on rejection or withdrawal; later actions answer 409 dossier_closed', async () => {
    const rejected = uniqueCode('TC');
    await desk.receive(world.intake(rejected, { receivedAt: RECEIVED }));
    expect(
      await supervisor.reject(rejected, {
        at: '2030-03-04T10:00:00+07:00',
        reason: 'Không thuộc thẩm quyền',
      }),
    ).toMatchObject({ status: 'rejected', rejection: { reason: 'Không thuộc thẩm quyền' } });

    const withdrawn = uniqueCode('RUT');
    await desk.receive(world.intake(withdrawn, { receivedAt: RECEIVED }));
    expect(await desk.withdraw(withdrawn, { at: '2030-03-04T10:00:00+07:00' })).toMatchObject({
      status: 'withdrawn',
      withdrawal: { reason: null },
    });

    for (const code of [rejected, withdrawn]) {
      const err = await failure(officer.handOff(code, { at: '2030-03-05T08:00:00+07:00' }));
      expect(err).toMatchObject({ status: 409, code: 'dossier_closed' });
    }
    const row = await projected(withdrawn, 2);
    expect(row.status).toBe('withdrawn');
  });
});

describe('refused actions', () => {
  it('refuses a handoff to an agency that does not exist with 422 unknown_reference, before the workflow', async () => {
    const code = uniqueCode('NOAG');
    const received = await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const err = await failure(
      officer.handOff(code, { at: '2030-03-04T09:00:00+07:00', toAgencyCode: 'KHONG-TON-TAI' }),
    );
    expect(err).toMatchObject({ status: 422, code: 'unknown_reference' });
    const state = await world.services
      .temporal!.workflow.getHandle(workflowIdFor(code))
      .query('dossierState');
    expect(state).toMatchObject({ status: 'received', lastSeq: received.lastSeq });
  });

  it('answers an invalid transition with 409 and its code, and emits nothing', async () => {
    const code = uniqueCode('INV');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const err = await failure(desk.returnResult(code, { at: '2030-03-04T09:00:00+07:00' }));
    expect(err).toMatchObject({ status: 409, code: 'invalid_transition' });
    expect(err.message).toMatch(/trả kết quả/);
    const completeFirst = await failure(officer.completeStep(code, { at: '2030-03-04T09:00:00+07:00' }));
    expect(completeFirst.status).toBe(409);

    // Nothing reached the workflow's history or the event log.
    const state = await world.services
      .temporal!.workflow.getHandle(workflowIdFor(code))
      .query('dossierState');
    expect((state as { lastSeq: number }).lastSeq).toBe(1);
    await projected(code, 1);
    expect(await eventTypes(code)).toEqual(['dossier.received']);
  });

  it('answers a semantically invalid value with 422 (a new appointment before the current one)', async () => {
    const code = uniqueCode('SEM');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const err = await failure(
      supervisor.issueApology(code, {
        at: '2030-03-05T08:00:00+07:00',
        reason: 'Chậm',
        faultParty: 'desk',
        newDueAt: '2030-03-08T08:00:00+07:00',
      }),
    );
    expect(err).toMatchObject({ status: 422, code: 'invalid_due_date' });
  });

  it('answers a bad body with 400 listing every invalid field, before touching the workflow', async () => {
    const code = uniqueCode('BODY');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const err = await failure(
      officer.request('POST', `/v1/dossiers/${code}/request-supplement`, {
        body: { at: 'yesterday', reason: '', items: [], extra: true },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_request');
    const fields = (err.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['body', 'body.at', 'body.items', 'body.reason']);

    const rating = await failure(desk.request('POST', `/v1/dossiers/${code}/rating`, { body: { score: 6 } }));
    expect(rating).toMatchObject({ status: 400, details: [{ field: 'body.score' }] });
    const state = await world.services
      .temporal!.workflow.getHandle(workflowIdFor(code))
      .query('dossierState');
    expect((state as { lastSeq: number }).lastSeq).toBe(1);
    await projected(code, 1);
    expect(await eventTypes(code)).toEqual(['dossier.received']);
  });

  it('hides a dossier from another agency (404) and refuses a role the action does not allow (403)', async () => {
    const code = uniqueCode('ACL');
    await desk.receive(world.intake(code, { receivedAt: RECEIVED }));
    const stranger = await world.as('officer', world.otherAgency);
    expect(await failure(stranger.handOff(code, { at: '2030-03-04T09:00:00+07:00' }))).toMatchObject({
      status: 404,
      code: 'dossier_not_found',
    });
    // Auditors read, never act.
    const auditor = await world.as('auditor');
    expect(await failure(auditor.handOff(code, { at: '2030-03-04T09:00:00+07:00' }))).toMatchObject({
      status: 403,
      code: 'forbidden_role',
    });
    const otherDesk = await world.as('intake', world.otherAgency);
    expect(
      await failure(otherDesk.receive(world.intake(uniqueCode('ACL'), { agencyCode: world.agency }))),
    ).toMatchObject({ status: 403, code: 'forbidden_scope' });
  });
});

describe('default instants', () => {
  it('stamps an action with the time of the call when `at` is left out', async () => {
    const code = uniqueCode('NOW');
    // Received just now, so the action's default instant (the API clock) comes after it.
    const receivedAt = new Date(Date.now() - 60_000).toISOString();
    await desk.receive(world.intake(code, { receivedAt }));
    const before = Date.now();
    const view = await desk.recordPayment(code, { amountVnd: 50_000, online: true, reference: 'VNPAY-1' });
    const paidAt = Date.parse(view.payments[0]!.at);
    expect(paidAt).toBeGreaterThanOrEqual(before - 1000);
    expect(paidAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(view.payments[0]!.at).toMatch(/\+07:00$/);
    const row = await projected(code, 2);
    expect(row.paidOnline).toBe(true);
  });
});

describe('reads without the workflow', () => {
  it('serves the timeline from the read model when the workflow is gone, and the stored events', async () => {
    // A dossier known only to the read model (its workflow history expired from Temporal).
    const code = uniqueCode('RM');
    const first = { ...receivedEvent(), id: `${code}:1`, dossierCode: code, workflowId: `dossier-${code}` };
    const second = {
      ...handOff('2026-11-02T02:00:00.000Z'),
      id: `${code}:2`,
      dossierCode: code,
      workflowId: `dossier-${code}`,
      seq: 2,
      version: 1,
    } as DossierEvent;
    expect(await projectEvent(world.services.prisma, first, 1)).toBe('applied');
    expect(await projectEvent(world.services.prisma, second, 2)).toBe('applied');

    const auditor = await world.as('auditor', 'X-AN-BINH');
    const timeline = await auditor.timeline(code);
    expect(timeline).toMatchObject({ code, source: 'read_model' });
    expect(timeline.entries).toEqual([
      expect.objectContaining({
        seq: 1,
        type: 'dossier.received',
        at: '2026-11-02T08:00:00+07:00',
        step: null,
      }),
      expect.objectContaining({
        seq: 2,
        type: 'dossier.handed_off',
        at: '2026-11-02T09:00:00+07:00',
        step: 0,
      }),
    ]);
    const log = await auditor.events(code);
    expect(log.events.map((e) => [e.id, e.type, e.streamSeq])).toEqual([
      [`${code}:1`, 'dossier.received', '1'],
      [`${code}:2`, 'dossier.handed_off', '2'],
    ]);
    expect(await auditor.get(code)).toMatchObject({ code, status: 'processing', currentStep: 0 });

    // Another agency's auditor does not learn it exists.
    const stranger = await world.as('auditor', world.otherAgency);
    // One call at a time: a rejection must have its handler before it settles.
    for (const read of [
      () => stranger.timeline(code),
      () => stranger.events(code),
      () => stranger.get(code),
    ]) {
      expect(await failure(read())).toMatchObject({ status: 404, code: 'dossier_not_found' });
    }
  });
});
