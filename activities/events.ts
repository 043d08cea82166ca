import { ApplicationFailure, log } from '@temporalio/activity';
import { type DossierEvent, dossierEventSchema, subjectFor } from '../domain/events';
import { raiseOperatorAlert } from '../services/alerts/operator';
import type { PrismaClient } from '../services/db';
import type { JetStreamClient } from '../services/nats';

export interface EventDeps {
  js: JetStreamClient;
  /** Where operator alerts go (an event that can never be published). */
  prisma?: PrismaClient;
}

export interface Published {
  streamSeq: number;
  duplicate: boolean;
}

export function createEventActivities({ js, prisma }: EventDeps) {
  return {
    /**
     * Publishes one dossier event. The msgID comes from the workflow (code:seq), so an
     * activity retry is absorbed by JetStream's duplicate window. An event that fails its schema
     * never will pass: it fails at once (non-retryable `invalid_event`) with an operator alert,
     * instead of being retried forever while its dossier waits.
     */
    async publishDossierEvent(event: DossierEvent): Promise<Published> {
      const parsed = dossierEventSchema.safeParse(event);
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        log.error('dossier event fails its schema', { eventId: event?.id, type: event?.type, message });
        if (prisma) {
          await raiseOperatorAlert(prisma, {
            kind: 'workflow_failure',
            sourceId: `publish:${String(event?.id)}`,
            ...(typeof event?.dossierCode === 'string' && { dossierCode: event.dossierCode }),
            details: { reason: 'invalid_event', eventId: event?.id, type: event?.type, message },
          });
        }
        throw ApplicationFailure.create({
          type: 'invalid_event',
          message: `event ${String(event?.id)} fails its schema: ${message}`,
          nonRetryable: true,
        });
      }
      const valid = parsed.data;
      const ack = await js.publish(subjectFor(valid), JSON.stringify(valid), { msgID: valid.id });
      log.info('dossier event published', {
        dossierCode: valid.dossierCode,
        workflowId: valid.workflowId,
        eventId: valid.id,
        type: valid.type,
        streamSeq: ack.seq,
        duplicate: ack.duplicate,
      });
      return { streamSeq: ack.seq, duplicate: ack.duplicate };
    },
  };
}
