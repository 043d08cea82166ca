import { z } from 'zod';
import { RATE_DEFINITIONS, RATE_KEYS, type Rate, type Rates } from '../rates';
import v2022 from './decision-766.2022.1.json' with { type: 'json' };

/**
 * Decision 766/QĐ-TTg scores per agency and period, from the counters: five groups (publicity
 * 18, progress 20, digitization 22, online service and payment 22, satisfaction 18). Criteria,
 * weights and thresholds are versioned configuration (JSON validated here); what the engine cannot
 * know (publicity) is an input, never a guess. Pure.
 */
const scoringSchema = z.discriminatedUnion('type', [
  /** points × rate (capped at 1). */
  z.object({ type: z.literal('proportional') }),
  /** points × (rate − zero) ÷ (full − zero), clamped to [0, 1]. */
  z.object({ type: z.literal('linear'), zero: z.number().min(0).max(1), full: z.number().min(0).max(1) }),
  /** points × the share of the first step whose `min` the rate reaches (steps in decreasing min). */
  z.object({
    type: z.literal('steps'),
    steps: z.array(z.object({ min: z.number().min(0).max(1), share: z.number().min(0).max(1) })).min(1),
  }),
]);

const criterionSchema = z
  .object({
    key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/),
    name: z.string().min(1),
    points: z.number().positive(),
    /** A criterion scored from a rate of the counters… */
    rate: z.enum(RATE_KEYS).optional(),
    scoring: scoringSchema.optional(),
    /** …or one the engine cannot know, given as points by the caller. */
    input: z.literal(true).optional(),
  })
  .refine(
    (c) => (c.input === true) !== (c.rate !== undefined),
    'a criterion has either `rate` or `input: true`',
  )
  .refine((c) => c.rate === undefined || c.scoring !== undefined, 'a rate criterion needs `scoring`');

export const decision766ConfigSchema = z
  .object({
    version: z.string().min(1),
    source: z.string().min(1),
    note: z.string().optional(),
    groups: z
      .array(
        z
          .object({
            key: z.string().min(1),
            name: z.string().min(1),
            points: z.number().positive(),
            criteria: z.array(criterionSchema).min(1),
          })
          .refine(
            (g) => Math.abs(g.criteria.reduce((s, c) => s + c.points, 0) - g.points) < 1e-9,
            'the criteria points must add up to the group points',
          ),
      )
      .min(1),
  })
  .refine(
    (c) => Math.abs(c.groups.reduce((s, g) => s + g.points, 0) - 100) < 1e-9,
    'groups must add up to 100',
  )
  .refine((c) => {
    const keys = c.groups.flatMap((g) => g.criteria.map((k) => k.key));
    return new Set(keys).size === keys.length;
  }, 'criterion keys must be unique');
export type Decision766Config = z.infer<typeof decision766ConfigSchema>;

/** Bundled versions, newest last. */
export const DECISION_766_VERSIONS: readonly Decision766Config[] = [decision766ConfigSchema.parse(v2022)];
export const latestDecision766 = (): Decision766Config =>
  DECISION_766_VERSIONS[DECISION_766_VERSIONS.length - 1]!;

export interface CriterionScore {
  key: string;
  name: string;
  points: number;
  /** Null when there is no data (denominator 0) or the input is missing. */
  score: number | null;
  status: 'scored' | 'no_data' | 'input_required';
  /** The rate and the counts it came from (rate criteria). */
  rate?: Rate & { key: string; definition: string };
  /** The points given by the caller (input criteria). */
  input?: number;
}

export interface GroupScore {
  key: string;
  name: string;
  points: number;
  score: number;
  complete: boolean;
  criteria: CriterionScore[];
}

export interface Decision766Score {
  version: string;
  source: string;
  total: number;
  /** Every criterion scored (no missing input, no empty denominator). */
  complete: boolean;
  groups: GroupScore[];
}

export class ScoreInputError extends Error {}

function share(scoring: z.infer<typeof scoringSchema>, value: number): number {
  switch (scoring.type) {
    case 'proportional':
      return Math.min(1, Math.max(0, value));
    case 'linear':
      if (scoring.full === scoring.zero) return value >= scoring.full ? 1 : 0;
      return Math.min(1, Math.max(0, (value - scoring.zero) / (scoring.full - scoring.zero)));
    case 'steps':
      return [...scoring.steps].sort((a, b) => b.min - a.min).find((s) => value >= s.min)?.share ?? 0;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Scores from the rates of a period and the inputs (points per input criterion). */
export function scoreDecision766(
  config: Decision766Config,
  rates: Rates,
  inputs: Readonly<Record<string, number>> = {},
): Decision766Score {
  const inputKeys = new Set(
    config.groups.flatMap((g) => g.criteria.filter((c) => c.input).map((c) => c.key)),
  );
  for (const key of Object.keys(inputs)) {
    if (!inputKeys.has(key)) throw new ScoreInputError(`Tiêu chí ${key} không phải tiêu chí nhập tay.`);
  }
  const groups = config.groups.map((g): GroupScore => {
    const criteria = g.criteria.map((c): CriterionScore => {
      if (c.input) {
        const given = inputs[c.key];
        if (given === undefined)
          return { key: c.key, name: c.name, points: c.points, score: null, status: 'input_required' };
        if (!(given >= 0 && given <= c.points)) {
          throw new ScoreInputError(`Điểm của tiêu chí ${c.key} phải từ 0 đến ${c.points}.`);
        }
        return { key: c.key, name: c.name, points: c.points, score: given, status: 'scored', input: given };
      }
      const r = rates[c.rate!];
      const rate = { key: c.rate!, definition: RATE_DEFINITIONS[c.rate!].description, ...r };
      if (r.value === null)
        return { key: c.key, name: c.name, points: c.points, score: null, status: 'no_data', rate };
      return {
        key: c.key,
        name: c.name,
        points: c.points,
        score: round(c.points * share(c.scoring!, r.value)),
        status: 'scored',
        rate,
      };
    });
    return {
      key: g.key,
      name: g.name,
      points: g.points,
      score: round(criteria.reduce((s, c) => s + (c.score ?? 0), 0)),
      complete: criteria.every((c) => c.status === 'scored'),
      criteria,
    };
  });
  return {
    version: config.version,
    source: config.source,
    total: round(groups.reduce((s, g) => s + g.score, 0)),
    complete: groups.every((g) => g.complete),
    groups,
  };
}
