/**
 * Rendered PDFs stored once, addressed by the SHA-256 of their bytes (`letter_pdf`). The
 * renderer is deterministic, so re-rendering unchanged content finds the stored copy.
 */
import type { Prisma, PrismaClient } from '../db';
import { sha256Hex } from './render';

type Db = PrismaClient | Prisma.TransactionClient;

/** Stores the bytes unless already there; returns their content address. */
export async function storeLetterPdf(db: Db, bytes: Uint8Array): Promise<string> {
  const sha256 = sha256Hex(bytes);
  await db.letterPdf.createMany({
    data: [{ sha256, bytes: new Uint8Array(bytes), size: bytes.byteLength }],
    skipDuplicates: true,
  });
  return sha256;
}

/** The stored bytes of a content address, verified against it. */
export async function loadLetterPdf(db: Db, sha256: string): Promise<Uint8Array | null> {
  const row = await db.letterPdf.findUnique({ where: { sha256 }, select: { bytes: true } });
  if (!row) return null;
  const bytes = new Uint8Array(row.bytes);
  if (sha256Hex(bytes) !== sha256) throw new Error(`stored PDF ${sha256} does not match its address`);
  return bytes;
}
