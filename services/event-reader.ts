import type { JsMsg } from '@nats-io/jetstream';
import { z } from 'zod';
import { type DossierEvent, dossierEventSchema } from '../domain/events';
import type { StreamMessage } from './event-quarantine';
import { SIGNATURE_HEADER, type SignatureCheck, type SigningKeys, verifyEvent } from './event-signature';

/** What could be read of an envelope, even from a message that is refused (for the quarantine record). */
export interface EnvelopeHint {
  eventId?: string;
  dossierCode?: string;
  seq?: number;
}

export type ReadEvent =
  | { ok: true; event: DossierEvent; keyId: string; envelope: EnvelopeHint }
  | {
      ok: false;
      reason: Extract<SignatureCheck, { ok: false }>['reason'] | 'unreadable';
      detail?: string;
      envelope: EnvelopeHint;
    };

/**
 * The one way a consumer reads a message of the dossier event stream: the signature must verify
 * (subject and exact body bytes, `Motcua-Signature` header), then the body must be a known event
 * type and version. A refused message says why; consumers quarantine it with an operator alert.
 */
export function readSignedEvent(
  keys: SigningKeys,
  msg: { subject: string; data: Uint8Array; headers: Record<string, string[]> },
): ReadEvent {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(msg.data).toString('utf8'));
  } catch {
    json = undefined;
  }
  const envelope = envelopeHint(json);
  const signature = verifyEvent(keys, msg.subject, msg.data, headerValue(msg.headers, SIGNATURE_HEADER));
  if (!signature.ok)
    return {
      ok: false,
      reason: signature.reason,
      detail: signature.keyId ? `key ${signature.keyId}` : undefined,
      envelope,
    };
  const parsed = dossierEventSchema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      reason: 'unreadable',
      detail: json === undefined ? 'not JSON' : z.prettifyError(parsed.error),
      envelope,
    };
  return { ok: true, event: parsed.data, keyId: signature.keyId, envelope };
}

/** NATS header names are case-insensitive. */
export function headerValue(headers: Record<string, string[]>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key]?.[0] : undefined;
}

function envelopeHint(json: unknown): EnvelopeHint {
  if (json === null || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  const seq = o.seq;
  return {
    eventId: typeof o.id === 'string' ? o.id.slice(0, 200) : undefined,
    dossierCode: typeof o.dossierCode === 'string' ? o.dossierCode.slice(0, 200) : undefined,
    seq: typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 && seq < 2 ** 31 ? seq : undefined,
  };
}

/** A JetStream message as the readers and the quarantine see it. */
export function streamMessageOf(m: JsMsg): StreamMessage {
  const headers: Record<string, string[]> = {};
  if (m.headers) for (const [k, v] of m.headers) headers[k] = v;
  return {
    stream: m.info.stream,
    streamSeq: m.seq,
    subject: m.subject,
    headers,
    data: m.data,
    deliveryCount: m.info.deliveryCount,
  };
}
