import { z } from 'zod';
import { channelSchema, dossierCodeSchema, outcomeSchema } from './dossier';

/** Every dossier event is published on `dossier.<kind>`; the stream captures `dossier.>`. */
export const DOSSIER_SUBJECT_PREFIX = 'dossier';

const envelope = {
  id: z.string().min(1),
  dossierCode: dossierCodeSchema,
  workflowId: z.string().min(1),
  seq: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
};

export const dossierReceivedV1 = z.object({
  ...envelope,
  type: z.literal('dossier.received'),
  version: z.literal(1),
  payload: z.object({
    procedureCode: z.string(),
    agencyCode: z.string(),
    channel: channelSchema,
    applicantName: z.string(),
    receivedAt: z.iso.datetime({ offset: true }),
    dueAt: z.iso.datetime({ offset: true }),
    warningAt: z.iso.datetime({ offset: true }),
    calendarVersion: z.string(),
  }),
});

export const dossierCompletedV1 = z.object({
  ...envelope,
  type: z.literal('dossier.completed'),
  version: z.literal(1),
  payload: z.object({
    completedAt: z.iso.datetime({ offset: true }),
    dueAt: z.iso.datetime({ offset: true }),
    outcome: outcomeSchema,
    actor: z.string().optional(),
  }),
});

export const dossierEventSchema = z.discriminatedUnion('type', [dossierReceivedV1, dossierCompletedV1]);
export type DossierEvent = z.infer<typeof dossierEventSchema>;
export type DossierEventType = DossierEvent['type'];

/** `dossier.received` → subject `dossier.received`. */
export function subjectFor(event: Pick<DossierEvent, 'type'>): string {
  return event.type;
}
