// Golden tests of the commission engine: each worked by hand, the arithmetic in the comments.
import { describe, expect, it } from 'vitest';
import { BINARY_PAID } from '../../src/modules/commissions/engine';
import type { MemberRow } from '../../src/modules/commissions/engine/build';
import { allLines, byEarner, IN, run } from './engine-helpers';

const BRACKETS = [
  { minGroupPv: 200, bp: 300 },
  { minGroupPv: 600, bp: 600 },
  { minGroupPv: 1200, bp: 900 },
  { minGroupPv: 2400, bp: 1200 },
  { minGroupPv: 4000, bp: 1500 },
  { minGroupPv: 7000, bp: 1800 },
  { minGroupPv: 10000, bp: 2100 },
];

describe('stairstep differential (golden)', () => {
  it('pays 55,800 on a 600,000 group at 21 % with legs at 12/12/9/15 %', () => {
    // X(0) sponsors A(1), B(2), C(3), D(4); D sponsors D1(5).
    //   X: own PV 1,200, CV 60,000
    //   A: PV 3,000, CV 120,000 → group PV 3,000 → 12 %      B: the same
    //   C: PV 1,500, CV 60,000 → 9 %
    //   D: PV 1,000, CV 40,000 + D1 PV 4,000, CV 200,000 → D group PV 5,000 → 15 %, group CV 240,000
    //   X group PV = 1,200 + 3,000 + 3,000 + 1,500 + 5,000 = 13,700 ≥ 10,000 → 21 % (and X breaks away)
    //   X group CV = 60,000 + 120,000 + 120,000 + 60,000 + 240,000 = 600,000
    // Spec form: 21 % × 600,000 = 126,000 − (12 % × 120,000 = 14,400) − 14,400 − (9 % × 60,000 = 5,400)
    //            − (15 % × 240,000 = 36,000) = 55,800.
    // Component form (SPEC 3.1): own 21 % × 60,000 = 12,600; A (21−12) % × 120,000 = 10,800; B 10,800;
    //            C (21−9) % × 60,000 = 7,200; D (21−15) % × 240,000 = 14,400 → 55,800.
    const members: MemberRow[] = [
      { sponsor: -1 },
      { sponsor: 0 },
      { sponsor: 0 },
      { sponsor: 0 },
      { sponsor: 0 },
      { sponsor: 4 },
    ];
    const lines = [
      { member: 0, qv: 1200, cv: 60_000, at: IN },
      { member: 1, qv: 3000, cv: 120_000, at: IN },
      { member: 2, qv: 3000, cv: 120_000, at: IN },
      { member: 3, qv: 1500, cv: 60_000, at: IN },
      { member: 4, qv: 1000, cv: 40_000, at: IN },
      { member: 5, qv: 4000, cv: 200_000, at: IN },
    ];
    const r = run({ schemaVersion: 1, stairstep: { brackets: BRACKETS } }, members, lines);
    expect(r.stairstep!.groupCv[0]).toBe(600_000);
    expect(r.stairstep!.bracket[0]).toBe(6);
    const x = byEarner(r)[0];
    expect(x).toEqual({
      'stairstep:own': 12_600,
      'stairstep:child:1': 10_800,
      'stairstep:child:2': 10_800,
      'stairstep:child:3': 7_200,
      'stairstep:child:4': 14_400,
    });
    expect(r.total[0]).toBe(55_800);
    // D at 15 %: own 15 % × 40,000 = 6,000; D1 is at 15 % too (PV 4,000) → difference 0, no line.
    expect(byEarner(r)[4]).toEqual({ 'stairstep:own': 6_000 });
    // D1: 15 % × 200,000 = 30,000.
    expect(r.total[5]).toBe(30_000);
  });

  it('pays 3,780 on a 90,000 group at 9 % minus a leg at 6 % of 72,000', () => {
    // Y(0): PV 600, CV 18,000; Z(1): PV 1,000 (6 %), CV 72,000. Y group PV 1,600 → 9 %, group CV 90,000.
    // 9 % × 90,000 = 8,100 − 6 % × 72,000 = 4,320 → 3,780
    // = own 9 % × 18,000 = 1,620 + Z (9 − 6) % × 72,000 = 2,160.
    const r = run(
      { schemaVersion: 1, stairstep: { brackets: BRACKETS } },
      [{ sponsor: -1 }, { sponsor: 0 }],
      [
        { member: 0, qv: 600, cv: 18_000, at: IN },
        { member: 1, qv: 1000, cv: 72_000, at: IN },
      ],
    );
    expect(byEarner(r)[0]).toEqual({ 'stairstep:own': 1_620, 'stairstep:child:1': 2_160 });
    expect(r.total[0]).toBe(3_780);
    expect(r.total[1]).toBe(4_320); // Z: 6 % × 72,000
  });

  it('leadership overrides count breakaway generations along the sponsor line', () => {
    // Brackets 1,000 → 5 %, 5,000 → 10 % (top). Overrides G1 3 %, G2 2 %.
    // X(0) PV 5,000 breaks away → A(1) PV 100 (not) → B(2) PV 6,000 (breaks away, gen 1 of X)
    //   → C(3) PV 7,000 (breaks away: gen 2 of X, gen 1 of B). CV = PV × 10.
    // X: leadership G1 3 % × groupCv(B) = 3 % × 60,000 = 1,800; G2 2 % × 70,000 = 1,400.
    // B: G1 3 % × 70,000 = 2,100. A is not at the top bracket: no leadership.
    // Performance: X group = X + A (B broke away): PV 5,100 → 10 %; own 10 % × 50,000 = 5,000;
    //   A child: (10 − 0) % × 1,000 = 100 (A alone has PV 100 < 1,000 → 0 %).
    const r = run(
      {
        schemaVersion: 1,
        stairstep: {
          brackets: [
            { minGroupPv: 1000, bp: 500 },
            { minGroupPv: 5000, bp: 1000 },
          ],
          overrides: [300, 200],
        },
      },
      [{ sponsor: -1 }, { sponsor: 0 }, { sponsor: 1 }, { sponsor: 2 }],
      [
        { member: 0, qv: 5000, cv: 50_000, at: IN },
        { member: 1, qv: 100, cv: 1_000, at: IN },
        { member: 2, qv: 6000, cv: 60_000, at: IN },
        { member: 3, qv: 7000, cv: 70_000, at: IN },
      ],
    );
    const e = byEarner(r);
    expect(e[0]).toEqual({
      'stairstep:own': 5_000,
      'stairstep:child:1': 100,
      'leadership:G1': 1_800,
      'leadership:G2': 1_400,
    });
    expect(e[1]).toBeUndefined();
    expect(e[2]).toEqual({ 'stairstep:own': 6_000, 'leadership:G1': 2_100 });
    expect(e[3]).toEqual({ 'stairstep:own': 7_000 });
  });
});

