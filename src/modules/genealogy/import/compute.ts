// Pure computation of a genealogy import (no I/O): checks the sponsor and placement structure of the
// file, places every row (SPEC §1 auto-placement in file order) and derives every maintained column and
// counter row, for the new members and for existing ancestors. Works on typed arrays so that a
// 1,000,000-row file fits in a Worker.
//
// Node numbering: 0..n-1 are the file's rows (file order); n..n+m-1 are existing members loaded from
// the database (the placement subtrees of every existing sponsor the file names).
import { AsciiWriter } from './asciiWriter';

/** Sponsor / placement references of a row that are not nodes. */
export const REF_NONE = -1; // no sponsor (the company's first member) / no explicit placement
export const REF_BROKEN = -2; // unresolvable: already reported by the caller

export interface ExistingNodes {
  count: number;
  id: Int32Array;
  /** Placement parent as a node index (>= n), or -1 when the parent was not loaded. */
  parent: Int32Array;
  position: Int8Array;
  placementDepth: Int32Array;
  placementTeamSize: Int32Array;
  /** placement_path of every loaded member whose parent was not loaded (node index -> path). */
  rootPaths: Map<number, string>;
  /** Sponsor data of every existing sponsor named by the file (node index -> path, depth). */
  sponsors: Map<number, { sponsorPath: string; sponsorDepth: number }>;
}

export interface ImportInput {
  kind: 'BINARY' | 'MATRIX';
  width: number;
  rows: number;
  line: Int32Array;
  sponsor: Int32Array;
  parent: Int32Array;
  /** Explicit placement position, -1 when auto-placed. */
  position: Int16Array;
  active: Uint8Array;
  /** Index of the join month (company time zone) in `months`. */
  month: Int32Array;
  months: number;
  /** 1 for rows with field errors (already reported); they are not placed. */
  bad: Uint8Array;
  existing: ExistingNodes;
}

export interface RowIssue {
  row: number;
  message: string;
}

/** Counter changes of existing members. */
export interface ExistingDeltas {
  /** [id, team_size delta, team_active delta] */
  team: [number, number, number][];
  /** Loaded members whose placement counters change: [id, placement_team_size delta, child delta, open]. */
  placement: [number, number, number, number][];
  /** Members above the loaded subtrees, by placement_path: [path, placement_team_size delta]. */
  placementByPath: [string, number][];
  /** [ancestorId, level, members to add] */
  levels: [number, number, number][];
  /** [ancestorId, month index, members to add] */
  joins: [number, number, number][];
}

export interface ImportPlan {
  idBase: number;
  /** Rows in apply order: sponsors and placement parents first (file order when it has them first). */
  applyOrder: Int32Array;
  sponsorDepth: Int32Array;
  placementParent: Int32Array;
  placementPosition: Int8Array;
  placementDepth: Int32Array;
  childCount: Int32Array;
  teamSize: Int32Array;
  teamActive: Int32Array;
  placementTeamSize: Int32Array;
  /** downline_level rows of new members: flat triples [row, level, members]. */
  levels: Int32Array;
  /** downline_joins rows of new members: flat triples [row, month index, members]. */
  joins: Int32Array;
  existing: ExistingDeltas;
  /** Id of a node (row or existing member). */
  idOf(node: number): number;
  /** Id of the row's sponsor, or null for the company's first member. */
  sponsorId(row: number): number | null;
  sponsorPath(row: number): string;
  placementPath(row: number): string;
  /** The paths written into a chunk's text. */
  writeSponsorPath(row: number, w: AsciiWriter): void;
  writePlacementPath(row: number, w: AsciiWriter): void;
}

export type ComputeResult = { ok: true; plan: ImportPlan } | { ok: false; issues: RowIssue[] };

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
const DIGIT_CODES = Uint8Array.from(DIGITS, (c) => c.charCodeAt(0));
const DOT = 46;

