import { DeliverPolicy } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALL_AGENCIES } from '../../domain/access';
import { ALERT_SUBJECT_PREFIX } from '../../domain/alerts';
import { agencyCodeSchema } from '../../domain/dossier';
import { alertSettledSignal, escalationWorkflowId } from '../../workflows/alerts';
import { principalOf, requireRole, visibleAgencyCodes } from '../api/auth';
import { ApiError } from '../api/errors';
import type { LiveStreams } from '../api/live-streams';
import type { Config } from '../config';
import type { Prisma, PrismaClient } from '../db';
import { ensureAlertStream, type Nats } from '../nats';
import { type AlertMessage, alertView, publishAlert } from './publish';
import { type AlertRow, acknowledgeAlert } from './store';
import {
  createSubscription,
  disableSubscription,
  listSubscriptions,
  UnknownAgencyError,
} from './subscriptions';
import {
  alertListQuerySchema,
  alertSubscriptionBodySchema,
  alertSubscriptionViewSchema,
  alertViewSchema,
} from './views';

export interface AlertRouteDeps {
  config: Pick<Config, 'NATS_ALERT_STREAM' | 'NATS_DUPLICATE_WINDOW_HOURS'>;
  prisma: PrismaClient;
  temporal: Client;
  nats?: Nats;
  /** Open streams end when their session or API key does (services/api/live-streams.ts). */
  liveStreams: LiveStreams;
}

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

/** Which alerts the caller sees: supervisor alerts of its agencies; operator alerts for admins. */
async function alertVisibility(
  request: FastifyRequest,
  audience: 'supervisor' | 'operator',
): Promise<Prisma.AlertWhereInput> {
  const principal = principalOf(request);
  if (audience === 'operator') {
    if (
      principal.role !== 'admin' &&
      !(principal.role === 'auditor' && principal.agencyCode === ALL_AGENCIES)
    ) {
      throw new ApiError(403, 'forbidden_role', 'Operator alerts are for admins and nationwide auditors');
    }
    return { audience: 'operator' };
  }
  const codes = await visibleAgencyCodes(request);
  if (codes === 'all') return { audience: 'supervisor' };
  return {
    audience: 'supervisor',
    OR: [{ agencyCode: { in: codes } }, { targetAgencyCode: { in: codes } }],
  };
}

const canSee = (
  codes: string[] | 'all',
  alert: Pick<AlertMessage, 'agencyCode' | 'targetAgencyCode' | 'audience'>,
) =>
  alert.audience === 'supervisor' &&
  (codes === 'all' ||
    (alert.agencyCode !== null && codes.includes(alert.agencyCode)) ||
    (alert.targetAgencyCode !== null && codes.includes(alert.targetAgencyCode)));

const encodeCursor = (a: AlertRow) =>
  Buffer.from(JSON.stringify([a.raisedAt.toISOString(), a.id])).toString('base64url');
function decodeCursor(cursor: string): { raisedAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const raisedAt = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(raisedAt.getTime())) throw new Error('bad cursor');
    return { raisedAt, id };
  } catch {
    throw new ApiError(400, 'invalid_request', 'Invalid cursor: pass nextCursor from the previous page', [
      { field: 'querystring.cursor', message: 'invalid cursor' },
    ]);
  }
}

