import { ApplicationFailure, log } from '@temporalio/activity';
import { type DossierEvent, dossierEventSchema } from '../domain/events';
import { DEFAULT_EVENT_PARTITIONS } from '../domain/partitions';
import { raiseOperatorAlert } from '../services/alerts/operator';
import type { PrismaClient } from '../services/db';
import { publishSignedEvent } from '../services/event-publisher';
import type { SigningKeys } from '../services/event-signature';
import type { JetStreamClient } from '../services/nats';

export interface EventDeps {
  js: JetStreamClient;
  /** Where operator alerts go (an event that can never be published). */
  prisma?: PrismaClient;
  signingKeys: SigningKeys;
  /** Receiving agency of a dossier (read model), for events of workflows that predate routed subjects. */
  receivingAgencyOf?: (dossierCode: string) => Promise<string | undefined>;
  /** MOTCUA_EVENT_PARTITIONS: the subject's last token is the dossier's partition. */
  eventPartitions?: number;
}

/** Where the workflow routes an event: the dossier's receiving agency (the subject carries it). */
export interface EventRoute {
  receivingAgencyCode?: string;
}

export interface Published {
  streamSeq: number;
  duplicate: boolean;
}

export function createEventActivities({
  js,
  prisma,
  signingKeys,
  receivingAgencyOf,
  eventPartitions = DEFAULT_EVENT_PARTITIONS,
}: EventDeps) {
  return {
    /**
     * Publishes one dossier event. The msgID comes from the workflow (code:seq), so an
     * activity retry is absorbed by JetStream's duplicate window. Signed; the subject carries the
     * receiving agency (workflows from before `route` existed: taken from the event or read model).
     * An event that fails its schema never will pass: it fails at once (non-retryable
     * `invalid_event`) with an operator alert, instead of being retried forever while its dossier waits.
     */
    async publishDossierEvent(event: DossierEvent, route?: EventRoute): Promise<Published> {
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
      const agency =
        route?.receivingAgencyCode ??
        (valid.type === 'dossier.received'
          ? valid.payload.agencyCode
          : await receivingAgencyOf?.(valid.dossierCode));
      const ack = await publishSignedEvent(js, signingKeys, valid, agency, { partitions: eventPartitions });
      log.info('dossier event published', {
        dossierCode: valid.dossierCode,
        workflowId: valid.workflowId,
        eventId: valid.id,
        type: valid.type,
        subject: ack.subject,
        displacedForgery: ack.displacedForgery,
        streamSeq: ack.streamSeq,
        duplicate: ack.duplicate,
      });
      return { streamSeq: ack.streamSeq, duplicate: ack.duplicate };
    },
  };
}
