import type { RateKey } from './rates';

/**
 * Targets the seeds set for each rate the dashboard shows (fractions 0–1), with the plan that sets
 * them. Configuration, not law: `MOTCUA_RATE_TARGETS` (JSON) overrides any of them. Where the plans
 * differ, the default is the stricter commune-level figure of the most recent plan.
 */
export interface RateTarget {
  value: number;
  source: string;
}

export const DASHBOARD_RATES = [
  'onTime',
  'digitizedDossiers',
  'digitizedResults',
  'electronicResults',
  'online',
  'onlinePayment',
  'satisfaction',
] as const satisfies readonly RateKey[];
export type DashboardRate = (typeof DASHBOARD_RATES)[number];

export const DEFAULT_RATE_TARGETS: Record<DashboardRate, RateTarget> = {
  onTime: { value: 0.97, source: 'Kế hoạch huyện Long Thành (Đồng Nai) 2024: đúng hạn ≥ 97%' },
  digitizedDossiers: { value: 0.8, source: 'Kế hoạch xã Cam Thịnh Tây (Khánh Hòa) 2024: số hóa ≥ 80%' },
  digitizedResults: { value: 0.75, source: 'Kế hoạch xã Cương Gián (Hà Tĩnh) 2024: số hóa kết quả ≥ 75%' },
  electronicResults: { value: 1, source: 'Kế hoạch xã Cam Thịnh Tây (Khánh Hòa) 2024: 100% kết quả điện tử' },
  online: { value: 0.5, source: 'Kế hoạch xã Cam Thịnh Tây (Khánh Hòa) 2024: hồ sơ trực tuyến ≥ 50%' },
  onlinePayment: {
    value: 0.45,
    source: 'Kế hoạch xã Cam Thịnh Tây (Khánh Hòa) 2024: thanh toán trực tuyến ≥ 45%',
  },
  satisfaction: { value: 0.9, source: 'Kế hoạch xã Cam Thịnh Tây (Khánh Hòa) 2024: hài lòng ≥ 90%' },
};

/** The defaults with `json` (from MOTCUA_RATE_TARGETS) applied; throws on an unknown key or a bad value. */
export function rateTargets(json: string | undefined): Record<DashboardRate, RateTarget> {
  const targets = { ...DEFAULT_RATE_TARGETS };
  if (!json) return targets;
  const given = JSON.parse(json) as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (!(DASHBOARD_RATES as readonly string[]).includes(key)) {
      throw new Error(`MOTCUA_RATE_TARGETS: unknown rate '${key}'; one of ${DASHBOARD_RATES.join(', ')}`);
    }
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new Error(`MOTCUA_RATE_TARGETS: ${key} must be a fraction between 0 and 1`);
    }
    targets[key as DashboardRate] = { value, source: 'MOTCUA_RATE_TARGETS' };
  }
  return targets;
}
