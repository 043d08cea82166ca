import { z } from 'zod';
import { type DossierEvent, subjectToken } from './events';

/**
 * Cảnh báo: what a dossier event means for the supervisors who must act, and for operators.
 * Pure: the alerts consumer, replays and tests share the same decisions.
 *
 * - `due_soon`: the apology deadline (one working day before due) passed with no apology yet.
 * - `overdue`: the due instant passed; an apology (new appointment) had been issued.
 * - `overdue_without_apology`: the due instant passed with no apology: a violation (Decree
 *   61/2018 art. 19, Decree 118/2025) supervisors must see at once.
 * - `step_overdue`: a processing step overran its time budget at the agency holding it.
 * - `supplement_waiting`: the applicant has not supplemented after the configured working time.
 * - operator kinds: `event_gap`, `event_quarantined`, `workflow_failure` (the event path needs a hand).
 */
export const supervisorAlertKinds = [
  'due_soon',
  'overdue',
  'overdue_without_apology',
  'step_overdue',
  'supplement_waiting',
] as const;
export const operatorAlertKinds = ['event_gap', 'event_quarantined', 'workflow_failure'] as const;
export const alertKindSchema = z.enum([...supervisorAlertKinds, ...operatorAlertKinds]);
export type AlertKind = z.infer<typeof alertKindSchema>;
export type SupervisorAlertKind = (typeof supervisorAlertKinds)[number];

/** How an alert changed: what the SSE stream and `alerts.<agency>.<kind>` carry. */
export const alertChangeSchema = z.enum(['raised', 'escalated', 'acknowledged', 'closed']);
export type AlertChange = z.infer<typeof alertChangeSchema>;

/** Vietnamese names of the kinds, for emails, webhooks and the dashboard. */
export const alertKindLabel: Record<AlertKind, string> = {
  due_soon: 'Sắp đến hạn, chưa có văn bản xin lỗi',
  overdue: 'Quá hạn (đã xin lỗi, hẹn lại)',
  overdue_without_apology: 'Quá hạn mà chưa xin lỗi người dân',
  step_overdue: 'Bước xử lý quá thời gian',
  supplement_waiting: 'Chờ bổ sung hồ sơ quá lâu',
  event_gap: 'Thiếu sự kiện trong luồng dữ liệu',
  event_quarantined: 'Sự kiện không hợp lệ bị cách ly',
  workflow_failure: 'Quy trình hồ sơ bị lỗi',
};

/** An alert to raise, once per (kind, sourceId). */
export interface AlertToRaise {
  kind: SupervisorAlertKind;
  /** The agency that must act (holding the dossier, or the step's agency). */
  agencyCode: string;
  dossierCode: string;
  sourceId: string;
  raisedAt: string;
  details: Record<string, unknown>;
}

/** Open alerts of the dossier to close, and why. */
export interface AlertsToClose {
  dossierCode: string;
  /** Only these kinds; all open kinds of the dossier when undefined. */
  kinds?: readonly SupervisorAlertKind[];
  reason: string;
  at: string;
}

export interface AlertDecision {
  raise: AlertToRaise[];
  close: AlertsToClose[];
  /** Start (or end) the watch for an applicant who does not supplement. */
  supplementWatch?: { action: 'start'; requestedAt: string; sourceId: string } | { action: 'end' };
}

/** The agency holding the dossier as far as the event says (falls back to the receiving one). */
export interface DossierAgencies {
  receivingAgencyCode: string;
  holdingAgencyCode?: string;
}

const none = (): AlertDecision => ({ raise: [], close: [] });

