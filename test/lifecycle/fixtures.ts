import type { Command, CommandName } from '../../domain/commands';
import type { Actor, DossierEvent, DossierEventBody, DossierEventOf } from '../../domain/events';
import { eventBody } from '../../domain/events';
import { applyEvent, type DossierState } from '../../domain/lifecycle';

export const officer: Actor = {
  id: 'officer-1',
  name: 'Trần Văn Bình',
  role: 'officer',
  agencyCode: 'X-AN-BINH',
};
export const provinceOfficer: Actor = { id: 'officer-2', role: 'officer', agencyCode: 'T-MAU' };
export const desk: Actor = { id: 'desk-1', role: 'intake', agencyCode: 'X-AN-BINH' };

export const RECEIVED_AT = '2026-11-02T01:00:00.000Z'; // Monday 08:00 in Hà Nội
export const DUE_AT = '2026-11-09T01:00:00.000Z';
export const WARNING_AT = '2026-11-06T01:00:00.000Z';

export const received = (steps = 2): DossierEventOf<'dossier.received'> => ({
  id: 'D-1:1',
  dossierCode: 'D-1',
  workflowId: 'dossier-D-1',
  seq: 1,
  type: 'dossier.received',
  version: 1,
  occurredAt: RECEIVED_AT,
  payload: {
    procedureCode: 'MAU-DANG-KY-KET-HON',
    agencyCode: 'X-AN-BINH',
    channel: 'direct',
    applicantName: 'Nguyễn Thị An',
    receivedAt: RECEIVED_AT,
    dueAt: DUE_AT,
    warningAt: WARNING_AT,
    calendarVersion: 'vn-test',
    provisionalCalendar: false,
    steps: [
      {
        key: 'tham-dinh',
        name: 'Thẩm định',
        agencyCode: 'X-AN-BINH',
        role: 'officer',
        budgetWorkingHours: 16,
      },
      { key: 'phe-duyet', name: 'Phê duyệt', agencyCode: 'T-MAU', role: 'officer', budgetWorkingHours: 8 },
    ].slice(0, steps),
    actor: desk,
  },
});

/** Applies bodies in order after `received`, as the workflow's outbox does. */
export function stateAfter(...bodies: DossierEventBody[]): DossierState {
  let state = applyEvent(undefined, received());
  for (const body of bodies) state = applyEvent(state, envelope(state, body));
  return state;
}

export function envelope(state: DossierState, body: DossierEventBody): DossierEvent {
  const seq = state.lastSeq + 1;
  return {
    ...body,
    id: `D-1:${seq}`,
    dossierCode: 'D-1',
    workflowId: 'dossier-D-1',
    seq,
    version: 1,
  } as DossierEvent;
}

/** An event body as an action or timer decides it (the same helper the workflow uses). */
export const body = eventBody;

export const handOff = (at: string, toStep = 0, fromStep: number | null = null, toAgencyCode = 'X-AN-BINH') =>
  body('dossier.handed_off', at, {
    fromStep,
    toStep,
    stepKey: toStep === 0 ? 'tham-dinh' : 'phe-duyet',
    fromAgencyCode: 'X-AN-BINH',
    toAgencyCode,
    stepDueAt: '2026-11-04T01:00:00.000Z',
    actor: officer,
  });
export const completeStep = (at: string, step = 0, overBudget = false) =>
  body('dossier.step_completed', at, {
    step,
    stepKey: step === 0 ? 'tham-dinh' : 'phe-duyet',
    agencyCode: 'X-AN-BINH',
    overBudget,
    actor: officer,
  });
export const supplementRequested = (at: string) =>
  body('dossier.supplement_requested', at, { reason: 'Thiếu bản sao CCCD', items: ['CCCD'], actor: desk });
export const resultReady = (at: string) =>
  body('dossier.result_ready', at, {
    resultKind: 'electronic',
    completedAt: at,
    dueAt: DUE_AT,
    originalDueAt: DUE_AT,
    outcome: 'early',
    actor: officer,
  });
export const apologyIssued = (at: string, dueAt = '2026-11-11T01:00:00.000Z') =>
  body('dossier.apology_issued', at, {
    reason: 'Cần xác minh thêm',
    faultParty: 'processing_agency',
    originalDueAt: DUE_AT,
    dueAt,
    warningAt: '2026-11-10T01:00:00.000Z',
    actor: officer,
  });

/** A command with its instant and actor resolved, as the API hands it to the workflow. */
export const command = <N extends CommandName>(
  _name: N,
  fields: Omit<Command<N>, 'at' | 'actor'> & { at?: string; actor?: Actor },
): Command<N> => ({ at: '2026-11-03T02:00:00.000Z', actor: officer, ...fields }) as Command<N>;
