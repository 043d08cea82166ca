import { z } from 'zod';

/**
 * Reporting periods of Circular 01/2020/TT-VPCP: month, quarter (I–IV) and year. Where a period
 * starts is configuration: `calendar` (1st to last day, the default) or `mid-month` (the 15th of
 * the month before to the 14th of the period's last month, the Decree 09/2019 convention some
 * localities use). Quarters and years follow the same convention. Pure; days are local dates.
 */
export const periodConventionSchema = z.enum(['calendar', 'mid-month']);
export type PeriodConvention = z.infer<typeof periodConventionSchema>;
export const periodKindSchema = z.enum(['month', 'quarter', 'year']);
export type PeriodKind = z.infer<typeof periodKindSchema>;

export interface PeriodRange {
  kind: PeriodKind;
  period: string;
  convention: PeriodConvention;
  /** First local day, inclusive. */
  from: string;
  /** Last local day, inclusive. */
  to: string;
  /** Vietnamese label, e.g. "Tháng 11/2026", "Quý III/2026", "Năm 2026". */
  label: string;
}

export class PeriodError extends Error {}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const ymd = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
/** Month arithmetic on (year, month 1–12). */
const shift = (y: number, m: number, by: number): [number, number] => {
  const i = y * 12 + (m - 1) + by;
  return [Math.floor(i / 12), (i % 12) + 1];
};
const ROMAN = ['I', 'II', 'III', 'IV'];

/** The local days of a period: `2026-11` (month), `2026-Q3` (quarter) or `2026` (year). */
export function periodRange(
  kind: PeriodKind,
  period: string,
  convention: PeriodConvention = 'calendar',
): PeriodRange {
  let year: number;
  let firstMonth: number;
  let months: number;
  let label: string;
  const bad = () => {
    throw new PeriodError(`Kỳ báo cáo không hợp lệ: ${period} (tháng: YYYY-MM, quý: YYYY-Q1…Q4, năm: YYYY).`);
  };
  if (kind === 'month') {
    const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period) ?? bad();
    year = Number(m[1]);
    firstMonth = Number(m[2]);
    months = 1;
    label = `Tháng ${pad(firstMonth)}/${year}`;
  } else if (kind === 'quarter') {
    const m = /^(\d{4})-Q([1-4])$/.exec(period) ?? bad();
    year = Number(m[1]);
    const q = Number(m[2]);
    firstMonth = (q - 1) * 3 + 1;
    months = 3;
    label = `Quý ${ROMAN[q - 1]}/${year}`;
  } else {
    const m = /^(\d{4})$/.exec(period) ?? bad();
    year = Number(m[1]);
    firstMonth = 1;
    months = 12;
    label = `Năm ${year}`;
  }
  if (year < 1900 || year > 2200) bad();
  const [ly, lm] = shift(year, firstMonth, months - 1);
  let from: string;
  let to: string;
  if (convention === 'calendar') {
    from = ymd(year, firstMonth, 1);
    to = ymd(ly, lm, lastDay(ly, lm));
  } else {
    const [py, pm] = shift(year, firstMonth, -1);
    from = ymd(py, pm, 15);
    to = ymd(ly, lm, 14);
  }
  return { kind, period, convention, from, to, label };
}

/** The kind of a period written `2026-11`, `2026-Q3` or `2026`. */
export function periodKindOf(period: string): PeriodKind {
  if (/^\d{4}-Q\d$/.test(period)) return 'quarter';
  if (/^\d{4}-\d{2}$/.test(period)) return 'month';
  if (/^\d{4}$/.test(period)) return 'year';
  throw new PeriodError(`Kỳ báo cáo không hợp lệ: ${period} (tháng: YYYY-MM, quý: YYYY-Q1…Q4, năm: YYYY).`);
}
