import { z } from 'zod';
import type { Prisma, PrismaClient } from '../db';

/**
 * The auditor's own trail (issue 10: "auditor calls are themselves logged: who, what, when"):
 * table `audit_log`, append-only (triggers refuse UPDATE/DELETE/TRUNCATE; the app role is granted
 * neither). Written by the history endpoint, by rate/series/report/score reads of auditors, by every
 * periodic report downloaded as CSV/XLSX (any role), by every `motcua audit …` and `motcua report …`
 * run and by reads of the log itself; read with `GET /v1/audit/log` and
 * `motcua audit log`.
 */
export interface AuditEntry {
  /** API key id (`admin-token` for the bootstrap token) or `cli:<OS user>`. */
  who: string;
  role?: string | null;
  via: 'api' | 'cli';
  /**
   * What was read or run: `dossier_history`, `rates`, `rates_series`, `period_report`, `scores_766`,
   * `audit_log`, `cli:verify`, `cli:report-rates`, `cli:report-period`, `cli:report-766`…
   */
  action: string;
  /** The agency whose data was read (the query's agency, the dossier's receiving agency). */
  agencyCode?: string | null;
  dossierCode?: string | null;
  /** The query or the command's options. */
  details?: Record<string, unknown>;
}

export async function recordAudit(prisma: Pick<PrismaClient, 'auditLog'>, entry: AuditEntry): Promise<void> {
  await prisma.auditLog.create({
    data: {
      who: entry.who,
      role: entry.role ?? null,
      via: entry.via,
      action: entry.action,
      agencyCode: entry.agencyCode ?? null,
      dossierCode: entry.dossierCode ?? null,
      details: JSON.parse(JSON.stringify(entry.details ?? {})) as Prisma.InputJsonValue,
    },
  });
}

export const auditLogQuerySchema = z.object({
  /** Entries at or after this instant. */
  since: z.iso.datetime({ offset: true }).optional(),
  /** Entries before this instant. */
  until: z.iso.datetime({ offset: true }).optional(),
  who: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(64).optional(),
  agency: z.string().min(1).max(64).optional(),
  dossier: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `nextCursor` of the previous page: entries older than it. */
  cursor: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
});
export type AuditLogQuery = z.infer<typeof auditLogQuerySchema>;

export interface AuditLogEntryView {
  id: string;
  at: string;
  who: string;
  role: string | null;
  via: string;
  action: string;
  agencyCode: string | null;
  dossierCode: string | null;
  details: unknown;
}

/**
 * Newest first, keyset-paged by id. `visible`: the caller's agencies (an auditor below `*` sees
 * the entries about its agencies only), or `all`.
 */
export async function readAuditLog(
  prisma: Pick<PrismaClient, 'auditLog'>,
  query: AuditLogQuery,
  visible: 'all' | readonly string[] = 'all',
): Promise<{ entries: AuditLogEntryView[]; nextCursor: string | null }> {
  const where: Prisma.AuditLogWhereInput = {
    ...(query.since || query.until
      ? {
          at: {
            ...(query.since ? { gte: new Date(query.since) } : {}),
            ...(query.until ? { lt: new Date(query.until) } : {}),
          },
        }
      : {}),
    ...(query.who ? { who: query.who } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.dossier ? { dossierCode: query.dossier } : {}),
    ...(query.cursor ? { id: { lt: BigInt(query.cursor) } } : {}),
  };
  const agencies =
    visible === 'all'
      ? query.agency
        ? [query.agency]
        : undefined
      : query.agency
        ? visible.filter((a) => a === query.agency)
        : [...visible];
  if (agencies) where.agencyCode = { in: agencies };
  const rows = await prisma.auditLog.findMany({ where, orderBy: { id: 'desc' }, take: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      who: r.who,
      role: r.role,
      via: r.via,
      action: r.action,
      agencyCode: r.agencyCode,
      dossierCode: r.dossierCode,
      details: r.details,
    })),
    nextCursor: rows.length > query.limit ? page[page.length - 1]!.id.toString() : null,
  };
}
