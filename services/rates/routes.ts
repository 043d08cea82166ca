import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COUNTERS } from '../../domain/counters';
import { RATE_KEYS } from '../../domain/rates';
import { principalOf, visibleAgencyCodes } from '../api/auth';
import { ApiError } from '../api/errors';
import { loadConfig } from '../config';
import type { PrismaClient } from '../db';
import { verifyChains } from './audit';
import { auditLogQuerySchema, readAuditLog, recordAudit } from './audit-log';
import {
  periodCaption,
  periodFileName,
  periodReport,
  periodReportCsv,
  periodReportQuerySchema,
  periodReportXlsx,
} from './period-report';
import {
  MAX_SERIES_MONTHS,
  RateQueryError,
  rateQuerySchema,
  rateReport,
  rateSeries,
  rateSeriesQuerySchema,
} from './query';
import { scoreQuerySchema, scoreReport } from './scores';

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema };

const rateSchema = z.object({ numerator: z.number(), denominator: z.number(), value: z.number().nullable() });
const countsSchema = z.object(Object.fromEntries(COUNTERS.map((c) => [c, z.number()])));
const pendingSchema = z.object({ pending: z.number(), inTime: z.number(), overdue: z.number() });

export const rateReportSchema = z.object({
  agency: z.string(),
  from: z.string(),
  to: z.string(),
  procedure: z.string().nullable(),
  level: z.string().nullable(),
  backfilled: z.enum(['include', 'exclude', 'only']),
  agencies: z.array(z.string()),
  rates: z.object(Object.fromEntries(RATE_KEYS.map((k) => [k, rateSchema]))),
  counts: countsSchema.extend({ received: z.number(), resolved: z.number(), ratings: z.number() }),
  backfilledCounts: countsSchema,
  pending: z.object({ carriedOver: pendingSchema, atEnd: pendingSchema }),
});

export const rateSeriesSchema = z.object({
  agency: z.string(),
  from: z.string().describe('first month, YYYY-MM'),
  to: z.string().describe('last month, YYYY-MM'),
  procedure: z.string().nullable(),
  level: z.string().nullable(),
  backfilled: z.enum(['include', 'exclude', 'only']),
  agencies: z.array(z.string()),
  months: z.array(
    rateReportSchema
      .pick({ from: true, to: true, rates: true, counts: true, backfilledCounts: true, pending: true })
      .extend({ month: z.string().describe('YYYY-MM') }),
  ),
});

export interface RateRouteDeps {
  /** Reads (a read replica when DATABASE_READ_URL is set). */
  prisma: PrismaClient;
  /** Where the audit trail is written: the primary (a replica refuses writes); default `prisma`. */
  auditPrisma?: PrismaClient;
  /** For the Temporal history summary of `GET /v1/dossiers/:code/history` (omitted when absent). */
  temporal?: Client;
}

