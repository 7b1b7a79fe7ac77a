import { grown } from '../../../lib/typedArrays';
import { binaryPay, pairVolume } from '../engine/binary';
import { PeriodEngine } from '../engine/engine';
import { applyBp } from '../engine/math';
import { buildTree } from '../engine/trees';
import {
  BONUS,
  KIND_CUSTOMER,
  LEFT,
  type MemberArrays,
  type PeriodBounds,
  type PeriodResult,
  RIGHT,
  type VolumeLines,
} from '../engine/types';
import type { CompiledPlan } from '../plan/compile';

// "Why was I paid this": the members behind one commission line, recomputed from the period's frozen inputs
// with the engine's own rules. Pure (no I/O). Only the earner's subtree is worked on, because every rule that
// can pay the earner only reads that subtree:
// - sponsor-tree parts (unilevel, stairstep, leadership, fast start, matching): the volume reaching the
//   earner comes from their sponsor downline, and each decision on the way (activity, paid-as rank, stairstep
//   group and bracket, unilevel earnings for matching) depends only on the deciding member's own downline,
//   which lies inside the earner's. So the engine run on the earner's sponsor subtree alone gives exactly the
//   values the full run gave for those members;
// - placement-tree parts (binary, matrix): leg and depth volumes are the CV of the earner's placement
//   subtree, and CV is a member's own lines (the binary rank cap needs the earner's rank: sponsor subtree);
// - retail: the earner's own customer lines.
// The cost is O(n) to index the tree, O(volume lines) to pick the subtree's lines, then O(subtree × level).

/** What a contribution is. */
export const CONTRIBUTION = {
  /** A member's CV this period (unilevel, matrix, a binary leg, stairstep own). */
  cv: 0,
  /** A binary leg's carry from the previous period (member -1). */
  carryIn: 1,
  /** A member's stairstep group CV (stairstep child, leadership). */
  groupCv: 2,
  /** A member's in-window fast-start CV. */
  fastStartCv: 3,
  /** A member's unilevel earnings (matching). */
  unilevelEarnings: 4,
  /** Retail profit of one customer volume line of the earner (line = its index in the lines fed). */
  retailProfit: 5,
} as const;

/** Parallel arrays, sorted by leg then member index (carry-ins first in their leg). */
export interface Contributions {
  length: number;
  /** Engine member index; -1 for a carry-in. */
  member: Int32Array;
  /** Levels below the earner in the rule's tree (sponsor or placement); 0 for the earner or a carry-in. */
  level: Int32Array;
  /** LEFT or RIGHT for binary, else -1. */
  leg: Int8Array;
  kind: Uint8Array;
  volume: Float64Array;
  /** Retail: index of the volume line (counting across the chunks fed, in order), else -1. */
  line: Int32Array;
}

export interface LineRef {
  earner: number;
  bonus: number;
  /** Unilevel/matrix/fast-start level, leadership/matching generation; 0 otherwise. */
  level: number;
  /** The stairstep child of a `stairstep:child` line, else -1. */
  source: number;
}

export interface Explanation extends LineRef {
  /** V of the line as recomputed here, the rate and floor(rate × V / 10000) (binary: after the rank cap). */
  volume: number;
  bp: number;
  beforeCap: number;
  binary: {
    left: number;
    right: number;
    carryInLeft: number;
    carryInRight: number;
    /** The earner's rank cap on binary pay, null when uncapped. */
    cap: number | null;
  } | null;
  stairstep: {
    /** The earner's group PV/CV after breakaways and bracket (-1 below the first), and the child's bracket. */
    groupPv: number;
    groupCv: number;
    bracket: number;
    childBracket: number | null;
  } | null;
  contributions: Contributions;
  /** Members the explanation worked on (the relevant subtree). */
  examined: number;
}

export interface ExplainInput {
  plan: CompiledPlan;
  members: MemberArrays;
  lines: VolumeLines | VolumeLines[];
  period: PeriodBounds;
}

