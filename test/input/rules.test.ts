import { describe, expect, it } from 'vitest';
import {
  canActOn,
  canSeeDossier,
  type DossierScope,
  type Principal,
  type SubtreeOf,
  stepRoleAllows,
  visibleAgencies,
} from '../../domain/access';
import { commandRoles, type Role } from '../../domain/commands';
import {
  applyEvent,
  type DossierState,
  rejectionStatus,
  TransitionRejected,
  validateCommandRules,
} from '../../domain/lifecycle';
import { body, command, completeStep, envelope, handOff, received, stateAfter } from '../lifecycle/fixtures';

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof TransitionRejected) return { code: err.code, status: rejectionStatus[err.code] };
    throw err;
  }
  return undefined;
};

describe('rules added for issue 8 (validateCommandRules)', () => {
  const paid = (reference?: string) =>
    body('dossier.payment_recorded', '2026-11-02T02:00:00.000Z', {
      amountVnd: 20_000,
      online: true,
      ...(reference ? { reference } : {}),
      actor: { id: 'desk-1', role: 'intake', agencyCode: 'X-AN-BINH' },
    });

  it('records a payment reference once per dossier (409 payment_already_recorded)', () => {
    const state = stateAfter(paid('VNPAY-1'));
    const again = command('recordPayment', { amountVnd: 20_000, online: true, reference: 'VNPAY-1' });
    expect(refusal(() => validateCommandRules(state, 'recordPayment', again))).toEqual({
      code: 'payment_already_recorded',
      status: 409,
    });
    const other = command('recordPayment', { amountVnd: 20_000, online: true, reference: 'VNPAY-2' });
    expect(refusal(() => validateCommandRules(state, 'recordPayment', other))).toBeUndefined();
    // Without a reference there is nothing to compare (two cash payments may be real).
    const cash = command('recordPayment', { amountVnd: 20_000, online: false });
    expect(refusal(() => validateCommandRules(stateAfter(paid()), 'recordPayment', cash))).toBeUndefined();
  });

  it('hands off only to the agency the procedure planned for the target step (422 agency_not_allowed)', () => {
    const state = stateAfter();
    const elsewhere = command('handOff', { toAgencyCode: 'CA-X-AN-BINH' });
    expect(refusal(() => validateCommandRules(state, 'handOff', elsewhere))).toEqual({
      code: 'agency_not_allowed',
      status: 422,
    });
    const planned = command('handOff', { toStep: 1, toAgencyCode: 'T-MAU' });
    expect(refusal(() => validateCommandRules(state, 'handOff', planned))).toBeUndefined();
    expect(refusal(() => validateCommandRules(state, 'handOff', command('handOff', {})))).toBeUndefined();
  });

  it('refuses the result while the step being processed is open (409 steps_open)', () => {
    const ready = command('markResultReady', { resultKind: 'paper' });
    const open = stateAfter(handOff('2026-11-02T02:00:00.000Z'));
    expect(refusal(() => validateCommandRules(open, 'markResultReady', ready))).toEqual({
      code: 'steps_open',
      status: 409,
    });
    const done = stateAfter(handOff('2026-11-02T02:00:00.000Z'), completeStep('2026-11-02T03:00:00.000Z'));
    expect(refusal(() => validateCommandRules(done, 'markResultReady', ready))).toBeUndefined();
    // Still at the desk: the result may be ready at once (same-day procedures).
    expect(refusal(() => validateCommandRules(stateAfter(), 'markResultReady', ready))).toBeUndefined();
  });
});

describe('a handoff back to an earlier step keeps its over-budget history', () => {
  it('keeps overBudgetBefore after the step is handed to again', () => {
    let state: DossierState = applyEvent(undefined, received());
    const apply = (b: Parameters<typeof envelope>[1]) => {
      state = applyEvent(state, envelope(state, b));
    };
    apply(handOff('2026-11-02T02:00:00.000Z'));
    apply(
      body('dossier.step_overdue', '2026-11-04T01:00:00.000Z', {
        step: 0,
        stepKey: 'tham-dinh',
        agencyCode: 'X-AN-BINH',
        stepDueAt: '2026-11-04T01:00:00.000Z',
      }),
    );
    apply(completeStep('2026-11-04T02:00:00.000Z', 0, true));
    apply(handOff('2026-11-04T03:00:00.000Z', 1, 0, 'T-MAU'));
    apply(completeStep('2026-11-04T04:00:00.000Z', 1));
    // Back to the first step (e.g. the leader sends it back for more review).
    apply(handOff('2026-11-04T05:00:00.000Z', 0, 1));
    expect(state.steps[0]).toMatchObject({ overBudget: false, overBudgetBefore: true });
    expect(state.steps[1]!.overBudgetBefore).toBeUndefined();
  });
});

