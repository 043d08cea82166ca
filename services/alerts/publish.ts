import { type AlertChange, type AlertKind, alertKindLabel, alertSubject } from '../../domain/alerts';
import { formatVietnamInstant } from '../../domain/calendar';
import type { JetStreamClient } from '../nats';
import type { AlertRow } from './store';

/** What `alerts.<agency>.<kind>`, the SSE stream and webhooks carry for one change of an alert. */
export interface AlertMessage {
  id: string;
  change: AlertChange;
  kind: AlertKind;
  label: string;
  audience: string;
  dossierCode: string | null;
  agencyCode: string | null;
  targetAgencyCode: string | null;
  level: number;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedReason: string | null;
  escalations: unknown;
  details: unknown;
}

const vn = (d: Date | null) => (d ? formatVietnamInstant(d) : null);

export function alertView(alert: AlertRow): Omit<AlertMessage, 'change'> {
  return {
    id: alert.id,
    kind: alert.kind as AlertKind,
    label: alertKindLabel[alert.kind as AlertKind] ?? alert.kind,
    audience: alert.audience,
    dossierCode: alert.dossierCode,
    agencyCode: alert.agencyCode,
    targetAgencyCode: alert.targetAgencyCode,
    level: alert.level,
    raisedAt: formatVietnamInstant(alert.raisedAt),
    acknowledgedAt: vn(alert.acknowledgedAt),
    acknowledgedBy: alert.acknowledgedBy,
    closedAt: vn(alert.closedAt),
    closedReason: alert.closedReason,
    escalations: alert.escalations,
    details: alert.details,
  };
}

export const alertMessage = (alert: AlertRow, change: AlertChange): AlertMessage => ({
  ...alertView(alert),
  change,
});

/**
 * Publishes one change on `alerts.<target agency>.<kind>`. The message id makes a repeat (a
 * redelivered event, a retried activity) a no-op in JetStream's duplicate window.
 */
export async function publishAlert(js: JetStreamClient, alert: AlertRow, change: AlertChange): Promise<void> {
  const agency = alert.targetAgencyCode ?? alert.agencyCode ?? 'operator';
  await js.publish(
    alertSubject(agency, alert.kind as AlertKind),
    JSON.stringify(alertMessage(alert, change)),
    {
      msgID: `${alert.id}:${change}:${alert.level}`,
    },
  );
}
