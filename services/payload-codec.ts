import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type DataConverter,
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import proto from '@temporalio/proto';
import { type KeyList, parseKeyList } from './key-list';

// The package is CommonJS: its namespace is reachable as the default export under Node's ESM.
const { temporal } = proto;

/**
 * Applicant data (name, phone, email, ID number) travels in workflow inputs, Update arguments and
 * results, query answers, activity inputs and the memo: everything Temporal stores as payloads in
 * a dossier's history. This codec encrypts each payload with AES-256-GCM before it leaves the
 * process (client, worker, replayer) and decrypts it on the way back (README "Applicant data in
 * Temporal history").
 *
 * Keys come from `MOTCUA_PAYLOAD_KEYS=<id>:<base64 of 32 bytes>,…`: the first encrypts, every one
 * decrypts, so a key is rotated by putting a new one first and keeping the old ones as long as a
 * history encrypted with them may still be read. Each encrypted payload names its key id in its
 * metadata. Payloads that were never encrypted (histories recorded before this codec) pass through.
 *
 * Search attributes are never encoded by a codec: they carry only agency, procedure, status and
 * instants (domain/search-attributes.ts), never applicant data.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** Version of our envelope (IV ‖ ciphertext ‖ tag over the serialised Payload). */
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES256GCM-v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** `current` encrypts new payloads; `all` holds every key that may decrypt (current included), by id. */
export type PayloadKeys = KeyList<PayloadKey>;

/** Parses `<id>:<base64 32 bytes>,…`; throws a message naming what is wrong (never the key). */
export function parsePayloadKeys(value: string): PayloadKeys {
  return parseKeyList(value, {
    shape: 'each key is <id>:<base64 key> with an id of letters, digits, _ or -',
    empty: 'no payload key',
    toKey(id, raw) {
      const secret = raw.trim();
      const key = Buffer.from(secret, 'base64');
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret) || key.length !== 32)
        throw new Error(`key ${id} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
      return { id, key };
    },
  });
}

/** A fresh key entry `<id>:<base64>` (dev and test stacks). */
export function generatePayloadKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** A payload encrypted with a key id this process does not have: an operator error, said plainly. */
export class UnknownPayloadKeyError extends Error {
  constructor(
    readonly keyId: string,
    known: string[],
  ) {
    super(
      `payload encrypted with key id "${keyId}", which is not in MOTCUA_PAYLOAD_KEYS (known ids: ${known.join(', ')}); add that key (after the current one) to read it`,
    );
    this.name = 'UnknownPayloadKeyError';
  }
}

export class PayloadDecryptionError extends Error {
  constructor(keyId: string) {
    super(
      `payload encrypted with key id "${keyId}" does not decrypt: wrong key for that id or tampered data`,
    );
    this.name = 'PayloadDecryptionError';
  }
}

const text = (v: Uint8Array | null | undefined) => (v ? Buffer.from(v).toString('utf8') : undefined);
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const aad = (keyId: string) => Buffer.from(`motcua-payload:${CIPHER}:${keyId}`, 'utf8');

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class PayloadEncryptionCodec implements PayloadCodec {
  constructor(readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  encrypt(payload: Payload): Payload {
    const { id, key } = this.keys.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(id));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: bytes(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: bytes(id),
        [CIPHER_METADATA]: bytes(CIPHER),
      },
      data: new Uint8Array(data),
    };
  }

  decrypt(payload: Payload): Payload {
    // Histories recorded before encryption (and payloads of other tools) are plain: pass them through.
    if (!isEncrypted(payload)) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const entry = this.keys.all.get(keyId);
    if (!entry) throw new UnknownPayloadKeyError(keyId, [...this.keys.all.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(keyId);
    }
  }
}

/**
 * The data converter of every Temporal client, worker and replayer of this process: encrypting
 * when keys are configured, the SDK default otherwise (development without keys only; see
 * `payloadKeys` in services/config.ts, which refuses production without keys).
 */
export function payloadDataConverter(keys: PayloadKeys | undefined): DataConverter | undefined {
  return keys ? { payloadCodecs: [new PayloadEncryptionCodec(keys)], failureConverterPath } : undefined;
}

/**
 * The replayers' converter (`motcua audit replay`, the replay suite): the same codec, so they read
 * every payload and every encrypted failure of a history (decoding does not depend on the failure
 * converter), but the failures they REPORT themselves (a missing key, a nondeterminism) stay plain
 * text for the operator: a replay writes nothing to Temporal.
 */
export function replayDataConverter(keys: PayloadKeys | undefined): DataConverter | undefined {
  return withoutFailureEncoding(payloadDataConverter(keys));
}

/** A converter that decodes like `converter` but reports failures in plain text (replay only). */
export function withoutFailureEncoding(
  converter: Pick<DataConverter, 'payloadCodecs'> | undefined,
): DataConverter | undefined {
  return converter?.payloadCodecs ? { payloadCodecs: converter.payloadCodecs } : undefined;
}

/**
 * Failure messages and stack traces travel as an encoded payload (so the codec above encrypts them):
 * the SDK's DefaultFailureConverter with `encodeCommonAttributes`. Workflow bundles built outside the
 * worker (the image's pre-built bundle, the replayers) pass the same path to `bundleWorkflowCode`.
 */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));
