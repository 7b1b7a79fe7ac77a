// The queued steps of an import: validate (check + compute + write chunks), apply (chunk by chunk),
// cleanup. Every step may be delivered twice or die halfway and still end in the same state.
import type { Env } from '../../../env';
import { nowIso } from '../../../lib/db';
import { loadSettings, placementWidth } from '../../company/settings';
import { jsonChunks, LINE_KEY, MAX_ISSUES, MAX_JSON_PARAM } from '../../imports/limits';
import { monthResolver } from '../../imports/months';
import * as records from '../../imports/records';
import {
  addPartIssues,
  applyBudget,
  applyChunkOnce,
  failureReason,
  failValidating,
  ImportIssues,
  isFinished,
  type LineOf,
  lineNumbering,
  lineOfKey,
  sendStep,
} from '../../imports/steps';
import { importedReferralCode } from './codes';
import { computeImport, type ExistingNodes, type ImportPlan, REF_BROKEN, REF_NONE } from './compute';
import {
  type ChunkKind,
  chunkList,
  cleanup,
  compensate,
  dropIndexesForBulkLoad,
  type ImportRow,
  markChunk,
  reserveIdBase,
  restoreIndexes,
  storeChunks,
} from './repository';
import { GENEALOGY_IMPORT } from './table';

const READ_CHUNK = 50_000;
/** Rows per validation read: their JSON stays well under D1's ~2 MB per value (~100 bytes a row). */
const ROWS_PER_READ = 8_000;
type ReadRow = [
  number,
  number,
  number,
  number | null,
  string | null,
  string | null,
  number | null,
  number | null,
  string | null,
  number,
  number | null,
  number | null,
  string | null,
];

/** A uniqueness problem found in SQL: rows of the file that repeat a value (after its first line). */
async function sqlIssues(
  db: D1Database,
  sql: string,
  importId: number,
  lineOf: LineOf,
  format: (value: string, first: number | null) => string,
  issues: ImportIssues,
) {
  const results = await db
    .prepare(sql)
    .bind(importId, MAX_ISSUES)
    .raw<[number, number, string, number | null, number]>();
  for (const [part, line, value, first] of results)
    issues.add(lineOf(part, line), format(value, first == null ? null : lineOfKey(lineOf, first)));
  if (results.length) issues.more(results[0][4] - results.length);
}

/**
 * Whether any value of the column repeats in the file, bad rows included (a superset of what
 * repeatsInFile reports): a grouping that needs no window over every row, and for external_id the
 * index's order, so a clean file is checked in a fraction of the time.
 */
