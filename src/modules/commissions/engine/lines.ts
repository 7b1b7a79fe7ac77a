import type { CompiledPlan } from '../plan/compile';
import { type BinaryState, binaryPay, pairVolume } from './binary';
import { applyBp } from './math';
import type { Tree } from './trees';
import { BINARY_PAID, BONUS, STATUS_ACTIVE } from './types';

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
  cv: Float64Array;
  active: Uint8Array;
  paidAs: Int8Array;
  binary: BinaryState | null;
  stairstep: { groupCv: Float64Array; bracket: Int8Array; leader: Uint8Array } | null;
  fastStartCv: Float64Array | null;
  retail: Float64Array | null;
  /** Each member's unilevel earnings (floored, before the cap): the matching basis. Filled by the first pass. */
  unilevelEarned: Float64Array | null;
  /** Two scratch arrays of n for the level walks. */
  scratchA: Float64Array;
  scratchB: Float64Array;
}

const ADVANCE_ALWAYS = 0; // no compression: every ancestor is a level, paid or not
const ADVANCE_WHEN_EARNS = 1; // compression: only an earning ancestor fills a level
const ADVANCE_WHEN_FLAGGED = 2; // leadership: a breakaway leader is a generation, paid or not

interface Walk {
  bonus: number;
  order: Int32Array;
  parent: Int32Array;
  /** Volume each member sends up; only members with seedFlag[m] !== 0 when seedFlag is given. */
  seeds: Float64Array;
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

/**
 * Pays ancestors level by level without per-member subtree scans. For level k, pending[x] is the volume
 * that reached x still looking for its k-th level; one bottom-up pass settles it: an ancestor that fills the
 * level earns on it and passes it on as level k+1; one that is skipped (compression) passes it on still
 * looking for level k, to be settled later in the same pass. O(n) per level, O(n × levels) in all, two
 * scratch arrays of n whatever the depth of the tree. One line per (earner, level) with V the sum.
 */
function* levelWalk(s: EngineState, buf: LineBuffer, w: Walk): Generator<void> {
  const n = s.n;
  const { order, parent, seeds, seedFlag, earnFlag, earnValue, rank, minRank, advance, advanceFlag } = w;
  let pending = s.scratchA;
  let nextLevel = s.scratchB;
  pending.fill(0);
  let any = false;
  for (let m = 0; m < n; m++) {
    const p = parent[m];
    const v = seeds[m];
    if (p >= 0 && v !== 0 && (seedFlag === null || seedFlag[m] !== 0)) {
      pending[p] += v;
      any = true;
    }
  }
  for (let k = 1; k <= w.rates.length && any; k++) {
    const bp = w.rates[k - 1];
    const need = minRank ? minRank[k - 1] : -1;
    nextLevel.fill(0);
    any = false;
    for (let i = n - 1; i >= 0; i--) {
      const x = order[i];
      const v = pending[x];
      if (v === 0) continue;
      const earns = earnFlag[x] === earnValue && (need < 0 || rank![x] >= need);
      if (earns) {
        const amount = applyBp(bp, v);
        if (amount !== 0 && buf.push(x, w.bonus, k, -1, v, bp, amount)) yield;
      }
      const p = parent[x];
      if (p < 0) continue;
      const advances =
        advance === ADVANCE_ALWAYS ? true : advance === ADVANCE_WHEN_EARNS ? earns : advanceFlag![x] !== 0;
      if (advances) {
        nextLevel[p] += v;
        any = true;
      } else pending[p] += v;
    }
    const t = pending;
    pending = nextLevel;
    nextLevel = t;
  }
}

/**
 * Every commission line of the period, before the period cap, in a fixed order (part by part). Yields
 * whenever the buffer is full and at the end of each part, so a consumer has seen all unilevel lines before
 * the matching lines (which read unilevelEarned) are produced.
 */
export function* componentLines(s: EngineState, buf: LineBuffer): Generator<void> {
  const { plan, n, status, cv, active, paidAs } = s;
  const sponsorOrder = s.sponsorTree.order;

  if (plan.unilevel) {
    const u = plan.unilevel;
    yield* levelWalk(s, buf, {
      bonus: BONUS.unilevel,
      order: sponsorOrder,
      parent: s.sponsor,
      seeds: cv,
      seedFlag: null,
      rates: u.levels,
      earnFlag: active,
      earnValue: 1,
      rank: paidAs,
      minRank: u.minRank,
      advance: u.compression ? ADVANCE_WHEN_EARNS : ADVANCE_ALWAYS,
      advanceFlag: null,
    });
    if (buf.length) yield;
  }

  if (plan.binary && s.binary) {
    const { legLeft, legRight, state } = s.binary;
    const bp = plan.binary.bp;
    for (let x = 0; x < n; x++) {
      if (state[x] !== BINARY_PAID) continue;
      const pair = pairVolume(legLeft[x], legRight[x]);
      if (pair <= 0) continue;
      const amount = binaryPay(plan, pair, paidAs[x]);
      if (amount !== 0 && buf.push(x, BONUS.binary, 0, -1, pair, bp, amount)) yield;
    }
    if (buf.length) yield;
  }

  if (plan.matrix && s.placementOrder && s.placementParent) {
    yield* levelWalk(s, buf, {
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
    });
    if (buf.length) yield;
  }

  if (plan.stairstep && s.stairstep) {
    const { groupCv, bracket, leader } = s.stairstep;
    const rates = plan.stairstep.bp;
    const { childStart, childList } = s.sponsorTree;
    const bpOf = (m: number) => (bracket[m] >= 0 ? rates[bracket[m]] : 0);
    for (let x = 0; x < n; x++) {
      if (status[x] !== STATUS_ACTIVE) continue;
      const own = bpOf(x);
      if (own !== 0 && cv[x] !== 0) {
        const amount = applyBp(own, cv[x]);
        if (amount !== 0 && buf.push(x, BONUS.stairstep, 0, -1, cv[x], own, amount)) yield;
      }
      for (let j = childStart[x], end = childStart[x + 1]; j < end; j++) {
        const c = childList[j];
        if (leader[c] !== 0) continue; // a breakaway child's group is not part of x's group
        const diff = own - bpOf(c);
        const v = groupCv[c];
        if (diff === 0 || v === 0) continue;
        const amount = applyBp(diff, v);
        if (amount !== 0 && buf.push(x, BONUS.stairstep, 0, c, v, diff, amount)) yield;
      }
    }
    if (buf.length) yield;
    if (plan.stairstep.overrides.length > 0) {
      yield* levelWalk(s, buf, {
        bonus: BONUS.leadership,
        order: sponsorOrder,
        parent: s.sponsor,
        seeds: groupCv,
        seedFlag: leader,
        rates: plan.stairstep.overrides,
        earnFlag: leader,
        earnValue: LEADER_EARNING,
        rank: null,
        minRank: null,
        advance: ADVANCE_WHEN_FLAGGED,
        advanceFlag: leader,
      });
      if (buf.length) yield;
    }
  }

  if (plan.fastStart && s.fastStartCv) {
    yield* levelWalk(s, buf, {
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
    });
    if (buf.length) yield;
  }

  if (plan.retail && s.retail) {
    const retail = s.retail;
    for (let x = 0; x < n; x++) {
      const v = retail[x];
      if (v !== 0 && status[x] === STATUS_ACTIVE && buf.push(x, BONUS.retail, 0, -1, v, 10_000, v)) yield;
    }
    if (buf.length) yield;
  }

  if (plan.matching && s.unilevelEarned) {
    yield* levelWalk(s, buf, {
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
    });
    if (buf.length) yield;
  }
}

/** leader[] values: 0 not a breakaway leader; 1 a leader who cannot earn (status); 2 a leader who earns. */
export const LEADER_IDLE = 1;
export const LEADER_EARNING = 2;
