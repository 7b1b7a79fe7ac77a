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

/**
 * Engine members (typed arrays, index = position in id order) filled one snapshot chunk at a time, so that a
 * chunk's JSON can be dropped as soon as it is copied. Only the arrays the plan reads are allocated (placement
 * for binary/matrix, carries for binary, join instants for fast start): at 1M members that is 19 to 48 bytes
 * a member. Sponsor and parent hold distributor ids until finish() turns them into indices.
 */
export class MemberBuilder {
  readonly ids: Int32Array;
  readonly members: MemberArrays;
  private i = 0;

  constructor(
    readonly count: number,
    private readonly plan: CompiledPlan,
    /** Every array whatever the plan (what-if runs a second plan on the same members). */
    all = false,
  ) {
    const n = count;
    const placed = all || plan.binary !== null || plan.matrix !== null;
    const binary = all || plan.binary !== null;
    this.ids = new Int32Array(n);
    this.members = {
      count: n,
      sponsor: new Int32Array(n),
      placementParent: placed ? new Int32Array(n) : undefined,
      placementPosition: placed ? new Uint8Array(n) : undefined,
      status: new Uint8Array(n),
      joinedAt: all || plan.fastStart ? new Float64Array(n) : undefined,
      forcedRank: new Int8Array(n),
      lifetimeRankBefore: new Int8Array(n),
      carryInLeft: binary ? new Float64Array(n) : undefined,
      carryInRight: binary ? new Float64Array(n) : undefined,
      balanceIn: new Float64Array(n),
      retailCustomers: all || plan.needsRetailCustomers ? new Int32Array(n) : undefined,
    };
  }

  add(c: SnapshotChunk): void {
    const m = this.members;
    const rank = (id: string | null) => (id == null ? -1 : this.plan.rankIds.indexOf(id));
    if (this.i + c.ids.length > this.count) throw new Error('Snapshot has more members than counted.');
    for (let j = 0; j < c.ids.length; j++, this.i++) {
      const i = this.i;
      this.ids[i] = c.ids[j];
      m.sponsor[i] = c.sponsor[j];
      if (m.placementParent) {
        m.placementParent[i] = c.parent[j];
        m.placementPosition![i] = c.position[j];
      }
      m.status[i] = c.status[j];
      if (m.joinedAt) m.joinedAt[i] = c.joined[j];
      m.forcedRank![i] = rank(c.forced[j]);
      m.lifetimeRankBefore![i] = rank(c.lifetime[j]);
      if (m.carryInLeft) {
        m.carryInLeft[i] = c.carryL[j];
        m.carryInRight![i] = c.carryR[j];
      }
      m.balanceIn![i] = c.balance[j];
    }
  }

  finish(): { ids: Int32Array; members: MemberArrays } {
    if (this.i !== this.count) throw new Error(`Snapshot has ${this.i} members, expected ${this.count}.`);
    const { ids, members: m } = this;
    for (let i = 0; i < this.count; i++) {
      m.sponsor[i] = m.sponsor[i] ? indexOf(ids, m.sponsor[i]) : -1;
      if (m.placementParent)
        m.placementParent[i] = m.placementParent[i] ? indexOf(ids, m.placementParent[i]) : -1;
    }
    return { ids, members: m };
  }
}

/** Engine members from snapshot chunks already at hand, in chunk order. */
export function membersFromSnapshot(
  chunks: SnapshotChunk[],
  plan: CompiledPlan,
  all = false,
): { ids: Int32Array; members: MemberArrays } {
  const b = new MemberBuilder(
    chunks.reduce((s, c) => s + c.ids.length, 0),
    plan,
    all,
  );
  for (const c of chunks) b.add(c);
  return b.finish();
}
