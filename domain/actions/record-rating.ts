import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/*
 * Đánh giá: the applicant rates the service (1–5) once, when the result is ready or after it was
 * returned (the only action a closed dossier takes). Counted for the satisfaction rate.
 */

export const name = 'recordRating' as const;
export const path = 'rating' as const;
export const event = 'dossier.rating_recorded' as const;

export type RecordRating = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['intake', 'admin'];
/** Rated after the result was returned: the dossier is closed, and still takes this one. */
export const openAfterReturn = true;

export function validate(state: DossierState, _c: RecordRating): void {
  requireStatus(state, ['result_ready', 'returned'], 'ghi nhận đánh giá');
  if (state.rating) refuse('rating_already_recorded', 'Người dân đã đánh giá hồ sơ này.');
}

export async function decide(_state: DossierState, c: RecordRating): Promise<DossierEventBody> {
  return eventBody(event, c.at, {
    score: c.score,
    ...(c.comment !== undefined && { comment: c.comment }),
    actor: c.actor,
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const rating: NonNullable<DossierState['rating']> = { score: p.score, at: e.occurredAt };
  if (p.comment !== undefined) rating.comment = p.comment;
  return { ...prev, rating };
}
