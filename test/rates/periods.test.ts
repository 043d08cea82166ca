import { describe, expect, it } from 'vitest';
import { PeriodError, periodRange } from '../../domain/periods';

describe('report periods (Circular 01/2020/TT-VPCP)', () => {
  it('uses calendar months, quarters and years by default', () => {
    expect(periodRange('month', '2026-02')).toMatchObject({
      from: '2026-02-01',
      to: '2026-02-28',
      label: 'Tháng 02/2026',
    });
    expect(periodRange('month', '2028-02')).toMatchObject({ to: '2028-02-29' });
    expect(periodRange('quarter', '2026-Q3')).toMatchObject({
      from: '2026-07-01',
      to: '2026-09-30',
      label: 'Quý III/2026',
    });
    expect(periodRange('year', '2026')).toMatchObject({
      from: '2026-01-01',
      to: '2026-12-31',
      label: 'Năm 2026',
    });
  });

  it('runs from the 15th of the previous month to the 14th under the mid-month convention', () => {
    expect(periodRange('month', '2026-01', 'mid-month')).toMatchObject({
      from: '2025-12-15',
      to: '2026-01-14',
    });
    expect(periodRange('quarter', '2026-Q1', 'mid-month')).toMatchObject({
      from: '2025-12-15',
      to: '2026-03-14',
    });
    expect(periodRange('year', '2026', 'mid-month')).toMatchObject({ from: '2025-12-15', to: '2026-12-14' });
  });

  it('refuses malformed periods with a Vietnamese message', () => {
    for (const [kind, period] of [
      ['month', '2026-13'],
      ['month', '2026-1'],
      ['quarter', '2026-Q5'],
      ['year', '26'],
      ['year', '9999'],
    ] as const) {
      expect(() => periodRange(kind, period)).toThrow(PeriodError);
    }
    expect(() => periodRange('month', 'x')).toThrow(/Kỳ báo cáo không hợp lệ/);
  });
});
