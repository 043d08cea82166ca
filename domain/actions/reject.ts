import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { requireStatus } from '../refusals';
import { PENDING_STATUSES } from '../status';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/* Mẫu 03: Phiếu từ chối tiếp nhận, giải quyết hồ sơ — with the reason; the dossier is closed. */

export const name = 'reject' as const;
export const path = 'reject' as const;
export const event = 'dossier.rejected' as const;

export type Reject = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['officer', 'supervisor', 'intake', 'admin'];

export function validate(state: DossierState, _c: Reject): void {
  requireStatus(state, PENDING_STATUSES, 'từ chối hồ sơ');
}

export async function decide(_state: DossierState, c: Reject): Promise<DossierEventBody> {
  return eventBody(event, c.at, { reason: c.reason, actor: c.actor });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  return { ...prev, status: 'rejected', rejection: { at: e.occurredAt, reason: e.payload.reason } };
}
