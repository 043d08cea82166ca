import type { z } from 'zod';
import type { DeadlinePort } from '../deadline';
import type { Actor } from '../events';
import type { StepState } from '../lifecycle';

/*
 * What every action module shares. An action module (domain/actions/<action>.ts) holds the whole
 * action: `path` and `roles`, `validate` (when the dossier refuses it), `decide` (the event it
 * makes, asking the legal clock through injected deps) and `apply` (how that event changes the
 * dossier). The API, the workflow, the backfill dry run, the projector and auditors' replay all use
 * the same module. What the API accepts (its zod `body`) is in domain/actions/bodies.ts, keyed by
 * action name: the workflow bundle imports the action modules and holds no zod
 * (test/workflow/bundle.test.ts).
 */

/** What the Update handler receives: the body with its instant and actor resolved. */
export type ActionCommand<S extends z.ZodTypeAny> = Omit<z.infer<S>, 'at'> & { at: string; actor: Actor };

/**
 * A command as decided: `at` is when it happened (the event's instant); `judgedAt`, when given, is
 * the instant lateness is judged at (live: the later of the caller's and the workflow's time).
 */
export type Decided<C> = C & { judgedAt?: string };

/** What a decision may ask from outside: the legal clock, and which workflow patches apply. */
export interface ActionDeps {
  deadlines: DeadlinePort;
  isPatched(patchId: string): boolean;
}

export const ms = (instant: string): number => Date.parse(instant);

/** The steps with one of them changed (folds are pure: new arrays, new objects). */
export const withStep = (steps: StepState[], index: number, patch: Partial<StepState>): StepState[] =>
  steps.map((s) => (s.index === index ? { ...s, ...patch } : s));

/** The step being processed, if any. */
export const currentStepOf = (state: { steps: StepState[]; currentStep: number | null }) =>
  state.currentStep === null ? undefined : state.steps[state.currentStep];
