// The pure parts of the reports: ranges, the median of an hour histogram, cohorts and growth from counters.
import { describe, expect, it } from 'vitest';
import {
  cohorts,
  growthMonths,
  histogramMedian,
  months,
  requireDays,
  requireRange,
} from '../../src/modules/reports/model';

describe('ranges', () => {
  it('accepts YYYY-MM ranges up to 36 months, in order', () => {
    expect(requireRange('2025-11', '2026-02')).toEqual({ from: '2025-11', to: '2026-02' });
    expect(months({ from: '2025-11', to: '2026-02' })).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(() => requireRange('2026-02', '2025-11')).toThrow(/after/);
    expect(() => requireRange('2026-2', '2026-03')).toThrow(/YYYY-MM|2026-11/);
    expect(() => requireRange('2020-01', '2023-01')).toThrow(/36/);
    expect(requireRange('2020-01', '2022-12').to).toBe('2022-12');
  });

  it('days of "ordered within" are 0 to 30', () => {
    expect(requireDays(0)).toBe(0);
    expect(requireDays(30)).toBe(30);
    expect(() => requireDays(31)).toThrow();
    expect(() => requireDays(1.5)).toThrow();
  });
});

describe('histogramMedian', () => {
  it('is the lower median of the bucketed values', () => {
    expect(histogramMedian([])).toBeNull();
    expect(histogramMedian([{ value: 5, count: 0 }])).toBeNull();
    // 1, 2, 2, 9: lower median 2.
    expect(
      histogramMedian([
        { value: 9, count: 1 },
        { value: 1, count: 1 },
        { value: 2, count: 2 },
      ]),
    ).toBe(2);
    // 1, 9, 9: median 9.
    expect(
      histogramMedian([
        { value: 1, count: 1 },
        { value: 9, count: 2 },
      ]),
    ).toBe(9);
  });
});

describe('cohorts and growth', () => {
  it('zero-fills months and gives shares in basis points', () => {
    const c = cohorts({ from: '2026-01', to: '2026-03' }, [
      { cohort: '2026-01', month: '2026-01', customers: 3 },
      { cohort: '2026-01', month: '2026-03', customers: 1 },
      { cohort: '2026-03', month: '2026-03', customers: 2 },
    ]);
    expect(c).toEqual([
      { cohort: '2026-01', customers: 3, returning: [0, 1], returningBp: [0, 3333] },
      { cohort: '2026-02', customers: 0, returning: [0], returningBp: [null] },
      { cohort: '2026-03', customers: 2, returning: [], returningBp: [] },
    ]);
    expect(
      growthMonths({ from: '2026-01', to: '2026-02' }, new Map([['2026-02', 5]]), new Map([['2026-01', 2]])),
    ).toEqual([
      { month: '2026-01', enrollments: 0, terminations: 2, net: -2 },
      { month: '2026-02', enrollments: 5, terminations: 0, net: 5 },
    ]);
  });
});
