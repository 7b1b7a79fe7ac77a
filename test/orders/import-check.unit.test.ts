import { describe, expect, it } from 'vitest';
import { type CheckContext, checkOrder, type Refs } from '../../src/modules/orders/import/check';
import type { StagedOrder } from '../../src/modules/orders/import/parse';
import { prng } from '../lib/prng';

// checkOrder compares canonical instants as text; its answers must be those of comparing the parsed times.

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const ctx: CheckContext = {
  products: new Map([
    [
      'p1',
      {
        id: 1,
        sku: 'P1',
        qv: 40,
        cv: 3000,
        kit: 0,
        prices: new Map([['DKK', { retail: 1000, wholesale: 800 }]]),
      },
    ],
  ]),
  markets: new Map([['DK', 'DKK']]),
  periodOf: (iso) => new Date(iso).toISOString().slice(0, 7),
  now: NOW,
  latest: new Date(NOW + 60_000).toISOString(),
  digest: 'test',
};
const refs: Refs = [7, 'ACTIVE', 'DK', null, null, null];

/** The rule as written with parsed times. */
function expected(paidAt: string | null, createdAt: string): string[] {
  const paid = paidAt == null ? null : Date.parse(paidAt);
  if (paid != null && paid > NOW + 60_000) return ['paidAt is in the future.'];
  if (Date.parse(createdAt) > NOW + 60_000) return ['createdAt is in the future.'];
  if (paid != null && Date.parse(createdAt) > paid + 60_000)
    return ['createdAt is after paidAt: a payment cannot precede its order.'];
  return [];
}

/** An instant near `ms`, in the canonical form or (sometimes) another one Date.parse reads. */
function instant(ms: number, rand: () => number): string {
  const canonical = new Date(ms).toISOString();
  const r = rand();
  if (r < 0.7) return canonical;
  if (r < 0.85) return canonical.replace('.000Z', 'Z').replace(/\.\d{3}Z$/, 'Z');
  return new Date(ms + 2 * 3600_000).toISOString().replace('Z', '+02:00');
}

describe('checkOrder: the time checks', () => {
  it('answer as the parsed times do, at and around the limits, canonical or not', () => {
    const rand = prng(7);
    const near = [0, 1, -1, 59_999, 60_000, 60_001, 61_000, -60_000, 5 * 86_400_000, -86_400_000];
    for (let i = 0; i < 4000; i++) {
      const pick = () =>
        near[Math.floor(rand() * near.length)] + (rand() < 0.3 ? 0 : Math.floor(rand() * 3) - 1);
      const paidMs = NOW + pick();
      const createdMs = (rand() < 0.5 ? paidMs : NOW) + pick();
      const paidAt = rand() < 0.2 ? null : instant(paidMs, rand);
      const createdAt = instant(createdMs, rand);
      const staged: StagedOrder = [
        1,
        `E${i}`,
        'D7',
        null,
        null,
        null,
        'PERSONAL',
        null,
        paidAt == null ? 'PENDING' : 'PAID',
        paidAt,
        createdAt,
        null,
        [['P1', 1, null, null, null, 1]],
        0,
      ];
      const issues: [number, string][] = [];
      checkOrder(staged, refs, ctx, issues);
      expect(
        issues.map(([, m]) => m),
        `paidAt ${paidAt} createdAt ${createdAt}`,
      ).toEqual(expected(paidAt, createdAt));
    }
  });
});