export function explainLine(input: ExplainInput, ref: LineRef): Explanation {
  const { plan, members } = input;
  const x = ref.earner;
  if (!(Number.isInteger(x) && x >= 0 && x < members.count)) throw new Error(`No member ${x}.`);
  const chunks = Array.isArray(input.lines) ? input.lines : [input.lines];
  const out = new Collector();
  const done = (
    volume: number,
    bp: number,
    beforeCap: number,
    examined: number,
    extra: Partial<Explanation> = {},
  ): Explanation => ({
    ...ref,
    volume,
    bp,
    beforeCap,
    binary: null,
    stairstep: null,
    contributions: out.sorted(),
    examined,
    ...extra,
  });

  switch (ref.bonus) {
    case BONUS.unilevel:
    case BONUS.fastStart:
    case BONUS.matching:
    case BONUS.leadership:
    case BONUS.stairstep: {
      const sub = sponsorSubtree(members, x);
      const r = runSubtree(input, chunks, sub, ref.bonus);
      const { nodes, depth } = sub;
      const S = nodes.length;
      const K = ref.level;
      let sum = 0;
      const add = (i: number, kind: number, v: number) => {
        out.push(nodes[i], depth[i], -1, kind, v, -1);
        sum += v;
      };
      if (ref.bonus === BONUS.unilevel) {
        const uni = plan.unilevel!;
        // t[d·K + k−1] = the level that volume reaching the depth-d member of the current path while seeking
        // level k is seeking when it reaches the earner (K + 1: past the last level). Preorder keeps the
        // path's rows valid: a member's parent is the last member seen one level up.
        const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
        const t = new Uint8Array((maxDepth + 1) * Math.max(K, 1));
        for (let k = 1; k <= K; k++) t[k - 1] = k;
        for (let i = 1; i < S; i++) {
          const d = depth[i];
          const up = (d - 1) * K;
          if (r.cv[i] !== 0 && t[up] === K) add(i, CONTRIBUTION.cv, r.cv[i]);
          for (let k = 1; k <= K; k++) {
            const need = uni.minRank[k - 1];
            const earns = r.active[i] === 1 && (need < 0 || r.paidAsRank[i] >= need);
            const next = !uni.compression || earns ? k + 1 : k;
            t[d * K + k - 1] = next > K ? K + 1 : t[up + next - 1];
          }
        }
        return done(sum, uni.levels[K - 1], applyBp(uni.levels[K - 1], sum), S);
      }
      if (ref.bonus === BONUS.fastStart || ref.bonus === BONUS.matching) {
        // No compression: level k is plain sponsor depth k.
        const fast = ref.bonus === BONUS.fastStart;
        const seeds = fast ? r.fastStartCv! : unilevelEarnings(r);
        for (let i = 1; i < S; i++)
          if (depth[i] === K && seeds[i] !== 0)
            add(i, fast ? CONTRIBUTION.fastStartCv : CONTRIBUTION.unilevelEarnings, seeds[i]);
        const bp = (fast ? plan.fastStart! : plan.matching!).levels[K - 1];
        return done(sum, bp, applyBp(bp, sum), S);
      }
      const st = r.stairstep!;
      const top = plan.stairstep!.bp.length - 1;
      const rateOf = (b: number) => (b >= 0 ? plan.stairstep!.bp[b] : 0);
      const info = { groupPv: st.groupPv[0], groupCv: st.groupCv[0], bracket: st.bracket[0] };
      if (ref.bonus === BONUS.leadership) {
        // Generation of a breakaway leader B = 1 + the leaders strictly between the earner and B.
        const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
        const leadersTo = new Int32Array(maxDepth + 1); // leaders on the path at depths 1..d
        for (let i = 1; i < S; i++) {
          const d = depth[i];
          const leader = st.bracket[i] === top;
          leadersTo[d] = leadersTo[d - 1] + (leader ? 1 : 0);
          if (leader && 1 + leadersTo[d - 1] === K && st.groupCv[i] !== 0)
            add(i, CONTRIBUTION.groupCv, st.groupCv[i]);
        }
        const bp = plan.stairstep!.overrides[K - 1];
        return done(sum, bp, applyBp(bp, sum), S, { stairstep: { ...info, childBracket: null } });
      }
      // Stairstep performance bonus: own = bp(X) × X's CV; child c = (bp(X) − bp(c)) × c's group CV.
      const own = rateOf(st.bracket[0]);
      if (ref.source < 0) {
        if (r.cv[0] !== 0) add(0, CONTRIBUTION.cv, r.cv[0]);
        return done(sum, own, applyBp(own, sum), S, { stairstep: { ...info, childBracket: null } });
      }
      const c = sub.local[ref.source];
      if (!(c > 0 && depth[c] === 1)) throw new Error(`Member ${ref.source} is not sponsored by ${x}.`);
      if (st.groupCv[c] !== 0) add(c, CONTRIBUTION.groupCv, st.groupCv[c]);
      const diff = own - rateOf(st.bracket[c]);
      return done(sum, diff, applyBp(diff, sum), S, {
        stairstep: { ...info, childBracket: st.bracket[c] },
      });
    }
    case BONUS.matrix:
    case BONUS.binary: {
      const tree = buildTree(members.placementParent!, members.count, 'Placement');
      const binary = ref.bonus === BONUS.binary;
      // Matrix: depth K only; binary: both legs whole.
      const sub = subtreeOf(tree, x, binary ? Number.MAX_SAFE_INTEGER : ref.level);
      const cv = cvOf(plan, input.period, chunks, sub);
      const { nodes, depth } = sub;
      if (!binary) {
        let sum = 0;
        for (let i = 1; i < nodes.length; i++)
          if (depth[i] === ref.level && cv[i] !== 0) {
            out.push(nodes[i], depth[i], -1, CONTRIBUTION.cv, cv[i], -1);
            sum += cv[i];
          }
        const bp = plan.matrix!.levels[ref.level - 1];
        return done(sum, bp, applyBp(bp, sum), nodes.length);
      }
      const legs = [
        members.carryInLeft ? members.carryInLeft[x] : 0,
        members.carryInRight ? members.carryInRight[x] : 0,
      ];
      const carry = [...legs];
      for (const leg of [LEFT, RIGHT])
        if (legs[leg] !== 0) out.push(-1, 0, leg, CONTRIBUTION.carryIn, legs[leg], -1);
      // Each member's leg is the position of its depth-1 ancestor; preorder keeps the current one.
      let leg = -1;
      for (let i = 1; i < nodes.length; i++) {
        if (depth[i] === 1) leg = members.placementPosition![nodes[i]];
        if (cv[i] === 0) continue;
        out.push(nodes[i], depth[i], leg, CONTRIBUTION.cv, cv[i], -1);
        legs[leg] += cv[i];
      }
      const pair = pairVolume(legs[LEFT], legs[RIGHT]);
      // The rank cap needs the earner's paid-as rank, which depends on their sponsor subtree.
      const ranks = runSubtree(input, chunks, sponsorSubtree(members, x), BONUS.binary);
      const rank = ranks.paidAsRank[0];
      const capValue = plan.binary!.capByRank[rank + 1] ?? Number.POSITIVE_INFINITY;
      return done(pair, plan.binary!.bp, binaryPay(plan, pair, rank), nodes.length, {
        binary: {
          left: legs[LEFT],
          right: legs[RIGHT],
          carryInLeft: carry[LEFT],
          carryInRight: carry[RIGHT],
          cap: Number.isFinite(capValue) ? capValue : null,
        },
      });
    }
    case BONUS.retail: {
      let sum = 0;
      let index = 0;
      const { start, end } = input.period;
      for (const c of chunks) {
        for (let i = 0; i < c.count; i++, index++) {
          if (c.member[i] !== x || c.kind[i] !== KIND_CUSTOMER || !c.retailProfit) continue;
          if (!(c.at[i] >= start && c.at[i] < end) || c.retailProfit[i] === 0) continue;
          out.push(x, 0, -1, CONTRIBUTION.retailProfit, c.retailProfit[i], index);
          sum += c.retailProfit[i];
        }
      }
      return done(sum, 10_000, sum, 1);
    }
    default:
      throw new Error(`Unknown bonus code ${ref.bonus}.`);
  }
}

