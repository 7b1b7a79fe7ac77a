// The earner's subtree (sponsor or placement) and what the engine's rules give its members: the part of
// the period an explanation works on.
import { grown } from '../../../lib/typedArrays';
import { PeriodEngine } from '../engine/engine';
import { buildTree } from '../engine/trees';
import {
  BONUS,
  type MemberArrays,
  type PeriodBounds,
  type PeriodResult,
  type VolumeLines,
} from '../engine/types';
import type { CompiledPlan } from '../plan/compile';
import type { ExplainInput } from './types';

export interface Subtree {
  /** Members of the subtree in preorder, the root (the earner) first. */
  nodes: Int32Array;
  /** Depth below the root, per position in nodes. */
  depth: Int32Array;
  /** Member index → position in nodes, or -1 outside the subtree. */
  local: Int32Array;
}

export function sponsorSubtree(members: MemberArrays, x: number): Subtree {
  return subtreeOf(buildTree(members.sponsor, members.count, 'Sponsor'), x, Number.MAX_SAFE_INTEGER);
}

/** Preorder of x's subtree down to maxDepth (iterative: trees may be deep). */
export function subtreeOf(
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
export function runSubtree(
  input: ExplainInput,
  chunks: VolumeLines[],
  sub: Subtree,
  bonus: number,
): PeriodResult {
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
export function cvOf(
  plan: CompiledPlan,
  period: PeriodBounds,
  chunks: VolumeLines[],
  sub: Subtree,
): Float64Array {
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
export function unilevelEarnings(r: PeriodResult): Float64Array {
  const e = new Float64Array(r.count);
  for (const c of r.lines(4096))
    for (let i = 0; i < c.length; i++) if (c.bonus[i] === BONUS.unilevel) e[c.earner[i]] += c.beforeCap[i];
  return e;
}
