import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import { type ActionCommand, type ActionDeps, currentStepOf, ms, withStep } from './common';

/*
 * Nhận hồ sơ bổ sung: the applicant supplemented; the legal clock runs again from where it stopped
 * and the due instant (and the open step's budget) move by the paused working time.
 */

export const name = 'receiveSupplement' as const;
export const path = 'receive-supplement' as const;
export const event = 'dossier.supplement_received' as const;

export type ReceiveSupplement = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['intake', 'officer', 'admin'];

export function validate(state: DossierState, c: ReceiveSupplement): void {
  requireStatus(state, ['waiting_supplement'], 'nhận hồ sơ bổ sung');
  if (state.pausedAt && ms(c.at) < ms(state.pausedAt)) {
    refuse('invalid_instant', 'Thời điểm nhận bổ sung trước thời điểm yêu cầu bổ sung.');
  }
}

export async function decide(
  state: DossierState,
  c: ReceiveSupplement,
  { deadlines }: Pick<ActionDeps, 'deadlines'>,
): Promise<DossierEventBody> {
  const pausedFrom = state.pausedAt!;
  const pauses = [...state.pauses, { start: pausedFrom, end: c.at }];
  const clock = await deadlines.resumeClock({
    procedureCode: state.procedureCode,
    agencyCode: state.agencyCode,
    receivedAt: state.receivedAt,
    pauses,
    ...(state.apology && { extension: { originalDueAt: state.originalDueAt, dueAt: state.dueAt } }),
    // The deadline pinned at receipt, not the catalogue's current one.
    ...(state.rules && { rules: state.rules }),
  });
  const step = currentStepOf(state);
  let stepDueAt: string | undefined;
  if (step?.startedAt && !step.completedAt) {
    const since = ms(step.startedAt);
    stepDueAt = await deadlines.stepDueInstant({
      agencyCode: step.agencyCode,
      from: step.startedAt,
      budgetWorkingHours: step.budgetWorkingHours,
      pauses: pauses.filter((p) => ms(p.end) > since),
    });
  }
  return eventBody(event, c.at, {
    pausedFrom,
    dueAt: clock.dueAt,
    warningAt: clock.warningAt,
    originalDueAt: clock.originalDueAt,
    ...(stepDueAt !== undefined && { stepDueAt }),
    calendarVersion: clock.calendarVersion,
    actor: c.actor,
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const at = e.occurredAt;
  const { pausedAt: _ended, ...rest } = prev;
  let steps = prev.steps;
  if (p.stepDueAt !== undefined && prev.currentStep !== null) {
    steps = withStep(steps, prev.currentStep, { stepDueAt: p.stepDueAt });
  }
  return {
    ...rest,
    status: prev.currentStep === null ? 'received' : 'processing',
    pauses: [...prev.pauses, { start: p.pausedFrom, end: at }],
    dueAt: p.dueAt,
    warningAt: p.warningAt,
    originalDueAt: p.originalDueAt ?? (prev.apology ? prev.originalDueAt : p.dueAt),
    // The clock moved: warn again before the new due instant.
    dueSoon: prev.dueSoon && ms(p.warningAt) <= ms(at),
    steps,
    // A recomputation uses the calendar in force at that moment, and says which.
    calendarVersion: p.calendarVersion ?? prev.calendarVersion,
  };
}
