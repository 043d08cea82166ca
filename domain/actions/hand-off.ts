import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import { type ActionCommand, type ActionDeps, currentStepOf, withStep } from './common';

/*
 * Chuyển xử lý: the dossier goes to the next step of its procedure (or a named one), possibly at
 * another agency (liên thông). Everything about the action is here: what the caller sends, who may
 * send it, when it is refused, what the workflow decides and how the event changes the dossier.
 * The API (routes), the workflow (Update handler and validator), the backfill dry run and the
 * projector all use this module.
 */

export const name = 'handOff' as const;
/** `POST /v1/dossiers/{code}/hand-off`. */
export const path = 'hand-off' as const;

export const event = 'dossier.handed_off' as const;

export type HandOff = ActionCommand<(typeof actionBodies)[typeof name]>;

/** Desk and officers hand on; supervisors act through their officers. */
export const roles: readonly Role[] = ['officer', 'intake', 'admin'];
/** Only the agency holding the dossier hands it on (domain/access.ts). */
export const holderOnly: boolean = true;

/** The agency the body names, which must exist (the API checks it before the workflow). */
export const namedAgency = (b: { toAgencyCode?: string }): string | undefined => b.toAgencyCode;

/** The step a handoff goes to, or why it cannot. */
export function target(state: DossierState, toStep?: number): number {
  if (state.status === 'received') {
    const index = toStep ?? 0;
    if (!state.steps[index]) refuse('unknown_step', `Thủ tục không có bước xử lý số ${index + 1}.`);
    return index;
  }
  requireStatus(state, ['processing'], 'chuyển xử lý');
  const current = currentStepOf(state);
  if (current && !current.completedAt) {
    refuse('step_not_completed', `Bước "${current.name}" chưa hoàn thành, chưa thể chuyển bước tiếp theo.`);
  }
  const index = toStep ?? (state.currentStep ?? -1) + 1;
  if (!state.steps[index]) {
    if (toStep === undefined) refuse('no_next_step', 'Đã hết các bước xử lý: hãy ghi nhận có kết quả.');
    refuse('unknown_step', `Thủ tục không có bước xử lý số ${index + 1}.`);
  }
  return index;
}

/** Refused when there is no step to go to or the current one is still open. */
export function validate(state: DossierState, c: HandOff): void {
  target(state, c.toStep);
}

/**
 * Rule added in issue 8 (behind a workflow patch): a handoff may only name the agency the target
 * step was planned for at receipt; liên thông agencies come from the procedure, not the caller.
 */
export function validateRules(state: DossierState, c: HandOff): void {
  if (c.toAgencyCode === undefined) return;
  const step = state.steps[target(state, c.toStep)]!;
  if (c.toAgencyCode !== step.agencyCode) {
    refuse(
      'agency_not_allowed',
      `Bước "${step.name}" của thủ tục do cơ quan ${step.agencyCode} xử lý, không thể chuyển cho ${c.toAgencyCode}.`,
    );
  }
}

/** The step's budget runs on the calendar of the agency that takes it. */
export async function decide(
  state: DossierState,
  c: HandOff,
  { deadlines }: Pick<ActionDeps, 'deadlines'>,
): Promise<DossierEventBody> {
  const toStep = target(state, c.toStep);
  const step = state.steps[toStep]!;
  const toAgencyCode = c.toAgencyCode ?? step.agencyCode;
  const stepDueAt = await deadlines.stepDueInstant({
    agencyCode: toAgencyCode,
    from: c.at,
    budgetWorkingHours: step.budgetWorkingHours,
  });
  return eventBody('dossier.handed_off', c.at, {
    fromStep: state.currentStep,
    toStep,
    stepKey: step.key,
    fromAgencyCode: state.currentAgencyCode,
    toAgencyCode,
    stepDueAt,
    actor: c.actor,
    ...(c.note !== undefined && { note: c.note }),
  });
}

/** `dossier.handed_off` folded into the dossier: the step starts at its agency. */
export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const earlier = prev.steps[p.toStep];
  return {
    ...prev,
    status: 'processing',
    steps: withStep(prev.steps, p.toStep, {
      agencyCode: p.toAgencyCode,
      startedAt: e.occurredAt,
      stepDueAt: p.stepDueAt,
      completedAt: undefined,
      // A new visit gets its own budget (and alarm); lateness of an earlier visit is kept.
      overBudget: false,
      ...((earlier?.overBudget || earlier?.overBudgetBefore) && { overBudgetBefore: true }),
    }),
    currentStep: p.toStep,
    currentAgencyCode: p.toAgencyCode,
    participants: prev.participants.includes(p.toAgencyCode)
      ? prev.participants
      : [...prev.participants, p.toAgencyCode],
  };
}
