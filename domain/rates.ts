import type { CounterName, Counts } from './counters';

/**
 * Rates (tỷ lệ) from summed counter buckets: one definition each, with its legal source
 * (README "Counters and rates"). Pure: counts in, `{numerator, denominator, value}` out, `value`
 * null when the denominator is 0 (no data is not 0 %).
 */
export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator, or null when the denominator is 0. */
  value: number | null;
}

export const RATE_KEYS = [
  'onTime',
  'onTimeByDay',
  'digitizedDossiers',
  'digitizedResults',
  'electronicResults',
  'online',
  'onlinePayment',
  'satisfaction',
  'apologies',
] as const;
export type RateKey = (typeof RATE_KEYS)[number];
export type Rates = Record<RateKey, Rate>;

export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, value: denominator === 0 ? null : numerator / denominator };
}

const sum = (c: Counts, names: readonly CounterName[]) => names.reduce((s, n) => s + c[n], 0);

export const received = (c: Counts): number => sum(c, ['receivedDirect', 'receivedOnline', 'receivedPostal']);
export const resolved = (c: Counts): number => sum(c, ['resolvedEarly', 'resolvedOnTime', 'resolvedLate']);
export const ratings = (c: Counts): number => sum(c, ['rating1', 'rating2', 'rating3', 'rating4', 'rating5']);

export interface RateDefinition {
  /** What is divided by what, in the words of the reports. */
  description: string;
  /** Where the rate comes from (the reporting criterion it measures). */
  source: string;
  compute(c: Counts): Rate;
}

export const RATE_DEFINITIONS: Record<RateKey, RateDefinition> = {
  // Tỷ lệ hồ sơ giải quyết đúng hạn: Circular 01/2020/TT-VPCP report columns (trước hạn / đúng hạn /
  // quá hạn) and Decision 766/QĐ-TTg group "Tiến độ giải quyết" (20 points).
  onTime: {
    description: 'resolved early + on time ÷ resolved (by completion day, the dossier’s pinned granularity)',
    source:
      'Circular 01/2020/TT-VPCP (báo cáo tình hình giải quyết TTHC); Decision 766/QĐ-TTg, tiến độ giải quyết',
    compute: (c) => rate(c.resolvedEarly + c.resolvedOnTime, resolved(c)),
  },
  // Same, with a finish on the due day counted on time: the date-based convention of provincial
  // reporting systems (Decree 61/2018 art. 19 appointments are dates), for reconciliation.
  onTimeByDay: {
    description: 'resolved before or on the due day ÷ resolved (by completion day)',
    source: 'Circular 01/2020/TT-VPCP columns, counted by date as provincial systems report',
    compute: (c) =>
      rate(
        c.resolvedByDayEarly + c.resolvedByDayOnTime,
        c.resolvedByDayEarly + c.resolvedByDayOnTime + c.resolvedByDayLate,
      ),
  },
  // Tỷ lệ số hóa hồ sơ: Decree 107/2021/NĐ-CP (số hóa hồ sơ, kết quả giải quyết TTHC) and
  // Decision 766/QĐ-TTg group "Số hóa hồ sơ, kết quả" (22 points).
  digitizedDossiers: {
    description: 'received with ≥ 1 digitized component ÷ received (by receipt day)',
    source: 'Decree 107/2021/NĐ-CP; Decision 766/QĐ-TTg, số hóa hồ sơ',
    compute: (c) => rate(c.receivedDigitized, received(c)),
  },
  digitizedResults: {
    description: 'resolved whose result was digitized or is electronic ÷ resolved (by completion day)',
    source: 'Decree 107/2021/NĐ-CP; Decision 766/QĐ-TTg, số hóa kết quả giải quyết TTHC',
    compute: (c) => rate(c.resolvedResultDigitized, resolved(c)),
  },
  electronicResults: {
    description: 'resolved with an electronic result ÷ resolved (by completion day)',
    source: 'Decision 766/QĐ-TTg, cấp kết quả giải quyết TTHC điện tử',
    compute: (c) => rate(c.resolvedElectronic, resolved(c)),
  },
  // Decision 766/QĐ-TTg group "Cung cấp dịch vụ trực tuyến và thanh toán trực tuyến" (22 points).
  online: {
    description: 'received online ÷ received (by receipt day)',
    source: 'Decision 766/QĐ-TTg, tỷ lệ hồ sơ trực tuyến',
    compute: (c) => rate(c.receivedOnline, received(c)),
  },
  onlinePayment: {
    description: 'dossiers with an online payment ÷ dossiers with any payment (by payment day, once per day)',
    source: 'Decision 766/QĐ-TTg, tỷ lệ thanh toán trực tuyến',
    compute: (c) => rate(c.paidOnline, c.paid),
  },
  // Decision 766/QĐ-TTg group "Mức độ hài lòng" (18 points).
  satisfaction: {
    description: 'ratings 4–5 ÷ ratings (by rating day)',
    source: 'Decision 766/QĐ-TTg, mức độ hài lòng',
    compute: (c) => rate(c.rating4 + c.rating5, ratings(c)),
  },
  // Phiếu xin lỗi (Mẫu 04): Decree 61/2018/NĐ-CP art. 19 (Decree 118/2025/NĐ-CP from 1/7/2025);
  // Circular 01/2020/TT-VPCP reports the apologies issued.
  apologies: {
    description: 'apologies issued (by issue day) ÷ resolved late (by completion day)',
    source: 'Decree 61/2018/NĐ-CP art. 19 / Decree 118/2025/NĐ-CP; Circular 01/2020/TT-VPCP',
    compute: (c) => rate(c.apologies, c.resolvedLate),
  },
};

/** Every rate of the summed counts. */
export function computeRates(c: Counts): Rates {
  return Object.fromEntries(RATE_KEYS.map((k) => [k, RATE_DEFINITIONS[k].compute(c)])) as Rates;
}

/**
 * Pending stock at the end of a day from the buckets of every day up to it (no dossier scan):
 * pending = received − resolved − rejected − withdrawn; overdue = became overdue − closed while
 * overdue; in time = pending − overdue.
 */
export function pendingStock(upTo: Counts): { pending: number; inTime: number; overdue: number } {
  const pending = received(upTo) - resolved(upTo) - upTo.rejected - upTo.withdrawn;
  const overdue = upTo.becameOverdue - upTo.closedOverdue;
  return { pending, inTime: pending - overdue, overdue };
}
