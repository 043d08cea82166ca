import { type Agency, type Procedure, sampleAgencies, sampleProcedures } from '../domain/reference';
import type { PrismaClient } from './db';

/** Upserts agencies parents-first, then procedures; idempotent. */
export async function upsertReferenceData(
  prisma: PrismaClient,
  agencies: Agency[],
  procedures: Procedure[],
): Promise<void> {
  const byCode = new Map(agencies.map((a) => [a.code, a]));
  const depth = (a: Agency): number =>
    a.parentCode && byCode.has(a.parentCode) ? 1 + depth(byCode.get(a.parentCode)!) : 0;
  for (const a of [...agencies].sort((x, y) => depth(x) - depth(y))) {
    await prisma.agency.upsert({ where: { code: a.code }, create: a, update: a });
  }
  for (const p of procedures) {
    await prisma.procedure.upsert({ where: { code: p.code }, create: p, update: p });
  }
}

/** Dữ liệu mẫu for a fresh system (marked as sample in names and the is_sample flag). */
export function seedSampleReferenceData(prisma: PrismaClient): Promise<void> {
  return upsertReferenceData(prisma, sampleAgencies, sampleProcedures);
}