describe('binary (golden)', () => {
  it('left 1,100 and right 1,111 at 10 % pay 110 and carry 0 left, 11 right', () => {
    // X(0) is active (PV 100) and personally sponsors L(1) placed LEFT and R(2) placed RIGHT, both active.
    // Left leg = CV of L's placement subtree = 1,100; right = 1,111. X's own CV (500) is in neither leg.
    // pair = min(1,100, 1,111) = 1,100 → 10 % = 110; carry-out: 1,100 − 1,100 = 0 and 1,111 − 1,100 = 11.
    const r = run(
      { schemaVersion: 1, activePv: 100, binary: { bp: 1000 } },
      [
        { sponsor: -1 },
        { sponsor: 0, placementParent: 0, position: 0 },
        { sponsor: 0, placementParent: 0, position: 1 },
      ],
      [
        { member: 0, qv: 100, cv: 500, at: IN },
        { member: 1, qv: 100, cv: 1_100, at: IN },
        { member: 2, qv: 100, cv: 1_111, at: IN },
      ],
    );
    const b = r.binary!;
    expect([b.legLeft[0], b.legRight[0]]).toEqual([1_100, 1_111]);
    expect(b.state[0]).toBe(BINARY_PAID);
    expect(allLines(r).filter((l) => l.earner === 0)).toMatchObject([
      { key: 'binary:pair', volume: 1_100, bp: 1000, amount: 110 },
    ]);
    expect([b.carryOutLeft[0], b.carryOutRight[0]]).toEqual([0, 11]);
    expect(r.total[0]).toBe(110);
  });
});

