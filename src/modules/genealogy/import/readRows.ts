// Reading a genealogy file's staged rows into typed arrays, with their references resolved to rows of
// the file or to existing distributors.
import { LINE_KEY } from '../../imports/limits';
import * as records from '../../imports/records';
import type { ImportIssues, LineOf } from '../../imports/steps';
import { REF_BROKEN, REF_NONE } from './compute';
import { GENEALOGY_IMPORT } from './table';

/** Rows read between progress updates. */
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

/** The file's rows in typed arrays (index = file order), as computeImport takes them. */
export interface FileRows {
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
 * cost several times what the same rows as one string per few thousand do. Without existing members
 * (a bulk load) the lookups of references among them are left out: two per row.
 */
async function readPage(
  db: D1Database,
  importId: number,
  after: [number, number],
  limit: number,
  existing: boolean,
) {
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
           ${existing ? '(SELECT d.id FROM distributor d WHERE d.external_id = r.sponsor_ext)' : 'NULL'} AS sid,
           (SELECT s.part_no * ${LINE_KEY} + s.line FROM genealogy_import_row s
             WHERE s.import_id = r.import_id AND s.external_id = r.parent_ext ORDER BY s.part_no, s.line LIMIT 1) AS pref,
           ${existing ? '(SELECT d.id FROM distributor d WHERE d.external_id = r.parent_ext)' : 'NULL'} AS pid
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
export async function readRows(
  db: D1Database,
  importId: number,
  n: number,
  cx: ReadContext,
): Promise<FileRows> {
  await records.setProgress(db, GENEALOGY_IMPORT, importId, 'validate', 0, n);
  const rows = fileRows(n);
  let i = 0;
  let after: [number, number] = [0, 0];
  let rowsPerRead = ROWS_PER_READ;
  let progressAt = 0;
  while (i < n) {
    let page: ReadRow[];
    try {
      page = await readPage(db, importId, after, rowsPerRead, cx.existingCount > 0);
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
export function resolveFileRefs(rows: FileRows): number[] {
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
export function resolveExistingRefs(rows: FileRows, nodeOf: Map<number, number>, issues: ImportIssues) {
  for (let r = 0; r < rows.n; r++) {
    if (rows.sponsorId[r]) rows.sponsor[r] = nodeOf.get(rows.sponsorId[r])!;
    if (rows.parentId[r]) {
      const node = nodeOf.get(rows.parentId[r]);
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
