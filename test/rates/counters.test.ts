import { describe, expect, it } from 'vitest';
import {
  type BucketDelta,
  counterColumn,
  counterDeltas,
  localDay,
  outcomeByDay,
} from '../../domain/counters';
import type { DossierEvent, DossierEventBody } from '../../domain/events';
import { applyEvent, type DossierState } from '../../domain/lifecycle';
import { body, DUE_AT, desk, envelope, handOff, officer, received, stateAfter } from '../lifecycle/fixtures';

/** The deltas of `next` applied after `before` (bodies), with the states the projector has. */
function deltasOf(before: DossierEventBody[], next: DossierEventBody): BucketDelta[] {
  const prev = stateAfter(...before);
  const event = envelope(prev, next);
  return counterDeltas(prev, event, applyEvent(prev, event));
}
const only = (deltas: BucketDelta[]) => {
  expect(deltas).toHaveLength(1);
  return deltas[0]!;
};

const result = (
  at: string,
  outcome: 'early' | 'on_time' | 'late',
  kind: 'electronic' | 'paper' = 'paper',
  extra = {},
) =>
  body('dossier.result_ready', at, {
    resultKind: kind,
    completedAt: at,
    dueAt: DUE_AT,
    originalDueAt: DUE_AT,
    outcome,
    actor: officer,
    ...extra,
  } as never);
const overdue = body('dossier.overdue', DUE_AT, {
  dueAt: DUE_AT,
  apologyIssued: false,
  agencyCode: 'X-AN-BINH',
  step: null,
});
const digitized = (at: string, components: string[], resultDone = false) =>
  body('dossier.digitized', at, { components, result: resultDone, actor: desk });
const payment = (at: string, online: boolean, reference?: string) =>
  body('dossier.payment_recorded', at, {
    amountVnd: 10_000,
    online,
    ...(reference ? { reference } : {}),
    actor: desk,
  });

describe('local days and verdicts', () => {
  it('puts an instant on its Asia/Ho_Chi_Minh day (UTC 17:00 is the next local day)', () => {
    expect(localDay('2026-11-02T16:59:59.999Z')).toBe('2026-11-02');
    expect(localDay('2026-11-02T17:00:00.000Z')).toBe('2026-11-03');
    expect(localDay('2026-11-03T00:30:00+07:00')).toBe('2026-11-03');
  });

  it('counts a finish on the due day as on time by day, before it as early, after it as late', () => {
    // Due 2026-11-09 08:00 local.
    expect(outcomeByDay('2026-11-09T09:00:00.000Z', DUE_AT)).toBe('on_time');
    expect(outcomeByDay('2026-11-08T09:00:00.000Z', DUE_AT)).toBe('early');
    expect(outcomeByDay('2026-11-09T17:00:00.000Z', DUE_AT)).toBe('late');
  });

  it('takes the pinned by-day verdict from the event when it carries one', () => {
    expect(outcomeByDay('2026-11-10T09:00:00.000Z', DUE_AT, 'on_time')).toBe('on_time');
  });

  it('names SQL columns in snake case', () => {
    expect(counterColumn('resolvedByDayOnTime')).toBe('resolved_by_day_on_time');
    expect(counterColumn('rating4')).toBe('rating_4');
  });
});

