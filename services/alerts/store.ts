import { randomUUID } from 'node:crypto';
import {
  type AlertChange,
  type AlertKind,
  type AlertsToClose,
  type AlertToRaise,
  ancestorsOf,
} from '../../domain/alerts';
import type { Prisma, PrismaClient } from '../db';

export type AlertRow = Prisma.AlertGetPayload<object>;
type Tx = Prisma.TransactionClient;
type Agencies = readonly { code: string; parentCode: string | null }[];

export interface AlertNotice {
  alert: AlertRow;
  change: AlertChange;
}

/** The agency hierarchy (small, reference data): read once per decision. */
export const loadAgencies = (db: Pick<PrismaClient, 'agency'>): Promise<Agencies> =>
  db.agency.findMany({ select: { code: true, parentCode: true } });

/**
 * Subscriptions that hear about an alert targeted at `agencyCode`: those of that agency, and of
 * every agency above it that asked for its subtree.
 */
async function subscriptionsFor(tx: Tx, agencies: Agencies, agencyCode: string, kind: AlertKind) {
  const above = ancestorsOf(agencies, agencyCode);
  const subs = await tx.alertSubscription.findMany({
    where: { disabledAt: null, agencyCode: { in: [agencyCode, ...above] } },
  });
  return subs.filter(
    (s) =>
      (s.agencyCode === agencyCode || s.includeSubtree) && (s.kinds.length === 0 || s.kinds.includes(kind)),
  );
}

/** Outbox rows for one change of an alert, in the caller's transaction (sent by the dispatcher). */
async function enqueueDeliveries(
  tx: Tx,
  agencies: Agencies,
  alert: AlertRow,
  change: 'raised' | 'escalated',
) {
  const subs = await subscriptionsFor(
    tx,
    agencies,
    alert.targetAgencyCode ?? alert.agencyCode ?? '',
    alert.kind as AlertKind,
  );
  if (subs.length === 0) return;
  await tx.alertDelivery.createMany({
    data: subs.map((s) => ({
      id: randomUUID(),
      alertId: alert.id,
      change,
      level: alert.level,
      subscriptionId: s.id,
      channel: s.channel,
      target: s.target,
    })),
    skipDuplicates: true,
  });
}

/**
 * Raises a supervisor alert once per (kind, source event). Returns the row and whether this call
 * created it; a redelivered event finds the row and creates nothing (no second email either).
 */
export async function raiseAlert(
  prisma: PrismaClient,
  agencies: Agencies,
  input: AlertToRaise,
): Promise<{ alert: AlertRow; created: boolean }> {
  return prisma.$transaction(async (tx) => {
    const created = await tx.alert.createMany({
      data: [
        {
          id: randomUUID(),
          kind: input.kind,
          audience: 'supervisor',
          dossierCode: input.dossierCode,
          agencyCode: input.agencyCode,
          targetAgencyCode: input.agencyCode,
          sourceId: input.sourceId,
          raisedAt: new Date(input.raisedAt),
          details: input.details as Prisma.InputJsonValue,
        },
      ],
      skipDuplicates: true,
    });
    const alert = await tx.alert.findUniqueOrThrow({
      where: { kind_sourceId: { kind: input.kind, sourceId: input.sourceId } },
    });
    if (created.count === 1) await enqueueDeliveries(tx, agencies, alert, 'raised');
    return { alert, created: created.count === 1 };
  });
}

/** Closes the dossier's open alerts (of the given kinds): the dossier left the late path. */
export async function closeAlerts(prisma: PrismaClient, close: AlertsToClose): Promise<AlertRow[]> {
  const where: Prisma.AlertWhereInput = {
    dossierCode: close.dossierCode,
    audience: 'supervisor',
    closedAt: null,
    ...(close.kinds && { kind: { in: [...close.kinds] } }),
  };
  return prisma.$transaction(async (tx) => {
    const open = await tx.alert.findMany({ where, select: { id: true } });
    if (open.length === 0) return [];
    await tx.alert.updateMany({
      where: { id: { in: open.map((a) => a.id) }, closedAt: null },
      data: { closedAt: new Date(close.at), closedReason: close.reason },
    });
    return tx.alert.findMany({ where: { id: { in: open.map((a) => a.id) } } });
  });
}

export type AckResult =
  | { ok: true; alert: AlertRow }
  | { ok: false; reason: 'not_found' | 'already_acknowledged' | 'closed'; alert?: AlertRow };

/** Acknowledges an open alert once; it never escalates afterwards. */
export async function acknowledgeAlert(
  prisma: PrismaClient,
  id: string,
  by: string,
  at = new Date(),
): Promise<AckResult> {
  const moved = await prisma.alert.updateMany({
    where: { id, acknowledgedAt: null, closedAt: null },
    data: { acknowledgedAt: at, acknowledgedBy: by },
  });
  const alert = await prisma.alert.findUnique({ where: { id } });
  if (!alert) return { ok: false, reason: 'not_found' };
  if (moved.count === 1) return { ok: true, alert };
  return {
    ok: false,
    reason: alert.closedAt && !alert.acknowledgedAt ? 'closed' : 'already_acknowledged',
    alert,
  };
}

export type EscalationResult =
  | { escalated: true; alert: AlertRow }
  | { escalated: false; reason: 'not_found' | 'settled' | 'top' | 'already_escalated'; alert?: AlertRow };

/**
 * Raises an unacknowledged alert one level up the hierarchy (`toLevel` = the level it reaches, so
 * a retried activity never climbs twice). Settled alerts and the top of the tree stay.
 */
export async function escalateAlert(
  prisma: PrismaClient,
  agencies: Agencies,
  id: string,
  toLevel: number,
  at: Date,
): Promise<EscalationResult> {
  return prisma.$transaction(async (tx) => {
    const alert = await tx.alert.findUnique({ where: { id } });
    if (!alert) return { escalated: false, reason: 'not_found' };
    if (alert.level >= toLevel) return { escalated: false, reason: 'already_escalated', alert };
    if (alert.acknowledgedAt || alert.closedAt) return { escalated: false, reason: 'settled', alert };
    const chain = ancestorsOf(agencies, alert.agencyCode ?? '');
    const target = chain[toLevel - 1];
    if (!target) return { escalated: false, reason: 'top', alert };
    const escalations = [
      ...((alert.escalations as unknown as { level: number; agencyCode: string; at: string }[]) ?? []),
      { level: toLevel, agencyCode: target, at: at.toISOString() },
    ];
    const moved = await tx.alert.updateMany({
      where: { id, level: toLevel - 1, acknowledgedAt: null, closedAt: null },
      data: { level: toLevel, targetAgencyCode: target, escalations },
    });
    if (moved.count !== 1) return { escalated: false, reason: 'settled', alert };
    const updated = await tx.alert.findUniqueOrThrow({ where: { id } });
    await enqueueDeliveries(tx, agencies, updated, 'escalated');
    return { escalated: true, alert: updated };
  });
}