/** Cảnh báo: list, acknowledge, live stream; subscriptions (admin). */
export const alertRoutes: FastifyPluginAsyncZod<AlertRouteDeps> = async (
  app,
  { config, prisma, temporal, nats, liveStreams },
) => {
  if (nats) await ensureAlertStream(nats.jsm, { ...config, NATS_STREAM_REPLICAS: nats.replicas });
  // Live streams never end by themselves: end them when the API shuts down.
  app.addHook('preClose', async () => liveStreams.close());
  app.get(
    '/v1/alerts',
    {
      schema: {
        summary: 'Alerts visible to the caller, newest first',
        description:
          'Supervisors see the alerts of their agency and every agency below; desks and officers their own ' +
          "agency's; `audience=operator` (event path problems) is for admins. Keyset pages: pass `nextCursor` " +
          'back as `cursor`.',
        tags: ['alerts'],
        querystring: alertListQuerySchema,
        response: {
          200: z.object({ items: z.array(alertViewSchema), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const and: Prisma.AlertWhereInput[] = [await alertVisibility(request, q.audience)];
      if (q.agency) and.push({ OR: [{ agencyCode: q.agency }, { targetAgencyCode: q.agency }] });
      if (q.kind) and.push({ kind: q.kind });
      if (q.dossier) and.push({ dossierCode: q.dossier });
      if (q.state === 'open') and.push({ acknowledgedAt: null, closedAt: null });
      if (q.state === 'acknowledged') and.push({ acknowledgedAt: { not: null } });
      if (q.state === 'closed') and.push({ closedAt: { not: null }, acknowledgedAt: null });
      if (q.cursor) {
        const c = decodeCursor(q.cursor);
        and.push({ OR: [{ raisedAt: { lt: c.raisedAt } }, { raisedAt: c.raisedAt, id: { lt: c.id } }] });
      }
      const rows = await prisma.alert.findMany({
        where: { AND: and },
        orderBy: [{ raisedAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(alertView) as z.infer<typeof alertViewSchema>[],
        nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
      };
    },
  );

  app.post(
    '/v1/alerts/:id/ack',
    {
      onRequest: requireRole('supervisor', 'admin'),
      schema: {
        summary: 'Acknowledge an alert (supervisor of an agency it concerns, or admin): it stops escalating',
        tags: ['alerts'],
        params: z.object({ id: z.string().uuid() }),
        response: { 200: alertViewSchema, ...errors },
      },
    },
    async (request) => {
      const existing = await prisma.alert.findUnique({ where: { id: request.params.id } });
      const codes = await visibleAgencyCodes(request);
      const notFound = () => new ApiError(404, 'alert_not_found', `No alert ${request.params.id}`);
      if (!existing) throw notFound();
      const view = alertView(existing);
      if (existing.audience === 'operator' ? principalOf(request).role !== 'admin' : !canSee(codes, view))
        throw notFound();
      const result = await acknowledgeAlert(prisma, existing.id, principalOf(request).id);
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        throw result.reason === 'closed'
          ? new ApiError(
              409,
              'alert_closed',
              'Cảnh báo đã đóng (hồ sơ đã rời khỏi tình trạng chậm), không cần xác nhận.',
            )
          : new ApiError(409, 'alert_already_acknowledged', 'Cảnh báo này đã được xác nhận.');
      }
      request.log.info({ alertId: existing.id, dossierCode: existing.dossierCode }, 'alert acknowledged');
      if (nats) await publishAlert(nats.js, result.alert, 'acknowledged');
      try {
        await temporal.workflow.getHandle(escalationWorkflowId(existing.id)).signal(alertSettledSignal);
      } catch (err) {
        // The escalation reached the top and ended: nothing to stop. The row decides anyway.
        if (!(err instanceof WorkflowNotFoundError)) request.log.warn({ err }, 'could not signal escalation');
      }
      return alertView(result.alert) as z.infer<typeof alertViewSchema>;
    },
  );

  app.get(
    '/v1/alerts/stream',
    {
      schema: {
        summary: 'Live alerts (server-sent events): raised, escalated, acknowledged, closed',
        description:
          'Each event has `id` (resume with the Last-Event-ID header), `event` (the change) and `data` (the ' +
          'alert as JSON). Scoped like `GET /v1/alerts`.',
        tags: ['alerts'],
        querystring: z.object({ lastEventId: z.coerce.number().int().nonnegative().optional() }).strict(),
      },
    },
    async (request, reply) => {
      if (!nats) throw new ApiError(503, 'dependency_unavailable', 'The alert stream is not available');
      const codes = await visibleAgencyCodes(request);
      const header = request.headers['last-event-id'];
      const resumeFrom = Number(typeof header === 'string' ? header : request.query.lastEventId);
      const startSeq = Number.isSafeInteger(resumeFrom) && resumeFrom > 0 ? resumeFrom + 1 : undefined;
      const consumer = await nats.js.consumers.get(config.NATS_ALERT_STREAM, {
        filter_subjects: `${ALERT_SUBJECT_PREFIX}.>`,
        ...(startSeq
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
          : { deliver_policy: DeliverPolicy.New }),
      });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': motcua alerts\n\n');
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const messages = await consumer.consume();
      const close = () => {
        clearInterval(heartbeat);
        void messages.close();
      };
      // Ends when the client goes, the API stops, or the session/key that opened it ends.
      const unregister = liveStreams.open(
        { principalId: principalOf(request).id, sessionId: request.dashboardSession?.id ?? null },
        close,
      );
      request.raw.on('close', close);
      try {
        for await (const m of messages) {
          let alert: AlertMessage;
          try {
            alert = m.json<AlertMessage>();
          } catch {
            continue;
          }
          if (!canSee(codes, alert)) continue;
          res.write(`id: ${m.seq}\nevent: ${alert.change}\ndata: ${JSON.stringify(alert)}\n\n`);
        }
      } finally {
        unregister();
        clearInterval(heartbeat);
        res.end();
      }
    },
  );

  // ── Subscriptions (admin): who hears about alerts beyond the API ─────────────────────────
  app.post(
    '/v1/admin/alert-subscriptions',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary: 'Subscribe an email address or a webhook to an agency’s alerts (admin)',
        description: 'Webhooks get a signing secret, shown in this answer only (HMAC-SHA256, see README).',
        tags: ['admin', 'alerts'],
        body: alertSubscriptionBodySchema,
        response: {
          201: alertSubscriptionViewSchema.extend({ secret: z.string().nullable() }),
          ...errors,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        return reply
          .status(201)
          .send(await createSubscription(prisma, request.body, principalOf(request).id));
      } catch (err) {
        if (err instanceof UnknownAgencyError) throw new ApiError(422, 'unknown_reference', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/v1/admin/alert-subscriptions',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary: 'List alert subscriptions (admin)',
        tags: ['admin', 'alerts'],
        querystring: z.object({ agency: agencyCodeSchema.optional() }).strict(),
        response: { 200: z.object({ items: z.array(alertSubscriptionViewSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listSubscriptions(prisma, request.query.agency) }),
  );

  app.delete(
    '/v1/admin/alert-subscriptions/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary: 'Disable an alert subscription (admin)',
        tags: ['admin', 'alerts'],
        params: z.object({ id: z.string().uuid() }),
        response: { 200: alertSubscriptionViewSchema, ...errors },
      },
    },
    async (request) => {
      const view = await disableSubscription(prisma, request.params.id);
      if (!view) throw new ApiError(404, 'subscription_not_found', 'No such subscription');
      return view;
    },
  );
};
