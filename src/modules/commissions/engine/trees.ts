/**
 * A tree given by parent indices, as children lists (CSR: children of x are
 * childList[childStart[x] .. childStart[x+1])) and a top-down order (every parent before its children).
 * Walking `order` backwards visits children before parents: the one-pass bottom-up roll-ups rely on it.
 */
export interface Tree {
  order: Int32Array;
  childStart: Int32Array;
  childList: Int32Array;
}

/** O(n). Throws on an out-of-range parent or a cycle (members the roots cannot reach). */
export function buildTree(parent: Int32Array, n: number, what: string): Tree {
  const childStart = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) {
    const p = parent[m];
    if (p === -1) continue;
    if (p < -1 || p >= n || p === m || !Number.isInteger(p))
      throw new Error(`${what} parent of member ${m} is ${p}: out of range.`);
    childStart[p + 1]++;
  }
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  // `order` first serves as the fill cursor of each children list, then as the breadth-first queue.
  const order = new Int32Array(n);
  const fill = order;
  fill.set(childStart.subarray(0, n));
  const childList = new Int32Array(childStart[n]);
  for (let m = 0; m < n; m++) {
    const p = parent[m];
    if (p >= 0) childList[fill[p]++] = m;
  }
  // Breadth-first from the roots: the queue itself becomes the order.
  let tail = 0;
  for (let m = 0; m < n; m++) if (parent[m] === -1) order[tail++] = m;
  for (let head = 0; head < tail; head++) {
    const x = order[head];
    for (let j = childStart[x], end = childStart[x + 1]; j < end; j++) order[tail++] = childList[j];
  }
  if (tail !== n) {
    const seen = new Uint8Array(n);
    for (let i = 0; i < tail; i++) seen[order[i]] = 1;
    const stuck = seen.indexOf(0);
    throw new Error(`${what} tree has a cycle through member ${stuck}.`);
  }
  return { order, childStart, childList };
}
