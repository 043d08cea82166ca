/**
 * `motcua audit …` — the auditor's tools over the event log (DATABASE_URL; replay also Temporal).
 *
 *   audit verify [--dossier CODE] [--json]           recompute hash chains; exit 1 on any problem
 *   audit rebuild-counters --from D --to D [--agency CODE] [--repair]  recompute buckets, diff with live; exit 1 on a diff
 *   audit replay [--dossier CODE… | --query Q] [--limit N] replay workflow histories; exit 1 on failure
 *
 *   audit log [--since I] [--who W] [--action A] [--agency C] [--limit N] [--json]  the audit trail
 *
 * Each run is logged (who, what, when) in the append-only `audit_log` table and the motcua logger.
 */
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { agencySubtree } from '../../domain/access';
import { epochDayFromIso } from '../../domain/calendar/time';
import { loadConfig } from '../config';
import type { PrismaClient } from '../db';
import { createLogger } from '../logger';
import { rebuildCounters, verifyChains } from '../rates/audit';
import { auditLogQuerySchema, readAuditLog, recordAudit } from '../rates/audit-log';
import { MIN_HISTORIES_PER_PROCESS, replayDossiersInProcesses, replayTargets } from '../rates/replay';
import { connectTemporalClient } from '../temporal';
import { readDevPayloadKeys, readDevStack } from './dev-stack';
import { cliIo } from './io';
import { defaultPrisma } from './report';

export interface AuditCommandOptions {
  prisma?: () => PrismaClient;
  out?: (s: string) => void;
  err?: (s: string) => void;
  /** Where a failed verification's exit code goes (default: process.exitCode). */
  setExitCode?: (code: number) => void;
  /** Temporal address for replay (default TEMPORAL_ADDRESS, else the running dev stack). */
  temporalAddress?: string;
}

const isDate = (d: string) => {
  try {
    epochDayFromIso(d);
    return true;
  } catch {
    return false;
  }
};