/**
 * The members whose volume lines an explanation of `ref` reads (1 = needed), so that the I/O layer can keep only
 * those lines: the earner alone (retail), the placement subtree (matrix; binary also needs the sponsor subtree
 * for the earner's rank), else the sponsor subtree. Explaining a leaf's line then holds a leaf's lines.
 */
export function membersNeeded(members: MemberArrays, ref: LineRef): Uint8Array {
  const need = new Uint8Array(members.count);
  const mark = (sub: Subtree) => {
    for (const m of sub.nodes) need[m] = 1;
  };
  if (ref.bonus === BONUS.retail) need[ref.earner] = 1;
  else {
    if (ref.bonus !== BONUS.matrix) mark(sponsorSubtree(members, ref.earner));
    if (ref.bonus === BONUS.binary || ref.bonus === BONUS.matrix) {
      const tree = buildTree(members.placementParent!, members.count, 'Placement');
      mark(subtreeOf(tree, ref.earner, ref.bonus === BONUS.matrix ? ref.level : Number.MAX_SAFE_INTEGER));
    }
  }
  return need;
}

/** The lines of the needed members (same member indices), as a new chunk. */
export function linesOf(c: VolumeLines, need: Uint8Array): VolumeLines {
  const keep: number[] = [];
  for (let i = 0; i < c.count; i++) if (need[c.member[i]] === 1) keep.push(i);
  const take = <T extends Int32Array | Float64Array | Uint8Array>(a: T | undefined): T | undefined => {
    if (!a) return undefined;
    const b = new (a.constructor as new (n: number) => T)(keep.length);
    for (let j = 0; j < keep.length; j++) b[j] = a[keep[j]];
    return b;
  };
  return {
    count: keep.length,
    member: take(c.member)!,
    qv: take(c.qv)!,
    cv: take(c.cv)!,
    kind: take(c.kind)!,
    at: take(c.at)!,
    orderAt: take(c.orderAt),
    retailProfit: take(c.retailProfit),
    starterKit: take(c.starterKit),
  };
}