async function anyRepeat(db: D1Database, importId: number, column: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS x FROM genealogy_import_row WHERE import_id = ?1 AND ${column} IS NOT NULL
       GROUP BY ${column} HAVING count(*) > 1 LIMIT 1`,
    )
    .bind(importId)
    .first();
  return row != null;
}

const repeatsInFile = (column: string) => `
  SELECT part_no, line, v, first, count(*) OVER () FROM (
    SELECT part_no, line, ${column} AS v, min(part_no * ${LINE_KEY} + line) OVER w AS first, count(*) OVER w AS c
    FROM genealogy_import_row WHERE import_id = ?1 AND bad = 0 AND ${column} IS NOT NULL
    WINDOW w AS (PARTITION BY ${column})
  ) WHERE c > 1 AND part_no * ${LINE_KEY} + line != first ORDER BY part_no, line LIMIT ?2`;

const takenByExisting = (column: string) => `
  SELECT r.part_no, r.line, r.${column}, NULL, count(*) OVER () FROM genealogy_import_row r
  JOIN distributor d ON d.${column} = r.${column}
  WHERE r.import_id = ?1 AND r.bad = 0 ORDER BY r.part_no, r.line LIMIT ?2`;

/** The unique columns of a distributor: as the file names them, and as SQL compares them. */
const UNIQUE_COLUMNS = [
  { field: 'externalId', inFile: 'external_id', existing: 'external_id' },
  { field: 'email', inFile: 'email', existing: 'email' },
  // Referral codes repeat in the file whatever their case; beside existing members the column decides.
  { field: 'referralCode', inFile: 'lower(referral_code)', existing: 'referral_code' },
] as const;

/**
 * Values the file repeats, then (once the company has members) values existing distributors hold
 * already: every repeated value after its first line, every taken value, each with its line.
 */
async function uniquenessIssues(
  db: D1Database,
  importId: number,
  lineOf: LineOf,
  existingCount: number,
  issues: ImportIssues,
) {
  const q = (v: string) => JSON.stringify(v);
  for (const c of UNIQUE_COLUMNS)
    if (await anyRepeat(db, importId, c.inFile))
      await sqlIssues(
        db,
        repeatsInFile(c.inFile),
        importId,
        lineOf,
        (v, f) => `Duplicate ${c.field} ${q(v)} (first on line ${f}).`,
        issues,
      );
  if (existingCount === 0) return;
  for (const c of UNIQUE_COLUMNS)
    await sqlIssues(
      db,
      takenByExisting(c.existing),
      importId,
      lineOf,
      (v) => `${c.field} ${q(v)} already belongs to an existing distributor.`,
      issues,
    );
}

/** The file's rows in typed arrays (index = file order), as computeImport takes them. */
interface FileRows {
  n: number;
  partNo: Int32Array;
  lineInPart: Int32Array;
  /** File-global line. */
  line: Int32Array;
  bad: Uint8Array;
  position: Int16Array;
  active: Uint8Array;
  month: Int32Array;
  /** Sponsor / parent as a row key of the file (part_no * LINE_KEY + line), or -1. */
  sponsorKey: Float64Array;
  parentKey: Float64Array;
  /** Sponsor / parent as an existing distributor id, or 0. */
  sponsorId: Int32Array;
  parentId: Int32Array;
  /** Resolved references: a row index, an existing node, REF_NONE or REF_BROKEN. */
  sponsor: Int32Array;
  parent: Int32Array;
  /** Join month -> index into the month counters. */
  monthIndex: Map<string, number>;
}

function fileRows(n: number): FileRows {
  return {
    n,
    partNo: new Int32Array(n),
    lineInPart: new Int32Array(n),
    line: new Int32Array(n),
    bad: new Uint8Array(n),
    position: new Int16Array(n).fill(-1),
    active: new Uint8Array(n),
    month: new Int32Array(n),
    sponsorKey: new Float64Array(n).fill(-1),
    parentKey: new Float64Array(n).fill(-1),
    sponsorId: new Int32Array(n),
    parentId: new Int32Array(n),
    sponsor: new Int32Array(n).fill(REF_NONE),
    parent: new Int32Array(n).fill(REF_NONE),
    monthIndex: new Map(),
  };
}

/**
 * One keyset page of staged rows with their references looked up (file row or existing distributor).
 * One JSON text per read: D1 hands a result over value by value, and a million rows of thirteen values
 * cost several times what the same rows as one string per few thousand do.
 */
async function readPage(db: D1Database, importId: number, after: [number, number], limit: number) {
  const text = await db
    .prepare(
      `SELECT json_group_array(json_array(part_no, line, bad, position, status, joined_at, sref, sid,
         CASE WHEN sponsor_ext IS NOT NULL AND sref IS NULL AND sid IS NULL THEN sponsor_ext END,
         sponsor_ext IS NULL, pref, pid,
         CASE WHEN parent_ext IS NOT NULL AND pref IS NULL AND pid IS NULL THEN parent_ext END)
         ORDER BY part_no, line)
       FROM (
         SELECT r.part_no, r.line, r.bad, r.position, r.status, r.joined_at, r.sponsor_ext, r.parent_ext,
           (SELECT s.part_no * ${LINE_KEY} + s.line FROM genealogy_import_row s
             WHERE s.import_id = r.import_id AND s.external_id = r.sponsor_ext ORDER BY s.part_no, s.line LIMIT 1) AS sref,
           (SELECT d.id FROM distributor d WHERE d.external_id = r.sponsor_ext) AS sid,
           (SELECT s.part_no * ${LINE_KEY} + s.line FROM genealogy_import_row s
             WHERE s.import_id = r.import_id AND s.external_id = r.parent_ext ORDER BY s.part_no, s.line LIMIT 1) AS pref,
           (SELECT d.id FROM distributor d WHERE d.external_id = r.parent_ext) AS pid
         FROM genealogy_import_row r
         WHERE r.import_id = ?1 AND (r.part_no, r.line) > (?2, ?3)
         ORDER BY r.part_no, r.line LIMIT ?4
       )`,
    )
    .bind(importId, after[0], after[1], limit)
    .raw<[string]>();
  return JSON.parse(text[0][0]) as ReadRow[];
}

/** What reading a row needs besides the row. */
interface ReadContext {
  lineOf: LineOf;
  monthOf: (iso: string) => string;
  existingCount: number;
  issues: ImportIssues;
  /** The row without sponsor (the company's first member), or -1. */
  rootRow: number;
}

/** Puts one read row into the arrays at index i; reports unknown references and extra roots. */
function takeRow(rows: FileRows, i: number, row: ReadRow, cx: ReadContext) {
  const [part, ln, isBad, pos, status, joined, sref, sid, unknownS, noSponsor, pref, pid, unknownP] = row;
  const q = JSON.stringify;
  rows.partNo[i] = part;
  rows.lineInPart[i] = ln;
  const gl = cx.lineOf(part, ln);
  rows.line[i] = gl;
  if (isBad) {
    rows.bad[i] = 1;
    rows.sponsor[i] = REF_BROKEN;
    return;
  }
  rows.active[i] = status === 'ACTIVE' ? 1 : 0;
  const mo = cx.monthOf(joined!);
  let mi = rows.monthIndex.get(mo);
  if (mi === undefined) {
    mi = rows.monthIndex.size;
    rows.monthIndex.set(mo, mi);
  }
  rows.month[i] = mi;
  if (unknownS != null) {
    cx.issues.add(
      gl,
      `Unknown sponsor ${q(unknownS)}: neither a row of the file nor an existing distributor.`,
    );
    rows.sponsor[i] = REF_BROKEN;
  } else if (noSponsor) {
    if (cx.existingCount > 0) {
      cx.issues.add(gl, 'sponsorExternalId is required: the company already has its first member.');
      rows.sponsor[i] = REF_BROKEN;
    } else if (cx.rootRow >= 0) {
      cx.issues.add(
        gl,
        `sponsorExternalId is required: line ${rows.line[cx.rootRow]} is the company's first member.`,
      );
      rows.sponsor[i] = REF_BROKEN;
    } else cx.rootRow = i;
  } else if (sref != null) rows.sponsorKey[i] = sref;
  else rows.sponsorId[i] = sid!;
  if (unknownP != null) {
    cx.issues.add(gl, `Unknown placement parent ${q(unknownP)}.`);
    rows.parent[i] = REF_BROKEN;
  } else if (pref != null) rows.parentKey[i] = pref;
  else if (pid != null) rows.parentId[i] = pid;
  if (pos != null) rows.position[i] = pos;
}

