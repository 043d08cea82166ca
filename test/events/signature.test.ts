import { describe, expect, it } from 'vitest';
import { agencyOfSubject, agencySubjects, subjectFor, subjectToken } from '../../domain/events';
import { parseSigningKeys, signEvent, verifyEvent } from '../../services/event-signature';

const secret = (c: string) => c.repeat(40);
const keys = parseSigningKeys(`k2:${secret('b')},k1:${secret('a')}`);
const body = JSON.stringify({ id: 'HS-1:1', type: 'dossier.received' });
const subject = 'dossier.X-AN-BINH.received';

describe('event signatures (HMAC-SHA256 over subject and body bytes)', () => {
  it('signs with the first key and verifies with it', () => {
    const header = signEvent(keys, subject, body);
    expect(header).toMatch(/^v1 keyId=k2 sig=[A-Za-z0-9+/=]+$/);
    expect(verifyEvent(keys, subject, Buffer.from(body), header)).toEqual({ ok: true, keyId: 'k2' });
  });

  it('still verifies events signed with an older key during a rotation', () => {
    const old = parseSigningKeys(`k1:${secret('a')}`);
    expect(verifyEvent(keys, subject, body, signEvent(old, subject, body))).toEqual({
      ok: true,
      keyId: 'k1',
    });
  });

  it('refuses an unsigned event, a changed body, another subject, an unknown key and a malformed header', () => {
    const header = signEvent(keys, subject, body);
    expect(verifyEvent(keys, subject, body, undefined)).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verifyEvent(keys, subject, body.replace('HS-1', 'HS-2'), header)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyEvent(keys, 'dossier.T-MAU.received', body, header)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const stranger = parseSigningKeys(`k9:${secret('c')}`);
    expect(verifyEvent(keys, subject, body, signEvent(stranger, subject, body))).toMatchObject({
      ok: false,
      reason: 'unknown_key',
    });
    // A forger who knows a key id but not its secret.
    const forged = signEvent(parseSigningKeys(`k2:${secret('z')}`), subject, body);
    expect(verifyEvent(keys, subject, body, forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyEvent(keys, subject, body, 'v1 sig=abc')).toMatchObject({
      ok: false,
      reason: 'malformed_signature',
    });
  });

  it('refuses short secrets, bad key ids and repeated ids in MOTCUA_EVENT_SIGNING_KEYS', () => {
    expect(() => parseSigningKeys('k1:short')).toThrow(/at least 32/);
    expect(() => parseSigningKeys(`k 1:${secret('a')}`)).toThrow(/<id>:<secret>/);
    expect(() => parseSigningKeys(`k1:${secret('a')},k1:${secret('b')}`)).toThrow(/twice/);
    expect(() => parseSigningKeys('')).toThrow(/no signing key/);
  });
});

describe('event subjects carry the receiving agency', () => {
  it('publishes on dossier.<receiving agency>.<kind>', () => {
    expect(subjectFor({ type: 'dossier.received' }, 'X-AN-BINH')).toBe('dossier.X-AN-BINH.received');
    expect(subjectFor({ type: 'dossier.step_overdue' }, 'T-MAU')).toBe('dossier.T-MAU.step_overdue');
    expect(agencySubjects('X-AN-BINH')).toBe('dossier.X-AN-BINH.>');
  });

  it('keeps the legacy dossier.<kind> subject when no agency is known', () => {
    expect(subjectFor({ type: 'dossier.overdue' })).toBe('dossier.overdue');
    expect(agencyOfSubject('dossier.overdue')).toBeUndefined();
  });

  it('turns an official agency code with dots into one subject token, reversibly', () => {
    expect(subjectToken('000.00.20.H47')).toBe('000~00~20~H47');
    expect(subjectFor({ type: 'dossier.received' }, '000.00.20.H47')).toBe('dossier.000~00~20~H47.received');
    expect(agencyOfSubject('dossier.000~00~20~H47.received')).toBe('000.00.20.H47');
  });

  it('writes alert subjects with the same token', async () => {
    const { alertSubject } = await import('../../domain/alerts');
    expect(alertSubject('000.00.20.H47', 'overdue_without_apology')).toBe(
      'alerts.000~00~20~H47.overdue_without_apology',
    );
    expect(alertSubject('X-AN-BINH', 'overdue_without_apology')).toBe(
      'alerts.X-AN-BINH.overdue_without_apology',
    );
  });

  it('refuses codes that are not subject-safe (wildcards, whitespace)', () => {
    for (const bad of ['*', '>', 'X AN', 'X\tAN', '', '.X']) expect(() => subjectToken(bad)).toThrow();
  });
});

describe('agency codes are subject-safe wherever they enter', () => {
  it('refuses wildcards and whitespace in catalogue and reference agency codes', async () => {
    const { agencySchema } = await import('../../domain/reference');
    const { catalogueAgencySchema } = await import('../../domain/catalogue');
    for (const code of ['X*', 'X>', '>', 'X AN', 'X\nAN']) {
      expect(agencySchema.safeParse({ code, name: 'x', level: 'commune', parentCode: null }).success).toBe(
        false,
      );
      expect(catalogueAgencySchema.safeParse({ code, name: 'x', level: 'commune' }).success).toBe(false);
    }
    expect(
      agencySchema.safeParse({ code: '000.00.20.H47', name: 'x', level: 'commune', parentCode: null })
        .success,
    ).toBe(true);
  });
});
