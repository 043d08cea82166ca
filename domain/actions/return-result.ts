import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/* Trả kết quả: the one-stop desk hands the result to the applicant; the dossier is closed. */

export const name = 'returnResult' as const;
export const path = 'return-result' as const;
export const event = 'dossier.result_returned' as const;

export type ReturnResult = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['intake', 'admin'];

export function validate(state: DossierState, _c: ReturnResult): void {
  requireStatus(state, ['result_ready'], 'trả kết quả');
}

export async function decide(_state: DossierState, c: ReturnResult): Promise<DossierEventBody> {
  return eventBody(event, c.at, { returnedAt: c.at, actor: c.actor });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  return { ...prev, status: 'returned', returnedAt: e.payload.returnedAt };
}
