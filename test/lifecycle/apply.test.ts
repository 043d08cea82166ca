import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../domain/lifecycle';
import {
  apologyIssued,
  body,
  completeStep,
  DUE_AT,
  desk,
  envelope,
  handOff,
  officer,
  provinceOfficer,
  received,
  resultReady,
  stateAfter,
  supplementRequested,
  WARNING_AT,
} from './fixtures';

const T1 = '2026-11-02T02:00:00.000Z';
const T2 = '2026-11-02T03:00:00.000Z';
const T3 = '2026-11-04T02:00:00.000Z';

describe('applyEvent', () => {
  it('creates the dossier at receipt with its appointment and planned steps', () => {
    const state = applyEvent(undefined, received());
    expect(state).toMatchObject({
      code: 'D-1',
      status: 'received',
      dueAt: DUE_AT,
      originalDueAt: DUE_AT,
      warningAt: WARNING_AT,
      currentStep: null,
      currentAgencyCode: 'X-AN-BINH',
      participants: ['X-AN-BINH'],
      lastSeq: 1,
    });
    expect(state.steps.map((s) => [s.index, s.key, s.agencyCode])).toEqual([
      [0, 'tham-dinh', 'X-AN-BINH'],
      [1, 'phe-duyet', 'T-MAU'],
    ]);
    expect(state.timeline).toEqual([
      {
        seq: 1,
        at: received().occurredAt,
        type: 'dossier.received',
        status: 'received',
        actor: desk,
        agencyCode: 'X-AN-BINH',
        step: null,
      },
    ]);
  });

  it('refuses events before the receipt and a second receipt', () => {
    const state = applyEvent(undefined, received());
    expect(() => applyEvent(undefined, envelope(state, handOff(T1)))).toThrow(/before dossier.received/);
    expect(() => applyEvent(state, received())).toThrow(/already received/);
  });

  it('does not modify the state it is given', () => {
    const before = stateAfter();
    const copy = JSON.parse(JSON.stringify(before));
    applyEvent(before, envelope(before, handOff(T1)));
    expect(before).toEqual(copy);
  });

  it('moves the dossier to the step and agency it is handed to, and remembers every agency', () => {
    const state = stateAfter(handOff(T1), completeStep(T2), handOff(T3, 1, 0, 'T-MAU'));
    expect(state).toMatchObject({ status: 'processing', currentStep: 1, currentAgencyCode: 'T-MAU' });
    expect(state.participants).toEqual(['X-AN-BINH', 'T-MAU']);
    expect(state.steps[0]).toMatchObject({ startedAt: T1, completedAt: T2, overBudget: false });
    expect(state.steps[1]).toMatchObject({ startedAt: T3, stepDueAt: '2026-11-04T01:00:00.000Z' });
  });

  it('marks a step over budget when its alarm fired, even if completed afterwards', () => {
    const state = stateAfter(
      handOff(T1),
      body('dossier.step_overdue', T2, {
        step: 0,
        stepKey: 'tham-dinh',
        agencyCode: 'X-AN-BINH',
        stepDueAt: T2,
      }),
      completeStep(T3, 0, false),
    );
    expect(state.steps[0]!.overBudget).toBe(true);
  });

  it('stops the clock for a supplement and resumes it with the moved due instant', () => {
    const paused = stateAfter(handOff(T1), supplementRequested(T2));
    expect(paused).toMatchObject({ status: 'waiting_supplement', pausedAt: T2, supplementRequests: 1 });
    const resumed = applyEvent(
      paused,
      envelope(
        paused,
        body('dossier.supplement_received', T3, {
          pausedFrom: T2,
          dueAt: '2026-11-11T01:00:00.000Z',
          warningAt: '2026-11-10T01:00:00.000Z',
          originalDueAt: '2026-11-11T01:00:00.000Z',
          stepDueAt: '2026-11-06T01:00:00.000Z',
          actor: desk,
        }),
      ),
    );
    expect(resumed).toMatchObject({
      status: 'processing',
      pauses: [{ start: T2, end: T3 }],
      dueAt: '2026-11-11T01:00:00.000Z',
      originalDueAt: '2026-11-11T01:00:00.000Z',
    });
    expect(resumed.pausedAt).toBeUndefined();
    expect(resumed.steps[0]!.stepDueAt).toBe('2026-11-06T01:00:00.000Z');
  });

  it('records the calendar version a resumed clock was computed with', () => {
    const paused = stateAfter(handOff(T1), supplementRequested(T2));
    const received = paused.calendarVersion;
    const resumed = applyEvent(
      paused,
      envelope(
        paused,
        body('dossier.supplement_received', T3, {
          pausedFrom: T2,
          dueAt: '2026-11-11T01:00:00.000Z',
          warningAt: '2026-11-10T01:00:00.000Z',
          calendarVersion: 'vn-2026.2',
          actor: desk,
        }),
      ),
    );
    expect(received).not.toBe('vn-2026.2');
    expect(resumed.calendarVersion).toBe('vn-2026.2');
  });

  it('returns a dossier paused at the desk to received when the supplement arrives', () => {
    const paused = stateAfter(supplementRequested(T1));
    const resumed = applyEvent(
      paused,
      envelope(
        paused,
        body('dossier.supplement_received', T2, {
          pausedFrom: T1,
          dueAt: DUE_AT,
          warningAt: WARNING_AT,
          actor: desk,
        }),
      ),
    );
    expect(resumed.status).toBe('received');
  });

  it('keeps the original due instant for classification after the apology moves the appointment', () => {
    const state = stateAfter(
      handOff(T1),
      body('dossier.due_soon', WARNING_AT, { dueAt: DUE_AT, warningAt: WARNING_AT, apologyIssued: false }),
      apologyIssued(T3),
    );
    expect(state).toMatchObject({
      dueAt: '2026-11-11T01:00:00.000Z',
      originalDueAt: DUE_AT,
      apology: { at: T3, faultParty: 'processing_agency', newDueAt: '2026-11-11T01:00:00.000Z' },
    });
    // The new appointment gets its own warning.
    expect(state.dueSoon).toBe(false);
  });

  it('raises the due-soon and overdue flags', () => {
    const state = stateAfter(
      body('dossier.due_soon', WARNING_AT, { dueAt: DUE_AT, warningAt: WARNING_AT, apologyIssued: false }),
      body('dossier.overdue', DUE_AT, {
        dueAt: DUE_AT,
        apologyIssued: false,
        agencyCode: 'X-AN-BINH',
        step: null,
      }),
    );
    expect(state).toMatchObject({ dueSoon: true, overdue: true, status: 'received' });
    expect(state.timeline.map((t) => t.type)).toEqual([
      'dossier.received',
      'dossier.due_soon',
      'dossier.overdue',
    ]);
  });

  it('hands the result back to the receiving desk and closes on return', () => {
    const ready = stateAfter(handOff(T1), completeStep(T2), handOff(T2, 1, 0, 'T-MAU'), resultReady(T3));
    expect(ready).toMatchObject({
      status: 'result_ready',
      currentAgencyCode: 'X-AN-BINH',
      result: { kind: 'electronic', readyAt: T3, outcome: 'early' },
    });
    const back = stateAfter(
      resultReady(T1),
      body('dossier.result_returned', T2, { returnedAt: T2, actor: desk }),
    );
    expect(back).toMatchObject({ status: 'returned', returnedAt: T2 });
  });

  it('records rejection and withdrawal with their reasons', () => {
    expect(stateAfter(body('dossier.rejected', T1, { reason: 'Sai thẩm quyền', actor: desk }))).toMatchObject(
      {
        status: 'rejected',
        rejection: { at: T1, reason: 'Sai thẩm quyền' },
      },
    );
    expect(stateAfter(body('dossier.withdrawn', T1, { reason: 'Người dân rút', actor: desk }))).toMatchObject(
      {
        status: 'withdrawn',
        withdrawal: { at: T1, reason: 'Người dân rút' },
      },
    );
  });

  it('accumulates digitized components, payments and the rating', () => {
    const state = stateAfter(
      body('dossier.digitized', T1, { components: ['to-khai', 'cccd'], result: false, actor: desk }),
      body('dossier.digitized', T2, { components: ['cccd', 'giay-xac-nhan'], result: false, actor: desk }),
      body('dossier.payment_recorded', T2, {
        amountVnd: 30_000,
        online: true,
        reference: 'PAY-1',
        actor: desk,
      }),
      resultReady(T3),
      body('dossier.digitized', T3, { components: [], result: true, actor: officer }),
      body('dossier.rating_recorded', T3, { score: 5, comment: 'Nhanh chóng', actor: desk }),
    );
    expect(state.digitization).toEqual({ components: ['to-khai', 'cccd', 'giay-xac-nhan'], result: true });
    expect(state.payments).toEqual([{ amountVnd: 30_000, online: true, reference: 'PAY-1', at: T2 }]);
    expect(state.rating).toEqual({ score: 5, comment: 'Nhanh chóng', at: T3 });
  });

  it('writes one Mẫu 05 line per event with time, actor, agency and step', () => {
    const state = stateAfter(handOff(T1), completeStep(T2), handOff(T3, 1, 0, 'T-MAU'), {
      ...body('dossier.step_completed', '2026-11-04T05:00:00.000Z', {
        step: 1,
        stepKey: 'phe-duyet',
        agencyCode: 'T-MAU',
        overBudget: false,
        actor: provinceOfficer,
        note: 'Đồng ý',
      }),
    });
    expect(state.timeline.map((t) => [t.seq, t.type, t.agencyCode, t.step, t.status])).toEqual([
      [1, 'dossier.received', 'X-AN-BINH', null, 'received'],
      [2, 'dossier.handed_off', 'X-AN-BINH', 0, 'processing'],
      [3, 'dossier.step_completed', 'X-AN-BINH', 0, 'processing'],
      [4, 'dossier.handed_off', 'X-AN-BINH', 1, 'processing'],
      [5, 'dossier.step_completed', 'T-MAU', 1, 'processing'],
    ]);
    expect(state.timeline[4]).toMatchObject({ actor: provinceOfficer, note: 'Đồng ý' });
    expect(state.lastSeq).toBe(5);
  });
});