/** Reads every staged row into typed arrays, in keyset pages, reporting progress as it goes. */
async function readRows(db: D1Database, importId: number, n: number, cx: ReadContext): Promise<FileRows> {
  await records.setProgress(db, GENEALOGY_IMPORT, importId, 'validate', 0, n);
  const rows = fileRows(n);
  let i = 0;
  let after: [number, number] = [0, 0];
  let rowsPerRead = ROWS_PER_READ;
  let progressAt = 0;
  while (i < n) {
    let page: ReadRow[];
    try {
      page = await readPage(db, importId, after, rowsPerRead);
    } catch (e) {
      // Text over D1's size limit (rows with long unknown references): fewer rows per read.
      if (!/too big|TOOBIG/i.test(String(e)) || rowsPerRead <= 250) throw e;
      rowsPerRead = Math.floor(rowsPerRead / 4);
      continue;
    }
    if (page.length === 0) break;
    for (const row of page) takeRow(rows, i++, row, cx);
    const last = page[page.length - 1];
    after = [last[0], last[1]];
    if (i - progressAt >= READ_CHUNK || i === n) {
      progressAt = i;
      await records.setProgress(db, GENEALOGY_IMPORT, importId, 'validate', i, n);
    }
  }
  return rows;
}

/** File references -> row indexes (rows are in (part, line) order: binary search); the existing sponsors named. */
function resolveFileRefs(rows: FileRows): number[] {
  const { n } = rows;
  const key = new Float64Array(n);
  for (let r = 0; r < n; r++) key[r] = rows.partNo[r] * LINE_KEY + rows.lineInPart[r];
  const rowOfKey = (k: number) => {
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (key[mid] < k) lo = mid + 1;
      else if (key[mid] > k) hi = mid - 1;
      else return mid;
    }
    return REF_BROKEN;
  };
  const existingSponsorIds = new Set<number>();
  for (let r = 0; r < n; r++) {
    if (rows.sponsorKey[r] >= 0) rows.sponsor[r] = rowOfKey(rows.sponsorKey[r]);
    if (rows.parentKey[r] >= 0) rows.parent[r] = rowOfKey(rows.parentKey[r]);
    if (rows.sponsorId[r]) existingSponsorIds.add(rows.sponsorId[r]);
  }
  return [...existingSponsorIds];
}

