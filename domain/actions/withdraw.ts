import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { requireStatus } from '../refusals';
import { PENDING_STATUSES } from '../status';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/* Rút hồ sơ: the applicant withdraws at the desk; the dossier is closed and counts as withdrawn. */

export const name = 'withdraw' as const;
export const path = 'withdraw' as const;
export const event = 'dossier.withdrawn' as const;

export type Withdraw = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['intake', 'admin'];

export function validate(state: DossierState, _c: Withdraw): void {
  requireStatus(state, PENDING_STATUSES, 'rút hồ sơ');
}

export async function decide(_state: DossierState, c: Withdraw): Promise<DossierEventBody> {
  return eventBody(event, c.at, { ...(c.reason !== undefined && { reason: c.reason }), actor: c.actor });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const withdrawal: NonNullable<DossierState['withdrawal']> = { at: e.occurredAt };
  if (e.payload.reason !== undefined) withdrawal.reason = e.payload.reason;
  return { ...prev, status: 'withdrawn', withdrawal };
}
