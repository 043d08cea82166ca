import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDue, workingMsBetween } from '../../domain/calendar';
import { uniqueCode } from './helpers';
import { desk, type Harness, provinceOfficer, startHarness } from './lifecycle-harness';

// Supplement pauses and inter-agency step budgets on the time-skipping server (real activities).
let h: Harness;
const LIEN_THONG = uniqueCode('TS-LIEN-THONG');

beforeAll(async () => {
  h = await startHarness('timeskip-clock');
  // A test procedure: one day at the commune, then half a day at the province (liên thông).
  await h.prisma.procedure.create({
    data: {
      code: LIEN_THONG,
      name: 'Thủ tục liên thông thử nghiệm',
      level: 'commune',
      deadlineWorkingDays: 5,
      steps: [
        {
          key: 'tham-dinh-xa',
          name: 'Thẩm định tại xã',
          role: 'officer',
          agencyCode: null,
          budgetWorkingHours: 8,
        },
        {
          key: 'xac-nhan-tinh',
          name: 'Xác nhận tại tỉnh',
          role: 'officer',
          agencyCode: 'T-MAU',
          budgetWorkingHours: 4,
        },
      ],
      isSample: false,
    },
  });
});

afterAll(async () => {
  await h?.stop();
});

describe('the legal clock on the time-skipping server', () => {
  it('stops while the applicant supplements and moves the due instant by the paused working time', async () => {
    const { code, handle, state } = await h.start({ procedureCode: 'MAU-DANG-KY-KET-HON' });
    const handed = await h.act(code, 'handOff', {});
    const step = handed.steps[0]!;
    await h.env.sleep('1 hour');
    const paused = await h.act(code, 'requestSupplement', {
      reason: 'Thiếu giấy xác nhận tình trạng hôn nhân',
      items: ['giay-xac-nhan-tinh-trang-hon-nhan'],
      actor: desk,
    });
    expect(paused.status).toBe('waiting_supplement');

    // Well past the original due instant, and past its warning: no alarm while paused.
    await h.sleepUntil(state.dueAt, 2 * 86_400_000);
    expect(await h.state(code)).toMatchObject({
      status: 'waiting_supplement',
      dueSoon: false,
      overdue: false,
    });

    const resumed = await h.act(code, 'receiveSupplement', { actor: desk });
    const pause = resumed.pauses[0]!;
    const calendar = await h.calendars.forAgency('X-AN-BINH');
    const expected = computeDue(calendar, {
      received: new Date(state.receivedAt),
      workingDays: 5,
      pauses: [{ start: new Date(pause.start), end: new Date(pause.end) }],
    });
    expect(resumed).toMatchObject({
      status: 'processing',
      dueAt: expected.due.toISOString(),
      originalDueAt: expected.due.toISOString(),
      warningAt: expected.warning.toISOString(),
    });
    expect(resumed.pausedAt).toBeUndefined();
    const moved = workingMsBetween(calendar, new Date(state.dueAt), new Date(resumed.dueAt));
    expect(moved).toBe(workingMsBetween(calendar, new Date(pause.start), new Date(pause.end)));
    expect(moved).toBeGreaterThan(0);
    expect(h.only(code, 'dossier.supplement_received')[0]!.payload).toMatchObject({
      pausedFrom: pause.start,
      dueAt: resumed.dueAt,
    });

    // The alarms follow the moved instants.
    await h.sleepUntil(resumed.dueAt);
    const [overdue] = await h.waitForEvent(code, 'dossier.overdue');
    expect(overdue!.occurredAt).toBe(resumed.dueAt);
    expect(h.only(code, 'dossier.due_soon')[0]!.occurredAt).toBe(resumed.warningAt);
    expect(h.typesOf(code).filter((t) => t !== 'dossier.step_overdue')).toEqual([
      'dossier.received',
      'dossier.handed_off',
      'dossier.supplement_requested',
      'dossier.supplement_received',
      'dossier.due_soon',
      'dossier.overdue',
    ]);
    // The open step's budget stopped with the clock, and its alarm rang only at the moved instant.
    const stepCalendar = await h.calendars.forAgency(step.agencyCode);
    const stepDueAt = computeDue(stepCalendar, {
      received: new Date(step.startedAt!),
      workingHours: step.budgetWorkingHours,
      pauses: [{ start: new Date(pause.start), end: new Date(pause.end) }],
      warningWorkingMinutes: 0,
    }).due.toISOString();
    expect(resumed.steps[0]!.stepDueAt).toBe(stepDueAt);
    expect(h.only(code, 'dossier.step_overdue').map((e) => e.occurredAt)).toEqual(
      Date.parse(stepDueAt) <= Date.parse(resumed.dueAt) ? [stepDueAt] : [],
    );
    await h.act(code, 'withdraw', { actor: desk });
    await handle.result();
  });

  it('keeps the new appointment after a pause in step with the legal due instant', async () => {
    const { code, state } = await h.start({ procedureCode: 'MAU-DANG-KY-KET-HON' });
    const newDueAt = new Date(Date.parse(state.dueAt) + 7 * 86_400_000).toISOString();
    await h.act(code, 'issueApology', { reason: 'Chờ xác minh', faultParty: 'processing_agency', newDueAt });
    await h.act(code, 'requestSupplement', { reason: 'Thiếu giấy tờ', items: ['cccd'], actor: desk });
    await h.env.sleep('3 days');
    const resumed = await h.act(code, 'receiveSupplement', { actor: desk });
    const calendar = await h.calendars.forAgency('X-AN-BINH');
    const pause = resumed.pauses[0]!;
    const paused = workingMsBetween(calendar, new Date(pause.start), new Date(pause.end));
    // Both the legal due and the appointment move by the paused working time.
    expect(workingMsBetween(calendar, new Date(state.dueAt), new Date(resumed.originalDueAt))).toBe(paused);
    expect(workingMsBetween(calendar, new Date(resumed.originalDueAt), new Date(resumed.dueAt))).toBe(
      workingMsBetween(calendar, new Date(state.dueAt), new Date(newDueAt)),
    );
    await h.act(code, 'withdraw', { actor: desk });
  });

  it('gives each agency its own step budget and flags only the slow one (liên thông)', async () => {
    const { code, handle, state } = await h.start({ procedureCode: LIEN_THONG });
    expect(state.steps.map((s) => [s.key, s.agencyCode, s.budgetWorkingHours])).toEqual([
      ['tham-dinh-xa', 'X-AN-BINH', 8],
      ['xac-nhan-tinh', 'T-MAU', 4],
    ]);
    const first = await h.act(code, 'handOff', {});
    await h.act(code, 'completeStep', { note: 'Đủ điều kiện' });
    const second = await h.act(code, 'handOff', { note: 'Chuyển tỉnh xác nhận' });
    expect(second).toMatchObject({
      currentStep: 1,
      currentAgencyCode: 'T-MAU',
      participants: ['X-AN-BINH', 'T-MAU'],
    });
    const provinceCalendar = await h.calendars.forAgency('T-MAU');
    const step1 = second.steps[1]!;
    expect(step1.stepDueAt).toBe(
      computeDue(provinceCalendar, {
        received: new Date(step1.startedAt!),
        workingHours: 4,
        warningWorkingMinutes: 0,
      }).due.toISOString(),
    );
    expect(Date.parse(first.steps[0]!.stepDueAt!)).toBeGreaterThan(Date.parse(step1.startedAt!) - 1);

    await h.sleepUntil(step1.stepDueAt!);
    const [slow] = await h.waitForEvent(code, 'dossier.step_overdue');
    expect(slow).toMatchObject({
      occurredAt: step1.stepDueAt,
      payload: { step: 1, stepKey: 'xac-nhan-tinh', agencyCode: 'T-MAU', stepDueAt: step1.stepDueAt },
    });
    const done = await h.act(code, 'completeStep', { actor: provinceOfficer });
    expect(done.steps.map((s) => s.overBudget)).toEqual([false, true]);
    expect(
      h.only(code, 'dossier.step_completed').map((e) => [e.payload.agencyCode, e.payload.overBudget]),
    ).toEqual([
      ['X-AN-BINH', false],
      ['T-MAU', true],
    ]);
    expect(
      await h.act(code, 'markResultReady', { resultKind: 'electronic', actor: provinceOfficer }),
    ).toMatchObject({
      status: 'result_ready',
      currentAgencyCode: 'X-AN-BINH',
    });
    await h.act(code, 'returnResult', { actor: desk });
    const final = await handle.result();
    expect(h.only(code, 'dossier.step_overdue')).toHaveLength(1);
    expect(final.timeline.filter((t) => t.type === 'dossier.handed_off').map((t) => t.step)).toEqual([0, 1]);
  });

  it('refuses a handoff to an agency that does not exist, writing no event', async () => {
    const { code, handle } = await h.start({ procedureCode: LIEN_THONG });
    const err = await h.act(code, 'handOff', { toAgencyCode: 'KHONG-TON-TAI' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
    // No step of the procedure plans that agency: refused before any activity runs.
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('agency_not_allowed');
    expect(await h.state(code)).toMatchObject({ status: 'received', lastSeq: 1 });
    await h.act(code, 'withdraw', { actor: desk });
    await handle.result();
    expect(h.typesOf(code)).toEqual(['dossier.received', 'dossier.withdrawn']);
  });
});