/** Existing-member references -> their nodes; a parent outside the sponsor's placement downline is an issue. */
function resolveExistingRefs(rows: FileRows, existing: LoadedExisting, issues: ImportIssues) {
  for (let r = 0; r < rows.n; r++) {
    if (rows.sponsorId[r]) rows.sponsor[r] = existing.nodeOf.get(rows.sponsorId[r])!;
    if (rows.parentId[r]) {
      const node = existing.nodeOf.get(rows.parentId[r]);
      if (node === undefined) {
        issues.add(
          rows.line[r],
          'The placement parent must be the sponsor or in the sponsor’s placement downline.',
        );
        rows.parent[r] = REF_BROKEN;
      } else rows.parent[r] = node;
    }
  }
}

/** Step 1: check the whole file, compute the result, and store it in chunks (or reject with issues). */
export async function validateStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const t0 = Date.now();
  const imp = await records.importById<ImportRow>(db, GENEALOGY_IMPORT, importId);
  if (imp?.status !== 'VALIDATING') return;
  const settings = await loadSettings(db);
  const width = placementWidth(settings);
  const ps = await records.parts(db, GENEALOGY_IMPORT, importId);
  const lineOf = lineNumbering(imp.format, ps);
  const issues = new ImportIssues();
  addPartIssues(issues, ps, lineOf);
  const existingCount =
    (await db.prepare('SELECT count(*) AS n FROM distributor').first<{ n: number }>())?.n ?? 0;
  await uniquenessIssues(db, importId, lineOf, existingCount, issues);
  console.log(`import ${importId}: uniqueness checks in ${Date.now() - t0} ms`);

  const n = ps.reduce((s, p) => s + p.rows, 0);
  const monthOf = monthResolver(settings.timeZone);
  const rows = await readRows(db, importId, n, { lineOf, monthOf, existingCount, issues, rootRow: -1 });
  // Existing members: sponsors named by the file and their placement subtrees.
  const existing = await loadExisting(db, resolveFileRefs(rows), n);
  resolveExistingRefs(rows, existing, issues);
  console.log(`import ${importId}: checked and read ${n} rows in ${Date.now() - t0} ms`);

  const idBase = await reserveIdBase(db, importId);
  const { line, sponsor, parent, position, active, month, bad } = rows;
  const result = computeImport(
    {
      kind: settings.placementKind,
      width,
      rows: n,
      line,
      sponsor,
      parent,
      position,
      active,
      month,
      months: rows.monthIndex.size,
      bad,
      existing: existing.nodes,
    },
    idBase,
  );
  if (!result.ok || issues.count > 0) {
    if (!result.ok) for (const x of result.issues) issues.add(line[x.row], x.message);
    await records.reject(db, GENEALOGY_IMPORT, importId, issues.items, issues.count);
    return;
  }
  const t1 = Date.now();
  const chunks = planChunks(result.plan, rows.partNo, rows.lineInPart, [...rows.monthIndex.keys()], width);
  const t2 = Date.now();
  await storeChunks(db, importId, chunks);
  console.log(
    `import ${importId}: computed+read existing ${t1 - t0} ms, serialized ${t2 - t1} ms, stored ${chunks.length} chunks ${Date.now() - t2} ms`,
  );
  await sendStep(env, GENEALOGY_IMPORT, 'apply', importId);
}

interface LoadedExisting {
  nodes: ExistingNodes;
  nodeOf: Map<number, number>;
}

