// Pure computation of a genealogy import (no I/O): checks the sponsor and placement structure of the
// file, places every row (SPEC §1 auto-placement in file order) and derives every maintained column and
// counter row, for the new members and for existing ancestors. Works on typed arrays so that a
// 1,000,000-row file fits in a Worker.
//
// Node numbering: 0..n-1 are the file's rows (file order); n..n+m-1 are existing members loaded from
// the database (the placement subtrees of every existing sponsor the file names).

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
  sponsorPath(row: number): string;
  placementPath(row: number): string;
}

export type ComputeResult = { ok: true; plan: ImportPlan } | { ok: false; issues: RowIssue[] };

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

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
  const { rows: n, width: W, existing } = input;
  const m = existing.count;
  const N = n + m;
  const issues: RowIssue[] = [];
  const lineOf = (row: number) => input.line[row];

  // ---- Sponsor structure: every row must reach an existing member or the file's root; no cycles. ----
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
      const lines = cycle.map(lineOf);
      for (const r of cycle)
        issues.push({ row: r, message: `Sponsor cycle through lines ${lines.slice(0, 10).join(', ')}.` });
      result = 3;
    } else result = sState[x];
    for (const r of walk) sState[r] = result;
  }

  // ---- Placement tree over file rows and loaded members. ----
  const pParent = new Int32Array(N).fill(-1);
  const pPos = new Int8Array(N).fill(-1);
  const pDepth = new Int32Array(N);
  const child = new Int32Array(N * W).fill(-1);
  const childCount = new Int32Array(N);
  // Live placement team sizes (binary weaker-leg choice); loaded members start from their stored value.
  const liveTeam = new Int32Array(N);
  for (let k = 0; k < m; k++) {
    const node = n + k;
    pPos[node] = existing.position[k];
    pDepth[node] = existing.placementDepth[k];
    liveTeam[node] = existing.placementTeamSize[k];
    const p = existing.parent[k];
    if (p >= 0) {
      pParent[node] = p;
      child[p * W + existing.position[k]] = node;
      childCount[p]++;
    }
  }
  const initialChildCount = childCount.slice(n);

  const attach = (x: number, p: number, q: number) => {
    pParent[x] = p;
    pPos[x] = q;
    child[p * W + q] = x;
    childCount[p]++;
    pDepth[x] = pDepth[p] + 1;
    if (input.kind === 'BINARY') for (let a = p; a >= 0; a = pParent[a]) liveTeam[a]++;
  };

  const outerEnd = new Int32Array(input.kind === 'BINARY' ? N * 2 : 0).fill(-1);
  const outermost = (s: number, leg: number): number => {
    let e = outerEnd[s * 2 + leg];
    if (e < 0) e = s;
    while (child[e * W + leg] >= 0) e = child[e * W + leg];
    outerEnd[s * 2 + leg] = e;
    return e;
  };
  const bfsQueues = new Map<number, { q: number[]; head: number }>();
  const firstOpen = (s: number): number => {
    let state = bfsQueues.get(s);
    if (!state) {
      state = { q: [s], head: 0 };
      bfsQueues.set(s, state);
    }
    for (;;) {
      const x = state.q[state.head];
      if (childCount[x] < W) return x;
      // Full: its children are all present; they come next in breadth-first, left-to-right order.
      for (let q = 0; q < W; q++) state.q.push(child[x * W + q]);
      state.head++;
      if (state.head > 4096 && state.head * 2 > state.q.length) {
        state.q = state.q.slice(state.head);
        state.head = 0;
      }
    }
  };
  const inPlacementSubtree = (root: number, x: number): boolean => {
    for (let a = x; a >= 0; a = pParent[a]) if (a === root) return true;
    return false;
  };

  // 0 not placed, 1 being placed, 2 placed, 3 cannot be placed
  const pState = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (sState[i] !== 2) pState[i] = 3;
  const placedOrder = new Int32Array(n);
  let placedCount = 0;
  let rootRow = -1;

  const placeRow = (x: number): boolean => {
    const s = input.sponsor[x];
    const p = input.parent[x];
    const q = input.position[x];
    if (s === REF_NONE) {
      if (p >= 0 || q >= 0) {
        issues.push({ row: x, message: 'The first member has no placement parent.' });
        return false;
      }
      rootRow = x;
      pDepth[x] = 0;
      return true;
    }
    if (p === REF_BROKEN) return false;
    if (p >= 0) {
      if (q < 0 || q >= W) {
        issues.push({ row: x, message: `placementPosition must be 0 to ${W - 1}.` });
        return false;
      }
      if (!inPlacementSubtree(s, p)) {
        issues.push({
          row: x,
          message: 'The placement parent must be the sponsor or in the sponsor’s placement downline.',
        });
        return false;
      }
      const taken = child[p * W + q];
      if (taken >= 0) {
        issues.push({
          row: x,
          message:
            taken < n
              ? `Placement position ${q} under that parent is already taken by line ${lineOf(taken)}.`
              : `Placement position ${q} under that parent is already taken by an existing member.`,
        });
        return false;
      }
      attach(x, p, q);
      return true;
    }
    if (input.kind === 'BINARY') {
      const c0 = child[s * 2];
      const c1 = child[s * 2 + 1];
      const size0 = c0 < 0 ? 0 : liveTeam[c0] + 1;
      const size1 = c1 < 0 ? 0 : liveTeam[c1] + 1;
      const leg = size1 < size0 ? 1 : 0;
      attach(x, outermost(s, leg), leg);
      return true;
    }
    const open = firstOpen(s);
    let free = 0;
    while (child[open * W + free] >= 0) free++;
    attach(x, open, free);
    return true;
  };

  // Rows are placed in file order; a row whose sponsor or placement parent comes later in the file pulls
  // that row forward first (depth-first), so a reference cycle shows up as a row met while being placed.
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
          issues.push({ row: x, message: `Placement cycle: line ${lineOf(dep)} is placed below this row.` });
          failed = true;
        } else {
          stack.push(dep);
          waiting = true;
        }
        break;
      }
      if (waiting) continue;
      stack.pop();
      if (!failed && placeRow(x)) {
        pState[x] = 2;
        placedOrder[placedCount++] = x;
      } else pState[x] = 3;
    }
  }

  // Rows that could not be placed were reported here or by the caller (field errors, unknown references).
  if (issues.length > 0 || placedCount < n) {
    issues.sort((a, b) => input.line[a.row] - input.line[b.row]);
    return { ok: false, issues };
  }

  // ---- Everything is placed: derive the columns. ----
  const sponsorOf = input.sponsor;
  const sponsorDepth = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const x = placedOrder[k];
    const s = sponsorOf[x];
    sponsorDepth[x] =
      s === REF_NONE ? 0 : s >= n ? existing.sponsors.get(s)!.sponsorDepth + 1 : sponsorDepth[s] + 1;
  }

  // Sponsor team counters (bottom-up: sponsors were placed before the rows they sponsor).
  const teamSize = new Int32Array(n);
  const teamActive = new Int32Array(n);
  const height = new Int32Array(n);
  const anchorTeam = new Map<
    number,
    { size: number; active: number; levels: number[]; joins: Map<number, number> }
  >();
  const anchor = (a: number) => {
    let v = anchorTeam.get(a);
    if (!v) {
      v = { size: 0, active: 0, levels: [], joins: new Map() };
      anchorTeam.set(a, v);
    }
    return v;
  };
  for (let k = n - 1; k >= 0; k--) {
    const x = placedOrder[k];
    const s = sponsorOf[x];
    if (s === REF_NONE) continue;
    const size = teamSize[x] + 1;
    const active = teamActive[x] + input.active[x];
    if (s >= n) {
      const v = anchor(s);
      v.size += size;
      v.active += active;
    } else {
      teamSize[s] += size;
      teamActive[s] += active;
      if (height[x] + 1 > height[s]) height[s] = height[x] + 1;
    }
  }

  // Level histograms: row a has members at levels 1..height[a]; offsets into one flat array.
  const levelOffset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) levelOffset[i + 1] = levelOffset[i] + height[i];
  const levelCount = new Int32Array(levelOffset[n]);
  for (let x = 0; x < n; x++) {
    let k = 1;
    for (let a = sponsorOf[x]; a !== REF_NONE; a = sponsorOf[a], k++) {
      if (a >= n) {
        const lv = anchor(a).levels;
        lv[k] = (lv[k] ?? 0) + 1;
        break;
      }
      levelCount[levelOffset[a] + k - 1]++;
    }
  }
  const levels = new IntBuffer();
  for (let a = 0; a < n; a++)
    for (let k = 1; k <= height[a]; k++) levels.push3(a, k, levelCount[levelOffset[a] + k - 1]);

  // Join-month histograms: one month at a time, counting each row into all of its new ancestors.
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
          const js = anchor(a).joins;
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

  // Placement team sizes: new members below each node, bottom-up by placement depth.
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
    const p = pParent[x];
    if (p >= 0) newBelow[p] += newBelow[x] + (x < n ? 1 : 0);
  }
  // File order (= id order) when every sponsor and placement parent comes before its rows, as in most
  // files: the table and the indexes that follow the file grow at their ends, far fewer page misses than
  // inserting by depth. Otherwise by placement depth, which always puts parents first.
  let fileOrder = true;
  for (let r = 0; r < n && fileOrder; r++) {
    const s = sponsorOf[r];
    const p = pParent[r];
    if ((s >= r && s < n) || (p >= r && p < n)) fileOrder = false;
  }
  const applyOrder = new Int32Array(n);
  if (fileOrder) for (let r = 0; r < n; r++) applyOrder[r] = r;
  else {
    let ai = 0;
    for (let j = 0; j < N; j++) if (byDepth[j] < n) applyOrder[ai++] = byDepth[j];
  }

  // ---- Existing members' deltas. ----
  const idOf = (node: number) => (node < n ? idBase + node : existing.id[node - n]);
  const team = new Map<number, [number, number]>();
  const exLevels = new Map<number, Map<number, number>>();
  const exJoins = new Map<number, Map<number, number>>();
  for (const [a, v] of anchorTeam) {
    const { sponsorPath, sponsorDepth: depth } = existing.sponsors.get(a)!;
    const ids = sponsorPath.split('.');
    for (let d = 0; d <= depth; d++) {
      const id = Number(ids[d]);
      const dist = depth - d;
      const t = team.get(id) ?? [0, 0];
      t[0] += v.size;
      t[1] += v.active;
      team.set(id, t);
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
  for (let k = 0; k < m; k++) {
    const node = n + k;
    const dChildren = childCount[node] - initialChildCount[k];
    if (newBelow[node] === 0 && dChildren === 0) continue;
    placement.push([existing.id[k], newBelow[node], dChildren, childCount[node] < W ? 1 : 0]);
    const rootPath = existing.rootPaths.get(node);
    if (rootPath !== undefined && newBelow[node] > 0)
      for (let len = 0; len < rootPath.length; len++) {
        const path = rootPath.slice(0, len);
        placementByPath.set(path, (placementByPath.get(path) ?? 0) + newBelow[node]);
      }
  }

  // ---- Paths, built on demand (a 1M-row file would not fit as strings all at once). ----
  const existingPathCache = new Map<number, string>();
  const existingPlacementPath = (node: number): string => {
    const cached = existingPathCache.get(node);
    if (cached !== undefined) return cached;
    const digits: string[] = [];
    let a = node;
    while (!existing.rootPaths.has(a)) {
      digits.push(DIGITS[pPos[a]]);
      a = pParent[a];
    }
    const path = existing.rootPaths.get(a)! + digits.reverse().join('');
    existingPathCache.set(node, path);
    return path;
  };
  const sponsorPath = (row: number): string => {
    const ids: number[] = [];
    let a = row;
    while (a >= 0 && a < n) {
      ids.push(idBase + a);
      a = sponsorOf[a];
    }
    const prefix = a >= n ? existing.sponsors.get(a)!.sponsorPath : '';
    return prefix + ids.reverse().join('.') + '.';
  };
  const placementPath = (row: number): string => {
    const digits: string[] = [];
    let a = row;
    while (a >= 0 && a < n && a !== rootRow) {
      digits.push(DIGITS[pPos[a]]);
      a = pParent[a];
    }
    const prefix = a >= n ? existingPlacementPath(a) : '';
    return prefix + digits.reverse().join('');
  };

  const rowsOnly = <T extends Int32Array | Int8Array>(arr: T): T => arr.slice(0, n) as T;
  return {
    ok: true,
    plan: {
      idBase,
      applyOrder,
      sponsorDepth,
      placementParent: rowsOnly(pParent),
      placementPosition: rowsOnly(pPos),
      placementDepth: rowsOnly(pDepth),
      childCount: rowsOnly(childCount),
      teamSize,
      teamActive,
      placementTeamSize: rowsOnly(newBelow),
      levels: levels.result(),
      joins: joins.result(),
      existing: {
        team: [...team].map(([id, [s, a]]) => [id, s, a]),
        placement,
        placementByPath: [...placementByPath],
        levels: [...exLevels].flatMap(([id, lv]) =>
          [...lv].map(([l, c]) => [id, l, c] as [number, number, number]),
        ),
        joins: [...exJoins].flatMap(([id, js]) =>
          [...js].map(([mo, c]) => [id, mo, c] as [number, number, number]),
        ),
      },
      idOf,
      sponsorPath,
      placementPath,
    },
  };
}
