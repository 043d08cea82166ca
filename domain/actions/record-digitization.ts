import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse } from '../refusals';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/*
 * Số hóa: components of the dossier (at receipt) or its result were digitized. Counted for the
 * digitization rates (digitizedDossiers, digitizedResults).
 */

export const name = 'recordDigitization' as const;
export const path = 'digitization' as const;
export const event = 'dossier.digitized' as const;

export type RecordDigitization = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['intake', 'officer', 'admin'];

export function validate(state: DossierState, c: RecordDigitization): void {
  if (c.result && state.status !== 'result_ready') {
    refuse('invalid_transition', 'Chưa có kết quả để số hóa.');
  }
}

export async function decide(_state: DossierState, c: RecordDigitization): Promise<DossierEventBody> {
  return eventBody(event, c.at, { components: c.components, result: c.result, actor: c.actor });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const components = [...prev.digitization.components];
  for (const c of p.components) if (!components.includes(c)) components.push(c);
  return { ...prev, digitization: { components, result: prev.digitization.result || p.result } };
}
