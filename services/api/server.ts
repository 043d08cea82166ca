import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { rateTargets } from '../../domain/rate-targets';
import { alertRoutes } from '../alerts/routes';
import { createCalendarStore } from '../calendars';
import { type Config, payloadKeys } from '../config';
import { dashboardRoutes } from '../dashboard/routes';
import type { PrismaClient } from '../db';
import { letterRoutes } from '../letters/routes';
import type { Logger } from '../logger';
import type { Nats } from '../nats';
import { PayloadEncryptionCodec } from '../payload-codec';
import { rateRoutes } from '../rates/routes';
import { procedureRulesAt } from '../reference';
import type { ReferenceCache } from '../reference-cache';
import { registerAuth } from './auth';
import { registerErrorHandling } from './errors';
import { createLiveStreams } from './live-streams';
import { jsonSchemaTransformWithExamples } from './openapi-examples';
import { backfillRoutes } from './routes/backfill';
import { calendarRoutes } from './routes/calendar';
import { catalogueRoutes } from './routes/catalogue';
import { codecRoutes, registerCodecCors } from './routes/codec';
import { dossierRoutes } from './routes/dossiers';
import { keyRoutes } from './routes/keys';

export interface ApiDeps {
  config: Pick<
    Config,
    'TEMPORAL_TASK_QUEUE' | 'MOTCUA_ADMIN_TOKEN' | 'NATS_ALERT_STREAM' | 'NATS_DUPLICATE_WINDOW_HOURS'
  > &
    Partial<Pick<Config, 'MOTCUA_PAYLOAD_KEYS' | 'MOTCUA_CODEC_CORS_ORIGINS' | 'NODE_ENV'>> &
    Partial<
      Pick<
        Config,
        | 'MOTCUA_INSTANT_TOLERANCE_MINUTES'
        | 'MOTCUA_MAX_APPOINTMENT_EXTENSION_DAYS'
        | 'ACTION_TIMEOUT_MS'
        | 'IDEMPOTENCY_TTL_HOURS'
        | 'MOTCUA_SESSION_HOURS'
        | 'MOTCUA_STREAM_RECHECK_SECONDS'
        | 'MOTCUA_RATE_TARGETS'
      >
    >;
  logger: Logger;
  prisma: PrismaClient;
  /** Rate queries and dossier lists (a read replica when DATABASE_READ_URL is set); default `prisma`. */
  readPrisma?: PrismaClient;
  temporal: Client;
  /** The alert feed (SSE) and acknowledgements published to other systems. */
  nats?: Nats;
  /** API keys, the catalogue, agencies and calendars in memory until they change (services/reference-cache.ts). */
  referenceCache?: ReferenceCache;
  now?: () => Date;
}

/** The HTTP API: versioned under /v1, OpenAPI at /docs. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'motcua API',
        description: 'Hồ sơ thủ tục hành chính: intake, actions and read models',
        version: '1',
      },
      // Every /v1 route: Authorization: Bearer <API key or MOTCUA_ADMIN_TOKEN>.
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    // Examples from the sample catalogue on every parameter and body (issue 11).
    transform: jsonSchemaTransformWithExamples,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  registerCodecCors(
    app,
    (deps.config.MOTCUA_CODEC_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  );
  const bindSession = registerAuth(app, {
    prisma: deps.prisma,
    adminToken: deps.config.MOTCUA_ADMIN_TOKEN,
    ...(deps.referenceCache && { referenceCache: deps.referenceCache }),
  });
  const calendars = createCalendarStore(deps.prisma, deps.referenceCache);
  // Read-your-writes in this process: an admin change (key, calendar, agency layer, catalogue) drops
  // the cache before its answer leaves, not only when PostgreSQL's notification arrives a moment later.
  const referenceCache = deps.referenceCache;
  if (referenceCache) {
    app.addHook('onSend', async (request, _reply, payload) => {
      const safe = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
      if (!safe && (request.routeOptions.url ?? '').startsWith('/v1/admin/')) referenceCache.invalidate();
      return payload;
    });
  }
  const keys = payloadKeys({
    MOTCUA_PAYLOAD_KEYS: deps.config.MOTCUA_PAYLOAD_KEYS,
    NODE_ENV: deps.config.NODE_ENV ?? 'development',
  });
  await app.register(codecRoutes, { codec: keys && new PayloadEncryptionCodec(keys) });
  await app.register(dossierRoutes, deps);
  await app.register(backfillRoutes, deps);
  await app.register(calendarRoutes, {
    config: deps.config,
    calendars,
    procedureDeadline: async (code, at) =>
      (await procedureRulesAt(deps.prisma, code, at, deps.referenceCache))?.deadline,
  });
  const liveStreams = createLiveStreams({
    prisma: deps.prisma,
    recheckMs: (deps.config.MOTCUA_STREAM_RECHECK_SECONDS ?? 5) * 1000,
    onError: (err) => deps.logger.warn({ err }, 'could not recheck the credentials of open alert streams'),
  });
  await app.register(keyRoutes, { prisma: deps.prisma, liveStreams });
  await app.register(catalogueRoutes, { prisma: deps.prisma });
  await app.register(rateRoutes, {
    prisma: deps.readPrisma ?? deps.prisma,
    auditPrisma: deps.prisma,
    temporal: deps.temporal,
  });
  await app.register(alertRoutes, {
    config: deps.config,
    prisma: deps.prisma,
    temporal: deps.temporal,
    ...(deps.nats && { nats: deps.nats }),
    liveStreams,
  });
  await app.register(letterRoutes, {
    prisma: deps.prisma,
    temporal: deps.temporal,
    ...(deps.now && { now: deps.now }),
  });
  // The dashboard (bảng điều khiển) at `/`: HTML views of the routes above, signed in by session.
  await app.register(dashboardRoutes, {
    prisma: deps.prisma,
    bindSession,
    calendars,
    adminToken: deps.config.MOTCUA_ADMIN_TOKEN,
    sessionTtlMs: (deps.config.MOTCUA_SESSION_HOURS ?? 8) * 3_600_000,
    targets: rateTargets(deps.config.MOTCUA_RATE_TARGETS),
    liveStreams,
    ...(deps.now && { now: deps.now }),
  });
  return app;
}
