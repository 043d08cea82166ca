import {
  condition,
  defineSignal,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AlertKind } from '../domain/alerts';

const alertActivities = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** The alert was acknowledged or closed: stop escalating. */
export const alertSettledSignal = defineSignal('alertSettled');
/** The applicant's supplement arrived: no `supplement_waiting` alert. */
export const supplementReceivedSignal = defineSignal('supplementReceived');

export const escalationWorkflowId = (alertId: string) => `alert-escalation-${alertId}`;
export const supplementWatchWorkflowId = (dossierCode: string) => `supplement-watch-${dossierCode}`;

export interface AlertEscalationInput {
  alertId: string;
  kind: AlertKind;
  /** Agency the alert was raised at (level 0). */
  agencyCode: string;
  raisedAt: string;
  /** Working hours without acknowledgement before each step up (pinned when the alert is raised). */
  workingHours: number;
}

/**
 * Leo thang cảnh báo: an alert nobody acknowledges within the working time goes one level up the
 * hierarchy, then again, to the top. The wait runs on the calendar of the agency that must act
 * and survives restarts (a Temporal timer, not an in-process one).
 */
export async function alertEscalationWorkflow(input: AlertEscalationInput): Promise<number> {
  let settled = false;
  setHandler(alertSettledSignal, () => {
    settled = true;
  });
  let level = 0;
  let target = input.agencyCode;
  let since = input.raisedAt;
  for (;;) {
    const escalateAt = await alertActivities.stepDueInstant({
      agencyCode: target,
      from: since,
      budgetWorkingHours: input.workingHours,
    });
    const wait = Date.parse(escalateAt) - Date.now();
    if (wait > 0 && (await condition(() => settled, wait))) return level;
    if (settled) return level;
    // The row decides: an acknowledgement whose signal was lost still stops the climb.
    const result = await alertActivities.escalateAlert({
      alertId: input.alertId,
      toLevel: level + 1,
      at: new Date(Date.now()).toISOString(),
    });
    if (!result.escalated) return level;
    level = result.level;
    target = result.targetAgencyCode;
    since = result.at;
  }
}

export interface SupplementWatchInput {
  dossierCode: string;
  /** The `dossier.supplement_requested` event (source of the alert). */
  sourceId: string;
  requestedAt: string;
  /** Agency that asked for the supplement (its calendar counts the wait). */
  agencyCode: string;
  workingHours: number;
  /** Escalation working hours of the `supplement_waiting` alert, once raised. */
  escalationWorkingHours: number;
}

/** Chờ bổ sung: raises `supplement_waiting` when the applicant has not supplemented in time. */
export async function supplementWatchWorkflow(input: SupplementWatchInput): Promise<boolean> {
  let received = false;
  setHandler(supplementReceivedSignal, () => {
    received = true;
  });
  const alarmAt = await alertActivities.stepDueInstant({
    agencyCode: input.agencyCode,
    from: input.requestedAt,
    budgetWorkingHours: input.workingHours,
  });
  const wait = Date.parse(alarmAt) - Date.now();
  if (wait > 0 && (await condition(() => received, wait))) return false;
  if (received) return false;
  const raised = await alertActivities.raiseSupplementWaiting({
    dossierCode: input.dossierCode,
    sourceId: input.sourceId,
    requestedAt: input.requestedAt,
    agencyCode: input.agencyCode,
    workingHours: input.workingHours,
    at: new Date(Date.now()).toISOString(),
  });
  if (!raised.raised) return false;
  // Its escalation clock outlives this watch.
  await startChild(alertEscalationWorkflow, {
    workflowId: escalationWorkflowId(raised.alertId),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [
      {
        alertId: raised.alertId,
        kind: 'supplement_waiting',
        agencyCode: input.agencyCode,
        raisedAt: raised.raisedAt,
        workingHours: input.escalationWorkingHours,
      },
    ],
  });
  return true;
}
