import type { DossierState } from './lifecycle';
import { type DossierStatus, statusLabel } from './status';

/*
 * Why an action is refused: one machine-readable code per reason, the HTTP status it answers,
 * and the Vietnamese message the caller reads. Shared by every action's validation.
 */

/** A command the dossier cannot take in its current state; `code` is machine-readable. */
export class TransitionRejected extends Error {
  override readonly name = 'TransitionRejected';
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a command was refused. The API answers 409 when the dossier's state forbids it and 422
 * when the command itself is wrong (`rejectionStatus`).
 */
export type RejectionCode =
  | 'dossier_closed'
  | 'dossier_not_ready'
  | 'invalid_transition'
  | 'step_not_open'
  | 'step_not_completed'
  | 'no_next_step'
  | 'unknown_step'
  | 'apology_already_issued'
  | 'rating_already_recorded'
  | 'invalid_instant'
  | 'invalid_due_date'
  // Client instants (domain/instants.ts).
  | 'instant_in_future'
  | 'instant_before_last_event'
  | 'backdated_action'
  | 'instant_out_of_range'

  // Rules of issue 8 (validateCommandRules).
  | 'payment_already_recorded'
  | 'agency_not_allowed'
  | 'steps_open';

export const rejectionStatus: Record<RejectionCode, 409 | 422> = {
  dossier_closed: 409,
  dossier_not_ready: 409,
  invalid_transition: 409,
  step_not_open: 409,
  step_not_completed: 409,
  no_next_step: 409,
  unknown_step: 422,
  apology_already_issued: 409,
  rating_already_recorded: 409,
  invalid_instant: 422,
  invalid_due_date: 422,
  instant_in_future: 422,
  instant_before_last_event: 422,
  backdated_action: 422,
  instant_out_of_range: 422,
  payment_already_recorded: 409,
  agency_not_allowed: 422,
  steps_open: 409,
};

export function refuse(code: RejectionCode, message: string): never {
  throw new TransitionRejected(code, message);
}

export function requireStatus(state: DossierState, allowed: readonly DossierStatus[], action: string): void {
  if (!allowed.includes(state.status)) {
    refuse('invalid_transition', `Không thể ${action}: hồ sơ ${statusLabel[state.status]}.`);
  }
}
