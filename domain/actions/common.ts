import type { z } from 'zod';
import { instantSchema } from '../instants';
import type { StepState } from '../lifecycle';
import { safeText } from '../text';

/*
 * What every action module shares: the optional caller instant, safe free text, and small
 * state helpers for folding events.
 */

/** `at`: when it happened, left out to mean "now" (the workflow's own time decides). */
export const atField = { at: instantSchema.optional() };

/** Free text: safe (no control characters, lone surrogates or bidi overrides), trimmed, NFC. */
export const actionText = (max = 2000) => safeText(max);

/** The steps with one of them changed (folds are pure: new arrays, new objects). */
export const withStep = (steps: StepState[], index: number, patch: Partial<StepState>): StepState[] =>
  steps.map((s) => (s.index === index ? { ...s, ...patch } : s));

export type ActionBody<S extends z.ZodTypeAny> = z.infer<S>;
