// Golden and property tests of the customer-volume rank tests (minCustomerVolumePercent, minRetailCustomers),
// each golden case worked by hand in the comments.
import { describe, expect, it } from 'vitest';
import { computePeriod } from '../../src/modules/commissions/engine';
import type { MemberRow } from '../../src/modules/commissions/engine/build';
import { checkPlan, compilePlan } from '../../src/modules/commissions/plan';
import { END, IN, randomWorld, run, START } from './engine-helpers';

const RETAIL_RANKS = {
  schemaVersion: 1,
  ranks: [
    { id: 'BASIC', minPv: 0, minGv: 0 },
    { id: 'RETAILER', minPv: 100, minGv: 0, minCustomerVolumePercent: 70 },
    { id: 'SELLER', minPv: 100, minGv: 0, minCustomerVolumePercent: 70, minRetailCustomers: 3 },
    { id: 'LEADER', minPv: 0, minGv: 0, legs: { count: 1, rank: 'SELLER' } },
  ],
};

describe('customer-volume rank tests (golden)', () => {
  it('70 % of PV from customers: 700 of 1,000 passes, 699 of 1,000 fails', () => {
    // 0: customer QV 700 + personal 300 = PV 1,000 → 100 × 700 = 70,000 ≥ 70 × 1,000 = 70,000: RETAILER.
    // 1: customer 699 + personal 301 → 69,900 < 70,000: BASIC.
    const r = run(
      RETAIL_RANKS,
      [{ sponsor: -1 }, { sponsor: 0 }],
      [
        { member: 0, qv: 700, kind: 'CUSTOMER', at: IN },
        { member: 0, qv: 300, kind: 'PERSONAL', at: IN },
        { member: 1, qv: 699, kind: 'CUSTOMER', at: IN },
        { member: 1, qv: 301, kind: 'PERSONAL', at: IN },
      ],
    );
    expect([...r.customerPv!]).toEqual([700, 699]);
    expect([...r.paidAsRank]).toEqual([1, 0]);
  });

  it('minRetailCustomers counts distinct customers (an input), and both tests must pass', () => {
    // All three members have PV 200, all of it from customers (100 %); retail customers 3, 2 and 5.
    // 0 (3 customers): SELLER. 1 (2 customers): RETAILER only. 2 (5 customers) is 1's child: SELLER, so
    // 1's leg holds SELLER and 1 passes LEADER (the highest passing rank, index 3).
    const rows: MemberRow[] = [
      { sponsor: -1, retailCustomers: 3 },
      { sponsor: -1, retailCustomers: 2 },
      { sponsor: 1, retailCustomers: 5 },
    ];
    const r = run(
      RETAIL_RANKS,
      rows,
      [0, 1, 2].map((m) => ({ member: m, qv: 200, kind: 'CUSTOMER' as const, at: IN })),
    );
    expect([...r.paidAsRank]).toEqual([2, 3, 2]);
  });

  it('PV must be above zero; a clawback of a customer order counts with its sign', () => {
    // 0: no volume at all → 0 ≥ 0 would hold, but PV > 0 is required: BASIC.
    // 1: customer 500, a customer clawback −400, personal 100 → customer QV 100 of PV 200 = 50 %: BASIC.
    // 2: customer 500, personal clawback −100 → customer 500 of PV 400 (125 %): RETAILER.
    const r = run(
      { schemaVersion: 1, ranks: RETAIL_RANKS.ranks.slice(0, 2) },
      [{ sponsor: -1 }, { sponsor: -1 }, { sponsor: -1 }],
      [
        { member: 1, qv: 500, kind: 'CUSTOMER', at: IN },
        { member: 1, qv: -400, kind: 'CUSTOMER', at: IN },
        { member: 1, qv: 100, kind: 'PERSONAL', at: IN },
        { member: 2, qv: 500, kind: 'CUSTOMER', at: IN },
        { member: 2, qv: -100, kind: 'PERSONAL', at: IN },
      ],
    );
    expect([...r.customerPv!]).toEqual([0, 100, 500]);
    expect([...r.pv]).toEqual([0, 200, 400]);
    expect([...r.paidAsRank]).toEqual([0, 0, 1]);
  });

  it('starter kits add no customer QV unless the plan carries kit volume; two-decimal percents are exact', () => {
    // Customer kit 300 QV + customer 100 + personal 200. Without kit volume: customer 100 of PV 300 = 33.33…%
    // → 100 × 100 = 10,000 ≥ 33.33 × 300 = 9,999: passes 33.33 %, fails 33.34 % (10,002).
    // With kit volume: customer 400 of PV 600 = 66.67 %: passes 66.66, fails 66.67 (10,000·400 = 4,000,000 <
    // 6,667 × 600 = 4,000,200).
    const lines = [
      { member: 0, qv: 300, kind: 'CUSTOMER' as const, at: IN, starterKit: true },
      { member: 0, qv: 100, kind: 'CUSTOMER' as const, at: IN },
      { member: 0, qv: 200, kind: 'PERSONAL' as const, at: IN },
    ];
    const plan = (pct: number, kits: boolean) => ({
      schemaVersion: 1,
      starterKitsCarryVolume: kits,
      ranks: [{ id: 'R', minPv: 0, minGv: 0, minCustomerVolumePercent: pct }],
    });
    expect(run(plan(33.33, false), [{ sponsor: -1 }], lines).paidAsRank[0]).toBe(0);
    expect(run(plan(33.34, false), [{ sponsor: -1 }], lines).paidAsRank[0]).toBe(-1);
    expect(run(plan(66.66, true), [{ sponsor: -1 }], lines).paidAsRank[0]).toBe(0);
    expect(run(plan(66.67, true), [{ sponsor: -1 }], lines).paidAsRank[0]).toBe(-1);
  });

  it('a forced rank still replaces a rank the customer tests refused', () => {
    const r = run(
      RETAIL_RANKS,
      [{ sponsor: -1, forcedRank: 2 }],
      [{ member: 0, qv: 200, kind: 'PERSONAL', at: IN }],
    );
    expect(r.paidAsRank[0]).toBe(2);
  });
});

