// The income disclosure's arithmetic as plain functions: nearest-rank percentiles, rounded shares, floored
// means, chart buckets at their edges.
import { describe, expect, it } from 'vitest';
import { disclose, histogram, nearestRank, type Participant } from '../../src/modules/compliance/disclosure';
import { bpPercent } from '../../src/modules/compliance/render';

const person = (earnings: number, rankOrder = -1, costs = 0): Participant => ({
  distributorId: 0,
  rankOrder,
  rankId: rankOrder < 0 ? null : `R${rankOrder}`,
  earnings,
  ownPurchases: costs,
  starterKits: 0,
});

describe('income disclosure arithmetic', () => {
  it('nearest rank: the value at 1-based rank ceil(p × N / 100)', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // N = 10: P10 → 1st, P25 → ceil(2.5) = 3rd, P50 → 5th, P75 → ceil(7.5) = 8th, P90 → 9th.
    expect([10, 25, 50, 75, 90].map((p) => nearestRank(ten, p))).toEqual([1, 3, 5, 8, 9]);
    expect(nearestRank([42], 10)).toBe(42);
    expect(() => nearestRank([], 50)).toThrow();
  });

  it('means floor toward −∞, shares round half up, negative earnings count as nothing', () => {
    const { all, groups } = disclose([person(-5, 0), person(0, 0), person(10, 1)]);
    // Total 5 over 3: mean floor(1.67) = 1. Earned nothing: −5 and 0 → 2 of 3 = 6,667 bp (rounded).
    expect(all).toMatchObject({
      count: 3,
      total: 5,
      mean: 1,
      lowest: -5,
      highest: 10,
      earnedNothing: 2,
      earnedNothingBp: 6667,
    });
    expect(groups.map((g) => [g.rankId, g.count, g.shareBp, g.mean])).toEqual([
      ['R1', 1, 3333, 10],
      ['R0', 2, 6667, -3], // floor(−5 / 2) = −3
    ]);
    expect(disclose([])).toEqual({ all: null, groups: [] });
  });

  it('chart buckets: ≤ 0 | 0.01–9.99 | 10–99.99 | 100–999.99 | 1,000–9,999.99 | ≥ 10,000', () => {
    const values = [-1, 0, 1, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000];
    expect(histogram(values.map((v) => person(v)))).toEqual([2, 2, 2, 2, 2, 1]);
  });

  it('basis points print as percents with two decimals', () => {
    expect([0, 5, 1667, 10000].map(bpPercent)).toEqual(['0.00', '0.05', '16.67', '100.00']);
  });
});
