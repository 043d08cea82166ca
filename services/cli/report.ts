/**
 * `motcua report …` — rates from the counter buckets (PostgreSQL via DATABASE_URL).
 *
 *   report rates --agency CODE --from YYYY-MM-DD --to YYYY-MM-DD [--procedure P] [--level L]
 *                [--backfilled include|exclude|only] [--json]
 *   report rates --by month --agency CODE --from YYYY-MM --to YYYY-MM [… the same filters] [--json]
 *                (a month series: what `GET /v1/rates/series` answers)
 *
 *   report period --kind month|quarter|year --period 2026-11|2026-Q3|2026 --agency CODE
 *                 [--format json|csv|xlsx] [--out FILE] [--convention calendar|mid-month]
 *
 *   report 766 --agency CODE --period 2026-11|2026-Q3|2026 [--input key=points …] [--json]
 *
 * `--json` prints exactly what `GET /v1/rates` (`GET /v1/scores/766`) answers. The CLI runs with the operator's database
 * access, so it sees every agency (as an auditor with scope `*`). Every run is recorded in the
 * append-only `audit_log` (who `cli:<OS user>`, action `cli:report-rates` / `cli:report-period` /
 * `cli:report-766`, the options) before it reads anything, like `motcua audit …`.
 */
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { RATE_DEFINITIONS, RATE_KEYS } from '../../domain/rates';
import { loadConfig } from '../config';
import { createPrisma, type PrismaClient } from '../db';
import { createLogger } from '../logger';
import { recordAudit } from '../rates/audit-log';
import {
  periodCaption,
  periodReport,
  periodReportCsv,
  periodReportQuerySchema,
  periodReportXlsx,
} from '../rates/period-report';
import {
  RateQueryError,
  rateQuerySchema,
  rateReport,
  rateSeries,
  rateSeriesQuerySchema,
} from '../rates/query';
import { scoreQuerySchema, scoreReport } from '../rates/scores';
import { cliDatabaseUrl } from './dev-stack';
import { cliIo } from './io';

export interface ReportCommandOptions {
  prisma?: () => PrismaClient;
  out?: (s: string) => void;
  err?: (s: string) => void;
}

export function defaultPrisma(): PrismaClient {
  const url = cliDatabaseUrl();
  if (!url) throw new Error('DATABASE_URL is not set and no `motcua dev` is running on this machine');
  return createPrisma(url);
}

const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);

