import { log } from '@temporalio/activity';
import { type DossierEvent, dossierEventSchema, subjectFor } from '../domain/events';
import type { JetStreamClient } from '../services/nats';

export interface EventDeps {
  js: JetStreamClient;
}

export interface Published {
  streamSeq: number;
  duplicate: boolean;
}

export function createEventActivities({ js }: EventDeps) {
  return {
    /**
     * Publishes one dossier event. The msgID comes from the workflow (code:seq), so an
     * activity retry is absorbed by JetStream's duplicate window.
     */
    async publishDossierEvent(event: DossierEvent): Promise<Published> {
      const valid = dossierEventSchema.parse(event);
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
