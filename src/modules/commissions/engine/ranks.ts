import type { CompiledPlan } from '../plan/compile';
import type { Tree } from './trees';
import type { Volumes } from './types';

/**
 * Paid-as ranks, bottom-up over the sponsor tree in one pass: a member's tests need the ranks of their legs,
 * which are final once all their descendants are done. The paid-as rank is the highest rank whose own tests
 * pass (not the first failure); a forced rank replaces it and is what uplines' leg tests see.
 * Cost O(R × (n + edges)) for R ranks: each rank test reads the member's children at most once.
 */
export function computeRanks(
  plan: CompiledPlan,
  tree: Tree,
  pv: Volumes,
  gv: Volumes,
  forced: Int8Array | undefined,
  paidAs: Int8Array,
): void {
  const n = pv.length;
  const ranks = plan.ranks;
  const R = ranks.length;
  paidAs.fill(-1);
  if (R === 0) {
    if (forced) for (let m = 0; m < n; m++) paidAs[m] = forced[m] >= 0 ? forced[m] : -1;
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
    const rank = forced && forced[x] >= 0 ? forced[x] : computed;
    paidAs[x] = rank;
    let best = rank;
    for (let j = c0; j < c1; j++) if (subMax[childList[j]] > best) best = subMax[childList[j]];
    subMax[x] = best;
  }
}
