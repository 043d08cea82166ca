import ExcelJS from 'exceljs';
import { z } from 'zod';
import { type Counts, emptyCounts } from '../../domain/counters';
import {
  type PeriodConvention,
  PeriodError,
  type PeriodRange,
  periodConventionSchema,
  periodKindSchema,
  periodRange,
} from '../../domain/periods';
import { pendingStock } from '../../domain/rates';
import type { PrismaClient } from '../db';
import {
  agencyScope,
  backfilledModeSchema,
  dayBefore,
  RateQueryError,
  selectBackfilled,
  sumBuckets,
} from './query';

/**
 * Periodic report of Circular 01/2020/TT-VPCP (báo cáo tình hình, kết quả giải quyết TTHC): one
 * row for the requested agency's own desk, one per agency directly below it (each with its whole
 * subtree), and the total. Sums of counter buckets only.
 */
export const periodReportQuerySchema = z.object({
  agency: z.string().min(1).max(64),
  kind: periodKindSchema,
  period: z.string().min(4).max(10),
  convention: periodConventionSchema.optional(),
  backfilled: backfilledModeSchema.default('include'),
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
});
export type PeriodReportQuery = z.infer<typeof periodReportQuerySchema>;

/** The columns, in order, with their Vietnamese headers. */
export const PERIOD_COLUMNS = [
  ['carriedOver', 'Số hồ sơ kỳ trước chuyển qua'],
  ['receivedOnline', 'Mới tiếp nhận trực tuyến'],
  ['receivedDirect', 'Mới tiếp nhận trực tiếp'],
  ['receivedPostal', 'Mới tiếp nhận qua dịch vụ bưu chính'],
  ['receivedNew', 'Tổng số mới tiếp nhận'],
  ['total', 'Tổng số hồ sơ phải giải quyết'],
  ['resolvedEarly', 'Đã giải quyết trước hạn'],
  ['resolvedOnTime', 'Đã giải quyết đúng hạn'],
  ['resolvedLate', 'Đã giải quyết quá hạn'],
  ['resolved', 'Tổng số đã giải quyết'],
  ['pendingInTime', 'Đang giải quyết trong hạn'],
  ['pendingOverdue', 'Đang giải quyết quá hạn'],
  ['pending', 'Tổng số đang giải quyết'],
  ['withdrawn', 'Số hồ sơ rút'],
  ['rejected', 'Số hồ sơ từ chối'],
  ['apologies', 'Số phiếu xin lỗi đã ban hành'],
] as const;
export type PeriodColumn = (typeof PERIOD_COLUMNS)[number][0];

export interface PeriodReportRow extends Record<PeriodColumn, number> {
  agencyCode: string;
  agencyName: string;
  /** `own`: the agency's own desk; `subtree`: an agency below with everything under it; `total`. */
  scope: 'own' | 'subtree' | 'total';
}

export interface PeriodReport extends PeriodRange {
  agency: string;
  backfilled: z.infer<typeof backfilledModeSchema>;
  rows: PeriodReportRow[];
}

function rowOf(carried: Counts, inRange: Counts, atEnd: Counts): Record<PeriodColumn, number> {
  const carriedOver = pendingStock(carried).pending;
  const end = pendingStock(atEnd);
  const receivedNew = inRange.receivedOnline + inRange.receivedDirect + inRange.receivedPostal;
  return {
    carriedOver,
    receivedOnline: inRange.receivedOnline,
    receivedDirect: inRange.receivedDirect,
    receivedPostal: inRange.receivedPostal,
    receivedNew,
    total: carriedOver + receivedNew,
    resolvedEarly: inRange.resolvedEarly,
    resolvedOnTime: inRange.resolvedOnTime,
    resolvedLate: inRange.resolvedLate,
    resolved: inRange.resolvedEarly + inRange.resolvedOnTime + inRange.resolvedLate,
    pendingInTime: end.inTime,
    pendingOverdue: end.overdue,
    pending: end.pending,
    withdrawn: inRange.withdrawn,
    rejected: inRange.rejected,
    apologies: inRange.apologies,
  };
}

