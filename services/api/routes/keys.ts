import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatVietnamInstant } from '../../../domain/calendar';
import { roleSchema } from '../../../domain/commands';
import { safeText } from '../../../domain/text';
import type { PrismaClient } from '../../db';
import { type ApiKeyInfo, ApiKeyInputError, createApiKey, listApiKeys, revokeApiKey } from '../../keys';
import { requireRole } from '../auth';
import { ApiError } from '../errors';
import type { LiveStreams } from '../live-streams';

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
const vnInstant = z.string().describe('ISO 8601 instant in Vietnam time (+07:00)');

const keyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  agencyCode: z.string().describe("agency scope, '*' = all agencies (admin and auditor keys only)"),
  createdBy: z.string(),
  createdAt: vnInstant,
  revokedAt: vnInstant.nullable(),
  lastUsedAt: vnInstant.nullable(),
});

const view = (k: ApiKeyInfo): z.infer<typeof keyViewSchema> => ({
  id: k.id,
  name: k.name,
  role: k.role,
  agencyCode: k.agencyCode,
  createdBy: k.createdBy,
  createdAt: formatVietnamInstant(k.createdAt),
  revokedAt: k.revokedAt ? formatVietnamInstant(k.revokedAt) : null,
  lastUsedAt: k.lastUsedAt ? formatVietnamInstant(k.lastUsedAt) : null,
});

export interface KeyRouteDeps {
  prisma: PrismaClient;
  /** Open alert streams: a revoked key's end at once. */
  liveStreams?: LiveStreams;
}

/** API key management (admin): the same operations as `motcua keys …`. */
export const keyRoutes: FastifyPluginAsyncZod<KeyRouteDeps> = async (app, { prisma, liveStreams }) => {
  const adminOnly = requireRole('admin');

  app.post(
    '/v1/admin/keys',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Create an API key; the token is shown in this answer only (admin)',
        tags: ['admin'],
        body: z
          .object({
            role: roleSchema,
            agencyCode: z.string().min(1).max(100),
            name: safeText(200).describe('who uses it, e.g. "Phần mềm một cửa xã An Bình"'),
          })
          .strict(),
        response: {
          201: keyViewSchema.extend({ token: z.string().describe('mck_<id>_<secret>; store it now') }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        const { key, token } = await createApiKey(prisma, {
          ...request.body,
          createdBy: request.principal.id,
        });
        request.log.info({ keyId: key.id, role: key.role, agencyCode: key.agencyCode }, 'API key created');
        return reply.status(201).send({ ...view(key), token });
      } catch (err) {
        if (err instanceof ApiKeyInputError) {
          throw new ApiError(err.code === 'invalid_text' ? 400 : 422, err.code, err.message, [
            { field: `body.${err.field}`, message: err.message },
          ]);
        }
        throw err;
      }
    },
  );

  app.get(
    '/v1/admin/keys',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'List API keys (never their secrets), newest first (admin)',
        tags: ['admin'],
        querystring: z.object({
          agency: z.string().min(1).optional(),
          includeRevoked: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => v === 'true'),
        }),
        response: { 200: z.array(keyViewSchema), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) =>
      (
        await listApiKeys(prisma, {
          agencyCode: request.query.agency,
          includeRevoked: request.query.includeRevoked,
        })
      ).map(view),
  );

  app.delete(
    '/v1/admin/keys/:id',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Revoke an API key at once (admin); revoking twice keeps the first time',
        tags: ['admin'],
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: keyViewSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const key = await revokeApiKey(prisma, request.params.id);
      if (!key) throw new ApiError(404, 'key_not_found', `No API key ${request.params.id}`);
      request.log.info({ keyId: key.id }, 'API key revoked');
      // Its open alert streams end now (the other API processes notice within their recheck).
      liveStreams?.endPrincipal(key.id);
      return view(key);
    },
  );
};
