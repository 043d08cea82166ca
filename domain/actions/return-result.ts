import { z } from 'zod';
import type { Role } from '../commands';
import { type DossierEventBody, type DossierEventOf, eventBody } from '../events';
import type { DossierState } from '../lifecycle';
import { requireStatus } from '../refusals';
import { type ActionCommand, atField } from './common';

/* Trả kết quả: the one-stop desk hands the result to the applicant; the dossier is closed. */

export const name = 'returnResult' as const;
export const path = 'return-result' as const;
export const event = 'dossier.result_returned' as const;

export const body = z.object({ ...atField }).strict();
export type ReturnResult = ActionCommand<typeof body>;

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
