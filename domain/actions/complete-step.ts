import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import { type ActionCommand, type ActionDeps, currentStepOf, type Decided, ms, withStep } from './common';

/*
 * Hoàn thành bước: the agency holding the dossier finishes the step it is processing. Whether the
 * step went over its budget is judged here, once.
 */

export const name = 'completeStep' as const;
export const path = 'complete-step' as const;
export const event = 'dossier.step_completed' as const;

export type CompleteStep = ActionCommand<(typeof actionBodies)[typeof name]>;

/** Steps belong to the desk (tiếp nhận, trả), officers (thẩm định) or leaders (phê duyệt). */
export const roles: readonly Role[] = ['officer', 'intake', 'supervisor', 'admin'];
export const holderOnly: boolean = true;

export function validate(state: DossierState, _c: CompleteStep): void {
  requireStatus(state, ['processing'], 'hoàn thành bước');
  const step = currentStepOf(state);
  if (!step || step.completedAt) refuse('step_not_open', 'Không có bước xử lý nào đang mở.');
}

export async function decide(
  state: DossierState,
  c: Decided<CompleteStep>,
  { isPatched }: Pick<ActionDeps, 'isPatched'>,
): Promise<DossierEventBody> {
  const step = currentStepOf(state)!;
  const judged = c.judgedAt ?? c.at;
  const overBudget =
    step.overBudget ||
    (step.stepDueAt !== undefined && ms(judged) > ms(step.stepDueAt)) ||
    // Handed back to a step that was late before: the step stays over budget.
    (step.overBudgetBefore === true && isPatched('step-over-budget-kept'));
  return eventBody(event, c.at, {
    step: step.index,
    stepKey: step.key,
    agencyCode: step.agencyCode,
    overBudget,
    actor: c.actor,
    ...(c.note !== undefined && { note: c.note }),
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const overBudget = p.overBudget || (prev.steps[p.step]?.overBudget ?? false);
  return { ...prev, steps: withStep(prev.steps, p.step, { completedAt: e.occurredAt, overBudget }) };
}
