import type { CompiledPlan } from '../plan/compile';
import type { Tree } from './trees';
import { FORCED_NO_RANK, NOT_FORCED, type Volumes } from './types';

/** The paid-as rank: the forced one (FORCED_NO_RANK: none) when staff forced it, else the computed one. */
function paidAsRank(forced: Int8Array | undefined, x: number, computed: number): number {
  const f = forced ? forced[x] : NOT_FORCED;
  return f === NOT_FORCED ? computed : f === FORCED_NO_RANK ? -1 : f;
}

/**
 * Paid-as ranks, bottom-up over the sponsor tree in one pass: a member's tests need the ranks of their legs,
 * which are final once all their descendants are done. The paid-as rank is the highest rank whose own tests
 * pass (not the first failure); a forced rank (or forced "no rank") replaces it, lower or higher, and is what
 * uplines' leg tests see.
 * Customer-volume tests (SPEC §3.1): the member's customer QV against their PV, and their distinct retail
 * customers (an input: the engine sees volume lines, not customers).
 * Cost O(R × (n + edges)) for R ranks: each rank test reads the member's children at most once.
 */
export function computeRanks(
  plan: CompiledPlan,
  tree: Tree,
  pv: Volumes,
  gv: Volumes,
  forced: Int8Array | undefined,
  paidAs: Int8Array,
  retail: { customerPv: Volumes | null; retailCustomers: Int32Array | undefined } = {
    customerPv: null,
    retailCustomers: undefined,
  },
): void {
  const { customerPv, retailCustomers } = retail;
  const n = pv.length;
  const ranks = plan.ranks;
  const R = ranks.length;
  paidAs.fill(-1);
  if (R === 0) {
    for (let m = 0; m < n; m++) paidAs[m] = paidAsRank(forced, m, -1);
    return;
  }
  const { order, childStart, childList } = tree;
  // Highest paid-as rank anywhere in x's subtree, x included: "a leg contains rank q".
  const subMax = new Int8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const x = order[i];
    const c0 = childStart[x];
    const c1 = childStart[x + 1];
    let computed = -1;
    for (let r = R - 1; r >= 0; r--) {
      const rk = ranks[r];
      if (pv[x] < rk.minPv) continue;
      // Customer share, exact in integers: 10000·customer QV >= pct·100·PV, and PV > 0.
      if (rk.minCustomerBp >= 0 && !(pv[x] > 0 && 10_000 * customerPv![x] >= rk.minCustomerBp * pv[x]))
        continue;
      if (rk.minRetailCustomers > 0 && retailCustomers![x] < rk.minRetailCustomers) continue;
      if (rk.maxLegPercent > 0) {
        // Exact in integers: 10000·PV + Σ min(10000·GV(leg), pct·100·minGv) >= 10000·minGv.
        const legCap = Math.round(rk.maxLegPercent * 100) * rk.minGv;
        let s = 10_000 * pv[x];
        for (let j = c0; j < c1; j++) s += Math.min(10_000 * gv[childList[j]], legCap);
        if (s < 10_000 * rk.minGv) continue;
      } else if (gv[x] < rk.minGv) continue;
      if (rk.legCount > 0) {
        let legs = 0;
        for (let j = c0; j < c1 && legs < rk.legCount; j++) if (subMax[childList[j]] >= rk.legRank) legs++;
        if (legs < rk.legCount) continue;
      }
      computed = r;
      break;
    }
    const rank = paidAsRank(forced, x, computed);
    paidAs[x] = rank;
    let best = rank;
    for (let j = c0; j < c1; j++) if (subMax[childList[j]] > best) best = subMax[childList[j]];
    subMax[x] = best;
  }
}