describe('unilevel compression (golden)', () => {
  // A line of 13: buyer B(12) at the bottom, ancestors at physical levels 1..12 above it (member 12 − k is
  // at level k). Active (PV 100, CV 0) only at physical levels 2, 4, 5, 6, 8, 9, 10, 12. Level 1 has PV 0,
  // level 3 is SUSPENDED with PV 100, levels 7 and 11 have PV 50: all inactive. B buys CV 10,000.
  // Rates: 5 % on paid levels 1–6, 1 % on 7–8.
  const activeLevels = [2, 4, 5, 6, 8, 9, 10, 12];
  const members: MemberRow[] = Array.from({ length: 13 }, (_, i) => ({
    sponsor: i - 1,
    status: 12 - i === 3 ? ('SUSPENDED' as const) : ('ACTIVE' as const),
  }));
  const lines = [
    { member: 12, qv: 0, cv: 10_000, at: IN },
    ...activeLevels.map((k) => ({ member: 12 - k, qv: 100, cv: 0, at: IN })),
    { member: 12 - 3, qv: 100, cv: 0, at: IN },
    { member: 12 - 7, qv: 50, cv: 0, at: IN },
    { member: 12 - 11, qv: 50, cv: 0, at: IN },
  ];
  const levels = [500, 500, 500, 500, 500, 500, 100, 100];

  it('with compression the active ancestors become paid levels 1–8', () => {
    // physical 2 → L1 5 % × 10,000 = 500; 4 → L2 500; 5 → L3 500; 6 → L4 500; 8 → L5 500; 9 → L6 500;
    // 10 → L7 1 % = 100; 12 → L8 100. Σ = 6 × 500 + 2 × 100 = 3,200.
    const r = run(
      { schemaVersion: 1, activePv: 100, unilevel: { levels, compression: true } },
      members,
      lines,
    );
    const paid = allLines(r).map((l) => [12 - l.earner, l.key, l.amount]);
    expect(paid).toEqual([
      [2, 'unilevel:L1', 500],
      [4, 'unilevel:L2', 500],
      [5, 'unilevel:L3', 500],
      [6, 'unilevel:L4', 500],
      [8, 'unilevel:L5', 500],
      [9, 'unilevel:L6', 500],
      [10, 'unilevel:L7', 100],
      [12, 'unilevel:L8', 100],
    ]);
    expect(r.totals.total).toBe(3_200);
  });

  it('without compression the shares of inactive levels are not paid to anyone', () => {
    // Level k pays physical level k only: 2 → 5 %, 4 → 5 %, 5 → 5 %, 6 → 5 %, 8 → 1 % = 100.
    // Levels 1, 3, 7 (inactive) are unpaid; 9, 10, 12 are beyond the 8 levels. Σ = 4 × 500 + 100 = 2,100.
    const r = run(
      { schemaVersion: 1, activePv: 100, unilevel: { levels, compression: false } },
      members,
      lines,
    );
    const paid = allLines(r).map((l) => [12 - l.earner, l.key, l.amount]);
    expect(paid).toEqual([
      [2, 'unilevel:L2', 500],
      [4, 'unilevel:L4', 500],
      [5, 'unilevel:L5', 500],
      [6, 'unilevel:L6', 500],
      [8, 'unilevel:L8', 100],
    ]);
    expect(r.totals.total).toBe(2_100);
  });

  it('minRankForLevel skips an ancestor without the rank for the level being filled', () => {
    // Chain G(0) ← P(1) ← S(2) ← B(3); B buys CV 1,000. Rank LEAD needs PV 500; only G has it.
    // Levels 10 %, 5 %, level 2 needs LEAD. Compression: S fills L1 (100); P lacks LEAD for L2 → skipped;
    // G has LEAD → L2 5 % = 50. P earns nothing.
    const r = run(
      {
        schemaVersion: 1,
        ranks: [{ id: 'LEAD', minPv: 500, minGv: 0 }],
        unilevel: { levels: [1000, 500], minRankForLevel: [null, 'LEAD'], compression: true },
      },
      [{ sponsor: -1 }, { sponsor: 0 }, { sponsor: 1 }, { sponsor: 2 }],
      [
        { member: 0, qv: 500, cv: 0, at: IN },
        { member: 3, qv: 0, cv: 1_000, at: IN },
      ],
    );
    expect(byEarner(r)).toEqual({ 2: { 'unilevel:L1': 100 }, 0: { 'unilevel:L2': 50 } });
  });
});

