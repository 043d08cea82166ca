import { describe, expect, it } from 'vitest';
import { catalogueFileSchema } from '../../domain/catalogue';
import { commandBodySchemas } from '../../domain/commands';
import { intakeRequestSchema } from '../../domain/dossier';
import { INVALID_TEXT, safeText, unsafeTextReason } from '../../domain/text';
import { hostileStrings } from './hostile-strings';

const issueCodes = (r: { success: boolean; error?: { issues: { code: string; params?: unknown }[] } }) =>
  r.error?.issues.map((i) => (i.params as { code?: string } | undefined)?.code ?? i.code) ?? [];

describe('safe text', () => {
  for (const [label, value] of Object.entries(hostileStrings)) {
    it(`refuses ${label} with invalid_text`, () => {
      expect(unsafeTextReason(value)).toBeDefined();
      expect(issueCodes(safeText(200).safeParse(value))).toContain(INVALID_TEXT);
    });
  }

  it('keeps tab, newline, Vietnamese and emoji (a valid surrogate pair)', () => {
    expect(safeText(200).parse('Đã thẩm định\tđủ\nhồ sơ 👍')).toBe('Đã thẩm định\tđủ\nhồ sơ 👍');
  });

  it('stores a Windows line end (CR LF) as a newline', () => {
    expect(safeText(200).parse('Thiếu giấy tờ:\r\n- CCCD')).toBe('Thiếu giấy tờ:\n- CCCD');
  });

  it('normalises to NFC, so a name typed with combining marks is the same name', () => {
    const decomposed = 'Nguye\u0302\u0303n'; // e + circumflex + tilde
    expect(safeText(200).parse(decomposed)).toBe('Nguyễn');
  });

  it('checks the raw input: a control character cannot hide behind the trim', () => {
    expect(issueCodes(safeText(200).safeParse('An\u0000'))).toContain(INVALID_TEXT);
  });
});

describe('every text field that enters motcua is safe text', () => {
  const bad = hostileStrings.NUL!;
  const intake = {
    code: 'T-0001',
    procedureCode: 'P',
    agencyCode: 'A',
    channel: 'direct',
    applicant: { name: 'An' },
    receivedAt: '2026-11-02T08:00:00+07:00',
  };
  const cases: [string, { safeParse(v: unknown): { success: boolean } }, unknown][] = [
    ['applicant name', intakeRequestSchema, { ...intake, applicant: { name: bad } }],
    ['applicant phone', intakeRequestSchema, { ...intake, applicant: { name: 'An', phone: bad } }],
    ['hand-off note', commandBodySchemas.handOff, { note: bad }],
    ['complete-step note', commandBodySchemas.completeStep, { note: bad }],
    ['supplement reason', commandBodySchemas.requestSupplement, { reason: bad, items: ['x'] }],
    ['supplement item', commandBodySchemas.requestSupplement, { reason: 'x', items: ['ok', bad] }],
    [
      'delay reason',
      commandBodySchemas.reportDelay,
      { reason: bad, proposedDueAt: '2026-11-20T08:00:00+07:00', faultParty: 'desk' },
    ],
    [
      'apology signer',
      commandBodySchemas.issueApology,
      { reason: 'x', faultParty: 'desk', newDueAt: '2026-11-20T08:00:00+07:00', signedBy: bad },
    ],
    ['rejection reason', commandBodySchemas.reject, { reason: bad }],
    ['withdrawal reason', commandBodySchemas.withdraw, { reason: bad }],
    ['digitized component', commandBodySchemas.recordDigitization, { components: [bad] }],
    ['payment reference', commandBodySchemas.recordPayment, { amountVnd: 1, online: true, reference: bad }],
    ['rating comment', commandBodySchemas.recordRating, { score: 5, comment: bad }],
    [
      'catalogue agency name',
      catalogueFileSchema,
      { agencies: [{ code: 'A', name: bad, level: 'commune' }] },
    ],
  ];
  for (const [label, schema, value] of cases) {
    it(`refuses a NUL in the ${label}`, () => {
      const r = schema.safeParse(value) as Parameters<typeof issueCodes>[0];
      expect(r.success).toBe(false);
      expect(issueCodes(r)).toContain(INVALID_TEXT);
    });
  }
});
