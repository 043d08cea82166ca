import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../domain/counters';
import { computeRates } from '../../domain/rates';
import {
  decision766ConfigSchema,
  latestDecision766,
  ScoreInputError,
  scoreDecision766,
} from '../../domain/scores/decision-766';

const counts = {
  ...emptyCounts(),
  receivedDirect: 6,
  receivedOnline: 4,
  receivedDigitized: 5,
  resolvedEarly: 8,
  resolvedOnTime: 1,
  resolvedLate: 1,
  resolvedElectronic: 5,
  resolvedResultDigitized: 10,
  paid: 4,
  paidOnline: 2,
  rating5: 9,
  rating2: 1,
};

describe('Decision 766 scores', () => {
  it('ships a valid configuration: five groups of 18, 20, 22, 22, 18 points', () => {
    const config = latestDecision766();
    expect(config.groups.map((g) => g.points)).toEqual([18, 20, 22, 22, 18]);
  });

  it('refuses a configuration whose weights do not add up', () => {
    const broken = structuredClone(latestDecision766());
    broken.groups[1]!.criteria[0]!.points = 19;
    expect(decision766ConfigSchema.safeParse(broken).success).toBe(false);
  });

  it('scores each criterion from its rate and shows the counts it came from', () => {
    const score = scoreDecision766(latestDecision766(), computeRates(counts), {
      publicDisclosure: 6,
      portalSync: 5,
      progressPublished: 4.5,
    });
    const criterion = (key: string) => score.groups.flatMap((g) => g.criteria).find((c) => c.key === key)!;
    expect(criterion('onTime')).toMatchObject({
      score: 18,
      status: 'scored',
      rate: { numerator: 9, denominator: 10 },
    });
    expect(criterion('digitizedDossiers').score).toBe(4); // 8 × 5/10
    expect(criterion('electronicResults').score).toBe(3); // 6 × 5/10
    expect(criterion('online').score).toBe(4.8); // 12 × 4/10
    expect(criterion('onlinePayment').score).toBe(5); // 10 × 2/4
    // Steps: 90 % satisfied reaches the 0.9 step (share 0.75).
    expect(criterion('satisfaction')).toMatchObject({ score: 13.5, rate: { numerator: 9, denominator: 10 } });
    expect(score.groups[0]).toMatchObject({ score: 15.5, complete: true });
    expect(score.total).toBe(15.5 + 18 + (4 + 8 + 3) + (4.8 + 5) + 13.5);
    expect(score.complete).toBe(true);
  });

  it('never guesses: a missing publicity input or an empty denominator leaves the criterion unscored', () => {
    const score = scoreDecision766(latestDecision766(), computeRates({ ...counts, paid: 0, paidOnline: 0 }));
    const criteria = score.groups.flatMap((g) => g.criteria);
    expect(criteria.find((c) => c.key === 'publicDisclosure')).toMatchObject({
      score: null,
      status: 'input_required',
    });
    expect(criteria.find((c) => c.key === 'onlinePayment')).toMatchObject({ score: null, status: 'no_data' });
    expect(score.complete).toBe(false);
  });

  it('refuses inputs for unknown criteria or beyond their points', () => {
    const rates = computeRates(counts);
    expect(() => scoreDecision766(latestDecision766(), rates, { onTime: 20 })).toThrow(ScoreInputError);
    expect(() => scoreDecision766(latestDecision766(), rates, { portalSync: 7 })).toThrow(ScoreInputError);
  });
});
