import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import { PENDING_STATUSES } from '../status';
import type { actionBodies } from './bodies';
import { type ActionCommand, ms } from './common';

/*
 * Báo cáo chậm trễ: the processing side says the dossier will be late, why, whose fault and the
 * date it proposes. A draft apology letter follows (services/letters); the appointment moves only
 * when the apology is issued.
 */

export const name = 'reportDelay' as const;
export const path = 'report-delay' as const;
export const event = 'dossier.delay_reported' as const;

export type ReportDelay = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['officer', 'supervisor', 'admin'];

/** The proposed appointment (bounded by the law's maximum extension in the workflow's check). */
export const newAppointment = (c: ReportDelay): string => c.proposedDueAt;

export function validate(state: DossierState, c: ReportDelay): void {
  requireStatus(state, PENDING_STATUSES, 'báo cáo chậm trễ');
  if (ms(c.proposedDueAt) <= ms(state.dueAt)) {
    refuse('invalid_due_date', 'Ngày hẹn trả đề xuất phải sau thời hạn hiện tại.');
  }
}

export async function decide(_state: DossierState, c: ReportDelay): Promise<DossierEventBody> {
  return eventBody(event, c.at, {
    reason: c.reason,
    proposedDueAt: c.proposedDueAt,
    faultParty: c.faultParty,
    actor: c.actor,
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  return {
    ...prev,
    delayReports: [
      ...prev.delayReports,
      { at: e.occurredAt, reason: p.reason, proposedDueAt: p.proposedDueAt, faultParty: p.faultParty },
    ],
  };
}