/** Loads the placement subtree of every existing sponsor (nested ones once) into typed arrays. */
async function loadExisting(db: D1Database, sponsorIds: number[], n: number): Promise<LoadedExisting> {
  const anchors: { id: number; sponsor_path: string; sponsor_depth: number; placement_path: string }[] = [];
  for (let k = 0; k < sponsorIds.length; k += 10_000) {
    const { results } = await db
      .prepare(
        'SELECT id, sponsor_path, sponsor_depth, placement_path FROM distributor WHERE id IN (SELECT value FROM json_each(?))',
      )
      .bind(JSON.stringify(sponsorIds.slice(k, k + 10_000)))
      .all<(typeof anchors)[number]>();
    anchors.push(...results);
  }
  const roots: string[] = [];
  for (const p of anchors.map((a) => a.placement_path).sort())
    if (!roots.length || !p.startsWith(roots[roots.length - 1])) roots.push(p);

  let ids: number[] = [];
  let parents: number[] = [];
  let positions: number[] = [];
  let depths: number[] = [];
  let teams: number[] = [];
  const nodeOf = new Map<number, number>();
  const rootPaths = new Map<number, string>();
  for (const root of roots) {
    let after = '';
    let first = true;
    for (;;) {
      const results = await db
        .prepare(
          `SELECT id, placement_parent_id, placement_position, placement_depth, placement_team_size, placement_path
           FROM distributor WHERE placement_path >= ?1 AND placement_path < ?2 AND (?3 OR placement_path > ?4)
           ORDER BY placement_path LIMIT ?5`,
        )
        .bind(root, root + '~', first ? 1 : 0, after, READ_CHUNK)
        .raw<[number, number | null, number | null, number, number, string]>();
      if (results.length === 0) break;
      for (const [id, pid, pos, depth, team, path] of results) {
        const node = n + ids.length;
        nodeOf.set(id, node);
        const p = pid == null ? undefined : nodeOf.get(pid);
        if (p === undefined) rootPaths.set(node, path);
        ids.push(id);
        parents.push(p ?? -1);
        positions.push(pos ?? -1);
        depths.push(depth);
        teams.push(team);
      }
      after = results[results.length - 1][5];
      first = false;
    }
  }
  const sponsors = new Map<number, { sponsorPath: string; sponsorDepth: number }>();
  for (const a of anchors)
    sponsors.set(nodeOf.get(a.id)!, { sponsorPath: a.sponsor_path, sponsorDepth: a.sponsor_depth });
  const nodes: ExistingNodes = {
    count: ids.length,
    id: Int32Array.from(ids),
    parent: Int32Array.from(parents),
    position: Int8Array.from(positions),
    placementDepth: Int32Array.from(depths),
    placementTeamSize: Int32Array.from(teams),
    rootPaths,
    sponsors,
  };
  ids = parents = positions = depths = teams = [];
  return { nodes, nodeOf };
}

/** Serializes the plan into chunks: distributors by placement depth, then counter rows, then existing deltas. */
function planChunks(
  plan: ImportPlan,
  partNo: Int32Array,
  lineInPart: Int32Array,
  months: string[],
  width: number,
): { kind: ChunkKind; payload: string }[] {
  const out: { kind: ChunkKind; payload: string }[] = [];
  const emit = (kind: ChunkKind, count: number, row: (k: number) => string) => {
    let buf: string[] = [];
    let size = 2;
    for (let k = 0; k < count; k++) {
      const s = row(k);
      if (buf.length && size + s.length + 1 > MAX_JSON_PARAM) {
        out.push({ kind, payload: `[${buf.join(',')}]` });
        buf = [];
        size = 2;
      }
      buf.push(s);
      size += s.length + 1;
    }
    if (buf.length) out.push({ kind, payload: `[${buf.join(',')}]` });
  };
  emit('distributor', plan.applyOrder.length, (k) => {
    const r = plan.applyOrder[k];
    const id = plan.idBase + r;
    const sp = plan.sponsorPath(r);
    const pp = plan.placementPath(r);
    const parentNode = plan.placementParent[r];
    // The sponsor's id: the path's second-to-last component ("1.5.9." -> 5).
    const end = sp.lastIndexOf('.', sp.length - 2);
    const sponsorId = plan.sponsorDepth[r] === 0 ? null : sp.slice(sp.lastIndexOf('.', end - 1) + 1, end);
    // A template, not JSON.stringify: every value is a number or a string of digits, letters and dots.
    return `[${partNo[r]},${lineInPart[r]},${id},${sponsorId ?? null},"${sp}",${plan.sponsorDepth[r]},${
      parentNode < 0 ? null : plan.idOf(parentNode)
    },${parentNode < 0 ? null : plan.placementPosition[r]},"${pp}",${plan.placementDepth[r]},${plan.childCount[r]},${
      plan.childCount[r] < width ? 1 : 0
    },${plan.teamSize[r]},${plan.teamActive[r]},${plan.placementTeamSize[r]},"${importedReferralCode(id)}"]`;
  });
  const lv = plan.levels;
  emit('level', lv.length / 3, (k) => `[${plan.idBase + lv[3 * k]},${lv[3 * k + 1]},${lv[3 * k + 2]}]`);
  // Joins come month by month; sorted by (ancestor, month) they insert at the end of the table's key order
  // instead of sweeping the whole table once per month. Counting sort by row, then months within a row.
  const js = plan.joins;
  const count = js.length / 3;
  const rowStart = new Int32Array(partNo.length + 1);
  for (let k = 0; k < count; k++) rowStart[js[3 * k] + 1]++;
  for (let r = 0; r < partNo.length; r++) rowStart[r + 1] += rowStart[r];
  const order = new Int32Array(count);
  const next = rowStart.slice(0, partNo.length);
  for (let k = 0; k < count; k++) order[next[js[3 * k]]++] = k;
  for (let r = 0; r < partNo.length; r++)
    for (let i = rowStart[r] + 1; i < rowStart[r + 1]; i++) {
      const k = order[i];
      let j = i - 1;
      while (j >= rowStart[r] && months[js[3 * order[j] + 1]] > months[js[3 * k + 1]]) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = k;
    }
  emit('join', count, (i) => {
    const k = order[i];
    return `[${plan.idBase + js[3 * k]},"${months[js[3 * k + 1]]}",${js[3 * k + 2]}]`;
  });
  const ex = plan.existing;
  const existing = (t: string, rows: unknown[]) => {
    for (const json of jsonChunks(rows))
      out.push({ kind: 'existing', payload: `{"t":"${t}","rows":${json}}` });
  };
  existing('team', ex.team);
  existing('placement', ex.placement);
  existing('path', ex.placementByPath);
  existing('level', ex.levels);
  existing(
    'join',
    ex.joins.map(([id, mo, c]) => [id, months[mo], c]),
  );
  return out;
}