/** Growable Int32 buffer for triples whose number is known only at the end. */
class IntBuffer {
  data = new Int32Array(1024);
  length = 0;
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
  }
  result(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export function computeImport(input: ImportInput, idBase: number): ComputeResult {
  const n = input.rows;
  const issues: RowIssue[] = [];
  const sState = checkSponsors(input, issues);
  const tree = new PlacementTree(input);
  const { placedOrder, placedCount, rootRow } = placeRows(input, tree, sState, issues);
  // Rows that could not be placed were reported here or by the caller (field errors, unknown references).
  if (issues.length > 0 || placedCount < n) {
    issues.sort((a, b) => input.line[a.row] - input.line[b.row]);
    return { ok: false, issues };
  }

  // Everything is placed: derive the columns.
  const anchors = new Map<number, Anchor>();
  const { teamSize, teamActive, height } = sponsorTeams(input, placedOrder, anchors);
  const levels = levelRows(input, height, anchors);
  const joins = joinRows(input, anchors);
  const { newBelow, byDepth } = placementTeams(input, tree);
  const idOf = (node: number) => (node < n ? idBase + node : input.existing.id[node - n]);
  const rowsOnly = <T extends Int32Array | Int8Array>(arr: T): T => arr.slice(0, n) as T;
  return {
    ok: true,
    plan: {
      idBase,
      applyOrder: applyOrder(input, tree, byDepth),
      sponsorDepth: sponsorDepths(input, placedOrder),
      placementParent: rowsOnly(tree.parent),
      placementPosition: rowsOnly(tree.pos),
      placementDepth: rowsOnly(tree.depth),
      childCount: rowsOnly(tree.childCount),
      teamSize,
      teamActive,
      placementTeamSize: rowsOnly(newBelow),
      levels,
      joins,
      existing: existingDeltas(input, tree, anchors, newBelow),
      idOf,
      sponsorId: (row: number) => (input.sponsor[row] === REF_NONE ? null : idOf(input.sponsor[row])),
      ...pathBuilders(input, tree, rootRow, idBase),
    },
  };
}

/**
 * Sponsor structure: every row must reach an existing member or the file's root, without a cycle.
 * Returns each row's state: 2 good, 3 broken (a bad row on its way, or a cycle, reported here).
 */
function checkSponsors(input: ImportInput, issues: RowIssue[]): Uint8Array {
  const n = input.rows;
  // 0 unvisited, 1 on the current walk, 2 good, 3 broken
  const sState = new Uint8Array(n);
  const walk: number[] = [];
  for (let i = 0; i < n; i++) {
    if (sState[i] !== 0) continue;
    walk.length = 0;
    let x = i;
    while (x >= 0 && x < n && sState[x] === 0) {
      sState[x] = 1;
      walk.push(x);
      if (input.bad[x]) {
        x = REF_BROKEN;
        break;
      }
      x = input.sponsor[x];
    }
    let result: number;
    if (x === REF_NONE || x >= n) result = 2;
    else if (x === REF_BROKEN) result = 3;
    else if (sState[x] === 1) {
      // A cycle: from x's place on the walk to its end.
      const start = walk.indexOf(x);
      const cycle = walk.slice(start);
      const lines = cycle.map((r) => input.line[r]);
      for (const r of cycle)
        issues.push({ row: r, message: `Sponsor cycle through lines ${lines.slice(0, 10).join(', ')}.` });
      result = 3;
    } else result = sState[x];
    for (const r of walk) sState[r] = result;
  }
  return sState;
}

/** The placement tree over file rows and loaded members, as rows are placed into it. */
class PlacementTree {
  readonly width: number;
  readonly binary: boolean;
  readonly parent: Int32Array;
  readonly pos: Int8Array;
  readonly depth: Int32Array;
  /** child[node * width + position], or -1. */
  readonly child: Int32Array;
  readonly childCount: Int32Array;
  /** Loaded members' child counts before the import. */
  readonly initialChildCount: Int32Array;
  /** Live placement team sizes (binary weaker-leg choice); loaded members start from their stored value. */
  private readonly liveTeam: Int32Array;
  /** Binary: the last known outermost node of each leg (search starts there). */
  private readonly outerEnd: Int32Array;
  /** Matrix: each sponsor's breadth-first queue, kept between rows. */
  private readonly bfsQueues = new Map<number, { q: number[]; head: number }>();

  constructor(input: ImportInput) {
    const { rows: n, width: W, existing } = input;
    const m = existing.count;
    const N = n + m;
    this.width = W;
    this.binary = input.kind === 'BINARY';
    this.parent = new Int32Array(N).fill(-1);
    this.pos = new Int8Array(N).fill(-1);
    this.depth = new Int32Array(N);
    this.child = new Int32Array(N * W).fill(-1);
    this.childCount = new Int32Array(N);
    this.liveTeam = new Int32Array(N);
    for (let k = 0; k < m; k++) {
      const node = n + k;
      this.pos[node] = existing.position[k];
      this.depth[node] = existing.placementDepth[k];
      this.liveTeam[node] = existing.placementTeamSize[k];
      const p = existing.parent[k];
      if (p >= 0) {
        this.parent[node] = p;
        this.child[p * W + existing.position[k]] = node;
        this.childCount[p]++;
      }
    }
    this.initialChildCount = this.childCount.slice(n);
    this.outerEnd = new Int32Array(this.binary ? N * 2 : 0).fill(-1);
  }

  attach(x: number, p: number, q: number) {
    const { parent, liveTeam } = this;
    parent[x] = p;
    this.pos[x] = q;
    this.child[p * this.width + q] = x;
    this.childCount[p]++;
    this.depth[x] = this.depth[p] + 1;
    if (this.binary) for (let a = p; a >= 0; a = parent[a]) liveTeam[a]++;
  }

  /** Binary auto-placement: the outermost node of the sponsor's weaker leg, and that leg. */
  weakerLegEnd(s: number): [number, number] {
    const { child, liveTeam } = this;
    const c0 = child[s * 2];
    const c1 = child[s * 2 + 1];
    const size0 = c0 < 0 ? 0 : liveTeam[c0] + 1;
    const size1 = c1 < 0 ? 0 : liveTeam[c1] + 1;
    const leg = size1 < size0 ? 1 : 0;
    return [this.outermost(s, leg), leg];
  }

  private outermost(s: number, leg: number): number {
    const { child, outerEnd } = this;
    const W = this.width;
    let e = outerEnd[s * 2 + leg];
    if (e < 0) e = s;
    while (child[e * W + leg] >= 0) e = child[e * W + leg];
    outerEnd[s * 2 + leg] = e;
    return e;
  }

  /** Matrix auto-placement: the first open node breadth-first below the sponsor, and its first free position. */
  firstOpen(s: number): [number, number] {
    const { child, childCount } = this;
    const W = this.width;
    let state = this.bfsQueues.get(s);
    if (!state) {
      state = { q: [s], head: 0 };
      this.bfsQueues.set(s, state);
    }
    for (;;) {
      const x = state.q[state.head];
      if (childCount[x] < W) {
        let free = 0;
        while (child[x * W + free] >= 0) free++;
        return [x, free];
      }
      // Full: its children are all present; they come next in breadth-first, left-to-right order.
      for (let q = 0; q < W; q++) state.q.push(child[x * W + q]);
      state.head++;
      if (state.head > 4096 && state.head * 2 > state.q.length) {
        state.q = state.q.slice(state.head);
        state.head = 0;
      }
    }
  }

  inSubtree(root: number, x: number): boolean {
    for (let a = x; a >= 0; a = this.parent[a]) if (a === root) return true;
    return false;
  }
}

/** Places one row whose sponsor and parent are placed; 'root' for the company's first member. */
function placeRow(input: ImportInput, t: PlacementTree, x: number, issues: RowIssue[]): boolean | 'root' {
  const n = input.rows;
  const W = t.width;
  const s = input.sponsor[x];
  const p = input.parent[x];
  const q = input.position[x];
  if (s === REF_NONE) {
    if (p >= 0 || q >= 0) {
      issues.push({ row: x, message: 'The first member has no placement parent.' });
      return false;
    }
    t.depth[x] = 0;
    return 'root';
  }
  if (p === REF_BROKEN) return false;
  if (p >= 0) {
    if (q < 0 || q >= W) {
      issues.push({ row: x, message: `placementPosition must be 0 to ${W - 1}.` });
      return false;
    }
    if (!t.inSubtree(s, p)) {
      issues.push({
        row: x,
        message: 'The placement parent must be the sponsor or in the sponsor’s placement downline.',
      });
      return false;
    }
    const taken = t.child[p * W + q];
    if (taken >= 0) {
      issues.push({
        row: x,
        message:
          taken < n
            ? `Placement position ${q} under that parent is already taken by line ${input.line[taken]}.`
            : `Placement position ${q} under that parent is already taken by an existing member.`,
      });
      return false;
    }
    t.attach(x, p, q);
    return true;
  }
  const [at, leg] = t.binary ? t.weakerLegEnd(s) : t.firstOpen(s);
  t.attach(x, at, leg);
  return true;
}

/**
 * Rows are placed in file order; a row whose sponsor or placement parent comes later in the file pulls
 * that row forward first (depth-first), so a reference cycle shows up as a row met while being placed.
 */
function placeRows(input: ImportInput, t: PlacementTree, sState: Uint8Array, issues: RowIssue[]) {
  const n = input.rows;
  // 0 not placed, 1 being placed, 2 placed, 3 cannot be placed
  const pState = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (sState[i] !== 2) pState[i] = 3;
  const placedOrder = new Int32Array(n);
  let placedCount = 0;
  let rootRow = -1;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pState[i] !== 0) continue;
    stack.push(i);
    while (stack.length) {
      const x = stack[stack.length - 1];
      if (pState[x] >= 2) {
        stack.pop();
        continue;
      }
      pState[x] = 1;
      let waiting = false;
      let failed = false;
      for (const dep of [input.sponsor[x], input.parent[x]]) {
        if (dep < 0 || dep >= n || pState[dep] === 2) continue;
        if (pState[dep] === 3) failed = true;
        else if (pState[dep] === 1) {
          issues.push({
            row: x,
            message: `Placement cycle: line ${input.line[dep]} is placed below this row.`,
          });
          failed = true;
        } else {
          stack.push(dep);
          waiting = true;
        }
        break;
      }
      if (waiting) continue;
      stack.pop();
      const placed = !failed && placeRow(input, t, x, issues);
      if (placed) {
        if (placed === 'root') rootRow = x;
        pState[x] = 2;
        placedOrder[placedCount++] = x;
      } else pState[x] = 3;
    }
  }
  return { placedOrder, placedCount, rootRow };
}

