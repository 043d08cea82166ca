import { log } from '@temporalio/activity';
import { publishAlert } from '../services/alerts/publish';
import { escalateAlert, loadAgencies, raiseAlert } from '../services/alerts/store';
import type { PrismaClient } from '../services/db';
import type { JetStreamClient } from '../services/nats';

export interface AlertActivityDeps {
  prisma: PrismaClient;
  js: JetStreamClient;
}

export type EscalateResult =
  | { escalated: true; level: number; targetAgencyCode: string; at: string }
  | { escalated: false; reason: string };

export function createAlertActivities({ prisma, js }: AlertActivityDeps) {
  return {
    /** One level up, once per level (a retry finds the level reached and does nothing). */
    async escalateAlert(input: { alertId: string; toLevel: number; at: string }): Promise<EscalateResult> {
      const agencies = await loadAgencies(prisma);
      const r = await escalateAlert(prisma, agencies, input.alertId, input.toLevel, new Date(input.at));
      if (r.escalated || r.reason === 'already_escalated') {
        const alert = r.alert!;
        if (alert.level !== input.toLevel) return { escalated: false, reason: 'moved_on' };
        await publishAlert(js, alert, 'escalated');
        log.info('alert escalated', {
          alertId: alert.id,
          dossierCode: alert.dossierCode,
          level: alert.level,
          targetAgencyCode: alert.targetAgencyCode,
        });
        const last = (alert.escalations as { at: string }[]).at(-1);
        return {
          escalated: true,
          level: alert.level,
          targetAgencyCode: alert.targetAgencyCode!,
          at: last?.at ?? input.at,
        };
      }
      return { escalated: false, reason: r.reason };
    },

    /** The applicant has not supplemented in time: raise the alert if the dossier still waits. */
    async raiseSupplementWaiting(input: {
      dossierCode: string;
      sourceId: string;
      requestedAt: string;
      agencyCode: string;
      workingHours: number;
      at: string;
    }): Promise<{ raised: false } | { raised: true; alertId: string; raisedAt: string }> {
      const dossier = await prisma.dossier.findUnique({
        where: { code: input.dossierCode },
        select: { status: true, pausedAt: true },
      });
      const stillWaiting =
        dossier?.status === 'waiting_supplement' &&
        dossier.pausedAt?.getTime() === Date.parse(input.requestedAt);
      if (!stillWaiting) return { raised: false };
      const agencies = await loadAgencies(prisma);
      const { alert } = await raiseAlert(prisma, agencies, {
        kind: 'supplement_waiting',
        agencyCode: input.agencyCode,
        dossierCode: input.dossierCode,
        sourceId: input.sourceId,
        raisedAt: input.at,
        details: { requestedAt: input.requestedAt, workingHours: input.workingHours },
      });
      await publishAlert(js, alert, 'raised');
      log.info('alert raised', { alertId: alert.id, dossierCode: alert.dossierCode, kind: alert.kind });
      return { raised: true, alertId: alert.id, raisedAt: alert.raisedAt.toISOString() };
    },
  };
}
