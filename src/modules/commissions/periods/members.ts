import type { MemberArrays } from '../engine';
import type { CompiledPlan } from '../plan';
import type { SnapshotChunk } from './snapshot';

/** Index of an id in ascending ids, or -1. */
export function indexOf(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid];
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Engine members (typed arrays, index = position in id order) from the snapshot chunks, in chunk order. */
export function membersFromSnapshot(
  chunks: SnapshotChunk[],
  plan: CompiledPlan,
): { ids: Int32Array; members: MemberArrays } {
  const n = chunks.reduce((s, c) => s + c.ids.length, 0);
  const ids = new Int32Array(n);
  let k = 0;
  for (const c of chunks) for (const id of c.ids) ids[k++] = id;
  const m: MemberArrays = {
    count: n,
    sponsor: new Int32Array(n),
    placementParent: new Int32Array(n),
    placementPosition: new Uint8Array(n),
    status: new Uint8Array(n),
    joinedAt: new Float64Array(n),
    forcedRank: new Int8Array(n),
    lifetimeRankBefore: new Int8Array(n),
    carryInLeft: new Float64Array(n),
    carryInRight: new Float64Array(n),
    balanceIn: new Float64Array(n),
  };
  const rank = (id: string | null) => (id == null ? -1 : plan.rankIds.indexOf(id));
  let i = 0;
  for (const c of chunks) {
    for (let j = 0; j < c.ids.length; j++, i++) {
      m.sponsor[i] = c.sponsor[j] ? indexOf(ids, c.sponsor[j]) : -1;
      m.placementParent![i] = c.parent[j] ? indexOf(ids, c.parent[j]) : -1;
      m.placementPosition![i] = c.position[j];
      m.status[i] = c.status[j];
      m.joinedAt![i] = c.joined[j];
      m.forcedRank![i] = rank(c.forced[j]);
      m.lifetimeRankBefore![i] = rank(c.lifetime[j]);
      m.carryInLeft![i] = c.carryL[j];
      m.carryInRight![i] = c.carryR[j];
      m.balanceIn![i] = c.balance[j];
    }
  }
  return { ids, members: m };
}