export function auditCommand(opts: AuditCommandOptions = {}): Command {
  const { out, err, configure, fail } = cliIo('audit', opts);
  const openPrisma = opts.prisma ?? defaultPrisma;
  const setExitCode = opts.setExitCode ?? ((code: number) => (process.exitCode = code));
  const who = `cli:${userInfo().username}`;
  /** Who ran what, when: the `audit_log` table (append-only) and the process log. */
  const auditLog = async (
    command: string,
    details: Record<string, unknown> & { agency?: string | null; dossier?: string | null },
  ) => {
    createLogger('audit', loadConfig().LOG_LEVEL).info(
      { audit: true, who, command, ...details },
      'auditor command',
    );
    await withPrisma((prisma) =>
      recordAudit(prisma, {
        who,
        via: 'cli',
        action: `cli:${command}`,
        agencyCode: details.agency ?? null,
        dossierCode: details.dossier ?? null,
        details,
      }),
    );
  };
  const withPrisma = async <T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> => {
    const prisma = openPrisma();
    try {
      return await fn(prisma);
    } finally {
      await prisma.$disconnect();
    }
  };

  const root = configure(
    new Command('audit').description(
      "The auditor's tools: hash-chain verification, counter rebuild, workflow replay",
    ),
  );

  configure(
    root
      .command('verify')
      .description(
        'recompute every dossier’s hash chain from the stored events; exit 1 if a row was changed, removed or reordered',
      )
      .option('--dossier <code>', 'one dossier only')
      .option('--json', 'print the problems as JSON'),
  ).action(async (o: { dossier?: string; json?: boolean }) => {
    await auditLog('verify', { dossier: o.dossier ?? null });
    const verdicts = await withPrisma((prisma) =>
      verifyChains(prisma, {
        ...(o.dossier ? { dossier: o.dossier } : {}),
        onProgress: (n) => {
          if (n % 1000 === 0) err(`audit: ${n} dossiers verified\n`);
        },
      }),
    );
    if (o.dossier && verdicts.length === 0) return fail(`no dossier ${o.dossier}`);
    const problems = verdicts.flatMap((v) => v.problems);
    const events = verdicts.reduce((s, v) => s + v.events, 0);
    if (o.json)
      out(
        `${JSON.stringify({ dossiers: verdicts.length, events, ok: problems.length === 0, problems }, null, 2)}\n`,
      );
    else {
      for (const p of problems) out(`${p.dossierCode} seq ${p.seq}: ${p.kind} — ${p.detail}\n`);
      out(
        problems.length === 0
          ? `ok: ${verdicts.length} dossiers, ${events} events, every chain verified\n`
          : `FAILED: ${problems.length} problems in ${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} dossiers\n`,
      );
    }
    if (problems.length > 0) setExitCode(1);
  });

  configure(
    root
      .command('rebuild-counters')
      .description(
        'recompute the counter buckets of the range from the event log into a scratch table and diff them against the live ones; exit 0 only on zero difference',
      )
      .requiredOption('--from <date>', 'first local day, YYYY-MM-DD')
      .requiredOption('--to <date>', 'last local day, YYYY-MM-DD')
      .option('--agency <code>', 'only the buckets of this agency and every agency below it')
      .option('--repair', 'replace the live buckets of the range by the rebuilt ones (projector stopped!)')
      .option('--json', 'print the differences as JSON'),
  ).action(async (o: { from: string; to: string; agency?: string; repair?: boolean; json?: boolean }) => {
    if (!isDate(o.from) || !isDate(o.to)) return fail('--from and --to must be dates YYYY-MM-DD');
    if (o.from > o.to) return fail('--from must not be after --to');
    await auditLog('rebuild-counters', {
      from: o.from,
      to: o.to,
      agency: o.agency ?? null,
      repair: o.repair === true,
    });
    const diff = await withPrisma(async (prisma) => {
      let agencies: string[] | undefined;
      if (o.agency) {
        const all = await prisma.agency.findMany({ select: { code: true, parentCode: true } });
        if (!all.some((a) => a.code === o.agency)) return fail(`no agency ${o.agency}`);
        agencies = [...agencySubtree(all, o.agency)];
      }
      return rebuildCounters(prisma, o.from, o.to, {
        repair: o.repair === true,
        ...(agencies ? { agencies } : {}),
      });
    });
    if (o.json) out(`${JSON.stringify({ from: o.from, to: o.to, differences: diff }, null, 2)}\n`);
    else {
      for (const d of diff) {
        out(
          `${d.day} ${d.agencyCode} ${d.procedureCode}${d.backfilled ? ' (backfilled)' : ''} ${d.counter}: live ${d.live}, rebuilt ${d.rebuilt}\n`,
        );
      }
      out(
        diff.length === 0
          ? `ok: the live counters of ${o.from} → ${o.to} equal the rebuild from the event log\n`
          : `${diff.length} differences${o.repair ? ' (live buckets replaced by the rebuild)' : ''}\n`,
      );
    }
    if (diff.length > 0) setExitCode(1);
  });

  configure(
    root
      .command('replay')
      .description(
        'replay dossier workflow histories (every run, incl. continued-as-new) against the current workflow code; exit 1 on any nondeterminism',
      )
      .option('--dossier <code...>', 'dossier codes')
      .option(
        '--query <visibility query>',
        "Temporal visibility query (default: WorkflowType = 'dossierWorkflow')",
      )
      .option('--limit <n>', 'at most this many runs', (v) => Number.parseInt(v, 10))
      .option(
        '--processes <n>',
        `replayer processes (default: one per core, one per ${MIN_HISTORIES_PER_PROCESS} runs at most)`,
        (v) => Number.parseInt(v, 10),
      )
      .option('--json', 'print the result as JSON'),
  ).action(
    async (o: { dossier?: string[]; query?: string; limit?: number; processes?: number; json?: boolean }) => {
      if (o.limit !== undefined && !(o.limit > 0)) return fail('--limit must be a positive integer');
      if (o.processes !== undefined && !(o.processes > 0 && o.processes <= 64))
        return fail('--processes must be an integer from 1 to 64');
      // Replay needs Temporal, not PostgreSQL: the trail is written when the database is reachable.
      await auditLog('replay', {
        dossier: o.dossier?.length === 1 ? o.dossier[0] : null,
        dossiers: o.dossier ?? null,
        query: o.query ?? null,
        limit: o.limit ?? null,
      }).catch((e) => err(`audit: could not write the audit log (${String(e)})\n`));
      const config = loadConfig();
      const address =
        opts.temporalAddress ??
        (process.env.TEMPORAL_ADDRESS
          ? config.TEMPORAL_ADDRESS
          : (readDevStack()?.temporalAddress ?? config.TEMPORAL_ADDRESS));
      const connect = {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
        MOTCUA_PAYLOAD_KEYS:
          config.MOTCUA_PAYLOAD_KEYS ??
          (address === readDevStack()?.temporalAddress ? readDevPayloadKeys(config.MOTCUA_HOME) : undefined),
        NODE_ENV: config.NODE_ENV,
      };
      const client = await connectTemporalClient(connect);
      try {
        const targets = await replayTargets(client, {
          ...(o.dossier ? { dossiers: o.dossier } : {}),
          ...(o.query ? { query: o.query } : {}),
          ...(o.limit ? { limit: o.limit } : {}),
        });
        const outcome = await replayDossiersInProcesses(client, connect, targets, {
          ...(o.processes && { processes: o.processes }),
          onProgress: (done, total) => {
            if (done % 100 === 0 || done === total) err(`audit: replayed ${done}/${total} runs\n`);
          },
        });
        if (o.json) out(`${JSON.stringify(outcome, null, 2)}\n`);
        else {
          for (const f of outcome.failures) {
            out(
              `${f.dossierCode} run ${f.runId}${f.eventId !== null ? ` event ${f.eventId}` : ''}: ${f.error}\n`,
            );
          }
          out(
            outcome.failures.length === 0
              ? `ok: ${outcome.replayed} runs replayed without nondeterminism\n`
              : `FAILED: ${outcome.failures.length} of ${outcome.replayed} runs\n`,
          );
        }
        if (outcome.failures.length > 0 || (o.dossier && outcome.replayed === 0)) setExitCode(1);
      } finally {
        await client.connection.close();
      }
    },
  );
  configure(
    root
      .command('log')
      .description('the audit trail: who read or ran what, when (newest first)')
      .option('--since <instant>', 'entries at or after this instant (ISO 8601 with offset)')
      .option('--who <who>', 'API key id or cli:<user>')
      .option('--action <action>', 'e.g. dossier_history, rates, period_report, scores_766, cli:verify')
      .option('--agency <code>', 'entries about this agency')
      .option('--dossier <code>', 'entries about this dossier')
      .option('--limit <n>', 'at most this many entries (1–500, default 100)')
      .option('--json', 'print the entries as JSON'),
  ).action(
    async (o: {
      since?: string;
      who?: string;
      action?: string;
      agency?: string;
      dossier?: string;
      limit?: string;
      json?: boolean;
    }) => {
      const query = auditLogQuerySchema.safeParse(o);
      if (!query.success)
        return fail(`invalid options: ${query.error.issues.map((i) => i.message).join('; ')}`);
      await auditLog('log', { agency: o.agency ?? null, dossier: o.dossier ?? null, query: query.data });
      const page = await withPrisma((prisma) => readAuditLog(prisma, query.data));
      if (o.json) out(`${JSON.stringify(page, null, 2)}\n`);
      else
        for (const e of page.entries) {
          const about = [e.agencyCode, e.dossierCode].filter(Boolean).join(' ');
          out(
            `${e.at} ${e.who}${e.role ? ` (${e.role})` : ''} ${e.via} ${e.action}${about ? ` ${about}` : ''}\n`,
          );
        }
    },
  );
  return root;
}
