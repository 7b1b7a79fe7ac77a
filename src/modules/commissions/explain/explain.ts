import { binaryPay, pairVolume } from '../engine/binary';
import { applyBp } from '../engine/math';
import { buildTree } from '../engine/trees';
import { BONUS, KIND_CUSTOMER, LEFT, type PeriodResult, RIGHT, type VolumeLines } from '../engine/types';
import { CONTRIBUTION, Collector } from './contributions';
import { cvOf, runSubtree, type Subtree, sponsorSubtree, subtreeOf, unilevelEarnings } from './subtree';
import type { ExplainInput, Explanation, LineRef } from './types';

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

/** What one rule finds for the line: its volume, rate and amount, the members examined, its own details. */
type RuleAnswer = Pick<Explanation, 'volume' | 'bp' | 'beforeCap' | 'examined'> &
  Partial<Pick<Explanation, 'binary' | 'stairstep'>>;

/** The line's volume, its rate and floor(rate × volume / 10000). */
const rated = (
  volume: number,
  bp: number,
  examined: number,
  extra: Partial<RuleAnswer> = {},
): RuleAnswer => ({
  volume,
  bp,
  beforeCap: applyBp(bp, volume),
  examined,
  ...extra,
});

export function explainLine(input: ExplainInput, ref: LineRef): Explanation {
  const x = ref.earner;
  if (!(Number.isInteger(x) && x >= 0 && x < input.members.count)) throw new Error(`No member ${x}.`);
  const chunks = Array.isArray(input.lines) ? input.lines : [input.lines];
  const out = new Collector();
  const { volume, bp, beforeCap, examined, ...extra } = ruleAnswer(input, chunks, ref, out);
  return {
    ...ref,
    volume,
    bp,
    beforeCap,
    binary: null,
    stairstep: null,
    contributions: out.sorted(),
    examined,
    ...extra,
  };
}

function ruleAnswer(input: ExplainInput, chunks: VolumeLines[], ref: LineRef, out: Collector): RuleAnswer {
  switch (ref.bonus) {
    case BONUS.unilevel:
    case BONUS.fastStart:
    case BONUS.matching:
    case BONUS.leadership:
    case BONUS.stairstep:
      return sponsorTreeLine(input, chunks, ref, out);
    case BONUS.matrix:
      return matrixLine(input, chunks, ref, out);
    case BONUS.binary:
      return binaryLine(input, chunks, ref, out);
    case BONUS.retail:
      return retailLine(input, chunks, ref, out);
    default:
      throw new Error(`Unknown bonus code ${ref.bonus}.`);
  }
}

/** Contributions of sponsor-subtree positions, summed as they are collected. */
class SubtreeSum {
  sum = 0;
  constructor(
    private readonly out: Collector,
    private readonly sub: Subtree,
  ) {}
  add(i: number, kind: number, v: number) {
    this.out.push(this.sub.nodes[i], this.sub.depth[i], -1, kind, v, -1);
    this.sum += v;
  }
}

/** The sponsor-tree rules: the engine run on the earner's sponsor subtree gives what the full run gave. */
function sponsorTreeLine(
  input: ExplainInput,
  chunks: VolumeLines[],
  ref: LineRef,
  out: Collector,
): RuleAnswer {
  const sub = sponsorSubtree(input.members, ref.earner);
  const r = runSubtree(input, chunks, sub, ref.bonus);
  const acc = new SubtreeSum(out, sub);
  switch (ref.bonus) {
    case BONUS.unilevel:
      return unilevelLine(input, sub, r, ref.level, acc);
    case BONUS.fastStart:
    case BONUS.matching:
      return levelSeedLine(input, sub, r, ref, acc);
    case BONUS.leadership:
      return leadershipLine(input, sub, r, ref.level, acc);
    default:
      return stairstepLine(input, sub, r, ref, acc);
  }
}

function unilevelLine(input: ExplainInput, sub: Subtree, r: PeriodResult, K: number, acc: SubtreeSum) {
  const uni = input.plan.unilevel!;
  const { nodes, depth } = sub;
  const S = nodes.length;
  // t[d·K + k−1] = the level that volume reaching the depth-d member of the current path while seeking
  // level k is seeking when it reaches the earner (K + 1: past the last level). Preorder keeps the
  // path's rows valid: a member's parent is the last member seen one level up.
  const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
  const t = new Uint8Array((maxDepth + 1) * Math.max(K, 1));
  for (let k = 1; k <= K; k++) t[k - 1] = k;
  for (let i = 1; i < S; i++) {
    const d = depth[i];
    const up = (d - 1) * K;
    if (r.cv[i] !== 0 && t[up] === K) acc.add(i, CONTRIBUTION.cv, r.cv[i]);
    for (let k = 1; k <= K; k++) {
      const need = uni.minRank[k - 1];
      const earns = r.active[i] === 1 && (need < 0 || r.paidAsRank[i] >= need);
      const next = !uni.compression || earns ? k + 1 : k;
      t[d * K + k - 1] = next > K ? K + 1 : t[up + next - 1];
    }
  }
  return rated(acc.sum, uni.levels[K - 1], S);
}

/** Fast start (in-window CV) and matching (unilevel earnings): no compression, level k is sponsor depth k. */
function levelSeedLine(input: ExplainInput, sub: Subtree, r: PeriodResult, ref: LineRef, acc: SubtreeSum) {
  const fast = ref.bonus === BONUS.fastStart;
  const seeds = fast ? r.fastStartCv! : unilevelEarnings(r);
  const { depth } = sub;
  for (let i = 1; i < sub.nodes.length; i++)
    if (depth[i] === ref.level && seeds[i] !== 0)
      acc.add(i, fast ? CONTRIBUTION.fastStartCv : CONTRIBUTION.unilevelEarnings, seeds[i]);
  const bp = (fast ? input.plan.fastStart! : input.plan.matching!).levels[ref.level - 1];
  return rated(acc.sum, bp, sub.nodes.length);
}