interface Subtree {
  /** Members of the subtree in preorder, the root (the earner) first. */
  nodes: Int32Array;
  /** Depth below the root, per position in nodes. */
  depth: Int32Array;
  /** Member index → position in nodes, or -1 outside the subtree. */
  local: Int32Array;
}

function sponsorSubtree(members: MemberArrays, x: number): Subtree {
  return subtreeOf(buildTree(members.sponsor, members.count, 'Sponsor'), x, Number.MAX_SAFE_INTEGER);
}

/** Preorder of x's subtree down to maxDepth (iterative: trees may be deep). */
function subtreeOf(
  tree: { childStart: Int32Array; childList: Int32Array },
  x: number,
  maxDepth: number,
): Subtree {
  const { childStart, childList } = tree;
  const n = childStart.length - 1;
  const local = new Int32Array(n).fill(-1);
  let nodes: Int32Array = new Int32Array(64);
  let depth: Int32Array = new Int32Array(64);
  const stack: number[] = [x];
  const stackDepth: number[] = [0];
  let S = 0;
  while (stack.length > 0) {
    const m = stack.pop()!;
    const d = stackDepth.pop()!;
    if (S === nodes.length) {
      nodes = grown(nodes);
      depth = grown(depth);
    }
    local[m] = S;
    nodes[S] = m;
    depth[S++] = d;
    if (d === maxDepth) continue;
    // Pushed in reverse so children are visited in index order.
    for (let j = childStart[m + 1] - 1; j >= childStart[m]; j--) {
      stack.push(childList[j]);
      stackDepth.push(d + 1);
    }
  }
  return { nodes: nodes.subarray(0, S), depth: depth.subarray(0, S), local };
}

/**
 * The engine run on the sponsor subtree alone (the earner as its root), with only what the bonus needs:
 * ranks always, stairstep groups, fast-start CV, unilevel lines for matching. No cap (beforeCap is explained).
 */
function runSubtree(input: ExplainInput, chunks: VolumeLines[], sub: Subtree, bonus: number): PeriodResult {
  const { plan, members, period } = input;
  const { nodes, local } = sub;
  const S = nodes.length;
  const sponsor = new Int32Array(S);
  for (let i = 0; i < S; i++) sponsor[i] = i === 0 ? -1 : local[members.sponsor[nodes[i]]];
  const pick = <T extends Uint8Array | Int8Array | Int32Array | Float64Array>(
    a: T | undefined,
  ): T | undefined => {
    if (!a) return undefined;
    const b = new (a.constructor as new (n: number) => T)(S);
    for (let i = 0; i < S; i++) b[i] = a[nodes[i]];
    return b;
  };
  const subPlan: CompiledPlan = {
    ...plan,
    unilevel: bonus === BONUS.matching ? plan.unilevel : null,
    binary: null,
    matrix: null,
    stairstep: bonus === BONUS.stairstep || bonus === BONUS.leadership ? plan.stairstep : null,
    fastStart: bonus === BONUS.fastStart ? plan.fastStart : null,
    matching: null,
    retail: false,
    minPayout: 0,
    capBpOfCv: 0,
  };
  const engine = new PeriodEngine(
    subPlan,
    {
      count: S,
      sponsor,
      status: pick(members.status)!,
      joinedAt: pick(members.joinedAt),
      forcedRank: pick(members.forcedRank),
      retailCustomers: pick(members.retailCustomers),
    },
    period,
  );
  for (const c of chunks) engine.addLines(linesWithin(c, local));
  return engine.finish();
}