function sponsorDepths(input: ImportInput, placedOrder: Int32Array): Int32Array {
  const n = input.rows;
  const sponsorDepth = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const x = placedOrder[k];
    const s = input.sponsor[x];
    sponsorDepth[x] =
      s === REF_NONE ? 0 : s >= n ? input.existing.sponsors.get(s)!.sponsorDepth + 1 : sponsorDepth[s] + 1;
  }
  return sponsorDepth;
}

/** What the file adds below an existing sponsor (an anchor), before it is spread over its upline. */
interface Anchor {
  size: number;
  active: number;
  /** levels[k]: new members k levels below the anchor. */
  levels: number[];
  /** Month index -> new members joining below the anchor. */
  joins: Map<number, number>;
}

function anchorOf(anchors: Map<number, Anchor>, a: number): Anchor {
  let v = anchors.get(a);
  if (!v) {
    v = { size: 0, active: 0, levels: [], joins: new Map() };
    anchors.set(a, v);
  }
  return v;
}

/** Sponsor team counters, bottom-up (sponsors were placed before the rows they sponsor). */
function sponsorTeams(input: ImportInput, placedOrder: Int32Array, anchors: Map<number, Anchor>) {
  const n = input.rows;
  const teamSize = new Int32Array(n);
  const teamActive = new Int32Array(n);
  const height = new Int32Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const x = placedOrder[k];
    const s = input.sponsor[x];
    if (s === REF_NONE) continue;
    const size = teamSize[x] + 1;
    const active = teamActive[x] + input.active[x];
    if (s >= n) {
      const v = anchorOf(anchors, s);
      v.size += size;
      v.active += active;
    } else {
      teamSize[s] += size;
      teamActive[s] += active;
      if (height[x] + 1 > height[s]) height[s] = height[x] + 1;
    }
  }
  return { teamSize, teamActive, height };
}

