// The engine's memory measures must not change a single number: Int32 volumes widen to Float64 when a value
// leaves the Int32 range, and handing the inputs over (reuseInputs) gives the same results as keeping them.
import { describe, expect, it } from 'vitest';
import { computePeriod, type MemberArrays, PeriodEngine } from '../../src/modules/commissions/engine';
import { allLines, END, IN, plan, randomWorld, run, START } from './engine-helpers';

const PERIOD = { start: START, end: END };
const BIG = 2 ** 31 - 1;

function copyMembers(m: MemberArrays): MemberArrays {
  const out = { ...m } as Record<string, unknown>;
  for (const [k, v] of Object.entries(m)) if (ArrayBuffer.isView(v)) out[k] = (v as Float64Array).slice();
  return out as unknown as MemberArrays;
}

describe('Int32 volumes', () => {
  it('a member’s volume beyond the Int32 range is exact (the array widens), and so are group sums', () => {
    const r = run(
      { schemaVersion: 1, unilevel: { levels: [1000], compression: false }, retail: true },
      [{ sponsor: -1 }, { sponsor: 0 }, { sponsor: 1 }],
      [
        { member: 2, qv: BIG, cv: BIG, at: IN },
        { member: 2, qv: 5, cv: 7, at: IN },
        { member: 1, qv: BIG, cv: -BIG, at: IN, kind: 'CUSTOMER', retailProfit: BIG },
        { member: 1, qv: 1, cv: -8, at: IN, kind: 'CUSTOMER', retailProfit: 3 },
      ],
    );
    expect([...r.pv]).toEqual([0, BIG + 1, BIG + 5]);
    expect([...r.cv]).toEqual([0, -BIG - 8, BIG + 7]);
    expect([...r.gv]).toEqual([2 * BIG + 6, 2 * BIG + 6, BIG + 5]);
    expect([...r.gcv]).toEqual([-1, -1, BIG + 7]);
    expect(r.pv).toBeInstanceOf(Float64Array);
    // B's total (retail 2^31 + 2 and 10 % of C's CV) is past Int32 too, and paid in full.
    const bTotal = allLines(r)
      .filter((l) => l.earner === 1)
      .reduce((s, l) => s + l.amount, 0);
    expect(bTotal).toBeGreaterThan(BIG);
    expect([r.total[1], r.payout[1]]).toEqual([bTotal, bTotal]);
    expect(r.total).toBeInstanceOf(Float64Array);
    const retail = allLines(r).find((l) => l.bonus === 'retail')!;
    expect(retail.volume).toBe(BIG + 3);
    // Unilevel 10 % of B's CV to A: floor(0.1 × (2^31 + 6)).
    expect(allLines(r).find((l) => l.bonus === 'unilevel' && l.earner === 1)!.volume).toBe(BIG + 7);
  });

  it('small volumes stay Int32', () => {
    const r = run(
      { schemaVersion: 1 },
      [{ sponsor: -1 }, { sponsor: 0 }],
      [{ member: 1, qv: 10, cv: 20, at: IN }],
    );
    expect(r.pv).toBeInstanceOf(Int32Array);
    expect(r.gcv).toBeInstanceOf(Int32Array);
  });
});

describe('reuseInputs', () => {
  it.each(Array.from({ length: 15 }, (_, i) => 500 + i * 131))(
    'seed %i: same results and lines; inputs taken over or dropped',
    (seed) => {
      const w = randomWorld(seed);
      const kept = computePeriod({ ...w, period: PERIOD });
      const members = copyMembers(w.members);
      const { balanceIn, carryInLeft, lifetimeRankBefore } = members;
      const engine = new PeriodEngine(w.plan, members, PERIOD, { reuseInputs: true });
      engine.addLines(w.lines);
      const r = engine.finish();
      for (const k of [
        'pv',
        'cv',
        'gv',
        'gcv',
        'active',
        'paidAsRank',
        'lifetimeRank',
        'total',
        'payout',
        'balanceOut',
      ] as const)
        expect([...r[k]], k).toEqual([...kept[k]]);
      expect([...r.binary!.carryOutLeft]).toEqual([...kept.binary!.carryOutLeft]);
      expect([...r.binary!.carryOutRight]).toEqual([...kept.binary!.carryOutRight]);
      expect(r.totals).toEqual(kept.totals);
      expect(allLines(r, 29)).toEqual(allLines(kept, 31));
      // Results live in the handed-over arrays; what the engine no longer needs is dropped.
      expect(r.balanceOut).toBe(balanceIn);
      expect(r.binary!.carryOutLeft).toBe(carryInLeft);
      expect(r.lifetimeRank).toBe(lifetimeRankBefore);
      expect(members.balanceIn).toBeUndefined();
      expect(members.joinedAt).toBeUndefined();
      expect(members.forcedRank).toBeUndefined();
      expect(members.carryInLeft).toBeUndefined();
      // A matrix still needs the placement tree while lines are produced.
      expect(members.placementParent).toBeDefined();
    },
  );

  it('two lines() iterations at once give the same lines', () => {
    const w = randomWorld(9);
    const r = computePeriod({ ...w, period: PERIOD });
    const a = r.lines(5);
    const b = r.lines(5);
    const fromA: number[] = [];
    const fromB: number[] = [];
    for (;;) {
      const x = a.next();
      const y = b.next();
      if (!x.done) fromA.push(...x.value.amount);
      if (!y.done) fromB.push(...y.value.amount);
      if (x.done && y.done) break;
    }
    expect(fromA).toEqual(fromB);
    expect(fromA.length).toBe(r.totals.lines);
  });

  it('a plan without a matrix lets the placement arrays go', () => {
    const w = randomWorld(11);
    const p = plan({ ...w.plan, matrix: undefined });
    const members = copyMembers(w.members);
    const engine = new PeriodEngine(p, members, PERIOD, { reuseInputs: true });
    engine.addLines(w.lines).finish();
    expect(members.placementParent).toBeUndefined();
  });
});
