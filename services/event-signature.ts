import { createHmac, timingSafeEqual } from 'node:crypto';

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

export interface SigningKeys {
  /** Signs new events. */
  current: SigningKey;
  /** Every accepted key by id (current included). */
  all: Map<string, SigningKey>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const MIN_SECRET_LENGTH = 32;

/** Parses `<id>:<secret>,<id>:<secret>…`; throws a message naming what is wrong. */
export function parseSigningKeys(value: string): SigningKeys {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const id = colon > 0 ? entry.slice(0, colon) : '';
      const secret = colon > 0 ? entry.slice(colon + 1) : '';
      if (!KEY_ID.test(id))
        throw new Error('each key is <id>:<secret> with an id of letters, digits, _ or -');
      if (secret.length < MIN_SECRET_LENGTH)
        throw new Error(`the secret of key ${id} must be at least ${MIN_SECRET_LENGTH} characters`);
      return { id, secret };
    });
  if (keys.length === 0) throw new Error('no signing key');
  const all = new Map<string, SigningKey>();
  for (const k of keys) {
    if (all.has(k.id)) throw new Error(`key id ${k.id} appears twice`);
    all.set(k.id, k);
  }
  return { current: keys[0]!, all };
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
