import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../domain/counters';
import { computeRates, pendingStock, RATE_DEFINITIONS, RATE_KEYS, rate } from '../../domain/rates';

describe('rates', () => {
  it('gives null, not 0, when the denominator is 0', () => {
    const rates = computeRates(emptyCounts());
    for (const key of RATE_KEYS) expect(rates[key]).toEqual({ numerator: 0, denominator: 0, value: null });
  });

  it('divides the counts each definition names', () => {
    const c = {
      ...emptyCounts(),
      receivedDirect: 6,
      receivedOnline: 3,
      receivedPostal: 1,
      receivedDigitized: 4,
      resolvedEarly: 2,
      resolvedOnTime: 1,
      resolvedLate: 1,
      resolvedByDayEarly: 2,
      resolvedByDayOnTime: 2,
      resolvedElectronic: 1,
      resolvedResultDigitized: 3,
      paid: 4,
      paidOnline: 3,
      rating3: 1,
      rating4: 1,
      rating5: 2,
      apologies: 1,
    };
    const r = computeRates(c);
    expect(r.onTime).toEqual(rate(3, 4));
    expect(r.onTimeByDay).toEqual(rate(4, 4));
    expect(r.digitizedDossiers).toEqual(rate(4, 10));
    expect(r.digitizedResults).toEqual(rate(3, 4));
    expect(r.electronicResults).toEqual(rate(1, 4));
    expect(r.online).toEqual(rate(3, 10));
    expect(r.onlinePayment).toEqual(rate(3, 4));
    expect(r.satisfaction).toEqual(rate(3, 4));
    expect(r.apologies).toEqual(rate(1, 1));
    expect(r.onTime.value).toBe(0.75);
  });

  it('states a legal source for every rate', () => {
    for (const key of RATE_KEYS) expect(RATE_DEFINITIONS[key].source).toMatch(/Decree|Circular|Decision/);
  });

  it('derives the pending stock from received − closed and the overdue transitions', () => {
    const c = {
      ...emptyCounts(),
      receivedDirect: 10,
      resolvedEarly: 3,
      resolvedLate: 1,
      rejected: 1,
      withdrawn: 1,
      becameOverdue: 3,
      closedOverdue: 1,
    };
    expect(pendingStock(c)).toEqual({ pending: 4, inTime: 2, overdue: 2 });
  });
});
