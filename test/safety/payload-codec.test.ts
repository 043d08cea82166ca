import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, payloadKeys } from '../../services/config';
import {
  generatePayloadKey,
  isEncrypted,
  PayloadDecryptionError,
  PayloadEncryptionCodec,
  parsePayloadKeys,
  payloadDataConverter,
  replayDataConverter,
  UnknownPayloadKeyError,
} from '../../services/payload-codec';

const json = (value: unknown): Payload => ({
  metadata: { [METADATA_ENCODING_KEY]: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const k1 = generatePayloadKey('k1');
const k2 = generatePayloadKey('k2');

describe('the payload codec (AES-256-GCM with key ids)', () => {
  it('encrypts with the current key id and decrypts back to the same payload', async () => {
    const codec = new PayloadEncryptionCodec(parsePayloadKeys(`${k1},${k2}`));
    const [encrypted] = await codec.encode([json({ applicantName: 'Nguyễn Văn An' })]);
    expect(isEncrypted(encrypted!)).toBe(true);
    expect(Buffer.from(encrypted!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(Buffer.from(encrypted!.data!).includes(Buffer.from('Nguyễn'))).toBe(false);
    const [decoded] = await codec.decode([encrypted!]);
    expect(JSON.parse(Buffer.from(decoded!.data!).toString())).toEqual({ applicantName: 'Nguyễn Văn An' });
  });

  it('never encrypts the same payload twice to the same bytes (fresh IV)', async () => {
    const codec = new PayloadEncryptionCodec(parsePayloadKeys(k1));
    const [a, b] = await codec.encode([json('x'), json('x')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes payloads that were never encrypted through unchanged (old histories)', async () => {
    const codec = new PayloadEncryptionCodec(parsePayloadKeys(k1));
    const plain = json({ old: true });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('reads what an older key encrypted after a rotation (new key first, old kept)', async () => {
    const [old] = await new PayloadEncryptionCodec(parsePayloadKeys(k2)).encode([json('cũ')]);
    const rotated = new PayloadEncryptionCodec(parsePayloadKeys(`${k1},${k2}`));
    const [decoded] = await rotated.decode([old!]);
    expect(JSON.parse(Buffer.from(decoded!.data!).toString())).toBe('cũ');
  });

  it('names the key id it does not have', async () => {
    const [old] = await new PayloadEncryptionCodec(parsePayloadKeys(k2)).encode([json('x')]);
    const codec = new PayloadEncryptionCodec(parsePayloadKeys(k1));
    await expect(codec.decode([old!])).rejects.toThrow(UnknownPayloadKeyError);
    await expect(codec.decode([old!])).rejects.toThrow(/key id "k2", which is not in MOTCUA_PAYLOAD_KEYS/);
  });

  it('refuses tampered data and a different key under the same id', async () => {
    const codec = new PayloadEncryptionCodec(parsePayloadKeys(k1));
    const [enc] = await codec.encode([json('x')]);
    const tampered = { ...enc!, data: Buffer.from(enc!.data!).fill(1, 20, 21) };
    await expect(codec.decode([tampered])).rejects.toThrow(PayloadDecryptionError);
    const impostor = new PayloadEncryptionCodec(parsePayloadKeys(generatePayloadKey('k1')));
    await expect(impostor.decode([enc!])).rejects.toThrow(PayloadDecryptionError);
  });
});

describe('failures under the payload codec', () => {
  const applicantMessage = 'SMTP refused the notice to Nguyễn Văn An, 0912345678, an@example.vn';
  const failureBytes = (f: unknown) =>
    Buffer.from(proto.temporal.api.failure.v1.Failure.encode(f as never).finish());

  it('encrypts the message and stack trace of a failure; a client with the keys reads them back', async () => {
    const converter = loadDataConverter(payloadDataConverter(parsePayloadKeys(k1)));
    const failure = await encodeErrorToFailure(converter, new Error(applicantMessage));
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    for (const clear of ['Nguyễn Văn An', '0912345678', 'an@example.vn', 'payload-codec.test'])
      expect(failureBytes(failure).includes(Buffer.from(clear)), clear).toBe(false);
    const error = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(error?.message).toBe(applicantMessage);
  });

  it('replayers read encrypted failures but report their own in plain text', async () => {
    const keys = parsePayloadKeys(k1);
    const encrypted = await encodeErrorToFailure(
      loadDataConverter(payloadDataConverter(keys)),
      new Error(applicantMessage),
    );
    const replay = loadDataConverter(replayDataConverter(keys));
    expect((await decodeOptionalFailureToOptionalError(replay, encrypted))?.message).toBe(applicantMessage);
    const own = await encodeErrorToFailure(replay, new Error('nondeterminism at event 12'));
    expect(own.message).toBe('nondeterminism at event 12');
  });
});

describe('MOTCUA_PAYLOAD_KEYS', () => {
  it('refuses keys that are not 32 bytes of base64, bad ids and repeated ids', () => {
    for (const bad of ['k1:short', `k 1:${'A'.repeat(44)}`, `${k1},${k1}`, ':abc', 'k1']) {
      expect(() => loadConfig({ MOTCUA_PAYLOAD_KEYS: bad }), bad).toThrow(ConfigError);
    }
  });

  it('is required in production; development without it stores payloads in clear', () => {
    expect(() => payloadKeys({ NODE_ENV: 'production', MOTCUA_PAYLOAD_KEYS: undefined })).toThrow(
      /MOTCUA_PAYLOAD_KEYS: required in production/,
    );
    expect(payloadKeys({ NODE_ENV: 'development', MOTCUA_PAYLOAD_KEYS: undefined })).toBeUndefined();
    expect(payloadKeys({ NODE_ENV: 'production', MOTCUA_PAYLOAD_KEYS: `${k1},${k2}` })?.current.id).toBe(
      'k1',
    );
  });
});
