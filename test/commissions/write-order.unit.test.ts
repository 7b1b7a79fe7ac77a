import { describe, expect, it } from 'vitest';
import { BONUS_NAMES, computePeriod } from '../../src/modules/commissions/engine';
import { linesInKeyOrder } from '../../src/modules/commissions/periods/writeResults';
import { END, randomWorld, START } from './engine-helpers';

// The close writes the commission lines a range of earners at a time, each range sorted into the table's key
// order (distributor, bonus name, level, source): every line exactly once, in that order, however small the
// ranges.

const key = (e: number, bonus: number, level: number, source: number) =>
  [e, BONUS_NAMES[bonus - 1], level, source] as const;
const before = (a: readonly (number | string)[], b: readonly (number | string)[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
};

describe('lines in key order', () => {
  for (const seed of [1, 2, 3, 4, 5])
    for (const maxHeld of [1, 7, 100, 1_000_000])
      it(`seed ${seed}, at most ${maxHeld} held: every line once, in key order`, () => {
        const w = randomWorld(seed);
        const r = computePeriod({
          plan: w.plan,
          members: w.members,
          lines: w.lines,
          period: { start: START, end: END },
        });
        const expected: string[] = [];
        for (const c of r.lines(13))
          for (let i = 0; i < c.length; i++)
            expected.push(
              JSON.stringify([
                c.earner[i],
                c.bonus[i],
                c.level[i],
                c.source[i],
                c.volume[i],
                c.bp[i],
                c.beforeCap[i],
                c.amount[i],
              ]),
            );
        const got: string[] = [];
        let last: readonly (number | string)[] | null = null;
        let passes = 0;
        for (const { lines: l, order } of linesInKeyOrder(r, maxHeld)) {
          passes++;
          for (const k of order) {
            const now = key(l.earner[k], l.bonus[k], l.level[k], l.source[k]);
            if (last) expect(before(last, now), `${last} before ${now}`).toBe(true);
            last = now;
            got.push(
              JSON.stringify([
                l.earner[k],
                l.bonus[k],
                l.level[k],
                l.source[k],
                l.volume[k],
                l.bp[k],
                l.beforeCap[k],
                l.amount[k],
              ]),
            );
          }
        }
        expect(expected.length).toBeGreaterThan(0);
        expect(got.sort()).toEqual(expected.sort());
        // Small ranges do take several passes (the point of them: a bounded number of lines held).
        if (maxHeld < r.totals.lines) expect(passes).toBeGreaterThan(1);
        else expect(passes).toBe(1);
      });
});