/** Level histograms: row a has members at levels 1..height[a]; offsets into one flat array. */
function levelRows(input: ImportInput, height: Int32Array, anchors: Map<number, Anchor>): Int32Array {
  const n = input.rows;
  const sponsorOf = input.sponsor;
  const levelOffset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) levelOffset[i + 1] = levelOffset[i] + height[i];
  const levelCount = new Int32Array(levelOffset[n]);
  for (let x = 0; x < n; x++) {
    let k = 1;
    for (let a = sponsorOf[x]; a !== REF_NONE; a = sponsorOf[a], k++) {
      if (a >= n) {
        const lv = anchorOf(anchors, a).levels;
        lv[k] = (lv[k] ?? 0) + 1;
        break;
      }
      levelCount[levelOffset[a] + k - 1]++;
    }
  }
  const levels = new IntBuffer();
  for (let a = 0; a < n; a++)
    for (let k = 1; k <= height[a]; k++) levels.push3(a, k, levelCount[levelOffset[a] + k - 1]);
  return levels.result();
}

/** Join-month histograms: one month at a time, counting each row into all of its new ancestors. */
function joinRows(input: ImportInput, anchors: Map<number, Anchor>): Int32Array {
  const n = input.rows;
  const sponsorOf = input.sponsor;
  const byMonthStart = new Int32Array(input.months + 1);
  for (let x = 0; x < n; x++) byMonthStart[input.month[x] + 1]++;
  for (let i = 0; i < input.months; i++) byMonthStart[i + 1] += byMonthStart[i];
  const byMonth = new Int32Array(n);
  const fill = byMonthStart.slice(0, input.months);
  for (let x = 0; x < n; x++) byMonth[fill[input.month[x]]++] = x;
  const joins = new IntBuffer();
  const monthCount = new Int32Array(n);
  const touched: number[] = [];
  for (let mo = 0; mo < input.months; mo++) {
    for (let j = byMonthStart[mo]; j < byMonthStart[mo + 1]; j++) {
      for (let a = sponsorOf[byMonth[j]]; a !== REF_NONE; a = sponsorOf[a]) {
        if (a >= n) {
          const js = anchorOf(anchors, a).joins;
          js.set(mo, (js.get(mo) ?? 0) + 1);
          break;
        }
        if (monthCount[a]++ === 0) touched.push(a);
      }
    }
    for (const a of touched) {
      joins.push3(a, mo, monthCount[a]);
      monthCount[a] = 0;
    }
    touched.length = 0;
  }
  return joins.result();
}