/** GET /v1/rates and the auditor's chain verdict, from counter buckets and the event log. */
export const rateRoutes: FastifyPluginAsyncZod<RateRouteDeps> = async (
  app,
  { prisma, auditPrisma = prisma, temporal },
) => {
  const reportPeriod = loadConfig().MOTCUA_REPORT_PERIOD;
  /**
   * Auditor calls are themselves logged (who, what, when): in `audit_log` (append-only) and the
   * process log. A read whose trail cannot be written fails.
   */
  const audited = async (
    request: FastifyRequest,
    action: string,
    target: { agencyCode?: string | null; dossierCode?: string | null; details?: Record<string, unknown> },
  ) => {
    const principal = principalOf(request);
    request.log.info(
      { audit: true, principalId: principal.id, role: principal.role, action, ...target },
      'auditor call',
    );
    await recordAudit(auditPrisma, {
      who: principal.id,
      role: principal.role,
      via: 'api',
      action,
      ...target,
    });
  };
  const byAuditor = (request: FastifyRequest) => principalOf(request).role === 'auditor';
  const answer = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RateQueryError) throw new ApiError(err.status, err.code, err.message);
      throw err;
    }
  };

  app.get(
    '/v1/reports/period',
    {
      schema: {
        summary: 'Periodic report (Circular 01/2020/TT-VPCP) as JSON, CSV or XLSX',
        description:
          'One row for the agency’s own desk, one per agency directly below it (with its subtree), and the total. ' +
          '`period`: 2026-11 (month), 2026-Q3 (quarter), 2026 (year). `convention`: calendar (default: ' +
          'MOTCUA_REPORT_PERIOD) or mid-month (15th of the previous month → 14th).',
        tags: ['rates'],
        querystring: periodReportQuerySchema,
        response: { 200: z.any().describe('the report: JSON, text/csv or XLSX'), ...errors },
      },
    },
    async (request, reply) => {
      const visible = await visibleAgencyCodes(request);
      const { format, ...query } = request.query;
      // A CSV/XLSX download is the official report leaving the system: recorded whoever asks. JSON
      // reads (the dashboard's preview) are recorded for auditors, like the other rate reads.
      if (byAuditor(request) || format === 'csv' || format === 'xlsx') {
        await audited(request, 'period_report', { agencyCode: request.query.agency, details: request.query });
      }
      const report = await answer(() => periodReport(prisma, query, reportPeriod, visible));
      reply.header('x-report-period', `${report.from}/${report.to} ${report.convention}`);
      if (format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${periodFileName(report, 'csv')}"`)
          .send(periodReportCsv(report));
      }
      if (format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${periodFileName(report, 'xlsx')}"`)
          .send(await periodReportXlsx(report));
      }
      return reply
        .type('application/json')
        .send(JSON.stringify({ ...report, caption: periodCaption(report) }));
    },
  );
  app.get(
    '/v1/scores/766',
    {
      schema: {
        summary: 'Decision 766/QĐ-TTg scores of an agency (and everything below it) for a period',
        description:
          'Five groups from the counters, weights and thresholds from the versioned configuration; each ' +
          'criterion shows the rate and counts it came from. Publicity criteria are inputs (`inputs=key:points,…`).',
        tags: ['rates'],
        querystring: scoreQuerySchema,
        response: { 200: z.any(), ...errors },
      },
    },
    async (request) => {
      if (byAuditor(request)) {
        await audited(request, 'scores_766', { agencyCode: request.query.agency, details: request.query });
      }
      const visible = await visibleAgencyCodes(request);
      return answer(() => scoreReport(prisma, request.query, reportPeriod, visible));
    },
  );

  app.get(
    '/v1/rates',
    {
      schema: {
        summary:
          'On-time, digitization, online, payment, satisfaction and apology rates (sums of counter buckets)',
        description:
          'Local days (Asia/Ho_Chi_Minh), `from` and `to` inclusive; the agency and every agency below it ' +
          '(within the caller’s scope). Liên thông dossiers count for the receiving agency. ' +
          '`backfilled`: include (default), exclude or only dossiers loaded through the admin backfill.',
        tags: ['rates'],
        querystring: rateQuerySchema,
        response: { 200: rateReportSchema, ...errors },
      },
    },
    async (request) => {
      const visible = await visibleAgencyCodes(request);
      if (byAuditor(request)) {
        await audited(request, 'rates', { agencyCode: request.query.agency, details: request.query });
      }
      return answer(() => rateReport(prisma, request.query, visible));
    },
  );

  app.get(
    '/v1/rates/series',
    {
      schema: {
        summary:
          'A month series of the rates of GET /v1/rates, in one call (one SQL statement over the roll-ups)',
        description:
          `Calendar months \`from\`..\`to\` (YYYY-MM, both inclusive, at most ${MAX_SERIES_MONTHS}); each month is ` +
          'exactly what `GET /v1/rates` answers for its first to last local day (rates, counts, backfilled ' +
          'counts, pending stock carried over and at the end). Same scope, `procedure`, `level` and `backfilled` ' +
          'as `GET /v1/rates`.',
        tags: ['rates'],
        querystring: rateSeriesQuerySchema,
        response: { 200: rateSeriesSchema, ...errors },
      },
    },
    async (request) => {
      const visible = await visibleAgencyCodes(request);
      if (byAuditor(request)) {
        await audited(request, 'rates_series', { agencyCode: request.query.agency, details: request.query });
      }
      return answer(() => rateSeries(prisma, request.query, visible));
    },
  );

  app.get(
    '/v1/dossiers/:code/history',
    {
      schema: {
        summary: 'Auditor: the stored events with actors and the verified hash chain',
        tags: ['audit'],
        params: z.object({ code: z.string().min(1).max(64) }),
        response: {
          200: z.object({
            code: z.string(),
            chain: z.object({
              ok: z.boolean(),
              firstBadSeq: z.number().nullable(),
              problems: z.array(z.unknown()),
            }),
            temporal: z
              .object({
                workflowId: z.string(),
                runId: z.string(),
                status: z.string(),
                historyLength: z.number(),
                startTime: z.string(),
                closeTime: z.string().nullable(),
              })
              .nullable()
              .describe('the latest run of the dossier workflow (null when Temporal no longer has it)'),
            events: z.array(
              z.object({
                seq: z.number(),
                type: z.string(),
                occurredAt: z.string(),
                actor: z.unknown().nullable(),
                hash: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!['auditor', 'admin', 'supervisor'].includes(principal.role)) {
        throw new ApiError(403, 'forbidden_role', `Role ${principal.role} may not read audit history`);
      }
      const { code } = request.params;
      const row = await prisma.dossier.findUnique({
        where: { code },
        select: { agencyCode: true, currentAgencyCode: true, participants: true },
      });
      const visible = await visibleAgencyCodes(request);
      const seen =
        row &&
        (visible === 'all' ||
          [row.agencyCode, row.currentAgencyCode, ...row.participants].some((a) => a && visible.includes(a)));
      if (!seen) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
      await audited(request, 'dossier_history', { agencyCode: row.agencyCode, dossierCode: code });
      const [verdict] = await verifyChains(prisma, { dossier: code });
      const events = await prisma.dossierEvent.findMany({
        where: { dossierCode: code },
        orderBy: { seq: 'asc' },
      });
      const summary = temporal
        ? await temporal.workflow
            .getHandle(`dossier-${code}`)
            .describe()
            .then((d) => ({
              workflowId: d.workflowId,
              runId: d.runId,
              status: d.status.name,
              historyLength: d.historyLength,
              startTime: d.startTime.toISOString(),
              closeTime: d.closeTime?.toISOString() ?? null,
            }))
            .catch((err) => {
              request.log.debug({ err, dossierCode: code }, 'no Temporal history for the dossier');
              return null;
            })
        : null;
      return {
        code,
        temporal: summary,
        chain: {
          ok: verdict?.ok ?? true,
          firstBadSeq: verdict?.problems[0]?.seq ?? null,
          problems: verdict?.problems ?? [],
        },
        events: events.map((e) => {
          const payload = (e.payload as { payload?: { actor?: unknown } } | null)?.payload;
          return {
            seq: e.seq,
            type: e.type,
            occurredAt: e.occurredAt.toISOString(),
            actor: payload?.actor ?? null,
            hash: e.hash,
          };
        }),
      };
    },
  );
  app.get(
    '/v1/audit/log',
    {
      schema: {
        summary: 'Auditor: who read what, when (the audit trail of auditor calls and `motcua audit` runs)',
        description:
          'Newest first, keyset-paged (`nextCursor` → `cursor`). Entries: every history read, rate/series/report/score ' +
          'reads by auditors, every periodic report downloaded as CSV or XLSX (any role), every `motcua audit …` ' +
          'and `motcua report …` run, and reads of this log. Auditors and admins only; an ' +
          'auditor below `*` sees the entries about its agencies.',
        tags: ['audit'],
        querystring: auditLogQuerySchema,
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                id: z.string(),
                at: z.string(),
                who: z.string(),
                role: z.string().nullable(),
                via: z.string(),
                action: z.string(),
                agencyCode: z.string().nullable(),
                dossierCode: z.string().nullable(),
                details: z.unknown(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!['auditor', 'admin'].includes(principal.role)) {
        throw new ApiError(
          403,
          'forbidden_role',
          `Vai trò ${principal.role} không được xem nhật ký kiểm tra.`,
        );
      }
      const visible = await visibleAgencyCodes(request);
      await audited(request, 'audit_log', {
        agencyCode: request.query.agency ?? (principal.agencyCode === '*' ? null : principal.agencyCode),
        details: request.query,
      });
      return readAuditLog(prisma, request.query, visible);
    },
  );
};