export function reportCommand(opts: ReportCommandOptions = {}): Command {
  const { out, configure, fail, parse } = cliIo('report', opts);
  const openPrisma = opts.prisma ?? defaultPrisma;
  const who = `cli:${userInfo().username}`;
  /** Who ran which report with which options, when: `audit_log` (append-only) and the process log. */
  const recordRun = async (prisma: PrismaClient, command: string, details: Record<string, unknown>) => {
    createLogger('audit', loadConfig().LOG_LEVEL).info(
      { audit: true, who, command, ...details },
      'report run',
    );
    await recordAudit(prisma, {
      who,
      via: 'cli',
      action: `cli:${command}`,
      agencyCode: typeof details.agency === 'string' ? details.agency : null,
      details,
    });
  };
  /**
   * One report run: records it (before reading anything), reads with its own database client, and
   * turns a query the data refuses (unknown agency, …) into exit 2 with its message.
   */
  const withRun = async <T>(
    command: string,
    details: Record<string, unknown>,
    read: (prisma: PrismaClient) => Promise<T>,
  ): Promise<T> => {
    const prisma = openPrisma();
    try {
      await recordRun(prisma, command, details);
      return await read(prisma).catch((e) => {
        if (e instanceof RateQueryError) return fail(e.message);
        throw e;
      });
    } finally {
      await prisma.$disconnect();
    }
  };
  const root = configure(
    new Command('report').description('Rates and reports from the counter buckets. Needs DATABASE_URL.'),
  );
  /** `report rates --by month`: the month series of `GET /v1/rates/series`. */
  const monthSeries = async (o: {
    agency: string;
    from: string;
    to: string;
    procedure?: string;
    level?: string;
    backfilled: string;
    json?: boolean;
  }) => {
    const query = parse(rateSeriesQuerySchema, {
      agency: o.agency,
      from: o.from,
      to: o.to,
      procedure: o.procedure,
      level: o.level,
      backfilled: o.backfilled,
    });
    const series = await withRun('report-rates', { ...query, by: 'month' }, (prisma) =>
      rateSeries(prisma, query),
    );
    if (o.json) {
      out(`${JSON.stringify(series, null, 2)}\n`);
      return;
    }
    out(
      `${series.agency}  ${series.from} → ${series.to}  (${series.agencies.length} agencies, backfilled: ${series.backfilled})\n`,
    );
    out(`${'month'.padEnd(8)}${RATE_KEYS.map((k) => k.padStart(19)).join('')}\n`);
    for (const m of series.months) {
      out(`${m.month.padEnd(8)}${RATE_KEYS.map((k) => percent(m.rates[k].value).padStart(19)).join('')}\n`);
    }
  };
  configure(
    root
      .command('rates')
      .description(
        'on-time, digitization, online, payment, satisfaction and apology rates of an agency and those below it',
      )
      .requiredOption('--agency <code>', 'agency code (its whole subtree is summed)')
      .requiredOption(
        '--from <date>',
        'first local day, YYYY-MM-DD (inclusive); with --by month: first month, YYYY-MM',
      )
      .requiredOption(
        '--to <date>',
        'last local day, YYYY-MM-DD (inclusive); with --by month: last month, YYYY-MM',
      )
      .addOption(
        new Option('--by <unit>', 'a series: one report per calendar month (GET /v1/rates/series)').choices([
          'month',
        ]),
      )
      .option('--procedure <code>', 'one procedure only')
      .option('--level <level>', 'only agencies of this administrative level')
      .addOption(
        new Option('--backfilled <mode>', 'dossiers loaded through the admin backfill')
          .choices(['include', 'exclude', 'only'])
          .default('include'),
      )
      .option('--json', 'print the JSON of GET /v1/rates'),
  ).action(
    async (o: {
      agency: string;
      from: string;
      to: string;
      procedure?: string;
      level?: string;
      backfilled: string;
      by?: 'month';
      json?: boolean;
    }) => {
      if (o.by === 'month') return monthSeries(o);
      const query = parse(rateQuerySchema, {
        agency: o.agency,
        from: o.from,
        to: o.to,
        procedure: o.procedure,
        level: o.level,
        backfilled: o.backfilled,
      });
      const report = await withRun('report-rates', query, (prisma) => rateReport(prisma, query));
      if (o.json) {
        out(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      out(
        `${report.agency}  ${report.from} → ${report.to}  (${report.agencies.length} agencies, backfilled: ${report.backfilled})\n`,
      );
      for (const key of RATE_KEYS) {
        const r = report.rates[key];
        out(
          `${key.padEnd(18)} ${percent(r.value).padStart(9)}  ${r.numerator}/${r.denominator}  ${RATE_DEFINITIONS[key].description}\n`,
        );
      }
      const p = report.pending;
      out(
        `pending carried over ${p.carriedOver.pending} (overdue ${p.carriedOver.overdue}); at end ${p.atEnd.pending} (in time ${p.atEnd.inTime}, overdue ${p.atEnd.overdue})\n`,
      );
    },
  );
  configure(
    root
      .command('period')
      .description(
        'periodic report (Circular 01/2020/TT-VPCP): the agency’s own desk, each agency below it, and the total',
      )
      .addOption(
        new Option('--kind <kind>', 'period kind')
          .choices(['month', 'quarter', 'year'])
          .makeOptionMandatory(),
      )
      .requiredOption('--period <period>', '2026-11 (month), 2026-Q3 (quarter) or 2026 (year)')
      .requiredOption('--agency <code>', 'agency code')
      .addOption(
        new Option('--format <format>', 'output format').choices(['json', 'csv', 'xlsx']).default('json'),
      )
      .option('--out <file>', 'write to this file (required for xlsx)')
      .addOption(
        new Option('--convention <convention>', 'period boundaries (default: MOTCUA_REPORT_PERIOD)').choices([
          'calendar',
          'mid-month',
        ]),
      )
      .addOption(
        new Option('--backfilled <mode>', 'dossiers loaded through the admin backfill')
          .choices(['include', 'exclude', 'only'])
          .default('include'),
      ),
  ).action(
    async (o: {
      kind: string;
      period: string;
      agency: string;
      format: string;
      out?: string;
      convention?: string;
      backfilled: string;
    }) => {
      const parsed = parse(periodReportQuerySchema, o);
      const { format, ...query } = parsed;
      if (format === 'xlsx' && !o.out) return fail('--format xlsx needs --out FILE');
      const report = await withRun('report-period', { ...parsed, out: o.out ?? null }, (prisma) =>
        periodReport(prisma, query, loadConfig().MOTCUA_REPORT_PERIOD),
      );
      const body =
        format === 'xlsx'
          ? await periodReportXlsx(report)
          : format === 'csv'
            ? periodReportCsv(report)
            : `${JSON.stringify({ ...report, caption: periodCaption(report) }, null, 2)}\n`;
      if (o.out) {
        await writeFile(o.out, body);
        out(`${periodCaption(report)}: ${o.out}\n`);
      } else out(String(body));
    },
  );
  configure(
    root
      .command('766')
      .description(
        'Decision 766/QĐ-TTg scores of an agency and those below it for a period (weights from the versioned configuration)',
      )
      .requiredOption('--agency <code>', 'agency code')
      .requiredOption('--period <period>', '2026-11 (month), 2026-Q3 (quarter) or 2026 (year)')
      .addOption(
        new Option('--convention <convention>', 'period boundaries (default: MOTCUA_REPORT_PERIOD)').choices([
          'calendar',
          'mid-month',
        ]),
      )
      .option('--version <version>', 'configuration version (default: the newest)')
      .option(
        '--input <key=points...>',
        'points of a criterion the engine cannot know (publicity), e.g. --input publicDisclosure=6',
      )
      .option('--json', 'print the JSON of GET /v1/scores/766'),
  ).action(
    async (o: {
      agency: string;
      period: string;
      convention?: string;
      version?: string;
      input?: string[];
      json?: boolean;
    }) => {
      const query = parse(scoreQuerySchema, {
        agency: o.agency,
        period: o.period,
        convention: o.convention,
        version: o.version,
        inputs: o.input?.join(','),
      });
      const report = await withRun('report-766', query, (prisma) =>
        scoreReport(prisma, query, loadConfig().MOTCUA_REPORT_PERIOD),
      );
      if (o.json) {
        out(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      out(`${report.agency}  ${report.label} (${report.from} → ${report.to})  ${report.version}\n`);
      for (const g of report.groups) {
        out(`${g.name}: ${g.score}/${g.points}${g.complete ? '' : ' (chưa đủ dữ liệu)'}\n`);
        for (const c of g.criteria) {
          const from = c.rate
            ? ` ← ${c.rate.numerator}/${c.rate.denominator}`
            : c.status === 'input_required'
              ? ' (cần nhập)'
              : ' (nhập)';
          out(`  ${c.name}: ${c.score ?? '—'}/${c.points}${from}\n`);
        }
      }
      out(`Tổng điểm: ${report.total}/100${report.complete ? '' : ' (chưa đầy đủ)'}\n`);
    },
  );
  return root;
}