/** What an event means for alerts. Redelivery gives the same decision (same source ids). */
export function alertDecision(event: DossierEvent, agencies: DossierAgencies): AlertDecision {
  const holding = agencies.holdingAgencyCode ?? agencies.receivingAgencyCode;
  const base = { dossierCode: event.dossierCode, sourceId: event.id, raisedAt: event.occurredAt };
  switch (event.type) {
    case 'dossier.due_soon':
      if (event.payload.apologyIssued) return none();
      return {
        raise: [
          {
            ...base,
            kind: 'due_soon',
            agencyCode: holding,
            details: { dueAt: event.payload.dueAt, warningAt: event.payload.warningAt },
          },
        ],
        close: [],
      };
    case 'dossier.overdue':
      return {
        raise: [
          {
            ...base,
            kind: event.payload.apologyIssued ? 'overdue' : 'overdue_without_apology',
            agencyCode: event.payload.agencyCode || holding,
            details: { dueAt: event.payload.dueAt, step: event.payload.step },
          },
        ],
        // The warning was for this moment; the overdue alert takes over.
        close: [
          { dossierCode: event.dossierCode, kinds: ['due_soon'], reason: 'overdue', at: event.occurredAt },
        ],
      };
    case 'dossier.step_overdue':
      return {
        raise: [
          {
            ...base,
            kind: 'step_overdue',
            agencyCode: event.payload.agencyCode,
            details: {
              step: event.payload.step,
              stepKey: event.payload.stepKey,
              stepDueAt: event.payload.stepDueAt,
            },
          },
        ],
        close: [],
      };
    case 'dossier.step_completed':
      return {
        raise: [],
        close: [
          {
            dossierCode: event.dossierCode,
            kinds: ['step_overdue'],
            reason: 'step_completed',
            at: event.occurredAt,
          },
        ],
      };
    case 'dossier.apology_issued':
      // The apology the warning asked for exists now; a violation already raised stays.
      return {
        raise: [],
        close: [
          {
            dossierCode: event.dossierCode,
            kinds: ['due_soon'],
            reason: 'apology_issued',
            at: event.occurredAt,
          },
        ],
      };
    case 'dossier.supplement_requested':
      return {
        raise: [],
        close: [],
        supplementWatch: { action: 'start', requestedAt: event.occurredAt, sourceId: event.id },
      };
    case 'dossier.supplement_received':
      return {
        raise: [],
        close: [
          {
            dossierCode: event.dossierCode,
            kinds: ['supplement_waiting'],
            reason: 'supplement_received',
            at: event.occurredAt,
          },
        ],
        supplementWatch: { action: 'end' },
      };
    // The dossier leaves the late path: nothing is left to act on.
    case 'dossier.result_ready':
    case 'dossier.rejected':
    case 'dossier.withdrawn':
      return {
        raise: [],
        close: [
          {
            dossierCode: event.dossierCode,
            reason: event.type.slice('dossier.'.length),
            at: event.occurredAt,
          },
        ],
        supplementWatch: { action: 'end' },
      };
    default:
      return none();
  }
}

/** Follows the holding agency through the events that move it. */
export function holdingAgencyAfter(event: DossierEvent, previous: string | undefined): string | undefined {
  switch (event.type) {
    case 'dossier.received':
      return event.payload.agencyCode;
    case 'dossier.handed_off':
      return event.payload.toAgencyCode;
    case 'dossier.result_ready':
      return undefined;
    default:
      return previous;
  }
}

/** Escalation policy: working hours before an unacknowledged alert goes one level up, per kind. */
export const escalationPolicySchema = z.partialRecord(alertKindSchema, z.number().positive().max(10_000));
export type EscalationPolicy = z.infer<typeof escalationPolicySchema>;
export const DEFAULT_ESCALATION_WORKING_HOURS = 4;

export function escalationWorkingHours(policy: EscalationPolicy, kind: AlertKind): number {
  return policy[kind] ?? DEFAULT_ESCALATION_WORKING_HOURS;
}

/** The chain of agencies above `agencyCode`, nearest first (the hierarchy is data of any depth). */
export function ancestorsOf(
  agencies: readonly { code: string; parentCode: string | null }[],
  agencyCode: string,
): string[] {
  const parent = new Map(agencies.map((a) => [a.code, a.parentCode]));
  const chain: string[] = [];
  const seen = new Set([agencyCode]);
  for (let p = parent.get(agencyCode) ?? null; p !== null && !seen.has(p); p = parent.get(p) ?? null) {
    chain.push(p);
    seen.add(p);
  }
  return chain;
}

/** Alert subjects for other systems: `alerts.<agency>.<kind>` (the agency whose supervisors see it). */
export const ALERT_SUBJECT_PREFIX = 'alerts';
/** `alerts.<agency token>.<kind>`: an agency code's `.` becomes `~`, as in dossier subjects (`subjectToken`). */
export const alertSubject = (agencyCode: string, kind: AlertKind): string =>
  `${ALERT_SUBJECT_PREFIX}.${subjectToken(agencyCode)}.${kind}`;
