import { log } from '@temporalio/activity';
import { type DossierEvent, dossierEventSchema } from '../domain/events';
import { publishSignedEvent } from '../services/event-publisher';
import type { SigningKeys } from '../services/event-signature';
import type { JetStreamClient } from '../services/nats';

export interface EventDeps {
  js: JetStreamClient;
  signingKeys: SigningKeys;
  /** Receiving agency of a dossier (read model), for events of workflows that predate routed subjects. */
  receivingAgencyOf?: (dossierCode: string) => Promise<string | undefined>;
}

/** Where the workflow routes an event: the dossier's receiving agency (the subject carries it). */
export interface EventRoute {
  receivingAgencyCode?: string;
}

export interface Published {
  streamSeq: number;
  duplicate: boolean;
}

export function createEventActivities({ js, signingKeys, receivingAgencyOf }: EventDeps) {
  return {
    /**
     * Publishes one dossier event. The msgID comes from the workflow (code:seq), so an
     * activity retry is absorbed by JetStream's duplicate window. Signed; the subject carries the
     * receiving agency (workflows from before `route` existed: taken from the event or read model).
     */
    async publishDossierEvent(event: DossierEvent, route?: EventRoute): Promise<Published> {
      const valid = dossierEventSchema.parse(event);
      const agency =
        route?.receivingAgencyCode ??
        (valid.type === 'dossier.received'
          ? valid.payload.agencyCode
          : await receivingAgencyOf?.(valid.dossierCode));
      const ack = await publishSignedEvent(js, signingKeys, valid, agency);
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
