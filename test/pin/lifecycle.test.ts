import { describe, expect, it } from 'vitest';
import { dossierEventSchema } from '../../domain/events';
import { applyEvent } from '../../domain/lifecycle';
import { ruleSetInForce } from '../../domain/rulesets';
import { viewOfState } from '../../services/api/views';
import { dossierColumns } from '../../services/projector';
import { DUE_AT, envelope, RECEIVED_AT, received, resultReady } from '../lifecycle/fixtures';

const rules = {
  deadline: { amount: 5, unit: 'working_days' as const },
  procedureVersion: 2,
  ruleSet: ruleSetInForce(new Date(RECEIVED_AT)),
};

describe('rules pinned in dossier.received', () => {
  it('reads a v1 received event without pinned rules (dossiers received before pinning)', () => {
    const event = dossierEventSchema.parse(received());
    expect(applyEvent(undefined, event).rules).toBeUndefined();
  });

  it('keeps the pinned deadline, procedure version and rule-set in the state', () => {
    const base = received();
    const event = dossierEventSchema.parse({ ...base, payload: { ...base.payload, rules } });
    expect(applyEvent(undefined, event).rules).toEqual(rules);
  });

  it('refuses a pinned deadline with an unknown unit', () => {
    const base = received();
    const bad = {
      ...base,
      payload: { ...base.payload, rules: { ...rules, deadline: { amount: 5, unit: 'weeks' } } },
    };
    expect(dossierEventSchema.safeParse(bad).success).toBe(false);
  });
});

describe('both verdicts in the state', () => {
  it('derives the by-instant and by-day verdicts of a result recorded before they were in the event', () => {
    const state = applyEvent(undefined, received());
    // Due Monday 09/11 08:00; finished the same day at 15:00: late by instant, on time by day.
    const after = applyEvent(state, envelope(state, { ...resultReady('2026-11-09T08:00:00.000Z') }));
    expect(after.result).toMatchObject({
      outcome: 'early',
      outcomeByInstant: 'late',
      outcomeByDay: 'on_time',
    });
    expect(DUE_AT).toBe('2026-11-09T01:00:00.000Z');
  });
});

describe('the read model and the API view keep both verdicts and the pinned rules', () => {
  it('projects outcome, outcome_by_instant and outcome_by_day, and shows the rules', () => {
    const base = received();
    const withRules = dossierEventSchema.parse({ ...base, payload: { ...base.payload, rules } });
    const state = applyEvent(undefined, withRules);
    const ready = applyEvent(
      state,
      envelope(state, {
        type: 'dossier.result_ready',
        occurredAt: '2026-11-09T08:00:00.000Z',
        payload: {
          resultKind: 'paper',
          completedAt: '2026-11-09T08:00:00.000Z',
          dueAt: DUE_AT,
          originalDueAt: DUE_AT,
          outcome: 'on_time',
          outcomeByInstant: 'late',
          outcomeByDay: 'on_time',
          granularity: 'day',
          actor: base.payload.actor!,
        },
      }),
    );
    expect(dossierColumns(ready)).toMatchObject({
      outcome: 'on_time',
      outcomeByInstant: 'late',
      outcomeByDay: 'on_time',
    });
    expect(viewOfState(ready)).toMatchObject({
      outcome: 'on_time',
      outcomeByInstant: 'late',
      outcomeByDay: 'on_time',
      rules: { deadline: { amount: 5, unit: 'working_days' }, procedureVersion: 2 },
    });
    expect(viewOfState(state).rules).toEqual(rules);
    expect(viewOfState(applyEvent(undefined, received())).rules).toBeNull();
  });
});
