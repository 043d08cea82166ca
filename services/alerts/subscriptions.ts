import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Prisma, PrismaClient } from '../db';
import type { AlertSubscriptionView, alertSubscriptionBodySchema } from './views';

type SubscriptionRow = Prisma.AlertSubscriptionGetPayload<object>;

/** A subscription names an agency that does not exist. */
export class UnknownAgencyError extends Error {
  override readonly name = 'UnknownAgencyError';
}

export const subscriptionView = (s: SubscriptionRow): AlertSubscriptionView => ({
  id: s.id,
  agencyCode: s.agencyCode,
  kinds: s.kinds,
  channel: s.channel,
  target: s.target,
  includeSubtree: s.includeSubtree,
  createdAt: s.createdAt.toISOString(),
  disabledAt: s.disabledAt?.toISOString() ?? null,
});

/**
 * Subscribes an email address or a webhook to an agency's alerts (the API and `motcua alerts
 * subscribe` both come here). Webhooks get a signing secret, returned once.
 */
export async function createSubscription(
  prisma: PrismaClient,
  body: z.output<typeof alertSubscriptionBodySchema>,
  createdBy: string,
): Promise<AlertSubscriptionView & { secret: string | null }> {
  if ((await prisma.agency.count({ where: { code: body.agencyCode } })) !== 1) {
    throw new UnknownAgencyError(`Unknown agency ${body.agencyCode}`);
  }
  const secret = body.channel === 'webhook' ? `whsec_${randomBytes(24).toString('base64url')}` : null;
  const created = await prisma.alertSubscription.create({
    data: { id: randomUUID(), ...body, secret, createdBy },
  });
  return { ...subscriptionView(created), secret };
}

export async function listSubscriptions(prisma: PrismaClient, agencyCode?: string) {
  const rows = await prisma.alertSubscription.findMany({
    where: agencyCode ? { agencyCode } : {},
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(subscriptionView);
}

/** Disables a subscription; undefined when there is no such id. */
export async function disableSubscription(prisma: PrismaClient, id: string) {
  await prisma.alertSubscription.updateMany({
    where: { id, disabledAt: null },
    data: { disabledAt: new Date() },
  });
  const row = await prisma.alertSubscription.findUnique({ where: { id } });
  return row ? subscriptionView(row) : undefined;
}