describe('acting requires holding the dossier and the step’s role', () => {
  const subtreeOf: SubtreeOf = (code) => new Set(code === 'T-MAU' ? ['T-MAU', 'X-AN-BINH'] : [code]);
  const who = (role: Role, agencyCode: string): Principal => ({ id: role, name: role, role, agencyCode });
  const heldByPolice: DossierScope = {
    agencyCode: 'X-AN-BINH',
    currentAgencyCode: 'CA-X-AN-BINH',
    participants: ['X-AN-BINH', 'CA-X-AN-BINH'],
    currentStepRole: 'officer',
  };

  it('keeps the receiving agency off the step another agency holds', () => {
    for (const role of ['intake', 'officer', 'supervisor'] as const) {
      for (const c of ['completeStep', 'handOff', 'markResultReady'] as const) {
        expect(canActOn(who(role, 'X-AN-BINH'), c, heldByPolice, subtreeOf)).toMatchObject({
          ok: false,
          code: commandRoles[c].includes(role) ? 'forbidden_scope' : 'forbidden_role',
        });
      }
    }
    expect(canActOn(who('officer', 'CA-X-AN-BINH'), 'completeStep', heldByPolice, subtreeOf)).toEqual({
      ok: true,
    });
    // The desk still does the desk's work: the applicant's payment.
    expect(canActOn(who('intake', 'X-AN-BINH'), 'recordPayment', heldByPolice, subtreeOf)).toEqual({
      ok: true,
    });
  });

  it('lets a step be completed by its role or a more senior one, never by a junior one', () => {
    expect(stepRoleAllows('intake', 'supervisor')).toBe(false);
    expect(stepRoleAllows('officer', 'supervisor')).toBe(false);
    expect(stepRoleAllows('supervisor', 'supervisor')).toBe(true);
    expect(stepRoleAllows('officer', 'intake')).toBe(true);
    expect(stepRoleAllows('intake', 'officer')).toBe(false);
    expect(stepRoleAllows('admin', 'supervisor')).toBe(true);
    const approval: DossierScope = {
      ...heldByPolice,
      currentAgencyCode: 'X-AN-BINH',
      currentStepRole: 'supervisor',
    };
    expect(canActOn(who('intake', 'X-AN-BINH'), 'completeStep', approval, subtreeOf)).toMatchObject({
      ok: false,
      code: 'forbidden_role',
    });
    expect(canActOn(who('supervisor', 'X-AN-BINH'), 'completeStep', approval, subtreeOf)).toEqual({
      ok: true,
    });
  });

  it('lets only supervisors (and admin) sign an apology', () => {
    const own: DossierScope = {
      agencyCode: 'X-AN-BINH',
      currentAgencyCode: null,
      participants: ['X-AN-BINH'],
    };
    for (const role of ['intake', 'officer'] as const) {
      expect(canActOn(who(role, 'X-AN-BINH'), 'issueApology', own, subtreeOf)).toMatchObject({
        code: 'forbidden_role',
      });
    }
    expect(canActOn(who('supervisor', 'X-AN-BINH'), 'issueApology', own, subtreeOf)).toEqual({ ok: true });
  });
});

describe("scope '*' is for auditors and admins only", () => {
  const subtreeOf: SubtreeOf = (code) => new Set([code]);
  const dossier: DossierScope = {
    agencyCode: 'X-AN-BINH',
    currentAgencyCode: null,
    participants: ['X-AN-BINH'],
  };
  it("gives a legacy '*' supervisor key neither sight nor action", () => {
    const legacy: Principal = { id: 'old', name: 'old', role: 'supervisor', agencyCode: '*' };
    expect(visibleAgencies(legacy, subtreeOf)).toEqual(new Set());
    expect(canSeeDossier(legacy, dossier, subtreeOf)).toBe(false);
    expect(canActOn(legacy, 'issueApology', dossier, subtreeOf)).toMatchObject({ ok: false, status: 404 });
    const auditor: Principal = { id: 'a', name: 'a', role: 'auditor', agencyCode: '*' };
    expect(canSeeDossier(auditor, dossier, subtreeOf)).toBe(true);
  });
});