const INSERT_DISTRIBUTORS = `INSERT INTO distributor (id, external_id, referral_code, first_name, last_name, search_name,
    email, phone, country, locale, status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id,
    placement_position, placement_path, placement_depth, placement_child_count, placement_open, team_size,
    team_active, placement_team_size, import_id, created_at, updated_at)
  SELECT j.value->>2, s.external_id, coalesce(s.referral_code, j.value->>15), s.first_name, s.last_name,
    s.search_name, s.email, s.phone, s.country, s.locale, s.status, s.joined_at, j.value->>3, j.value->>4,
    j.value->>5, j.value->>6, j.value->>7, j.value->>8, j.value->>9, j.value->>10, j.value->>11, j.value->>12,
    j.value->>13, j.value->>14, ?2, ?3, ?3
  -- jsonb: each row array is parsed once, not once per ->> (text JSON is re-parsed by every extraction).
  -- CROSS JOIN keeps jsonb_each outside: one primary-key lookup per row, not a scan of the staged rows.
  FROM jsonb_each(jsonb(?1)) j
  CROSS JOIN genealogy_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1`;

function chunkStatements(db: D1Database, imp: ImportRow, kind: ChunkKind, payload: string, width: number) {
  switch (kind) {
    case 'distributor':
      return [db.prepare(INSERT_DISTRIBUTORS).bind(payload, imp.id, nowIso())];
    case 'level':
      return [
        db
          .prepare(
            'INSERT INTO downline_level (ancestor_id, level, members) SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?))',
          )
          .bind(payload),
      ];
    case 'join':
      return [
        db
          .prepare(
            'INSERT INTO downline_joins (ancestor_id, month, members) SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?))',
          )
          .bind(payload),
      ];
    case 'existing': {
      const { t, rows } = JSON.parse(payload) as { t: string; rows: unknown[] };
      const json = JSON.stringify(rows);
      const sql = {
        team: `UPDATE distributor SET team_size = team_size + j.value->>1, team_active = team_active + j.value->>2
               FROM jsonb_each(jsonb(?1)) j WHERE distributor.id = j.value->>0`,
        placement: `UPDATE distributor SET placement_team_size = placement_team_size + j.value->>1,
                 placement_child_count = placement_child_count + j.value->>2,
                 placement_open = CASE WHEN placement_child_count + j.value->>2 < ?2 THEN 1 ELSE 0 END
               FROM jsonb_each(jsonb(?1)) j WHERE distributor.id = j.value->>0`,
        path: `UPDATE distributor SET placement_team_size = placement_team_size + j.value->>1
               FROM jsonb_each(jsonb(?1)) j WHERE distributor.placement_path = j.value->>0`,
        level: `INSERT INTO downline_level (ancestor_id, level, members)
                SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?1)) WHERE true
                ON CONFLICT (ancestor_id, level) DO UPDATE SET members = members + excluded.members`,
        join: `INSERT INTO downline_joins (ancestor_id, month, members)
               SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?1)) WHERE true
               ON CONFLICT (ancestor_id, month) DO UPDATE SET members = members + excluded.members`,
      }[t]!;
      const stmt = db.prepare(sql);
      return [t === 'placement' ? stmt.bind(json, width) : stmt.bind(json)];
    }
  }
}