describe('customer-volume rank tests: the plan', () => {
  it('validates the fields with their paths', () => {
    const bad = checkPlan({
      schemaVersion: 1,
      ranks: [
        { id: 'A', minPv: 0, minGv: 0, minCustomerVolumePercent: 101 },
        { id: 'B', minPv: 0, minGv: 0, minCustomerVolumePercent: 12.345, minRetailCustomers: 1.5 },
        { id: 'C', minPv: 0, minGv: 0, minRetailCustomers: 0 },
      ],
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.map((i) => i.path).sort()).toEqual([
      'ranks.0.minCustomerVolumePercent',
      'ranks.1.minCustomerVolumePercent',
      'ranks.1.minRetailCustomers',
      'ranks.2.minRetailCustomers',
    ]);
  });

  it('the engine refuses members without retail customer counts when a rank needs them', () => {
    const check = checkPlan(RETAIL_RANKS);
    if (!check.ok) throw new Error('plan');
    expect(() =>
      computePeriod({
        plan: compilePlan(check.plan),
        members: { count: 1, sponsor: Int32Array.of(-1), status: Uint8Array.of(0) },
        lines: {
          count: 0,
          member: new Int32Array(),
          qv: new Float64Array(),
          cv: new Float64Array(),
          kind: new Uint8Array(),
          at: new Float64Array(),
        },
        period: { start: START, end: END },
      }),
    ).toThrow(/retailCustomers is required/);
  });
});

describe('customer-volume rank tests (random networks)', () => {
  it('the tests decide ranks: without them some members of some worlds rank higher, never lower', () => {
    let raised = 0;
    for (let seed = 5000; seed < 5000 + 40 * 7919; seed += 7919) {
      const w = randomWorld(seed);
      const withTests = computePeriod({ ...w, period: { start: START, end: END } });
      const stripped = {
        ...w.plan,
        ranks: w.plan.ranks!.map(({ minCustomerVolumePercent: _, minRetailCustomers: __, ...k }) => k),
      };
      const without = computePeriod({ ...w, plan: stripped, period: { start: START, end: END } });
      // Removing a test can only let more ranks pass, but leg tests see the new ranks too, so compare the
      // computed (unforced) members whose own rank moved and require that it only ever moves up.
      for (let m = 0; m < w.members.count; m++) {
        if (w.members.forcedRank![m] >= 0) continue;
        expect(without.paidAsRank[m]).toBeGreaterThanOrEqual(withTests.paidAsRank[m]);
        if (without.paidAsRank[m] > withTests.paidAsRank[m]) raised++;
      }
    }
    expect(raised).toBeGreaterThan(0);
  });
});
