// The pure explanation against the engine on random networks (seeded, replayable): for every line the engine
// emits, the members the explanation names add up to the line's volume, and the rate floors it to beforeCap.
import { describe, expect, it } from 'vitest';
import { BONUS, computePeriod, LEFT, type PeriodResult, RIGHT } from '../../src/modules/commissions/engine';
import { binaryPay } from '../../src/modules/commissions/engine/binary';
import { applyBp } from '../../src/modules/commissions/engine/math';
import { CONTRIBUTION, explainLine, linesOf, membersNeeded } from '../../src/modules/commissions/explain';
import { compilePlan } from '../../src/modules/commissions/plan';
import { END, randomWorld, START, type World } from './engine-helpers';

const PERIOD = { start: START, end: END };
const SEEDS = Array.from({ length: 30 }, (_, i) => 4000 + i * 6007);

function engineLines(r: PeriodResult) {
  const out: {
    earner: number;
    bonus: number;
    level: number;
    source: number;
    volume: number;
    bp: number;
    beforeCap: number;
  }[] = [];
  for (const c of r.lines(50))
    for (let i = 0; i < c.length; i++)
      out.push({
        earner: c.earner[i],
        bonus: c.bonus[i],
        level: c.level[i],
        source: c.source[i],
        volume: c.volume[i],
        bp: c.bp[i],
        beforeCap: c.beforeCap[i],
      });
  return out;
}

/** Levels from `m` up to `ancestor` along `parent`, or -1 when `ancestor` is not above m. */
function levelsUp(parent: Int32Array, m: number, ancestor: number): number {
  let d = 0;
  for (let a = m; a >= 0; a = parent[a], d++) if (a === ancestor) return d;
  return -1;
}

function subtreeSize(parent: Int32Array, x: number): number {
  let s = 0;
  for (let m = 0; m < parent.length; m++) if (levelsUp(parent, m, x) >= 0) s++;
  return s;
}

function check(w: World, seed: number) {
  const plan = compilePlan(w.plan);
  const r = computePeriod({ ...w, period: PERIOD });
  const lines = engineLines(r);
  expect(lines.length).toBeGreaterThan(0);
  const seen = new Set<number>();
  const { sponsor, placementParent, placementPosition } = w.members;
  for (const l of lines) {
    const e = explainLine({ plan, members: w.members, lines: w.lines, period: PERIOD }, l);
    const where = `seed ${seed} earner ${l.earner} bonus ${l.bonus} L${l.level} src ${l.source}`;
    expect([e.volume, e.bp, e.beforeCap], where).toEqual([l.volume, l.bp, l.beforeCap]);
    // The lines of the members membersNeeded names are enough (the I/O layer keeps only those).
    const narrow = explainLine(
      { plan, members: w.members, lines: linesOf(w.lines, membersNeeded(w.members, l)), period: PERIOD },
      l,
    );
    expect([narrow.volume, narrow.beforeCap], where).toEqual([e.volume, e.beforeCap]);
    expect([...narrow.contributions.member]).toEqual([...e.contributions.member]);
    expect([...narrow.contributions.volume]).toEqual([...e.contributions.volume]);
    const c = e.contributions;
    let sum = 0;
    const legSum = [0, 0];
    for (let i = 0; i < c.length; i++) {
      expect(c.volume[i], where).not.toBe(0);
      sum += c.volume[i];
      if (c.leg[i] >= 0) legSum[c.leg[i]] += c.volume[i];
      const m = c.member[i];
      // Each contributor sits where the explanation says, in the tree of the rule.
      if (l.bonus === BONUS.binary) {
        if (c.kind[i] === CONTRIBUTION.carryIn) expect(m).toBe(-1);
        else {
          expect(levelsUp(placementParent!, m, l.earner), where).toBe(c.level[i]);
          let top = m;
          while (placementParent![top] !== l.earner) top = placementParent![top];
          expect(placementPosition![top]).toBe(c.leg[i]);
        }
      } else if (l.bonus === BONUS.matrix) {
        expect(levelsUp(placementParent!, m, l.earner), where).toBe(l.level);
      } else if (l.bonus === BONUS.retail) {
        expect(m).toBe(l.earner);
        expect(w.lines.member[c.line[i]]).toBe(l.earner);
        expect(w.lines.retailProfit![c.line[i]]).toBe(c.volume[i]);
      } else {
        expect(levelsUp(sponsor, m, l.earner), where).toBe(c.level[i]);
        if (l.bonus === BONUS.fastStart || l.bonus === BONUS.matching) expect(c.level[i]).toBe(l.level);
        if (l.bonus === BONUS.unilevel) expect(c.level[i]).toBeGreaterThanOrEqual(l.level);
        if (l.bonus === BONUS.stairstep) expect(m).toBe(l.source >= 0 ? l.source : l.earner);
      }
    }
    if (l.bonus === BONUS.binary) {
      expect([legSum[LEFT], legSum[RIGHT]]).toEqual([
        r.binary!.legLeft[l.earner],
        r.binary!.legRight[l.earner],
      ]);
      expect(e.binary).toMatchObject({ left: legSum[LEFT], right: legSum[RIGHT] });
      expect(Math.max(0, Math.min(legSum[LEFT], legSum[RIGHT]))).toBe(l.volume);
      expect(binaryPay(plan, l.volume, r.paidAsRank[l.earner])).toBe(l.beforeCap);
    } else {
      expect(sum, where).toBe(l.volume);
      expect(l.bonus === BONUS.retail ? sum : applyBp(e.bp, sum)).toBe(l.beforeCap);
    }
    // Only the rule's subtree is worked on.
    if (l.bonus === BONUS.retail) expect(e.examined).toBe(1);
    else if (l.bonus !== BONUS.matrix && l.bonus !== BONUS.binary)
      expect(e.examined).toBe(subtreeSize(sponsor, l.earner));
    else if (l.bonus === BONUS.binary) expect(e.examined).toBe(subtreeSize(placementParent!, l.earner));
    seen.add(l.bonus);
  }
  return seen;
}

describe('explain agrees with the engine (random networks)', () => {
  it.each(SEEDS)('seed %i: every line’s contributions add up to its volume and beforeCap', (seed) => {
    check(randomWorld(seed), seed);
  });

  it('covers every part across the seeds', () => {
    const seen = new Set<number>();
    for (const seed of SEEDS.slice(0, 8)) for (const b of check(randomWorld(seed), seed)) seen.add(b);
    expect([...seen].sort()).toEqual(Object.values(BONUS).sort());
  });

  it('explaining a leaf’s line looks at the leaf alone', () => {
    const w = randomWorld(77);
    const plan = compilePlan(w.plan);
    const { sponsor } = w.members;
    const leaf = [...sponsor.keys()].find((m) => !sponsor.includes(m) && w.members.status[m] === 0)!;
    const e = explainLine(
      { plan, members: w.members, lines: w.lines, period: PERIOD },
      { earner: leaf, bonus: BONUS.stairstep, level: 0, source: -1 },
    );
    expect(e.examined).toBe(1);
  });
});
