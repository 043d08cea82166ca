/**
 * `motcua catalogue …` — the procedure catalogue (danh mục thủ tục hành chính).
 *
 *   catalogue import <file> [--format json|csv] [--dry-run] [--json]
 *   catalogue list [--agency CODE] [--level LEVEL] [--json]
 *
 * The file formats are described in domain/catalogue.ts and the README. An import is one
 * transaction: a file with any error changes nothing, prints its first errors and exits with
 * code 2. `--dry-run` reports what would change; without DATABASE_URL it checks the file alone.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import {
  type CatalogueFormat,
  type CatalogueIssue,
  catalogueFormats,
  checkCatalogue,
  detectFormat,
  formatIssue,
} from '../../domain/catalogue';
import { administrativeLevels } from '../../domain/reference';
import { createPrisma, type PrismaClient } from '../db';
import { type ChangeCount, importCatalogue, listProcedures, UnknownAgencyCodeError } from '../reference';
import { cliDatabaseUrl } from './dev-stack';
import { cliIo } from './io';

export interface CatalogueCommandOptions {
  out?: (s: string) => void;
  err?: (s: string) => void;
  /** The database to use; default: DATABASE_URL, undefined when unset. */
  database?: () => PrismaClient | undefined;
}

/** How many errors a failed import prints before "… và N lỗi khác". */
const MAX_PRINTED_ERRORS = 20;

function defaultDatabase(): PrismaClient | undefined {
  const url = cliDatabaseUrl();
  return url ? createPrisma(url) : undefined;
}

const counts = (c: ChangeCount) =>
  `${c.created.length} mới, ${c.updated.length} cập nhật, ${c.unchanged} không đổi`;

