import type { CompiledPlan } from '../plan/compile';
import { type BinaryState, binaryPay, pairVolume } from './binary';
import { applyBp } from './math';
import type { Tree } from './trees';
import { BINARY_PAID, BONUS, STATUS_ACTIVE, type Volumes } from './types';

/** A reusable block of pending lines (before the period cap). */
export class LineBuffer {
  length = 0;
  readonly earner: Int32Array;
  readonly bonus: Uint8Array;
  readonly level: Int32Array;
  readonly source: Int32Array;
  readonly volume: Float64Array;
  readonly bp: Int32Array;
  readonly amount: Float64Array;
  constructor(readonly capacity: number) {
    this.earner = new Int32Array(capacity);
    this.bonus = new Uint8Array(capacity);
    this.level = new Int32Array(capacity);
    this.source = new Int32Array(capacity);
    this.volume = new Float64Array(capacity);
    this.bp = new Int32Array(capacity);
    this.amount = new Float64Array(capacity);
  }
  /** Adds a line; returns true when the buffer is full and must be drained. */
  push(
    earner: number,
    bonus: number,
    level: number,
    source: number,
    volume: number,
    bp: number,
    amount: number,
  ) {
    const i = this.length++;
    this.earner[i] = earner;
    this.bonus[i] = bonus;
    this.level[i] = level;
    this.source[i] = source;
    this.volume[i] = volume;
    this.bp[i] = bp;
    this.amount[i] = amount;
    return this.length === this.capacity;
  }
}

/** Everything the line generators read; built once by the engine. */
export interface EngineState {
  plan: CompiledPlan;
  n: number;
  sponsor: Int32Array;
  sponsorTree: Tree;
  placementParent: Int32Array | null;
  placementOrder: Int32Array | null;
  status: Uint8Array;
  cv: Volumes;
  active: Uint8Array;
  paidAs: Int8Array;
  binary: BinaryState | null;
  stairstep: { groupCv: Float64Array; bracket: Int8Array; leader: Uint8Array } | null;
  fastStartCv: Volumes | null;
  retail: Volumes | null;
  /** Each member's unilevel earnings (floored, before the cap): the matching basis. Filled by the first pass. */
  unilevelEarned: Float64Array | null;
  /** Two arrays of n for the level walks, shared by one lines() iteration at a time (scratchBusy). */
  scratch: { a: Float64Array; b: Float64Array } | null;
  scratchBusy: boolean;
}

const ADVANCE_ALWAYS = 0; // no compression: every ancestor is a level, paid or not
const ADVANCE_WHEN_EARNS = 1; // compression: only an earning ancestor fills a level
const ADVANCE_WHEN_FLAGGED = 2; // leadership: a breakaway leader is a generation, paid or not

interface Walk {
  bonus: number;
  order: Int32Array;
  parent: Int32Array;
  /** Volume each member sends up; only members with seedFlag[m] !== 0 when seedFlag is given. */
  seeds: Volumes;
  seedFlag: Uint8Array | null;
  rates: number[];
  /** x may earn level k when earnFlag[x] === earnValue and (minRank[k] < 0 or rank[x] >= minRank[k]). */
  earnFlag: Uint8Array;
  earnValue: number;
  rank: Int8Array | null;
  minRank: number[] | null;
  advance: number;
  advanceFlag: Uint8Array | null;
}

/** A resumable source of lines: run() fills the buffer and returns true when done, false when it is full. */
interface Producer {
  run(buf: LineBuffer): boolean;
}

/**
 * Pays ancestors level by level without per-member subtree scans. For level k, pending[x] is the volume
 * that reached x still looking for its k-th level; one bottom-up pass settles it: an ancestor that fills the
 * level earns on it and passes it on as level k+1; one that is skipped (compression) passes it on still
 * looking for level k, to be settled later in the same pass. O(n) per level, O(n × levels) in all, two
 * scratch arrays of n whatever the depth of the tree. One line per (earner, level) with V the sum.
 * (A plain method that resumes from a cursor rather than a generator: V8 optimizes hot loops in generators
 * poorly, which made this 10× slower.)
 */
class LevelWalk implements Producer {
  private k = 0;
  private i = 0;
  private live = false;
  private advanced = false;
  private pending: Float64Array;
  private nextLevel: Float64Array;
  constructor(
    private readonly n: number,
    private readonly w: Walk,
    scratchA: Float64Array,
    scratchB: Float64Array,
  ) {
    this.pending = scratchA;
    this.nextLevel = scratchB;
  }