export async function periodReport(
  prisma: PrismaClient,
  query: Omit<PeriodReportQuery, 'format'>,
  defaultConvention: PeriodConvention,
  visible: 'all' | readonly string[] = 'all',
): Promise<PeriodReport> {
  let range: PeriodRange;
  try {
    range = periodRange(query.kind, query.period, query.convention ?? defaultConvention);
  } catch (err) {
    if (err instanceof PeriodError) throw new RateQueryError(422, 'invalid_period', err.message);
    throw err;
  }
  const scope = await agencyScope(prisma, query.agency, visible);
  const groups: { code: string; scope: PeriodReportRow['scope']; agencies: string[] }[] = [
    { code: query.agency, scope: 'own', agencies: [query.agency] },
    ...scope.children(query.agency).map((code) => ({
      code,
      scope: 'subtree' as const,
      agencies: scope.subtree(code),
    })),
    { code: query.agency, scope: 'total', agencies: scope.subtree(query.agency) },
  ];
  const rows: PeriodReportRow[] = [];
  for (const g of groups) {
    const [carried, inRange, atEnd] = await Promise.all([
      sumBuckets(prisma, { agencies: g.agencies, to: dayBefore(range.from) }),
      sumBuckets(prisma, { agencies: g.agencies, from: range.from, to: range.to }),
      sumBuckets(prisma, { agencies: g.agencies, to: range.to }),
    ]);
    const pick = (s: { live: Counts; backfilled: Counts }) =>
      g.agencies.length === 0 ? emptyCounts() : selectBackfilled(s, query.backfilled);
    rows.push({
      agencyCode: g.code,
      agencyName: g.scope === 'total' ? 'Tổng cộng' : (scope.nameOf.get(g.code) ?? g.code),
      scope: g.scope,
      ...rowOf(pick(carried), pick(inRange), pick(atEnd)),
    });
  }
  return { ...range, agency: query.agency, backfilled: query.backfilled, rows };
}

const conventionLabel: Record<PeriodConvention, string> = {
  calendar: 'theo tháng dương lịch',
  'mid-month': 'từ ngày 15 tháng trước đến ngày 14',
};
const vnDate = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

/** One line saying which period and convention the report used. */
export function periodCaption(r: PeriodReport): string {
  return `Báo cáo tình hình giải quyết TTHC — ${r.label} (từ ${vnDate(r.from)} đến ${vnDate(r.to)}, kỳ ${conventionLabel[r.convention]})`;
}

const HEADERS = ['Mã cơ quan', 'Cơ quan', ...PERIOD_COLUMNS.map(([, h]) => h)];
const cells = (row: PeriodReportRow) => [
  row.scope === 'total' ? '' : row.agencyCode,
  row.agencyName,
  ...PERIOD_COLUMNS.map(([k]) => row[k]),
];

/** CSV (UTF-8 with BOM so spreadsheet software reads the diacritics), header row first. */
export function periodReportCsv(r: PeriodReport): string {
  const quote = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [HEADERS, ...r.rows.map(cells)].map((row) => row.map(quote).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The first row of the sheet holding the column headers (row 1: caption, row 2: blank). */
export const XLSX_HEADER_ROW = 3;

/** XLSX: a caption line, then the header row and one row per agency, numbers as number cells. */
export async function periodReportXlsx(r: PeriodReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'motcua';
  const sheet = workbook.addWorksheet('Báo cáo');
  sheet.getCell('A1').value = periodCaption(r);
  sheet.getCell('A1').font = { bold: true };
  const header = sheet.getRow(XLSX_HEADER_ROW);
  header.values = HEADERS;
  header.font = { bold: true };
  for (const row of r.rows) {
    const added = sheet.addRow(cells(row));
    if (row.scope === 'total') added.font = { bold: true };
  }
  sheet.columns.forEach((c, i) => {
    c.width = i < 2 ? 28 : 16;
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const periodFileName = (r: PeriodReport, ext: string) =>
  `bao-cao-${r.agency}-${r.kind}-${r.period}-${r.from}_${r.to}.${ext}`;