/** Placement team sizes: new members below each node, bottom-up by placement depth (nodes by depth too). */
function placementTeams(input: ImportInput, t: PlacementTree) {
  const n = input.rows;
  const N = n + input.existing.count;
  const pDepth = t.depth;
  let maxDepth = 0;
  for (let x = 0; x < N; x++) if (pDepth[x] > maxDepth) maxDepth = pDepth[x];
  const depthStart = new Int32Array(maxDepth + 2);
  for (let x = 0; x < N; x++) depthStart[pDepth[x] + 1]++;
  for (let d = 0; d <= maxDepth; d++) depthStart[d + 1] += depthStart[d];
  const byDepth = new Int32Array(N);
  const depthFill = depthStart.slice(0, maxDepth + 1);
  for (let x = 0; x < N; x++) byDepth[depthFill[pDepth[x]]++] = x;
  const newBelow = new Int32Array(N);
  for (let j = N - 1; j >= 0; j--) {
    const x = byDepth[j];
    const p = t.parent[x];
    if (p >= 0) newBelow[p] += newBelow[x] + (x < n ? 1 : 0);
  }
  return { newBelow, byDepth };
}

/**
 * File order (= id order) when every sponsor and placement parent comes before its rows, as in most
 * files: the table and the indexes that follow the file grow at their ends, far fewer page misses than
 * inserting by depth. Otherwise by placement depth, which always puts parents first.
 */
function applyOrder(input: ImportInput, t: PlacementTree, byDepth: Int32Array): Int32Array {
  const n = input.rows;
  let fileOrder = true;
  for (let r = 0; r < n && fileOrder; r++) {
    const s = input.sponsor[r];
    const p = t.parent[r];
    if ((s >= r && s < n) || (p >= r && p < n)) fileOrder = false;
  }
  const order = new Int32Array(n);
  if (fileOrder) for (let r = 0; r < n; r++) order[r] = r;
  else {
    let ai = 0;
    for (let j = 0; j < byDepth.length; j++) if (byDepth[j] < n) order[ai++] = byDepth[j];
  }
  return order;
}

