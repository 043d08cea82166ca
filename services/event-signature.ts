import { createHmac, timingSafeEqual } from 'node:crypto';
import { type KeyList, parseKeyList } from './key-list';

/**
 * Dossier events are signed by the worker that publishes them and verified by every consumer
 * (README "Forged events"). The signature is HMAC-SHA256 over the subject, a newline and the exact
 * body bytes, carried in the NATS header `Motcua-Signature: v1 keyId=<id> sig=<base64>`. Several keys
 * can be configured (`MOTCUA_EVENT_SIGNING_KEYS=<id>:<secret>,…`): the first signs, all verify, so a
 * key is rotated by putting the new one first and dropping the old one once no unprojected event
 * still carries it.
 */
export const SIGNATURE_HEADER = 'Motcua-Signature';

export interface SigningKey {
  id: string;
  secret: string;
}

/** `current` signs new events; `all` holds every accepted key by id (current included). */
export type SigningKeys = KeyList<SigningKey>;

export const MIN_SECRET_LENGTH = 32;

/** Parses `<id>:<secret>,<id>:<secret>…`; throws a message naming what is wrong. */
export function parseSigningKeys(value: string): SigningKeys {
  return parseKeyList(value, {
    shape: 'each key is <id>:<secret> with an id of letters, digits, _ or -',
    empty: 'no signing key',
    toKey(id, secret) {
      if (secret.length < MIN_SECRET_LENGTH)
        throw new Error(`the secret of key ${id} must be at least ${MIN_SECRET_LENGTH} characters`);
      return { id, secret };
    },
  });
}

const toBytes = (body: Uint8Array | string) => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body);

function mac(key: SigningKey, subject: string, body: Uint8Array | string): Buffer {
  return createHmac('sha256', key.secret).update(subject).update('\n').update(toBytes(body)).digest();
}

/** The header value for an event published on `subject` with exactly these body bytes. */
export function signEvent(keys: SigningKeys, subject: string, body: Uint8Array | string): string {
  return `v1 keyId=${keys.current.id} sig=${mac(keys.current, subject, body).toString('base64')}`;
}

export type SignatureCheck =
  | { ok: true; keyId: string }
  | {
      ok: false;
      reason: 'unsigned' | 'malformed_signature' | 'unknown_key' | 'bad_signature';
      keyId?: string;
    };

/** Verifies a received event: the header must name a configured key and match subject and body. */
export function verifyEvent(
  keys: SigningKeys,
  subject: string,
  body: Uint8Array | string,
  header: string | undefined | null,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'unsigned' };
  const m = /^v1 keyId=([A-Za-z0-9_-]{1,32}) sig=([A-Za-z0-9+/=]{1,100})$/.exec(header.trim());
  if (!m) return { ok: false, reason: 'malformed_signature' };
  const keyId = m[1]!;
  const key = keys.all.get(keyId);
  if (!key) return { ok: false, reason: 'unknown_key', keyId };
  const given = Buffer.from(m[2]!, 'base64');
  const expected = mac(key, subject, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature', keyId };
  return { ok: true, keyId };
}