/** The lines of subtree members, renumbered to subtree positions. */
function linesWithin(c: VolumeLines, local: Int32Array): VolumeLines {
  const keep: number[] = [];
  for (let i = 0; i < c.count; i++) if (local[c.member[i]] >= 0) keep.push(i);
  const take = <T extends Float64Array | Uint8Array>(a: T | undefined): T | undefined => {
    if (!a) return undefined;
    const b = new (a.constructor as new (n: number) => T)(keep.length);
    for (let j = 0; j < keep.length; j++) b[j] = a[keep[j]];
    return b;
  };
  return {
    count: keep.length,
    member: Int32Array.from(keep, (i) => local[c.member[i]]),
    qv: take(c.qv)!,
    cv: take(c.cv)!,
    kind: take(c.kind)!,
    at: take(c.at)!,
    orderAt: take(c.orderAt),
    retailProfit: take(c.retailProfit),
    starterKit: take(c.starterKit),
  };
}

/** Period CV per subtree position, by the engine's rules (in-period lines; starter kits zeroed unless carried). */
function cvOf(plan: CompiledPlan, period: PeriodBounds, chunks: VolumeLines[], sub: Subtree): Float64Array {
  const cv = new Float64Array(sub.nodes.length);
  for (const c of chunks) {
    for (let i = 0; i < c.count; i++) {
      const j = sub.local[c.member[i]];
      if (j < 0 || !(c.at[i] >= period.start && c.at[i] < period.end)) continue;
      const kit = c.starterKit !== undefined && c.starterKit[i] === 1 && !plan.starterKitsCarryVolume;
      if (!kit) cv[j] += c.cv[i];
    }
  }
  return cv;
}

/** Each subtree member's unilevel earnings (floored per component): what matching pays on. */
function unilevelEarnings(r: PeriodResult): Float64Array {
  const e = new Float64Array(r.count);
  for (const c of r.lines(4096))
    for (let i = 0; i < c.length; i++) if (c.bonus[i] === BONUS.unilevel) e[c.earner[i]] += c.beforeCap[i];
  return e;
}

class Collector {
  private n = 0;
  private member = new Int32Array(16);
  private level = new Int32Array(16);
  private leg = new Int8Array(16);
  private kind = new Uint8Array(16);
  private volume = new Float64Array(16);
  private line = new Int32Array(16);

  push(member: number, level: number, leg: number, kind: number, volume: number, line: number) {
    if (this.n === this.member.length) {
      const size = this.n * 2;
      const g = <T extends Int32Array | Int8Array | Uint8Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(size);
        b.set(a);
        return b;
      };
      this.member = g(this.member);
      this.level = g(this.level);
      this.leg = g(this.leg);
      this.kind = g(this.kind);
      this.volume = g(this.volume);
      this.line = g(this.line);
    }
    const i = this.n++;
    this.member[i] = member;
    this.level[i] = level;
    this.leg[i] = leg;
    this.kind[i] = kind;
    this.volume[i] = volume;
    this.line[i] = line;
  }

  /** By leg, then member index (a carry-in, member -1, first), then line. */
  sorted(): Contributions {
    const n = this.n;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => this.leg[a] - this.leg[b] || this.member[a] - this.member[b] || this.line[a] - this.line[b],
    );
    const pick = <T extends Int32Array | Int8Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      for (let i = 0; i < n; i++) b[i] = a[order[i]];
      return b;
    };
    return {
      length: n,
      member: pick(this.member),
      level: pick(this.level),
      leg: pick(this.leg),
      kind: pick(this.kind),
      volume: pick(this.volume),
      line: pick(this.line),
    };
  }
}