/** Existing members' counter changes: each anchor's additions spread over its sponsor upline. */
function existingDeltas(
  input: ImportInput,
  t: PlacementTree,
  anchors: Map<number, Anchor>,
  newBelow: Int32Array,
): ExistingDeltas {
  const { rows: n, existing } = input;
  const team = new Map<number, [number, number]>();
  const exLevels = new Map<number, Map<number, number>>();
  const exJoins = new Map<number, Map<number, number>>();
  for (const [a, v] of anchors) {
    const { sponsorPath, sponsorDepth: depth } = existing.sponsors.get(a)!;
    const ids = sponsorPath.split('.');
    for (let d = 0; d <= depth; d++) {
      const id = Number(ids[d]);
      const dist = depth - d;
      const tm = team.get(id) ?? [0, 0];
      tm[0] += v.size;
      tm[1] += v.active;
      team.set(id, tm);
      let lv = exLevels.get(id);
      if (!lv) {
        lv = new Map();
        exLevels.set(id, lv);
      }
      for (let k = 1; k < v.levels.length; k++)
        if (v.levels[k]) lv.set(dist + k, (lv.get(dist + k) ?? 0) + v.levels[k]);
      let js = exJoins.get(id);
      if (!js) {
        js = new Map();
        exJoins.set(id, js);
      }
      for (const [mo, c] of v.joins) js.set(mo, (js.get(mo) ?? 0) + c);
    }
  }
  const placement: [number, number, number, number][] = [];
  const placementByPath = new Map<string, number>();
  for (let k = 0; k < existing.count; k++) {
    const node = n + k;
    const dChildren = t.childCount[node] - t.initialChildCount[k];
    if (newBelow[node] === 0 && dChildren === 0) continue;
    placement.push([existing.id[k], newBelow[node], dChildren, t.childCount[node] < t.width ? 1 : 0]);
    const rootPath = existing.rootPaths.get(node);
    if (rootPath !== undefined && newBelow[node] > 0)
      for (let len = 0; len < rootPath.length; len++) {
        const path = rootPath.slice(0, len);
        placementByPath.set(path, (placementByPath.get(path) ?? 0) + newBelow[node]);
      }
  }
  return {
    team: [...team].map(([id, [s, a]]) => [id, s, a]),
    placement,
    placementByPath: [...placementByPath],
    levels: [...exLevels].flatMap(([id, lv]) =>
      [...lv].map(([l, c]) => [id, l, c] as [number, number, number]),
    ),
    joins: [...exJoins].flatMap(([id, js]) =>
      [...js].map(([mo, c]) => [id, mo, c] as [number, number, number]),
    ),
  };
}

/** Paths, built on demand (a 1M-row file would not fit as strings all at once), as text or into a writer. */
function pathBuilders(input: ImportInput, t: PlacementTree, rootRow: number, idBase: number) {
  const { rows: n, existing } = input;
  const sponsorOf = input.sponsor;
  const existingPathCache = new Map<number, string>();
  const existingPlacementPath = (node: number): string => {
    const cached = existingPathCache.get(node);
    if (cached !== undefined) return cached;
    const digits: string[] = [];
    let a = node;
    while (!existing.rootPaths.has(a)) {
      digits.push(DIGITS[t.pos[a]]);
      a = t.parent[a];
    }
    const path = existing.rootPaths.get(a)! + digits.reverse().join('');
    existingPathCache.set(node, path);
    return path;
  };
  // One buffer for every walk up: a million paths without a million temporary arrays (GC was half the time).
  const walk = new Int32Array(1024);
  let walkCap = walk.length;
  let buf = walk;
  const push = (len: number, v: number) => {
    if (len === walkCap) {
      const next = new Int32Array(walkCap * 2);
      next.set(buf);
      buf = next;
      walkCap = next.length;
    }
    buf[len] = v;
  };
  const writeSponsorPath = (row: number, w: AsciiWriter): void => {
    let len = 0;
    let a = row;
    while (a >= 0 && a < n) {
      push(len++, idBase + a);
      a = sponsorOf[a];
    }
    if (a >= n) w.ascii(existing.sponsors.get(a)!.sponsorPath);
    for (let k = len - 1; k >= 0; k--) {
      w.int(buf[k]);
      w.char(DOT);
    }
  };
  const writePlacementPath = (row: number, w: AsciiWriter): void => {
    let len = 0;
    let a = row;
    while (a >= 0 && a < n && a !== rootRow) {
      push(len++, t.pos[a]);
      a = t.parent[a];
    }
    if (a >= n) w.ascii(existingPlacementPath(a));
    for (let k = len - 1; k >= 0; k--) w.char(DIGIT_CODES[buf[k]]);
  };
  const asText = (write: (row: number, w: AsciiWriter) => void) => (row: number) => {
    const w = new AsciiWriter(256);
    write(row, w);
    return w.text();
  };
  return {
    writeSponsorPath,
    writePlacementPath,
    sponsorPath: asText(writeSponsorPath),
    placementPath: asText(writePlacementPath),
  };
}