/**
 * Step 2: applies the chunks in order, one batch each (chunk + its marker). The changes to existing
 * members and the DONE status go last, in one batch: until then a failure can be undone by deleting
 * this import's rows.
 */
export async function applyStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const imp = await records.importById<ImportRow>(db, GENEALOGY_IMPORT, importId);
  if (imp?.status !== 'APPLYING') return;
  const width = placementWidth(await loadSettings(db));
  const budget = applyBudget();
  const list = await chunkList(db, importId);
  if (imp.dropped_indexes == null && !list.some((c) => c.applied)) {
    const tb = Date.now();
    await dropIndexesForBulkLoad(db, importId);
    console.log(`import ${importId}: bulk-load check (indexes dropped if empty) in ${Date.now() - tb} ms`);
  }
  for (const c of list) {
    if (c.kind === 'existing' || c.applied) continue;
    if (!budget.hasTime()) return sendStep(env, GENEALOGY_IMPORT, 'apply', importId);
    const payload = await records.chunkPayload(db, GENEALOGY_IMPORT, importId, c.chunk_no);
    const tc = Date.now();
    await applyChunkOnce(db, GENEALOGY_IMPORT, importId, c.chunk_no, () => [
      ...markChunk(db, importId, c.chunk_no),
      ...chunkStatements(db, imp, c.kind, payload, width),
    ]);
    console.log(
      `import ${importId}: chunk ${c.chunk_no} (${c.kind}, ${payload.length} B) in ${Date.now() - tc} ms`,
    );
  }
  const tr = Date.now();
  await restoreIndexes(db, (await records.importById<ImportRow>(db, GENEALOGY_IMPORT, importId))!);
  console.log(`import ${importId}: indexes (re)built in ${Date.now() - tr} ms`);
  const final: D1PreparedStatement[] = [];
  for (const c of list) {
    if (c.kind !== 'existing') continue;
    final.push(
      ...markChunk(db, importId, c.chunk_no),
      ...chunkStatements(
        db,
        imp,
        c.kind,
        await records.chunkPayload(db, GENEALOGY_IMPORT, importId, c.chunk_no),
        width,
      ),
    );
  }
  final.push(
    db
      .prepare(
        `UPDATE genealogy_import SET status = 'DONE', finished_at = ?, step = 'apply', done = total,
           dropped_indexes = NULL
         WHERE id = ? AND status = 'APPLYING'`,
      )
      .bind(nowIso(), importId),
  );
  try {
    await db.batch(final);
  } catch (e) {
    if ((await records.importById<ImportRow>(db, GENEALOGY_IMPORT, importId))?.status === 'DONE') return;
    throw e;
  }
  await sendStep(env, GENEALOGY_IMPORT, 'cleanup', importId);
}

export async function cleanupStep(env: Env, importId: number): Promise<void> {
  const imp = await records.importById<ImportRow>(env.DB, GENEALOGY_IMPORT, importId);
  if (!imp || !isFinished(imp.status)) return;
  await restoreIndexes(env.DB, imp, true); // a safety net: DONE and FAILED have rebuilt them already
  await cleanup(env.DB, importId);
}

/** After the last attempt (or a conflict): undo what was written and mark the import FAILED. */
export async function failImport(env: Env, importId: number, e: unknown): Promise<void> {
  const imp = await records.importById<ImportRow>(env.DB, GENEALOGY_IMPORT, importId);
  if (!imp) return;
  const reason = failureReason(e);
  if (imp.status === 'APPLYING') await compensate(env.DB, imp, reason);
  else if (imp.status === 'VALIDATING') await failValidating(env.DB, GENEALOGY_IMPORT, importId, reason);
  await sendStep(env, GENEALOGY_IMPORT, 'cleanup', importId);
}