  run(buf: LineBuffer): boolean {
    const { n, w } = this;
    const { order, parent, earnFlag, earnValue, rank, minRank, advance, advanceFlag, rates, bonus } = w;
    if (this.k === 0) this.seed();
    while (this.k <= rates.length && this.live) {
      const k = this.k;
      const bp = rates[k - 1];
      const need = minRank ? minRank[k - 1] : -1;
      const pending = this.pending;
      const nextLevel = this.nextLevel;
      let advanced = this.advanced;
      for (let i = this.i; i >= 0; i--) {
        const x = order[i];
        const v = pending[x];
        if (v === 0) continue;
        const earns = earnFlag[x] === earnValue && (need < 0 || rank![x] >= need);
        const p = parent[x];
        if (p >= 0) {
          const advances =
            advance === ADVANCE_ALWAYS
              ? true
              : advance === ADVANCE_WHEN_EARNS
                ? earns
                : advanceFlag![x] !== 0;
          if (advances) {
            nextLevel[p] += v;
            advanced = true;
          } else pending[p] += v;
        }
        if (earns) {
          const amount = applyBp(bp, v);
          if (amount !== 0 && buf.push(x, bonus, k, -1, v, bp, amount)) {
            this.i = i - 1;
            this.advanced = advanced;
            return false;
          }
        }
      }
      // Level k is settled; level k+1 starts from what advanced.
      this.live = advanced;
      this.pending = nextLevel;
      this.nextLevel = pending;
      this.nextLevel.fill(0);
      this.advanced = false;
      this.i = n - 1;
      this.k++;
    }
    return true;
  }

  private seed(): void {
    const { n, w } = this;
    const { parent, seeds, seedFlag } = w;
    const pending = this.pending;
    pending.fill(0);
    this.nextLevel.fill(0);
    let any = false;
    for (let m = 0; m < n; m++) {
      const p = parent[m];
      const v = seeds[m];
      if (p >= 0 && v !== 0 && (seedFlag === null || seedFlag[m] !== 0)) {
        pending[p] += v;
        any = true;
      }
    }
    this.live = any;
    this.k = 1;
    this.i = n - 1;
  }
}

/** Binary: one `binary:pair` line per paid member. */
class BinaryLines implements Producer {
  private x = 0;
  constructor(private readonly s: EngineState) {}
  run(buf: LineBuffer): boolean {
    const { plan, n, paidAs } = this.s;
    const { legLeft, legRight, state } = this.s.binary!;
    const bp = plan.binary!.bp;
    for (let x = this.x; x < n; x++) {
      if (state[x] !== BINARY_PAID) continue;
      const pair = pairVolume(legLeft[x], legRight[x]);
      if (pair <= 0) continue;
      const amount = binaryPay(plan, pair, paidAs[x]);
      if (amount !== 0 && buf.push(x, BONUS.binary, 0, -1, pair, bp, amount)) {
        this.x = x + 1;
        return false;
      }
    }
    this.x = n;
    return true;
  }
}

/** Stairstep performance bonus: `own` and one line per non-breakaway child with a bracket difference. */
class StairstepLines implements Producer {
  private x = 0;
  /** Next child slot of x, or -1 while x's own line is still due. */
  private j = -1;
  constructor(private readonly s: EngineState) {}
  run(buf: LineBuffer): boolean {
    const { plan, n, status, cv } = this.s;
    const { groupCv, bracket, leader } = this.s.stairstep!;
    const rates = plan.stairstep!.bp;
    const { childStart, childList } = this.s.sponsorTree;
    let x = this.x;
    let j = this.j;
    for (; x < n; x++, j = -1) {
      if (status[x] !== STATUS_ACTIVE) continue;
      const own = bracket[x] >= 0 ? rates[bracket[x]] : 0;
      if (j === -1) {
        j = childStart[x];
        if (own !== 0 && cv[x] !== 0) {
          const amount = applyBp(own, cv[x]);
          if (amount !== 0 && buf.push(x, BONUS.stairstep, 0, -1, cv[x], own, amount)) {
            this.x = x;
            this.j = j;
            return false;
          }
        }
      }
      for (const end = childStart[x + 1]; j < end; ) {
        const c = childList[j++];
        if (leader[c] !== 0) continue; // a breakaway child's group is not part of x's group
        const diff = own - (bracket[c] >= 0 ? rates[bracket[c]] : 0);
        const v = groupCv[c];
        if (diff === 0 || v === 0) continue;
        const amount = applyBp(diff, v);
        if (amount !== 0 && buf.push(x, BONUS.stairstep, 0, c, v, diff, amount)) {
          this.x = x;
          this.j = j;
          return false;
        }
      }
    }
    this.x = n;
    return true;
  }
}