describe('matching (golden)', () => {
  it('3 % of two members earning 100 and three earning 200 is 24', () => {
    // M(0) has rank LEADER (forced) and sponsors E1..E5 (1..5); each Ei sponsors a buyer (6..10).
    // Unilevel level 1 at 10 %: buyers of CV 1,000, 1,000, 2,000, 2,000, 2,000 give E1..E5 100, 100, 200,
    // 200, 200. M earns no unilevel (one level only). Matching G1 3 % × (100 + 100 + 200 + 200 + 200 = 800)
    // = 24. N(11), a second sponsor-child of M without the rank, matches nothing below it.
    const buyers = [1_000, 1_000, 2_000, 2_000, 2_000];
    const members: MemberRow[] = [{ sponsor: -1, forcedRank: 0 }];
    for (let i = 0; i < 5; i++) members.push({ sponsor: 0 });
    for (let i = 0; i < 5; i++) members.push({ sponsor: 1 + i });
    members.push({ sponsor: 0 }, { sponsor: 11 }, { sponsor: 12 });
    const lines = buyers.map((cv, i) => ({ member: 6 + i, qv: 0, cv, at: IN }));
    lines.push({ member: 13, qv: 0, cv: 5_000, at: IN }); // 12 earns 500, N(11) would match it
    const r = run(
      {
        schemaVersion: 1,
        ranks: [{ id: 'LEADER', minPv: 1_000_000, minGv: 0 }],
        unilevel: { levels: [1000], compression: false },
        matching: { levels: [300], minRank: ['LEADER'] },
      },
      members,
      lines,
    );
    const e = byEarner(r);
    // M also matches member 11? No: 11 earns 0 unilevel (its level-1 child 12 has no CV; 13 is two below).
    expect(e[0]).toEqual({ 'matching:G1': 24 });
    expect(e[11]).toBeUndefined();
    expect(e[12]).toEqual({ 'unilevel:L1': 500 });
  });
});

describe('fast start (golden)', () => {
  it('10 % of 450 is 45', () => {
    // S(0) sponsors N(1), who joined on day 3 of the period; window 7 days: [day 3, day 10).
    // N's orders: 200 on day 3 (personal), 250 on day 9 (customer) → 450 in the window; 1,000 on day 10
    // is outside. S earns fastStart:L1 10 % × 450 = 45.
    const START = Date.UTC(2026, 0, 1);
    const DAY = 86_400_000;
    const join = START + 3 * DAY;
    const r = run(
      { schemaVersion: 1, fastStart: { windowDays: 7, levels: [1000] } },
      [{ sponsor: -1 }, { sponsor: 0, joinedAt: join }],
      [
        { member: 1, qv: 10, cv: 200, at: join },
        { member: 1, qv: 10, cv: 250, at: join + 6 * DAY, kind: 'CUSTOMER' as const },
        { member: 1, qv: 10, cv: 1_000, at: join + 7 * DAY },
      ],
    );
    expect(r.fastStartCv![1]).toBe(450);
    expect(byEarner(r)).toEqual({ 0: { 'fastStart:L1': 45 } });
  });
});
