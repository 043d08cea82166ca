import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/*
 * Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ. The legal clock (and the open step's budget)
 * stops until the applicant supplements.
 */

export const name = 'requestSupplement' as const;
export const path = 'request-supplement' as const;
export const event = 'dossier.supplement_requested' as const;

export type RequestSupplement = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['officer', 'intake', 'admin'];

export function validate(state: DossierState, _c: RequestSupplement): void {
  requireStatus(state, ['received', 'processing'], 'yêu cầu bổ sung hồ sơ');
}

export async function decide(_state: DossierState, c: RequestSupplement): Promise<DossierEventBody> {
  return eventBody(event, c.at, { reason: c.reason, items: c.items, actor: c.actor });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  return {
    ...prev,
    status: 'waiting_supplement',
    pausedAt: e.occurredAt,
    supplementRequests: prev.supplementRequests + 1,
  };
}
