import { z } from 'zod';
import {
  type PeriodConvention,
  PeriodError,
  periodConventionSchema,
  periodKindOf,
  periodRange,
} from '../../domain/periods';
import {
  DECISION_766_VERSIONS,
  type Decision766Score,
  latestDecision766,
  ScoreInputError,
  scoreDecision766,
} from '../../domain/scores/decision-766';
import type { PrismaClient } from '../db';
import { RateQueryError, type RateReport, rateReport } from './query';

/** `GET /v1/scores/766` and `motcua report 766`: Decision 766 scores of an agency subtree for a period. */
export const scoreQuerySchema = z.object({
  agency: z.string().min(1).max(64),
  period: z.string().min(4).max(10).describe('2026-11 (month), 2026-Q3 (quarter) or 2026 (year)'),
  convention: periodConventionSchema.optional(),
  version: z.string().max(64).optional().describe('configuration version (default: the newest)'),
  inputs: z
    .string()
    .max(2000)
    .optional()
    .describe('points of the criteria the engine cannot know, e.g. publicDisclosure:6,portalSync:5.5'),
});
export type ScoreQuery = z.infer<typeof scoreQuerySchema>;

export interface ScoreReport extends Decision766Score {
  agency: string;
  period: string;
  from: string;
  to: string;
  convention: PeriodConvention;
  label: string;
  counts: RateReport['counts'];
}

/** `a:1,b:2.5` → { a: 1, b: 2.5 }. */
export function parseScoreInputs(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!text) return out;
  for (const part of text.split(',').filter(Boolean)) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*[:=]\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m)
      throw new RateQueryError(
        422,
        'invalid_input',
        `Điểm nhập không hợp lệ: "${part}" (dạng tiêu_chí:điểm).`,
      );
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export async function scoreReport(
  prisma: PrismaClient,
  query: ScoreQuery,
  defaultConvention: PeriodConvention,
  visible: 'all' | readonly string[] = 'all',
): Promise<ScoreReport> {
  const config = query.version
    ? DECISION_766_VERSIONS.find((v) => v.version === query.version)
    : latestDecision766();
  if (!config) {
    throw new RateQueryError(
      422,
      'unknown_version',
      `Không có phiên bản cấu hình ${query.version} (có: ${DECISION_766_VERSIONS.map((v) => v.version).join(', ')}).`,
    );
  }
  let range: ReturnType<typeof periodRange>;
  try {
    range = periodRange(periodKindOf(query.period), query.period, query.convention ?? defaultConvention);
  } catch (err) {
    if (err instanceof PeriodError) throw new RateQueryError(422, 'invalid_period', err.message);
    throw err;
  }
  const inputs = parseScoreInputs(query.inputs);
  const rates = await rateReport(
    prisma,
    { agency: query.agency, from: range.from, to: range.to, backfilled: 'include' },
    visible,
  );
  let score: Decision766Score;
  try {
    score = scoreDecision766(config, rates.rates, inputs);
  } catch (err) {
    if (err instanceof ScoreInputError) throw new RateQueryError(422, 'invalid_input', err.message);
    throw err;
  }
  return {
    agency: query.agency,
    period: query.period,
    from: range.from,
    to: range.to,
    convention: range.convention,
    label: range.label,
    ...score,
    counts: rates.counts,
  };
}
