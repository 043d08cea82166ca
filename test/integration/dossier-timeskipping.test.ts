import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { dossierStartPolicy } from '../../workflows/definitions';
import { desk, type Harness, startHarness } from './lifecycle-harness';

// The Java time-skipping test server, a worker with the real activities, NATS and PostgreSQL.
let h: Harness;

beforeAll(async () => {
  h = await startHarness('timeskip');
});

afterAll(async () => {
  await h?.stop();
});

const KET_HON = 'MAU-DANG-KY-KET-HON'; // 5 working days
const KHAI_SINH = 'MAU-DANG-KY-KHAI-SINH'; // 1 working day

/** The failure type an Update was refused with. */
async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? undefined;
}

describe('dossier lifecycle on the time-skipping server', () => {
  it('classifies a result ready days before the due day as early and closes on return', async () => {
    const { code, handle, state } = await h.start({ procedureCode: KET_HON });
    expect(Date.parse(state.dueAt)).toBeGreaterThan(Date.parse(state.receivedAt));
    await h.act(code, 'handOff', {});
    await h.act(code, 'completeStep', {});
    const ready = await h.act(code, 'markResultReady', { resultKind: 'electronic' });
    expect(ready.result).toMatchObject({ kind: 'electronic', outcome: 'early' });
    await h.act(code, 'returnResult', { actor: desk });
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'returned', lastSeq: 5 });
    expect(h.typesOf(code)).toEqual([
      'dossier.received',
      'dossier.handed_off',
      'dossier.step_completed',
      'dossier.result_ready',
      'dossier.result_returned',
    ]);
    expect(h.eventsOf(code).map((e) => e.id)).toEqual([1, 2, 3, 4, 5].map((n) => `${code}:${n}`));
  });

  it('takes the applicant rating after the result is returned, then closes', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    await h.act(code, 'markResultReady', { resultKind: 'paper' });
    await h.act(code, 'returnResult', { actor: desk });
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    await h.env.sleep('2 days');
    const rated = await h.act(code, 'recordRating', {
      score: 5,
      comment: 'Cán bộ hướng dẫn tận tình',
      actor: desk,
    });
    expect(rated).toMatchObject({ status: 'returned', rating: { score: 5 } });
    expect(await handle.result()).toMatchObject({ status: 'returned', rating: { score: 5 } });
    expect(h.typesOf(code).slice(-2)).toEqual(['dossier.result_returned', 'dossier.rating_recorded']);
  });

  it('closes a returned dossier nobody rated once the rating window has passed', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    await h.act(code, 'markResultReady', { resultKind: 'paper' });
    const returned = await h.act(code, 'returnResult', { actor: desk });
    const final = await handle.result(); // time skips through the 30-day window
    expect(final).toMatchObject({ status: 'returned', lastSeq: returned.lastSeq });
    expect(final.rating).toBeUndefined();
    expect(Date.parse(new Date(await h.env.currentTimeMs()).toISOString())).toBeGreaterThanOrEqual(
      Date.parse(returned.returnedAt!) + 30 * 86_400_000,
    );
  });

  it('classifies a result ready on the due day before the due instant as on time', async () => {
    const { code, handle, state } = await h.start({ procedureCode: KHAI_SINH });
    await h.sleepUntil(state.dueAt, -60_000);
    const ready = await h.act(code, 'markResultReady', { resultKind: 'paper' });
    expect(ready.result?.outcome).toBe('on_time');
    expect(ready.overdue).toBe(false);
    await h.act(code, 'returnResult', { actor: desk });
    await handle.result();
    // A one-day deadline is due soon from the start: the apology deadline is the receipt.
    expect(h.typesOf(code)).toEqual([
      'dossier.received',
      'dossier.due_soon',
      'dossier.result_ready',
      'dossier.result_returned',
    ]);
    const [result] = h.only(code, 'dossier.result_ready');
    expect(result!.payload).toMatchObject({
      outcome: 'on_time',
      dueAt: state.dueAt,
      originalDueAt: state.dueAt,
    });
  });

  it('raises overdue at the due instant when no apology was issued, and stays late', async () => {
    const { code, handle, state } = await h.start({ procedureCode: KHAI_SINH });
    await h.act(code, 'handOff', {});
    await h.sleepUntil(state.dueAt, 3_600_000);
    const [overdue] = await h.waitForEvent(code, 'dossier.overdue');
    expect(overdue).toMatchObject({
      occurredAt: state.dueAt,
      payload: { dueAt: state.dueAt, apologyIssued: false, agencyCode: 'X-AN-BINH', step: 0 },
    });
    expect(await h.state(code)).toMatchObject({ overdue: true, status: 'processing' });
    await h.act(code, 'completeStep', {});
    const ready = await h.act(code, 'markResultReady', { resultKind: 'paper' });
    expect(ready.result?.outcome).toBe('late');
    await h.act(code, 'returnResult', { actor: desk });
    expect(await handle.result()).toMatchObject({ status: 'returned', overdue: true });
    expect(h.only(code, 'dossier.overdue')).toHaveLength(1);
  });

  it('moves the appointment after an apology, raises no overdue, and still counts the dossier late', async () => {
    // Kept at the desk (no step budgets involved): only the legal clock speaks here.
    const { code, handle, state } = await h.start({ procedureCode: KET_HON });
    await h.sleepUntil(state.warningAt);
    const [dueSoon] = await h.waitForEvent(code, 'dossier.due_soon');
    expect(dueSoon!.payload).toEqual({
      dueAt: state.dueAt,
      warningAt: state.warningAt,
      apologyIssued: false,
      // The agency that must apologise: the one holding the dossier (here still the desk).
      agencyCode: state.agencyCode,
    });

    const newDueAt = new Date(Date.parse(state.dueAt) + 10 * 86_400_000).toISOString();
    const apologised = await h.act(code, 'issueApology', {
      reason: 'Cần xác minh thông tin tại nơi cư trú',
      faultParty: 'processing_agency',
      newDueAt,
      signedBy: 'Chủ tịch UBND xã An Bình',
    });
    expect(apologised).toMatchObject({ dueAt: newDueAt, originalDueAt: state.dueAt, apology: { newDueAt } });
    expect(Date.parse(apologised.warningAt)).toBeLessThan(Date.parse(newDueAt));

    await h.sleepUntil(state.dueAt, 3_600_000);
    expect(await h.state(code)).toMatchObject({ overdue: false });
    const ready = await h.act(code, 'markResultReady', { resultKind: 'electronic' });
    expect(ready.result?.outcome).toBe('late');
    await h.act(code, 'returnResult', { actor: desk });
    await handle.result();
    expect(h.typesOf(code)).toEqual([
      'dossier.received',
      'dossier.due_soon',
      'dossier.apology_issued',
      'dossier.result_ready',
      'dossier.result_returned',
    ]);
    expect(h.only(code, 'dossier.result_ready')[0]!.payload).toMatchObject({
      outcome: 'late',
      dueAt: newDueAt,
      originalDueAt: state.dueAt,
    });
  });

  it('raises overdue with the apology flag when even the new appointment passes', async () => {
    const { code, state } = await h.start({ procedureCode: KET_HON });
    const newDueAt = new Date(Date.parse(state.dueAt) + 7 * 86_400_000).toISOString();
    await h.act(code, 'issueApology', {
      reason: 'Chờ kết quả xác minh',
      faultParty: 'other_agency',
      newDueAt,
    });
    await h.sleepUntil(newDueAt);
    const [overdue] = await h.waitForEvent(code, 'dossier.overdue');
    expect(overdue).toMatchObject({
      occurredAt: newDueAt,
      payload: { dueAt: newDueAt, apologyIssued: true },
    });
    await h.act(code, 'withdraw', { actor: desk });
  });

  it('ends with the rejection reason (Mẫu 03)', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    await h.act(code, 'handOff', {});
    await h.act(code, 'reject', { reason: 'Hồ sơ không thuộc thẩm quyền giải quyết' });
    expect(await handle.result()).toMatchObject({
      status: 'rejected',
      rejection: { reason: 'Hồ sơ không thuộc thẩm quyền giải quyết' },
    });
    expect(h.typesOf(code)).toEqual(['dossier.received', 'dossier.handed_off', 'dossier.rejected']);
  });

  it('ends when the applicant withdraws, even while a supplement is awaited', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    await h.act(code, 'requestSupplement', {
      reason: 'Thiếu giấy xác nhận tình trạng hôn nhân',
      items: ['giay-xac-nhan'],
    });
    await h.act(code, 'withdraw', { reason: 'Người nộp xin rút hồ sơ', actor: desk });
    expect(await handle.result()).toMatchObject({
      status: 'withdrawn',
      withdrawal: { reason: 'Người nộp xin rút hồ sơ' },
    });
    expect(h.typesOf(code)).toEqual([
      'dossier.received',
      'dossier.supplement_requested',
      'dossier.withdrawn',
    ]);
  });

  it('refuses a second start of the same dossier, running or closed', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    const again = () =>
      h.env.client.workflow.start('dossierWorkflow', {
        ...dossierStartPolicy,
        workflowId: workflowIdFor(code),
        taskQueue: h.taskQueue,
        args: [
          {
            code,
            procedureCode: KET_HON,
            agencyCode: 'X-AN-BINH',
            channel: 'direct',
            applicantName: 'X',
            receivedAt: new Date().toISOString(),
          },
        ],
      });
    await expect(again()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await h.act(code, 'withdraw', { actor: desk });
    await handle.result();
    await expect(again()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(h.only(code, 'dossier.received')).toHaveLength(1);
  });

  it('rejects an invalid transition in the validator, before anything reaches history', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    await h.act(code, 'handOff', {});
    expect(await refusal(h.act(code, 'returnResult', { actor: desk }))).toBe('invalid_transition');
    expect(await refusal(h.act(code, 'handOff', {}))).toBe('step_not_completed');
    // Server time decides: an instant before the dossier's last event is refused as such.
    expect(await refusal(h.act(code, 'reject', { reason: 'x', at: '2000-01-01T00:00:00Z' }))).toBe(
      'instant_before_last_event',
    );
    const history = await handle.fetchHistory();
    const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    // appointment + handOff only: the refused updates left no trace.
    expect(accepted).toHaveLength(2);
    expect((await h.state(code)).lastSeq).toBe(2);
    expect(h.typesOf(code)).toEqual(['dossier.received', 'dossier.handed_off']);
    await h.act(code, 'withdraw', { actor: desk });
  });

  it('accepts one apology only', async () => {
    const { code, state } = await h.start({ procedureCode: KET_HON });
    const later = (days: number) => new Date(Date.parse(state.dueAt) + days * 86_400_000).toISOString();
    await h.act(code, 'issueApology', {
      reason: 'Chậm do thiếu cán bộ',
      faultParty: 'desk',
      newDueAt: later(3),
    });
    expect(
      await refusal(
        h.act(code, 'issueApology', { reason: 'Lần nữa', faultParty: 'desk', newDueAt: later(9) }),
      ),
    ).toBe('apology_already_issued');
    expect((await h.state(code)).dueAt).toBe(later(3));
    expect(h.only(code, 'dossier.apology_issued')).toHaveLength(1);
    await h.act(code, 'withdraw', { actor: desk });
  });

  it('keeps taking digitization, payment and the rating once the result is ready, until it is returned', async () => {
    const { code, handle } = await h.start({ procedureCode: KET_HON });
    await h.act(code, 'recordDigitization', { components: ['to-khai'], result: false, actor: desk });
    await h.act(code, 'markResultReady', { resultKind: 'electronic' });
    await h.act(code, 'recordDigitization', { components: [], result: true });
    await h.act(code, 'recordPayment', { amountVnd: 0, online: false, actor: desk });
    await h.act(code, 'recordRating', { score: 5, comment: 'Cán bộ tận tình', actor: desk });
    await h.act(code, 'returnResult', { actor: desk });
    expect(await handle.result()).toMatchObject({
      status: 'returned',
      digitization: { components: ['to-khai'], result: true },
      rating: { score: 5 },
    });
    // The workflow has closed: nothing more can be recorded on it.
    await expect(h.act(code, 'recordRating', { score: 1, actor: desk })).rejects.toThrow();
  });
});
