import type { Role } from '../../domain/commands';
import type { PrismaClient } from '../../services/db';
import { createApiKey } from '../../services/keys';

export interface TestKey {
  id: string;
  token: string;
  /** `{ authorization: 'Bearer <token>' }`, to spread into fetch headers. */
  headers: { authorization: string };
}

/** A real API key in the test database (same code path as `motcua keys create`). */
export async function createTestKey(
  prisma: PrismaClient,
  opts: { role: Role; agencyCode: string; name?: string },
): Promise<TestKey> {
  const { key, token } = await createApiKey(prisma, {
    role: opts.role,
    agencyCode: opts.agencyCode,
    name: opts.name ?? `test ${opts.role} ${opts.agencyCode}`,
    createdBy: 'test',
  });
  return { id: key.id, token, headers: { authorization: `Bearer ${token}` } };
}

/** Headers of a JSON call with a bearer token. */
export const bearer = (token: string) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
});
