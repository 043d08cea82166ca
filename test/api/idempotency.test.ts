import { describe, expect, it } from 'vitest';
import {
  idempotencyKeySchema,
  idempotentHeadersSchema,
  isReplayable,
  requestFingerprint,
  updateIdFor,
} from '../../services/api/idempotency';

describe('Idempotency-Key fingerprints', () => {
  const base = {
    method: 'POST',
    path: '/v1/dossiers/D-1/reject',
    body: { reason: 'Thiếu giấy tờ', at: undefined },
  };

  it('gives the same fingerprint to the same request whatever the key order of its body', () => {
    const a = requestFingerprint({ ...base, body: { reason: 'x', items: ['a', 'b'] } });
    const b = requestFingerprint({ ...base, body: { items: ['a', 'b'], reason: 'x' } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores the case of the method and absent fields', () => {
    expect(requestFingerprint({ ...base, method: 'post' })).toBe(
      requestFingerprint({ ...base, body: { reason: 'Thiếu giấy tờ' } }),
    );
  });

  it('tells apart a different body, path or method', () => {
    const first = requestFingerprint(base);
    expect(requestFingerprint({ ...base, body: { reason: 'Khác' } })).not.toBe(first);
    expect(requestFingerprint({ ...base, path: '/v1/dossiers/D-2/reject' })).not.toBe(first);
    expect(requestFingerprint({ ...base, method: 'PUT' })).not.toBe(first);
    expect(requestFingerprint({ ...base, body: { reason: 'Thiếu giấy tờ', items: [] } })).not.toBe(first);
  });
});

describe('what is stored for replay', () => {
  it('keeps successes and decided rejections (409, 422)', () => {
    for (const s of [200, 201, 409, 422]) expect(isReplayable(s)).toBe(true);
  });

  it('does not keep answers that may change on retry: auth, not found, dependency outages', () => {
    for (const s of [400, 401, 403, 404, 429, 500, 503]) expect(isReplayable(s)).toBe(false);
  });
});

describe('the key itself', () => {
  it('accepts 1–128 visible ASCII characters', () => {
    expect(idempotencyKeySchema.safeParse('a').success).toBe(true);
    expect(idempotencyKeySchema.safeParse('x'.repeat(128)).success).toBe(true);
    expect(idempotencyKeySchema.safeParse('desk-42:intake:000.00.20.H47-260101-0001').success).toBe(true);
  });

  it('refuses an empty, too long or blank-containing key', () => {
    expect(idempotencyKeySchema.safeParse('').success).toBe(false);
    expect(idempotencyKeySchema.safeParse('x'.repeat(129)).success).toBe(false);
    expect(idempotencyKeySchema.safeParse('two words').success).toBe(false);
  });

  it('leaves the other headers of the request readable', () => {
    const parsed = idempotentHeadersSchema.parse({ authorization: 'Bearer t', 'idempotency-key': 'k1' });
    expect(parsed).toEqual({ authorization: 'Bearer t', 'idempotency-key': 'k1' });
  });

  it('scopes the Temporal Update id by principal, so two callers with the same key never collide', () => {
    expect(updateIdFor('key-a', 'k1')).not.toBe(updateIdFor('key-b', 'k1'));
    expect(updateIdFor('key-a', 'k1')).toBe(updateIdFor('key-a', 'k1'));
  });
});
