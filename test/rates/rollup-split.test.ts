import { describe, expect, it } from 'vitest';
import { splitByMonth } from '../../services/rates/query';

describe('reading a day range through the month and day roll-ups', () => {
  it('reads a calendar year as twelve whole months and no single days', () => {
    expect(splitByMonth('2025-01-01', '2025-12-31')).toEqual({
      months: { from: '2025-01-01', to: '2026-01-01' },
      days: [],
    });
  });

  it('reads the partial months at both ends day by day', () => {
    expect(splitByMonth('2025-01-15', '2025-03-14')).toEqual({
      months: { from: '2025-02-01', to: '2025-03-01' },
      days: [
        { from: '2025-01-15', to: '2025-01-31' },
        { from: '2025-03-01', to: '2025-03-14' },
      ],
    });
  });

  it('reads a range inside one month from the day roll-up only', () => {
    expect(splitByMonth('2025-02-03', '2025-02-20')).toEqual({
      days: [{ from: '2025-02-03', to: '2025-02-20' }],
    });
    expect(splitByMonth('2025-02-01', '2025-02-27')).toEqual({
      days: [{ from: '2025-02-01', to: '2025-02-27' }],
    });
  });

  it('reads everything up to a day (pending stock) as whole months before it plus its own month', () => {
    expect(splitByMonth(undefined, '2025-06-30')).toEqual({ months: { to: '2025-07-01' }, days: [] });
    expect(splitByMonth(undefined, '2024-02-28')).toEqual({
      months: { to: '2024-02-01' },
      days: [{ from: '2024-02-01', to: '2024-02-28' }],
    });
    expect(splitByMonth(undefined, '2024-02-29')).toEqual({ months: { to: '2024-03-01' }, days: [] });
  });

  it('crosses a year boundary', () => {
    expect(splitByMonth('2024-12-31', '2025-01-01')).toEqual({
      days: [{ from: '2024-12-31', to: '2025-01-01' }],
    });
    expect(splitByMonth('2024-12-31', '2025-01-31')).toEqual({
      months: { from: '2025-01-01', to: '2025-02-01' },
      days: [{ from: '2024-12-31', to: '2024-12-31' }],
    });
  });
});
