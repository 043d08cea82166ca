import { describe, expect, it } from 'vitest';
import { actionBodies } from '../../domain/actions/bodies';
import * as handOff from '../../domain/actions/hand-off';
import { commandBodySchemas, commandPaths, commandRoles } from '../../domain/commands';
import { TransitionRejected } from '../../domain/lifecycle';
import { command, completeStep, envelope, handOff as handedOff, stateAfter } from './fixtures';

/*
 * Chuyển xử lý, read in one module (domain/actions/hand-off.ts): the API's body and roles, the
 * workflow's validation and decision, and the fold the projector and replay use.
 */

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TransitionRejected);
    return (err as TransitionRejected).code;
  }
  throw new Error('not refused');
};

describe('hand-off (chuyển xử lý)', () => {
  it('is the body, path and roles the API serves', () => {
    expect(commandBodySchemas.handOff).toBe(actionBodies.handOff);
    expect(commandPaths.handOff).toBe('hand-off');
    expect(commandRoles.handOff).toBe(handOff.roles);
    expect(actionBodies.handOff.safeParse({ toStep: 1, toAgencyCode: 'T-MAU' }).success).toBe(true);
    expect(actionBodies.handOff.safeParse({ toStep: -1 }).success).toBe(false);
    expect(actionBodies.handOff.safeParse({ toStep: 1, extra: true }).success).toBe(false);
  });

  it('goes from the desk to the first step, then to the next once the step is completed', () => {
    const atDesk = stateAfter();
    expect(handOff.target(atDesk)).toBe(0);
    const inStep = stateAfter(handedOff('2026-11-02T02:00:00.000Z'));
    expect(refusal(() => handOff.target(inStep))).toBe('step_not_completed');
    const done = stateAfter(handedOff('2026-11-02T02:00:00.000Z'), completeStep('2026-11-03T02:00:00.000Z'));
    expect(handOff.target(done)).toBe(1);
    expect(refusal(() => handOff.target(done, 7))).toBe('unknown_step');
  });

  it('refuses to name an agency the procedure did not plan for the step', () => {
    const done = stateAfter(handedOff('2026-11-02T02:00:00.000Z'), completeStep('2026-11-03T02:00:00.000Z'));
    const c = command('handOff', { toAgencyCode: 'X-KHAC' });
    expect(refusal(() => handOff.validateRules(done, c))).toBe('agency_not_allowed');
    expect(() => handOff.validateRules(done, command('handOff', { toAgencyCode: 'T-MAU' }))).not.toThrow();
  });

  it("starts the step's budget on the calendar of the agency that takes it", async () => {
    const done = stateAfter(handedOff('2026-11-02T02:00:00.000Z'), completeStep('2026-11-03T02:00:00.000Z'));
    const asked: unknown[] = [];
    const deadlines = {
      async stepDueInstant(input: unknown) {
        asked.push(input);
        return '2026-11-04T02:00:00.000Z';
      },
    };
    const decided = await handOff.decide(done, command('handOff', { note: 'liên thông' }), {
      deadlines: deadlines as never,
    });
    expect(asked).toEqual([{ agencyCode: 'T-MAU', from: '2026-11-03T02:00:00.000Z', budgetWorkingHours: 8 }]);
    expect(decided).toMatchObject({
      type: 'dossier.handed_off',
      payload: { fromStep: 0, toStep: 1, toAgencyCode: 'T-MAU', stepDueAt: '2026-11-04T02:00:00.000Z' },
    });
  });

  it('moves the dossier to the agency and keeps an earlier visit over budget on a hand-back', () => {
    const late = stateAfter(
      handedOff('2026-11-02T02:00:00.000Z'),
      completeStep('2026-11-05T02:00:00.000Z', 0, true),
    );
    const back = envelope(late, handedOff('2026-11-05T03:00:00.000Z', 0, 0));
    const next = handOff.apply(late, back as never);
    expect(next.status).toBe('processing');
    expect(next.currentStep).toBe(0);
    expect(next.steps[0]).toMatchObject({
      overBudget: false,
      overBudgetBefore: true,
      completedAt: undefined,
    });
    const toProvince = handOff.apply(
      late,
      envelope(late, handedOff('2026-11-05T03:00:00.000Z', 1, 0, 'T-MAU')) as never,
    );
    expect(toProvince.currentAgencyCode).toBe('T-MAU');
    expect(toProvince.participants).toEqual(['X-AN-BINH', 'T-MAU']);
  });
});
