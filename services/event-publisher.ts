import { createHash } from 'node:crypto';
import { headers } from '@nats-io/nats-core';
import { type DossierEvent, partitionedSubjectFor, subjectFor } from '../domain/events';
import { partitionOf } from '../domain/partitions';
import { SIGNATURE_HEADER, type SigningKeys, signEvent, verifyEvent } from './event-signature';
import type { JetStreamClient } from './nats';

export interface PublishedEvent {
  subject: string;
  streamSeq: number;
  duplicate: boolean;
  /** Another message held this event's id (a forged publish): the event went out under a fallback id. */
  displacedForgery?: boolean;
}

/**
 * Publishes one dossier event, signed, on `dossier.<receiving agency>.<kind>.<partition>` (with
 * `partitions`, the MOTCUA_EVENT_PARTITIONS count; without it, or without an agency, on the
 * unpartitioned subjects of older versions, which consumers still read) with
 * `Nats-Msg-Id = <code>:<seq>`. JetStream answers "duplicate" for a retry of this very publish, but
 * also when someone else published first under this id (a forged event meant to make the real one
 * vanish): the stored message must be this body with a valid signature, otherwise the event is published
 * again under `<code>:<seq>!<body digest>` so it still reaches the consumers (they key on the event id
 * in the body; the forged one is quarantined for its signature).
 */
export async function publishSignedEvent(
  js: JetStreamClient,
  keys: SigningKeys,
  event: DossierEvent,
  receivingAgencyCode: string | undefined,
  opts: { partitions?: number } = {},
): Promise<PublishedEvent> {
  const subject =
    opts.partitions !== undefined && receivingAgencyCode !== undefined
      ? partitionedSubjectFor(event, receivingAgencyCode, partitionOf(event.dossierCode, opts.partitions))
      : subjectFor(event, receivingAgencyCode);
  const body = JSON.stringify(event);
  const h = headers();
  h.set(SIGNATURE_HEADER, signEvent(keys, subject, body));
  const ack = await js.publish(subject, body, { msgID: event.id, headers: h });
  if (!ack.duplicate) return { subject, streamSeq: ack.seq, duplicate: false };
  const jsm = await js.jetstreamManager();
  const stored = await jsm.streams.getMessage(ack.stream, { seq: ack.seq });
  const ours =
    stored &&
    Buffer.from(stored.data).equals(Buffer.from(body, 'utf8')) &&
    verifyEvent(keys, stored.subject, stored.data, stored.header?.get(SIGNATURE_HEADER)).ok;
  if (ours) {
    return { subject, streamSeq: ack.seq, duplicate: true };
  }
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const again = await js.publish(subject, body, { msgID: `${event.id}!${digest}`, headers: h });
  return { subject, streamSeq: again.seq, duplicate: again.duplicate, displacedForgery: true };
}
