import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../services/db';
import {
  allocateLetterNumber,
  formatLetterNumber,
  issueWithNumber,
  LetterAlreadyIssuedError,
} from '../../services/letters/numbering';
import { loadLetterPdf, storeLetterPdf } from '../../services/letters/pdf-store';
import { renderLetter } from '../../services/letters/render';
import { apology } from '../letters/fixtures';
import { testConfig, uniqueCode } from './helpers';

/*
 * Letter numbers on the real PostgreSQL: gap-free per issuing agency and year, taken in the
 * issuing transaction; letters and their PDFs as the letters service will store them.
 */

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrisma(testConfig().DATABASE_URL!);
});
afterAll(async () => {
  await prisma?.$disconnect();
});

async function draft(
  agencyCode: string,
  kind: 'apology' | 'receipt' | 'control_slip' = 'apology',
  dossier?: string,
) {
  const id = randomUUID();
  await prisma.letter.create({
    data: {
      id,
      dossierCode: dossier ?? uniqueCode('D'),
      kind,
      formId: 'tt03-2025/mau-04',
      ruleSet: 'tt03-2025',
      issuingAgencyCode: agencyCode,
      faultParty: 'processing_agency',
      reason: 'Chưa nhận được ý kiến của Sở Xây dựng',
      content: {},
    },
  });
  return id;
}

const by = { issuedBy: 'supervisor-1' };

describe('letter numbers', () => {
  it('numbers 1, 2, 3 within an agency and year, and starts again for another agency or year', async () => {
    const a = uniqueCode('AG');
    const b = uniqueCode('AG');
    const issuedAt = new Date('2026-11-30T03:00:00Z');
    const numbers = [];
    for (let i = 0; i < 3; i++)
      numbers.push((await issueWithNumber(prisma, await draft(a), { issuedAt, ...by })).number);
    expect(numbers).toEqual([1, 2, 3]);
    expect((await issueWithNumber(prisma, await draft(b), { issuedAt, ...by })).number).toBe(1);
    // 31 Dec 2026 18:00 UTC is already 1 Jan 2027 in Vietnam: a new year, a new sequence.
    const nextYear = await issueWithNumber(prisma, await draft(a), {
      issuedAt: new Date('2026-12-31T18:00:00Z'),
      ...by,
    });
    expect({ year: nextYear.year, number: nextYear.number }).toEqual({ year: 2027, number: 1 });
    expect(formatLetterNumber(numbers[2], 'PXL', a)).toBe(`3/PXL-${a}`);
  });

  it('gives concurrent issuers the numbers 1..20 with no gap and no repeat', async () => {
    const agency = uniqueCode('AG');
    const ids = await Promise.all(Array.from({ length: 20 }, () => draft(agency)));
    const issued = await Promise.all(
      ids.map((id) => issueWithNumber(prisma, id, { issuedAt: new Date('2026-11-30T03:00:00Z'), ...by })),
    );
    expect(issued.map((i) => i.number).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const rows = await prisma.letter.findMany({
      where: { issuingAgencyCode: agency },
      orderBy: { number: 'asc' },
    });
    expect(rows.every((r) => r.status === 'issued' && r.year === 2026 && r.issuedBy === 'supervisor-1')).toBe(
      true,
    );
  });

  it('does not use up a number when the issuing transaction fails', async () => {
    const agency = uniqueCode('AG');
    const id = await draft(agency);
    const issuedAt = new Date('2026-11-30T03:00:00Z');
    await expect(
      issueWithNumber(prisma, id, { issuedAt, ...by }, async () => {
        throw new Error('rendering failed');
      }),
    ).rejects.toThrow('rendering failed');
    const letter = await prisma.letter.findUniqueOrThrow({ where: { id } });
    expect({ status: letter.status, number: letter.number }).toEqual({ status: 'draft', number: null });
    expect((await issueWithNumber(prisma, id, { issuedAt, ...by })).number).toBe(1);
  });

  it('refuses to issue a letter twice and keeps its number', async () => {
    const agency = uniqueCode('AG');
    const id = await draft(agency);
    const issuedAt = new Date('2026-11-30T03:00:00Z');
    await issueWithNumber(prisma, id, { issuedAt, ...by });
    await expect(issueWithNumber(prisma, id, { issuedAt, ...by })).rejects.toBeInstanceOf(
      LetterAlreadyIssuedError,
    );
    const seq = await prisma.letterNumberSequence.findUniqueOrThrow({
      where: { agencyCode_year: { agencyCode: agency, year: 2026 } },
    });
    expect(seq.next).toBe(2);
  });

  it('allocates inside a caller transaction and rolls back with it', async () => {
    const agency = uniqueCode('AG');
    await expect(
      prisma.$transaction(async (tx) => {
        expect(await allocateLetterNumber(tx, agency, 2026)).toBe(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await prisma.$transaction((tx) => allocateLetterNumber(tx, agency, 2026))).toBe(1);
  });
});

describe('letter rows and PDFs', () => {
  it('keeps one apology and one receipt per dossier, but any number of control slips', async () => {
    const agency = uniqueCode('AG');
    const dossier = uniqueCode('D');
    await draft(agency, 'apology', dossier);
    const again = await prisma.letter.createMany({
      data: [
        {
          id: randomUUID(),
          dossierCode: dossier,
          kind: 'apology',
          formId: 'tt03-2025/mau-04',
          ruleSet: 'tt03-2025',
          issuingAgencyCode: agency,
          content: {},
        },
      ],
      skipDuplicates: true,
    });
    expect(again.count).toBe(0);
    await draft(agency, 'receipt', dossier);
    await expect(draft(agency, 'receipt', dossier)).rejects.toThrow();
    await draft(agency, 'control_slip', dossier);
    await draft(agency, 'control_slip', dossier);
    expect(await prisma.letter.count({ where: { dossierCode: dossier } })).toBe(4);
  });

  it('refuses an issued apology without a number', async () => {
    const id = await draft(uniqueCode('AG'));
    await expect(prisma.letter.update({ where: { id }, data: { status: 'issued' } })).rejects.toThrow();
  });

  it('stores a rendered PDF once under the SHA-256 of its bytes', async () => {
    const code = uniqueCode('H');
    const { bytes, sha256 } = await renderLetter(apology({ dossierCode: code }));
    expect(await storeLetterPdf(prisma, bytes)).toBe(sha256);
    const again = await renderLetter(apology({ dossierCode: code }));
    expect(await storeLetterPdf(prisma, again.bytes)).toBe(sha256);
    expect(await prisma.letterPdf.count({ where: { sha256 } })).toBe(1);
    const loaded = await loadLetterPdf(prisma, sha256);
    expect(Buffer.compare(Buffer.from(loaded!), bytes)).toBe(0);
  });
});