describe('counterDeltas', () => {
  it('counts a receipt by channel on its local receipt day for the receiving agency', () => {
    const event = received();
    const d = only(counterDeltas(undefined, event, applyEvent(undefined, event)));
    expect(d).toEqual({
      agencyCode: 'X-AN-BINH',
      procedureCode: 'MAU-DANG-KY-KET-HON',
      day: '2026-11-02',
      backfilled: false,
      deltas: { receivedDirect: 1 },
    });
  });

  it('counts an online receipt of a fully-online procedure apart, from the pinned flag or the catalogue', () => {
    const base = received();
    const online = { ...base, payload: { ...base.payload, channel: 'online' as const } };
    expect(
      only(counterDeltas(undefined, online, applyEvent(undefined, online), { fullyOnline: true })).deltas,
    ).toEqual({
      receivedOnline: 1,
      receivedOnlineFull: 1,
    });
    const pinned = { ...online, payload: { ...online.payload, fullyOnline: false } } as DossierEvent;
    expect(
      only(counterDeltas(undefined, pinned, applyEvent(undefined, pinned), { fullyOnline: true })).deltas,
    ).toEqual({
      receivedOnline: 1,
    });
  });

  it('puts backfilled dossiers in their own bucket', () => {
    const event = { ...received(), backfilled: true } as DossierEvent;
    expect(only(counterDeltas(undefined, event, applyEvent(undefined, event))).backfilled).toBe(true);
    const state = { ...stateAfter(), backfilled: true } as DossierState;
    const apology = envelope(
      state,
      body('dossier.supplement_requested', '2026-11-03T02:00:00.000Z', {
        reason: 'x',
        items: [],
        actor: desk,
      }),
    );
    expect(only(counterDeltas(state, apology, applyEvent(state, apology))).backfilled).toBe(true);
  });

  it('classifies a resolution on its completion day, by the pinned verdict and by day', () => {
    // Finished on the due day after the due instant: late, but on time by day.
    const d = only(
      deltasOf([handOff('2026-11-02T02:00:00.000Z')], result('2026-11-09T05:00:00.000Z', 'late')),
    );
    expect(d.day).toBe('2026-11-09');
    expect(d.deltas).toEqual({ resolvedLate: 1, resolvedByDayOnTime: 1 });
  });

  it('counts an electronic result as electronic and digitized', () => {
    const d = only(deltasOf([], result('2026-11-04T05:00:00.000Z', 'early', 'electronic')));
    expect(d.deltas).toEqual({
      resolvedEarly: 1,
      resolvedByDayEarly: 1,
      resolvedElectronic: 1,
      resolvedResultDigitized: 1,
    });
  });

  it('counts a paper result digitized later once, on its completion day', () => {
    const before = [result('2026-11-04T05:00:00.000Z', 'early')];
    const d = only(deltasOf(before, digitized('2026-11-06T02:00:00.000Z', [], true)));
    expect(d).toMatchObject({ day: '2026-11-04', deltas: { resolvedResultDigitized: 1 } });
    expect(
      deltasOf(
        [...before, digitized('2026-11-06T02:00:00.000Z', [], true)],
        digitized('2026-11-07T02:00:00.000Z', [], true),
      ),
    ).toEqual([]);
  });

  it('counts a dossier with digitized components once, on its receipt day', () => {
    const first = only(deltasOf([], digitized('2026-11-05T02:00:00.000Z', ['Tờ khai'])));
    expect(first).toMatchObject({ day: '2026-11-02', deltas: { receivedDigitized: 1 } });
    expect(
      deltasOf(
        [digitized('2026-11-05T02:00:00.000Z', ['Tờ khai'])],
        digitized('2026-11-06T02:00:00.000Z', ['CCCD']),
      ),
    ).toEqual([]);
  });

  it('counts a payer once per day, and once more per day for online payments', () => {
    const day1 = '2026-11-03T02:00:00.000Z';
    expect(only(deltasOf([], payment(day1, false))).deltas).toEqual({ paid: 1 });
    expect(only(deltasOf([payment(day1, false)], payment('2026-11-03T03:00:00.000Z', true))).deltas).toEqual({
      paidOnline: 1,
    });
    expect(deltasOf([payment(day1, true)], payment('2026-11-03T03:00:00.000Z', true))).toEqual([]);
    expect(only(deltasOf([payment(day1, true)], payment('2026-11-04T03:00:00.000Z', true))).deltas).toEqual({
      paid: 1,
      paidOnline: 1,
    });
  });

  it('counts an overdue transition once and a closure while overdue', () => {
    expect(only(deltasOf([], overdue)).deltas).toEqual({ becameOverdue: 1 });
    expect(deltasOf([overdue], overdue)).toEqual([]);
    const withdrawn = body('dossier.withdrawn', '2026-11-10T02:00:00.000Z', { actor: desk });
    expect(only(deltasOf([overdue], withdrawn)).deltas).toEqual({ withdrawn: 1, closedOverdue: 1 });
    expect(only(deltasOf([], withdrawn)).deltas).toEqual({ withdrawn: 1 });
  });

  it('counts a handoff for the agency it goes to (liên thông)', () => {
    const d = only(
      deltasOf(
        [
          handOff('2026-11-02T02:00:00.000Z'),
          body('dossier.step_completed', '2026-11-03T02:00:00.000Z', {
            step: 0,
            stepKey: 'tham-dinh',
            agencyCode: 'X-AN-BINH',
            overBudget: false,
            actor: officer,
          }),
        ],
        handOff('2026-11-03T03:00:00.000Z', 1, 0, 'T-MAU'),
      ),
    );
    expect(d).toMatchObject({ agencyCode: 'T-MAU', day: '2026-11-03', deltas: { handoffsIn: 1 } });
  });

  it('counts a completed step for the agency that held it, over budget apart (per processing agency)', () => {
    const step = (overBudget: boolean) =>
      body('dossier.step_completed', '2026-11-05T09:00:00.000Z', {
        step: 1,
        stepKey: 'xoa-thuong-tru',
        agencyCode: 'CA-X-AN-BINH',
        overBudget,
        actor: officer,
      });
    const history = [
      handOff('2026-11-02T02:00:00.000Z'),
      handOff('2026-11-03T03:00:00.000Z', 1, 0, 'CA-X-AN-BINH'),
    ];
    expect(only(deltasOf(history, step(false)))).toMatchObject({
      agencyCode: 'CA-X-AN-BINH',
      day: '2026-11-05',
      deltas: { stepsCompleted: 1 },
    });
    expect(only(deltasOf(history, step(true))).deltas).toEqual({ stepsCompleted: 1, stepsOverBudget: 1 });
  });

  it('counts ratings by score, apologies and supplement requests on their day', () => {
    const ready = result('2026-11-04T05:00:00.000Z', 'early');
    expect(
      only(
        deltasOf(
          [ready],
          body('dossier.rating_recorded', '2026-11-05T02:00:00.000Z', { score: 4, actor: desk }),
        ),
      ).deltas,
    ).toEqual({ rating4: 1 });
    expect(
      only(
        deltasOf(
          [],
          body('dossier.apology_issued', '2026-11-06T02:00:00.000Z', {
            reason: 'x',
            faultParty: 'desk',
            originalDueAt: DUE_AT,
            dueAt: '2026-11-12T01:00:00.000Z',
            warningAt: '2026-11-11T01:00:00.000Z',
            actor: officer,
          }),
        ),
      ).deltas,
    ).toEqual({ apologies: 1 });
  });
});
