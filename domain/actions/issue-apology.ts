import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import { PENDING_STATUSES } from '../status';
import type { actionBodies } from './bodies';
import { type ActionCommand, type ActionDeps, ms } from './common';

/*
 * Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả (Văn bản xin lỗi và đề nghị gia hạn under
 * Circular 03/2025). Once only: the appointment moves once; lateness keeps being judged against the
 * original legal due instant, so the dossier still counts late.
 */

export const name = 'issueApology' as const;
export const path = 'issue-apology' as const;
export const event = 'dossier.apology_issued' as const;

export type IssueApology = ActionCommand<(typeof actionBodies)[typeof name]>;

/** Signed by a head: of the processing agency, or the centre director when the desk was at fault. */
export const roles: readonly Role[] = ['supervisor', 'admin'];

/** The new appointment (bounded by the law's maximum extension in the workflow's check). */
export const newAppointment = (c: IssueApology): string => c.newDueAt;

export function validate(state: DossierState, c: IssueApology): void {
  if (state.apology) {
    refuse('apology_already_issued', 'Đã xin lỗi và hẹn lại một lần; không được hẹn lại lần nữa.');
  }
  requireStatus(state, PENDING_STATUSES, 'xin lỗi và hẹn lại ngày trả kết quả');
  if (ms(c.newDueAt) <= ms(state.dueAt)) {
    refuse('invalid_due_date', 'Ngày hẹn trả mới phải sau thời hạn hiện tại.');
  }
}

export async function decide(
  state: DossierState,
  c: IssueApology,
  { deadlines }: Pick<ActionDeps, 'deadlines'>,
): Promise<DossierEventBody> {
  const extended = await deadlines.extendDueInstant({
    agencyCode: state.agencyCode,
    dueAt: state.dueAt,
    warningAt: state.warningAt,
    calendarVersion: state.calendarVersion,
    provisional: state.provisionalCalendar,
    newDueAt: c.newDueAt,
  });
  return eventBody(event, c.at, {
    reason: c.reason,
    faultParty: c.faultParty,
    originalDueAt: state.originalDueAt,
    dueAt: extended.dueAt,
    warningAt: extended.warningAt,
    ...(c.signedBy !== undefined && { signedBy: c.signedBy }),
    calendarVersion: extended.calendarVersion,
    actor: c.actor,
    ...(c.letterId !== undefined && { letterId: c.letterId }),
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const at = e.occurredAt;
  const apology: NonNullable<DossierState['apology']> = {
    at,
    reason: p.reason,
    faultParty: p.faultParty,
    newDueAt: p.dueAt,
  };
  if (p.signedBy !== undefined) apology.signedBy = p.signedBy;
  return {
    ...prev,
    apology,
    originalDueAt: p.originalDueAt,
    dueAt: p.dueAt,
    warningAt: p.warningAt,
    dueSoon: prev.dueSoon && ms(p.warningAt) <= ms(at),
    calendarVersion: p.calendarVersion ?? prev.calendarVersion,
  };
}