export function catalogueCommand(opts: CatalogueCommandOptions = {}): Command {
  const { out, err, configure, fail } = cliIo('catalogue', opts);
  const database = opts.database ?? defaultDatabase;

  const printIssues = (issues: CatalogueIssue[], limit = Number.POSITIVE_INFINITY) => {
    for (const i of issues.slice(0, limit)) err(`  ${formatIssue(i)}\n`);
    if (issues.length > limit) err(`  … và ${issues.length - limit} lỗi khác\n`);
  };

  const root = configure(
    new Command('catalogue').description(
      'Procedure catalogue (danh mục thủ tục hành chính): import from JSON or CSV, list',
    ),
  );

  configure(
    root
      .command('import')
      .description('validate a catalogue file and upsert its agencies, liên thông groups and procedures')
      .argument('<file>', 'catalogue file (.json or .csv)')
      .addOption(
        new Option('--format <format>', 'file format (default: from the extension)').choices(
          catalogueFormats,
        ),
      )
      .option('--dry-run', 'check and report what would change; write nothing')
      .option('--json', 'print the result as JSON'),
  ).action(async (file: string, o: { format?: CatalogueFormat; dryRun?: boolean; json?: boolean }) => {
    const format = o.format ?? detectFormat(file);
    if (!format) return fail(`cannot tell the format of '${file}': use --format json|csv`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      return fail(`cannot read '${file}': ${(e as Error).message}`);
    }
    const dryRun = o.dryRun ?? false;
    const prisma = database();
    if (!prisma && !dryRun) return fail('DATABASE_URL is not set (use --dry-run to check the file alone)');
    if (!o.json) err(`Đọc danh mục ${file} (${format})${dryRun ? ', chạy thử' : ''}…\n`);

    if (!prisma) {
      // Offline check: the file alone; references outside it are reported as unchecked.
      const checked = checkCatalogue(text, format);
      const errors = checked.issues.filter((i) => i.severity === 'error');
      const warnings = checked.issues.filter((i) => i.severity === 'warning');
      if (o.json)
        out(
          `${JSON.stringify({ ok: checked.ok, dryRun, format, offline: true, errors, warnings }, null, 2)}\n`,
        );
      if (!checked.ok) {
        if (!o.json) {
          err(`Danh mục không hợp lệ: ${errors.length} lỗi.\n`);
          printIssues(errors, MAX_PRINTED_ERRORS);
        }
        throw new CommanderError(2, 'catalogue.invalid', `${errors.length} errors`);
      }
      if (!o.json) {
        const c = checked.parsed.catalogue;
        printIssues(warnings);
        out(
          `Tệp hợp lệ (chưa đối chiếu cơ sở dữ liệu): ${c.agencies.length} cơ quan, ` +
            `${c.groups.length} nhóm liên thông, ${c.procedures.length} thủ tục.\n`,
        );
      }
      return;
    }

    try {
      const result = await importCatalogue(prisma, text, format, { dryRun });
      if (o.json) out(`${JSON.stringify(result, null, 2)}\n`);
      if (!result.ok) {
        if (!o.json) {
          err(`Danh mục không hợp lệ: ${result.errors.length} lỗi; không ghi gì vào cơ sở dữ liệu.\n`);
          printIssues(result.errors, MAX_PRINTED_ERRORS);
        }
        throw new CommanderError(2, 'catalogue.invalid', `${result.errors.length} errors`);
      }
      if (o.json) return;
      printIssues(result.warnings);
      const s = result.summary;
      out(`Cơ quan:          ${counts(s.agencies)}\n`);
      out(`Nhóm liên thông:  ${counts(s.groups)}\n`);
      out(`Thủ tục:          ${counts(s.procedures)}\n`);
      const replaced = [
        ...s.agencies.replacedSample,
        ...s.groups.replacedSample,
        ...s.procedures.replacedSample,
      ];
      if (replaced.length > 0) out(`Thay thế dữ liệu mẫu: ${replaced.join(', ')}\n`);
      out(dryRun ? 'Chạy thử: danh mục hợp lệ, chưa ghi gì vào cơ sở dữ liệu.\n' : 'Đã nhập danh mục.\n');
    } finally {
      await prisma.$disconnect();
    }
  });

  configure(
    root
      .command('list')
      .description('list the procedures, optionally those an agency handles (its level, or named in a step)')
      .option('--agency <code>', 'procedures this agency receives or takes part in')
      .addOption(new Option('--level <level>', 'administrative level').choices(administrativeLevels))
      .option('--json', 'print JSON'),
  ).action(async (o: { agency?: string; level?: string; json?: boolean }) => {
    const prisma = database();
    if (!prisma) return fail('DATABASE_URL is not set');
    try {
      let procedures: Awaited<ReturnType<typeof listProcedures>>;
      try {
        procedures = await listProcedures(prisma, { agency: o.agency, level: o.level });
      } catch (e) {
        if (e instanceof UnknownAgencyCodeError) return fail(`unknown agency '${e.agencyCode}'`);
        throw e;
      }
      if (o.json) {
        out(`${JSON.stringify(procedures, null, 2)}\n`);
        return;
      }
      const rows = procedures.map((p) => [
        p.code,
        p.level,
        p.deadlineWorkingDays !== null
          ? `${p.deadlineWorkingDays} ngày`
          : p.deadlineCalendarDays !== null
            ? `${p.deadlineCalendarDays} ngày (theo lịch)`
            : `${p.deadlineWorkingHours} giờ`,
        `${p.steps.length} bước${p.interAgency ? ' (liên thông)' : ''}`,
        p.feeVnd === null ? '—' : p.feeVnd === 0 ? 'miễn phí' : `${p.feeVnd.toLocaleString('vi-VN')} đ`,
        [p.fullyOnline ? 'toàn trình' : '', p.onlinePayment ? 'TT trực tuyến' : '']
          .filter(Boolean)
          .join(', ') || '—',
        `${p.name}${p.isSample ? ' (dữ liệu mẫu)' : ''}`,
      ]);
      const header = ['mã', 'cấp', 'thời hạn', 'quy trình', 'phí', 'trực tuyến', 'tên'];
      const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]!].length)));
      const line = (r: string[]) =>
        `${r
          .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
          .join('  ')
          .trimEnd()}\n`;
      out(line(header));
      for (const r of rows) out(line(r));
      out(`${procedures.length} thủ tục\n`);
    } finally {
      await prisma.$disconnect();
    }
  });

  return root;
}