/** Retail profit in full to the attributed ACTIVE distributor. */
class RetailLines implements Producer {
  private x = 0;
  constructor(private readonly s: EngineState) {}
  run(buf: LineBuffer): boolean {
    const { n, status } = this.s;
    const retail = this.s.retail!;
    for (let x = this.x; x < n; x++) {
      const v = retail[x];
      if (v !== 0 && status[x] === STATUS_ACTIVE && buf.push(x, BONUS.retail, 0, -1, v, 10_000, v)) {
        this.x = x + 1;
        return false;
      }
    }
    this.x = n;
    return true;
  }
}

function producers(s: EngineState, scratch: { a: Float64Array; b: Float64Array }): Producer[] {
  const { plan, n, cv, active, paidAs, status } = s;
  const sponsorOrder = s.sponsorTree.order;
  // Every level walk of this pass uses the same two arrays of n (one walk runs at a time).
  const walk = (w: Walk) => new LevelWalk(n, w, scratch.a, scratch.b);
  const out: Producer[] = [];
  if (plan.unilevel)
    out.push(
      walk({
        bonus: BONUS.unilevel,
        order: sponsorOrder,
        parent: s.sponsor,
        seeds: cv,
        seedFlag: null,
        rates: plan.unilevel.levels,
        earnFlag: active,
        earnValue: 1,
        rank: paidAs,
        minRank: plan.unilevel.minRank,
        advance: plan.unilevel.compression ? ADVANCE_WHEN_EARNS : ADVANCE_ALWAYS,
        advanceFlag: null,
      }),
    );
  if (plan.binary && s.binary) out.push(new BinaryLines(s));
  if (plan.matrix && s.placementOrder && s.placementParent)
    out.push(
      walk({
        bonus: BONUS.matrix,
        order: s.placementOrder,
        parent: s.placementParent,
        seeds: cv,
        seedFlag: null,
        rates: plan.matrix.levels,
        earnFlag: active,
        earnValue: 1,
        rank: null,
        minRank: null,
        advance: ADVANCE_ALWAYS,
        advanceFlag: null,
      }),
    );
  if (plan.stairstep && s.stairstep) {
    out.push(new StairstepLines(s));
    if (plan.stairstep.overrides.length > 0)
      out.push(
        walk({
          bonus: BONUS.leadership,
          order: sponsorOrder,
          parent: s.sponsor,
          seeds: s.stairstep.groupCv,
          seedFlag: s.stairstep.leader,
          rates: plan.stairstep.overrides,
          earnFlag: s.stairstep.leader,
          earnValue: LEADER_EARNING,
          rank: null,
          minRank: null,
          advance: ADVANCE_WHEN_FLAGGED,
          advanceFlag: s.stairstep.leader,
        }),
      );
  }
  if (plan.fastStart && s.fastStartCv)
    out.push(
      walk({
        bonus: BONUS.fastStart,
        order: sponsorOrder,
        parent: s.sponsor,
        seeds: s.fastStartCv,
        seedFlag: null,
        rates: plan.fastStart.levels,
        earnFlag: active,
        earnValue: 1,
        rank: null,
        minRank: null,
        advance: ADVANCE_ALWAYS,
        advanceFlag: null,
      }),
    );
  if (plan.retail && s.retail) out.push(new RetailLines(s));
  if (plan.matching && s.unilevelEarned)
    out.push(
      walk({
        bonus: BONUS.matching,
        order: sponsorOrder,
        parent: s.sponsor,
        seeds: s.unilevelEarned,
        seedFlag: null,
        rates: plan.matching.levels,
        earnFlag: status,
        earnValue: STATUS_ACTIVE,
        rank: paidAs,
        minRank: plan.matching.minRank,
        advance: ADVANCE_ALWAYS,
        advanceFlag: null,
      }),
    );
  return out;
}

/**
 * Every commission line of the period, before the period cap, in a fixed order (part by part). Yields
 * whenever the buffer is full and at the end of each part, so a consumer has seen all unilevel lines before
 * the matching lines (which read unilevelEarned) are produced. Matching runs last for that reason.
 */
export function* componentLines(s: EngineState, buf: LineBuffer): Generator<void> {
  // The engine's scratch when free; a second iteration running alongside gets arrays of its own.
  const own = !s.scratchBusy && s.scratch !== null;
  const scratch = own ? s.scratch! : { a: new Float64Array(s.n), b: new Float64Array(s.n) };
  if (own) s.scratchBusy = true;
  try {
    for (const p of producers(s, scratch)) {
      while (!p.run(buf)) yield;
      if (buf.length) yield;
    }
  } finally {
    if (own) s.scratchBusy = false;
  }
}

/** leader[] values: 0 not a breakaway leader; 1 a leader who cannot earn (status); 2 a leader who earns. */
export const LEADER_IDLE = 1;
export const LEADER_EARNING = 2;
