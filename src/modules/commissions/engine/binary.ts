import type { CompiledPlan } from '../plan/compile';
import { applyBp } from './math';
import {
  BINARY_FLUSHED,
  BINARY_PAID,
  BINARY_UNQUALIFIED,
  LEFT,
  RIGHT,
  STATUS_ACTIVE,
  type Volumes,
} from './types';

export interface BinaryState {
  legLeft: Float64Array;
  legRight: Float64Array;
  state: Uint8Array;
  carryOutLeft: Float64Array;
  carryOutRight: Float64Array;
}

/**
 * Binary legs, qualification and carries on the placement tree, O(n):
 * - leg CV by one bottom-up roll-up; leg = carry-in + CV of the whole leg (the earner's own CV in neither);
 * - "an active personally-sponsored member in each leg": each active member m tells its sponsor s whether
 *   m lies in s's left or right placement subtree, tested with preorder intervals [tin, tin + size);
 * - carry-out: flushed when inactive; legs carry unpaired when unqualified; otherwise the pair volume
 *   max(0, min(L, R)) leaves both legs. Each carry is capped at maxCarry (a negative leg keeps its debt).
 */
export function computeBinary(
  plan: CompiledPlan,
  n: number,
  sponsor: Int32Array,
  placementParent: Int32Array,
  position: Uint8Array,
  cv: Volumes,
  active: Uint8Array,
  status: Uint8Array,
  carryInLeft: Float64Array | undefined,
  carryInRight: Float64Array | undefined,
  scratch: { a: Float64Array; b: Float64Array },
  /** Write each carry-out over the carry-in just read (the caller handed the carry-in arrays over). */
  reuseCarries = false,
  onStep: (step: string) => void = () => {},
): BinaryState {
  const maxCarry = plan.binary!.maxCarry;
  const legLeft = new Float64Array(n);
  const legRight = new Float64Array(n);
  const state = new Uint8Array(n);
  // Memory: the children (left/right) live in the first halves of the leg arrays until the last loop turns
  // them into legs, walking members downwards: writing legLeft[x] overwrites left[2x] and left[2x+1], which
  // belong to members above x, already done. (At 1M members that is 8 MB less at the engine's peak.)
  const left = new Int32Array(legLeft.buffer, 0, n).fill(-1);
  const right = new Int32Array(legRight.buffer, 0, n).fill(-1);
  for (let m = 0; m < n; m++) {
    const p = placementParent[m];
    if (p < 0) continue;
    const pos = position[m];
    const side = pos === LEFT ? left : pos === RIGHT ? right : null;
    if (!side) throw new Error(`Member ${m} has binary position ${pos}; only 0 (LEFT) and 1 (RIGHT) exist.`);
    if (p < n && side[p] !== -1)
      throw new Error(`Members ${side[p]} and ${m} share position ${pos} under member ${p}.`);
    if (p < n) side[p] = m;
  }
  const order = binaryOrder(placementParent, left, right, n);

  // Temporaries live in the engine's scratch arrays (reused later by the level walks): memory stays flat.
  const legCv = scratch.a; // placement subtree CV, self included
  legCv.set(cv);
  const sizeTin = new Int32Array(scratch.b.buffer, scratch.b.byteOffset, 2 * n);
  const size = sizeTin.subarray(0, n).fill(1);
  for (let i = n - 1; i >= 0; i--) {
    const x = order[i];
    const p = placementParent[x];
    if (p >= 0) {
      legCv[p] += legCv[x];
      size[p] += size[x];
    }
  }
  const tin = sizeTin.subarray(n, 2 * n);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const x = order[i];
    if (placementParent[x] < 0) {
      tin[x] = next;
      next += size[x];
    }
    const l = left[x];
    const r = right[x];
    if (l >= 0) tin[l] = tin[x] + 1;
    if (r >= 0) tin[r] = tin[x] + 1 + (l >= 0 ? size[l] : 0);
  }
  const within = (root: number, m: number) =>
    root >= 0 && tin[m] >= tin[root] && tin[m] < tin[root] + size[root];

  // bit 1: an active personal enrollee in the left leg; bit 2: in the right leg. Kept in `state`, which the
  // last loop overwrites member by member after reading.
  const qual = state;
  for (let m = 0; m < n; m++) {
    if (active[m] !== 1) continue;
    const s = sponsor[m];
    if (s < 0) continue;
    if (within(left[s], m)) qual[s] |= 1;
    else if (within(right[s], m)) qual[s] |= 2;
  }

  const carryOutLeft = reuseCarries && carryInLeft ? carryInLeft : new Float64Array(n);
  const carryOutRight = reuseCarries && carryInRight ? carryInRight : new Float64Array(n);
  for (let x = n - 1; x >= 0; x--) {
    const q = qual[x];
    const L = (carryInLeft ? carryInLeft[x] : 0) + (left[x] >= 0 ? legCv[left[x]] : 0);
    const R = (carryInRight ? carryInRight[x] : 0) + (right[x] >= 0 ? legCv[right[x]] : 0);
    legLeft[x] = L;
    legRight[x] = R;
    if (active[x] !== 1 || status[x] !== STATUS_ACTIVE) {
      state[x] = BINARY_FLUSHED;
      carryOutLeft[x] = 0; // explicit: the array may be the carry-in just read
      carryOutRight[x] = 0;
    } else if (q !== 3) {
      state[x] = BINARY_UNQUALIFIED;
      carryOutLeft[x] = Math.min(L, maxCarry);
      carryOutRight[x] = Math.min(R, maxCarry);
    } else {
      state[x] = BINARY_PAID;
      const pair = pairVolume(L, R);
      carryOutLeft[x] = Math.min(L - pair, maxCarry);
      carryOutRight[x] = Math.min(R - pair, maxCarry);
    }
  }
  onStep('binary');
  return { legLeft, legRight, state, carryOutLeft, carryOutRight };
}

/** Top-down order of the binary placement forest, breadth-first from the roots; throws on a cycle. */
function binaryOrder(parent: Int32Array, left: Int32Array, right: Int32Array, n: number): Int32Array {
  const order = new Int32Array(n);
  let tail = 0;
  for (let m = 0; m < n; m++) {
    const p = parent[m];
    if (p === -1) order[tail++] = m;
    else if (!(p >= 0 && p < n) || p === m)
      throw new Error(`Placement parent of member ${m} is ${p}: out of range.`);
  }
  for (let head = 0; head < tail; head++) {
    const x = order[head];
    if (left[x] >= 0) order[tail++] = left[x];
    if (right[x] >= 0) order[tail++] = right[x];
  }
  if (tail !== n) throw new Error('Placement tree has a cycle.');
  return order;
}

export function pairVolume(L: number, R: number): number {
  return Math.max(0, Math.min(L, R));
}

/** The binary pay of a paid member: floor(bp × pair) limited by the cap of their paid-as rank. */
export function binaryPay(plan: CompiledPlan, pair: number, paidAs: number): number {
  const b = plan.binary!;
  return Math.min(applyBp(b.bp, pair), b.capByRank[paidAs + 1] ?? Infinity);
}
