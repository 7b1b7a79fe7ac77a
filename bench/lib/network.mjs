// Deterministic distributor network of realistic shape, built in typed arrays (1M members in ~1-2 s).
//
// Sponsor tree: preferential attachment. Each new member picks a sponsor with probability proportional
// to (1 + members that sponsor has personally enrolled), the "rich get richer" shape real networks show
// (an urn holding every member once plus once per recruit makes each pick O(1)). On top of that a few
// "chains" of go-getters recruit one after another over the whole time span, so some legs are 40-80
// levels deep (pure preferential attachment alone stays ~15 deep); chain members attract recruits too.
//
// Placement tree (binary): each member is placed in the sponsor's placement downline by the weaker-leg
// rule applied at every level: start at the sponsor, step into the leg with fewer placement members
// (LEFT on a tie, an empty leg first) until a free position is reached. Real plans usually place at the
// outermost end of the weaker leg instead; that makes outer chains as long as a sponsor's recruit list
// (placement paths of thousands of digits at 1M), which this rule avoids while still filling each
// sponsor's weaker side first.
//
// Join dates: spread over three years, accelerating growth (t ~ (i/N)^0.6), always after the sponsor.

import { createRandom } from './prng.mjs';

const CHAIN_LENGTHS = [45, 62, 84];
const START = Date.parse('2023-11-20T08:00:00.000Z');
const SPAN = Date.parse('2026-11-20T20:00:00.000Z') - START;

export function externalId(i) {
  return `M${String(i + 1).padStart(7, '0')}`;
}

export function buildNetwork(size, seed = 20261122) {
  if (size < 200) throw new Error('size must be at least 200');
  const rnd = createRandom(seed);
  const sponsor = new Int32Array(size).fill(-1);
  const depth = new Int32Array(size);
  const recruits = new Int32Array(size);
  const team = new Int32Array(size);
  const left = new Int32Array(size).fill(-1);
  const right = new Int32Array(size).fill(-1);
  const pparent = new Int32Array(size).fill(-1);
  const ppos = new Int8Array(size).fill(-1);
  const pdepth = new Int32Array(size);
  const pteam = new Int32Array(size);
  const urn = new Int32Array(2 * size);
  let urnLen = 0;
  urn[urnLen++] = 0;

  // Chain c starts at member chainStart[c] (sponsored by whoever preferential attachment picks) and
  // grows by one member at evenly spaced join positions until 95% of the network has joined.
  const chains = CHAIN_LENGTHS.map((len, c) => {
    const start = Math.floor(size * 0.02 * (c + 1)) + 1;
    return { len, start, step: (size * 0.95 - start) / len, tail: -1, made: 0 };
  });
  const chainAt = new Map();
  for (const ch of chains)
    for (let k = 0; k < ch.len; k++) chainAt.set(Math.floor(ch.start + k * ch.step), ch);

  for (let i = 1; i < size; i++) {
    const ch = chainAt.get(i);
    let s;
    if (ch && ch.tail >= 0) s = ch.tail;
    else s = urn[rnd.int(urnLen)];
    if (ch) {
      ch.tail = i;
      ch.made++;
    }
    sponsor[i] = s;
    depth[i] = depth[s] + 1;
    recruits[s]++;
    urn[urnLen++] = i;
    urn[urnLen++] = s;
    for (let a = s; a >= 0; a = sponsor[a]) team[a]++;

    // Weaker leg at every level, from the sponsor down to a free position.
    let x = s;
    for (;;) {
      if (left[x] < 0) {
        left[x] = i;
        ppos[i] = 0;
        break;
      }
      if (right[x] < 0) {
        right[x] = i;
        ppos[i] = 1;
        break;
      }
      x = pteam[right[x]] < pteam[left[x]] ? right[x] : left[x];
    }
    pparent[i] = x;
    pdepth[i] = pdepth[x] + 1;
    for (let a = x; a >= 0; a = pparent[a]) pteam[a]++;
  }
  return { size, seed, sponsor, depth, recruits, team, pparent, ppos, pdepth, pteam, rnd };
}

/** Join time of member i (ms since the epoch): non-decreasing in i, so sponsors always joined first. */
export function joinedAt(i, size, jitter) {
  return Math.floor(START + SPAN * ((i + jitter) / size) ** 0.6);
}

/** Members the measurements use: root, a mid-level node with a full page below it, a leaf, the deepest. */
export function pickSubjects(net) {
  const { size, depth, team } = net;
  let deepest = 0;
  for (let i = 1; i < size; i++) if (depth[i] > depth[deepest]) deepest = i;
  const midDepth = Math.floor(depth[deepest] / 2);
  // The biggest team at that depth: a realistic "leader in the middle" with pages to browse.
  let mid = -1;
  for (let i = 1; i < size; i++) if (depth[i] === midDepth && (mid < 0 || team[i] > team[mid])) mid = i;
  // A leaf at the network's most common depth, joined in the last year (a typical new member).
  const hist = new Map();
  for (let i = 0; i < size; i++) hist.set(depth[i], (hist.get(depth[i]) ?? 0) + 1);
  const commonDepth = [...hist].sort((a, b) => b[1] - a[1])[0][0];
  let leaf = -1;
  for (let i = size - 1; i > 0; i--)
    if (team[i] === 0 && depth[i] === commonDepth) {
      leaf = i;
      break;
    }
  return { root: 0, mid, leaf, deepest };
}

export function describe(net) {
  const { size, depth, pdepth, recruits } = net;
  let maxDepth = 0;
  let maxPDepth = 0;
  let sumDepth = 0;
  let sumPDepth = 0;
  let leaves = 0;
  let maxRecruits = 0;
  let deep40 = 0;
  for (let i = 0; i < size; i++) {
    maxDepth = Math.max(maxDepth, depth[i]);
    maxPDepth = Math.max(maxPDepth, pdepth[i]);
    sumDepth += depth[i];
    sumPDepth += pdepth[i];
    if (recruits[i] === 0) leaves++;
    maxRecruits = Math.max(maxRecruits, recruits[i]);
    if (depth[i] >= 40) deep40++;
  }
  return {
    size,
    maxSponsorDepth: maxDepth,
    meanSponsorDepth: +(sumDepth / size).toFixed(1),
    membersAtDepth40Plus: deep40,
    maxPlacementDepth: maxPDepth,
    meanPlacementDepth: +(sumPDepth / size).toFixed(1),
    rootRecruits: recruits[0],
    maxRecruits,
    leafShare: +(leaves / size).toFixed(3),
  };
}
