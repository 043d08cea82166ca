import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db';

/** Conditions operators (not supervisors) must see: the event path or a workflow needs a hand. */
export type OperatorAlertKind = 'event_gap' | 'event_quarantined' | 'workflow_failure';

export interface OperatorAlertInput {
  kind: OperatorAlertKind;
  /** What raised it (an event id, a stream sequence…): the same source never raises twice. */
  sourceId: string;
  dossierCode?: string;
  agencyCode?: string;
  details?: Record<string, unknown>;
  raisedAt?: Date;
}

/**
 * Records an operator alert once per (kind, source). Returns true when this call raised it, false
 * when it was already there (a redelivery, a retry).
 */
export async function raiseOperatorAlert(prisma: PrismaClient, input: OperatorAlertInput): Promise<boolean> {
  const created = await prisma.alert.createMany({
    data: [
      {
        id: randomUUID(),
        kind: input.kind,
        audience: 'operator',
        sourceId: input.sourceId,
        dossierCode: input.dossierCode ?? null,
        agencyCode: input.agencyCode ?? null,
        targetAgencyCode: input.agencyCode ?? null,
        raisedAt: input.raisedAt ?? new Date(),
        details: (input.details ?? {}) as object,
      },
    ],
    skipDuplicates: true,
  });
  return created.count === 1;
}