/** The earner's stairstep figures every stairstep-based line reports. */
function stairstepInfo(r: PeriodResult) {
  const st = r.stairstep!;
  return { groupPv: st.groupPv[0], groupCv: st.groupCv[0], bracket: st.bracket[0] };
}

/** Generation of a breakaway leader B = 1 + the leaders strictly between the earner and B. */
function leadershipLine(input: ExplainInput, sub: Subtree, r: PeriodResult, K: number, acc: SubtreeSum) {
  const st = r.stairstep!;
  const top = input.plan.stairstep!.bp.length - 1;
  const { depth } = sub;
  const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
  const leadersTo = new Int32Array(maxDepth + 1); // leaders on the path at depths 1..d
  for (let i = 1; i < sub.nodes.length; i++) {
    const d = depth[i];
    const leader = st.bracket[i] === top;
    leadersTo[d] = leadersTo[d - 1] + (leader ? 1 : 0);
    if (leader && 1 + leadersTo[d - 1] === K && st.groupCv[i] !== 0)
      acc.add(i, CONTRIBUTION.groupCv, st.groupCv[i]);
  }
  const bp = input.plan.stairstep!.overrides[K - 1];
  return rated(acc.sum, bp, sub.nodes.length, { stairstep: { ...stairstepInfo(r), childBracket: null } });
}

/** Stairstep performance bonus: own = bp(X) × X's CV; child c = (bp(X) − bp(c)) × c's group CV. */
function stairstepLine(input: ExplainInput, sub: Subtree, r: PeriodResult, ref: LineRef, acc: SubtreeSum) {
  const st = r.stairstep!;
  const rateOf = (b: number) => (b >= 0 ? input.plan.stairstep!.bp[b] : 0);
  const info = stairstepInfo(r);
  const S = sub.nodes.length;
  const own = rateOf(st.bracket[0]);
  if (ref.source < 0) {
    if (r.cv[0] !== 0) acc.add(0, CONTRIBUTION.cv, r.cv[0]);
    return rated(acc.sum, own, S, { stairstep: { ...info, childBracket: null } });
  }
  const c = sub.local[ref.source];
  if (!(c > 0 && sub.depth[c] === 1))
    throw new Error(`Member ${ref.source} is not sponsored by ${ref.earner}.`);
  if (st.groupCv[c] !== 0) acc.add(c, CONTRIBUTION.groupCv, st.groupCv[c]);
  const diff = own - rateOf(st.bracket[c]);
  return rated(acc.sum, diff, S, { stairstep: { ...info, childBracket: st.bracket[c] } });
}

const placementTree = (input: ExplainInput) =>
  buildTree(input.members.placementParent!, input.members.count, 'Placement');

/** Matrix level K: the CV of the earner's placement subtree at depth K. */
function matrixLine(input: ExplainInput, chunks: VolumeLines[], ref: LineRef, out: Collector): RuleAnswer {
  const sub = subtreeOf(placementTree(input), ref.earner, ref.level);
  const cv = cvOf(input.plan, input.period, chunks, sub);
  const { nodes, depth } = sub;
  let sum = 0;
  for (let i = 1; i < nodes.length; i++)
    if (depth[i] === ref.level && cv[i] !== 0) {
      out.push(nodes[i], depth[i], -1, CONTRIBUTION.cv, cv[i], -1);
      sum += cv[i];
    }
  return rated(sum, input.plan.matrix!.levels[ref.level - 1], nodes.length);
}

/** Binary: both placement legs whole with their carry-ins, paired, capped by the earner's rank. */
function binaryLine(input: ExplainInput, chunks: VolumeLines[], ref: LineRef, out: Collector): RuleAnswer {
  const { plan, members } = input;
  const x = ref.earner;
  const sub = subtreeOf(placementTree(input), x, Number.MAX_SAFE_INTEGER);
  const cv = cvOf(plan, input.period, chunks, sub);
  const { nodes, depth } = sub;
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
  const rank = runSubtree(input, chunks, sponsorSubtree(members, x), BONUS.binary).paidAsRank[0];
  const capValue = plan.binary!.capByRank[rank + 1] ?? Number.POSITIVE_INFINITY;
  return {
    volume: pair,
    bp: plan.binary!.bp,
    beforeCap: binaryPay(plan, pair, rank),
    examined: nodes.length,
    binary: {
      left: legs[LEFT],
      right: legs[RIGHT],
      carryInLeft: carry[LEFT],
      carryInRight: carry[RIGHT],
      cap: Number.isFinite(capValue) ? capValue : null,
    },
  };
}

/** Retail: the earner's own in-period customer lines, at their retail profit (rate 100 %). */
function retailLine(input: ExplainInput, chunks: VolumeLines[], ref: LineRef, out: Collector): RuleAnswer {
  const x = ref.earner;
  const { start, end } = input.period;
  let sum = 0;
  let index = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.count; i++, index++) {
      if (c.member[i] !== x || c.kind[i] !== KIND_CUSTOMER || !c.retailProfit) continue;
      if (!(c.at[i] >= start && c.at[i] < end) || c.retailProfit[i] === 0) continue;
      out.push(x, 0, -1, CONTRIBUTION.retailProfit, c.retailProfit[i], index);
      sum += c.retailProfit[i];
    }
  }
  return { volume: sum, bp: 10_000, beforeCap: sum, examined: 1 };
}
