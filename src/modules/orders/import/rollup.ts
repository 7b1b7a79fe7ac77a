// Rolls members' own volume deltas of one period up the sponsor tree in typed arrays (pure, no I/O).

/** The sponsor tree as dense indexes: parent index (-1 for the root) and an order deepest-first. */
export interface SponsorTree {
  size: number;
  id: Int32Array;
  parent: Int32Array;
  /** Every index, children before their parents (by sponsor depth, deepest first). */
  bottomUp: Int32Array;
}

/** Builds the tree from (id, sponsor id, sponsor depth) triples; `indexOf` maps an id to its index. */
export function buildTree(
  ids: Int32Array,
  sponsorIds: Int32Array,
  depths: Int32Array,
  indexOf: (id: number) => number,
): SponsorTree {
  const n = ids.length;
  const parent = new Int32Array(n);
  let maxDepth = 0;
  for (let i = 0; i < n; i++) {
    parent[i] = sponsorIds[i] > 0 ? indexOf(sponsorIds[i]) : -1;
    if (depths[i] > maxDepth) maxDepth = depths[i];
  }
  // Counting sort by depth, deepest first.
  const start = new Int32Array(maxDepth + 2);
  for (let i = 0; i < n; i++) start[maxDepth - depths[i] + 1]++;
  for (let d = 1; d <= maxDepth + 1; d++) start[d] += start[d - 1];
  const bottomUp = new Int32Array(n);
  for (let i = 0; i < n; i++) bottomUp[start[maxDepth - depths[i]]++] = i;
  return { size: n, id: ids, parent, bottomUp };
}

/** Own volume added to members in one period, with the PV each member had before. */
export interface PeriodDeltas {
  index: Int32Array;
  pv: Float64Array;
  cv: Float64Array;
  customerPv: Float64Array;
  customerCv: Float64Array;
  oldPv: Float64Array;
}

/**
 * Yields, for every member whose volume row changes, [id, pv, cv, customerPv, customerCv, gv, gcv, qualified]
 * deltas: own volume for the members with orders, group volume for them and every sponsor ancestor, and
 * qualified_downline for the ancestors of members whose PV crossed `activePv`. A generator, so that the
 * caller can store rows as they come instead of holding a whole period's output.
 */
export function* rollUp(
  tree: SponsorTree,
  d: PeriodDeltas,
  activePv: number,
): Generator<[number, number, number, number, number, number, number, number]> {
  const n = tree.size;
  const gv = new Float64Array(n);
  const gcv = new Float64Array(n);
  const qualified = new Int32Array(n);
  const crossed = new Int8Array(n);
  const own = new Int32Array(n).fill(-1);
  for (let k = 0; k < d.index.length; k++) {
    const i = d.index[k];
    own[i] = k;
    gv[i] += d.pv[k];
    gcv[i] += d.cv[k];
    crossed[i] = (d.oldPv[k] + d.pv[k] >= activePv ? 1 : 0) - (d.oldPv[k] >= activePv ? 1 : 0);
  }
  const { parent, bottomUp } = tree;
  for (let k = 0; k < n; k++) {
    const i = bottomUp[k];
    const p = parent[i];
    if (p < 0) continue;
    gv[p] += gv[i];
    gcv[p] += gcv[i];
    qualified[p] += qualified[i] + crossed[i];
  }
  for (let i = 0; i < n; i++) {
    const k = own[i];
    if (k < 0 && gv[i] === 0 && gcv[i] === 0 && qualified[i] === 0) continue;
    yield k < 0
      ? [tree.id[i], 0, 0, 0, 0, gv[i], gcv[i], qualified[i]]
      : [tree.id[i], d.pv[k], d.cv[k], d.customerPv[k], d.customerCv[k], gv[i], gcv[i], qualified[i]];
  }
}
