// Which volume lines an explanation reads, so that the I/O layer loads only those.
import { buildTree } from '../engine/trees';
import { BONUS, type MemberArrays, type VolumeLines } from '../engine/types';
import { type Subtree, sponsorSubtree, subtreeOf } from './subtree';
import type { LineRef } from './types';

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
