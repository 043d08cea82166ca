import type { DossierEventBody } from '../domain/events';
import { type DossierState, isPending } from '../domain/lifecycle';
import { eventBody } from './outbox';

/**
 * The legal clock's alarms. Each is an absolute instant stored in the state (computed by the
 * deadline activities), so pausing, resuming or extending moves the alarm by changing the state;
 * the workflow races `condition()` against the earliest one instead of sleeping a duration.
 */
export type TimerKind = 'due_soon' | 'overdue' | 'step_overdue';
export interface Timer {
  kind: TimerKind;
  at: string;
}

/** Alarms still armed. None while the clock is stopped for a supplement or after the result. */
export function armedTimers(state: DossierState): Timer[] {
  if (!isPending(state.status) || state.status === 'waiting_supplement') return [];
  const timers: Timer[] = [];
  // Apology deadline (1 working day before the due instant).
  if (!state.dueSoon && !state.overdue) timers.push({ kind: 'due_soon', at: state.warningAt });
  if (!state.overdue) timers.push({ kind: 'overdue', at: state.dueAt });
  const step = state.currentStep === null ? undefined : state.steps[state.currentStep];
  if (step?.stepDueAt && !step.completedAt && !step.overBudget) {
    timers.push({ kind: 'step_overdue', at: step.stepDueAt });
  }
  return timers;
}

/** The earliest armed alarm, if any. */
export function nextTimer(state: DossierState): Timer | undefined {
  return armedTimers(state).reduce<Timer | undefined>(
    (first, t) => (!first || Date.parse(t.at) < Date.parse(first.at) ? t : first),
    undefined,
  );
}

/**
 * The event an alarm emits, dated at its legal instant. Undefined when the alarm is no longer
 * armed (the state moved between the wake-up and now).
 */
export function timerEvent(state: DossierState, timer: Timer): DossierEventBody | undefined {
  const armed = armedTimers(state).some((t) => t.kind === timer.kind && t.at === timer.at);
  if (!armed) return undefined;
  const apologyIssued = state.apology !== undefined;
  switch (timer.kind) {
    case 'due_soon':
      return eventBody('dossier.due_soon', timer.at, {
        dueAt: state.dueAt,
        warningAt: state.warningAt,
        apologyIssued,
        agencyCode: state.currentAgencyCode,
      });
    case 'overdue':
      return eventBody('dossier.overdue', timer.at, {
        dueAt: state.dueAt,
        apologyIssued,
        agencyCode: state.currentAgencyCode,
        step: state.currentStep,
      });
    case 'step_overdue': {
      const step = state.steps[state.currentStep!]!;
      return eventBody('dossier.step_overdue', timer.at, {
        step: step.index,
        stepKey: step.key,
        agencyCode: step.agencyCode,
        stepDueAt: timer.at,
      });
    }
  }
}
