import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors';

/** Recorded as the publisher of admin changes (provenance) until per-user API keys exist. */
export const ADMIN_ACTOR = 'admin-token';

/** onRequest hook: admin routes check the bearer token before anything else, validation included. */
export function adminOnly(adminToken: string | undefined) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!adminToken) {
      throw new ApiError(403, 'admin_disabled', 'Admin endpoints are disabled: set MOTCUA_ADMIN_TOKEN');
    }
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = Buffer.from(adminToken);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(401, 'unauthorized', 'A valid admin bearer token is required');
    }
  };
}
