import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse } from '../refusals';
import type { actionBodies } from './bodies';
import type { ActionCommand } from './common';

/* Thu phí, lệ phí: a payment at the desk or online (the onlinePayment rate). */

export const name = 'recordPayment' as const;
export const path = 'payment' as const;
export const event = 'dossier.payment_recorded' as const;

export type RecordPayment = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['intake', 'admin'];

export function validate(_state: DossierState, _c: RecordPayment): void {}

/** Rule added in issue 8 (behind a workflow patch): a transaction reference is recorded once. */
export function validateRules(state: DossierState, c: RecordPayment): void {
  if (c.reference !== undefined && state.payments.some((p) => p.reference === c.reference)) {
    refuse('payment_already_recorded', `Giao dịch thanh toán ${c.reference} đã được ghi nhận cho hồ sơ này.`);
  }
}

export async function decide(_state: DossierState, c: RecordPayment): Promise<DossierEventBody> {
  return eventBody(event, c.at, {
    amountVnd: c.amountVnd,
    online: c.online,
    ...(c.reference !== undefined && { reference: c.reference }),
    actor: c.actor,
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const payment: DossierState['payments'][number] = {
    amountVnd: p.amountVnd,
    online: p.online,
    at: e.occurredAt,
  };
  if (p.reference !== undefined) payment.reference = p.reference;
  return { ...prev, payments: [...prev.payments, payment] };
}
