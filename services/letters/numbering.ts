/**
 * Letter numbers: one gap-free sequence per issuing agency and (local) year, e.g. the 12th
 * apology of P-TNMT in 2026 is "12/PXL-P-TNMT".
 *
 * Gap-free because the number is taken inside the transaction that issues the letter: the
 * upsert on `letter_number_sequence` locks the (agency, year) row until commit, so concurrent
 * issuers queue, and a transaction that fails (rendering, storing, the workflow refusing)
 * rolls the sequence back with it. Never allocate a number outside such a transaction.
 */
import { formatLetterNumber, localYear } from '../../domain/letters';
import type { Prisma, PrismaClient } from '../db';

export { formatLetterNumber };

/** The numbering year of a letter issued at `issuedAt` (Vietnam local year). */
export const numberingYear = (issuedAt: string | Date): number =>
  localYear(typeof issuedAt === 'string' ? issuedAt : issuedAt.toISOString());

/** Takes the next number of (agency, year) inside the caller's transaction. */
export async function allocateLetterNumber(
  tx: Prisma.TransactionClient,
  agencyCode: string,
  year: number,
): Promise<number> {
  const rows = await tx.$queryRaw<{ number: number }[]>`
    INSERT INTO "letter_number_sequence" ("agency_code", "year", "next")
    VALUES (${agencyCode}, ${year}, 2)
    ON CONFLICT ("agency_code", "year")
    DO UPDATE SET "next" = "letter_number_sequence"."next" + 1
    RETURNING ("next" - 1)::int AS "number"`;
  const number = rows[0]?.number;
  if (typeof number !== 'number') throw new Error('letter number allocation returned no row');
  return number;
}

export class LetterNotFoundError extends Error {
  readonly code = 'letter_not_found';
  constructor(readonly letterId: string) {
    super(`letter ${letterId} does not exist`);
  }
}

/** Issuing twice is a conflict (HTTP 409), never a second number. */
export class LetterAlreadyIssuedError extends Error {
  readonly code = 'letter_already_issued';
  constructor(
    readonly letterId: string,
    readonly number: number | null,
  ) {
    super(`letter ${letterId} is already issued`);
  }
}

/** Rendering the final PDF happens inside the transaction: allow more than Prisma's 5 s. */
const ISSUE_TRANSACTION = { maxWait: 10_000, timeout: 30_000 };

export interface IssuedNumber {
  letterId: string;
  agencyCode: string;
  year: number;
  number: number;
}

/**
 * Numbers and issues a draft letter in one transaction. `finalize` runs inside it with the
 * number (render the final PDF, store it, update the content): if it throws, nothing is
 * issued and the number is not used.
 */
export async function issueWithNumber<T = void>(
  prisma: PrismaClient,
  letterId: string,
  opts: { issuedAt: Date; issuedBy: string },
  finalize?: (tx: Prisma.TransactionClient, issued: IssuedNumber) => Promise<T>,
): Promise<IssuedNumber & { result: T | undefined }> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: string; issuing_agency_code: string; number: number | null }[]>`
      SELECT "status", "issuing_agency_code", "number" FROM "letter" WHERE "id" = ${letterId} FOR UPDATE`;
    const letter = rows[0];
    if (!letter) throw new LetterNotFoundError(letterId);
    if (letter.status === 'issued') throw new LetterAlreadyIssuedError(letterId, letter.number);
    const year = numberingYear(opts.issuedAt);
    const number = await allocateLetterNumber(tx, letter.issuing_agency_code, year);
    const issued: IssuedNumber = { letterId, agencyCode: letter.issuing_agency_code, year, number };
    await tx.letter.update({
      where: { id: letterId },
      data: { status: 'issued', number, year, issuedAt: opts.issuedAt, issuedBy: opts.issuedBy },
    });
    const result = finalize ? await finalize(tx, issued) : undefined;
    return { ...issued, result };
  }, ISSUE_TRANSACTION);
}
