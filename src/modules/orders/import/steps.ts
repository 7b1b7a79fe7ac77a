// The queued steps of an order import: validate (check the whole file, fix the chunks), apply (order
// chunks, then the volume deltas computed once in typed arrays, then DONE), cleanup. Every step may be
// delivered twice or die halfway and still end in the same state.
import type { Env } from '../../../env';
import { nowIso } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { LINE_KEY, MAX_ISSUES } from '../../imports/limits';
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
  PermanentImportError,
  sendStep,
} from '../../imports/steps';
import {
  type CheckContext,
  checkOrder,
  END,
  loadCheckContext,
  type OrderPayload,
  readResolved,
} from './check';
import {
  type ChunkInfo,
  chunkList,
  cleanup,
  markChunk,
  type OrderChunkRange,
  type OrderImportRow,
  storeOrderChunks,
} from './repository';
import { buildTree, type PeriodDeltas, rollUp, type SponsorTree } from './rollup';
import { ORDER_IMPORT } from './table';

/** Orders per chunk: one keyset page at validation, one batch when applied (payload well under 2 MB). */
export const ORDER_CHUNK = 10_000;
const READ_CHUNK = 100_000;
/** Largest volume payload per chunk (characters). */
const VOLUME_JSON = 1_500_000;
/** Batches one apply message writes before handing over (Workers allow 1,000 queries per invocation). */
const APPLY_BUDGET_BATCHES = 150;
/** Issues kept in memory while checking (all are counted). */
const KEEP_ISSUES = 20 * MAX_ISSUES;

const DUPLICATES_IN_FILE = `
  SELECT part_no, line, external_id, first FROM (
    SELECT part_no, line, external_id, min(part_no * ${LINE_KEY} + line) OVER w AS first, count(*) OVER w AS c
    FROM order_import_row WHERE import_id = ?1
    WINDOW w AS (PARTITION BY external_id)
  ) WHERE c > 1 AND part_no * ${LINE_KEY} + line != first ORDER BY part_no, line LIMIT ?2`;

const TAKEN_BY_EXISTING = `
  SELECT r.part_no, r.line, r.external_id FROM order_import_row r
  JOIN sales_order o ON o.external_id = r.external_id
  WHERE r.import_id = ?1 ORDER BY r.part_no, r.line LIMIT ?2`;

/** Step 1: check the whole file; store the chunk ranges (or reject with line-numbered issues). */
export async function validateStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const t0 = Date.now();
  const imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (imp?.status !== 'VALIDATING') return;
  const ps = await records.parts(db, ORDER_IMPORT, importId);
  const lineOf = lineNumbering(imp.format, ps);
  const issues = new ImportIssues(KEEP_ISSUES);
  addPartIssues(issues, ps, lineOf);
  const q = JSON.stringify;
  const dups = await db
    .prepare(DUPLICATES_IN_FILE)
    .bind(importId, KEEP_ISSUES)
    .raw<[number, number, string, number]>();
  for (const [part, line, ext, first] of dups)
    issues.add(
      lineOf(part, line),
      `Duplicate externalId ${q(ext)} (first on line ${lineOfKey(lineOf, first)}).`,
    );
  const anyExternal = await db
    .prepare('SELECT 1 FROM sales_order WHERE external_id IS NOT NULL LIMIT 1')
    .first();
  if (anyExternal) {
    const taken = await db
      .prepare(TAKEN_BY_EXISTING)
      .bind(importId, KEEP_ISSUES)
      .raw<[number, number, string]>();
    for (const [part, line, ext] of taken)
      issues.add(lineOf(part, line), `An order with externalId ${q(ext)} exists already.`);
  }

  const tDup = Date.now();
  const ctx = await loadCheckContext(db);
  const n = ps.reduce((s, p) => s + p.rows, 0);
  await records.setProgress(db, ORDER_IMPORT, importId, 'validate', 0, n);
  const ranges: OrderChunkRange[] = [];
  let from: [number, number] = [0, 0];
  let read = 0;
  const rowIssues: [number, string][] = [];
  for (;;) {
    const rows = await readResolved(db, importId, from, [END, END], ORDER_CHUNK);
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r[2]) continue; // field errors, reported from its part
      rowIssues.length = 0;
      checkOrder(r, ctx, rowIssues);
      for (const [line, message] of rowIssues) issues.add(lineOf(r[0], line), message);
    }
    const last = rows[rows.length - 1];
    ranges.push({ fromPart: from[0], fromLine: from[1], toPart: last[0], toLine: last[1] });
    from = [last[0], last[1]];
    read += rows.length;
    // Every tenth page: a message holds at most 1,000 queries, and a big file has hundreds of pages.
    if (ranges.length % 10 === 0) await records.setProgress(db, ORDER_IMPORT, importId, 'validate', read, n);
  }
  console.log(
    `order import ${importId}: duplicates checked in ${tDup - t0} ms, ${read} orders read and checked in ${Date.now() - tDup} ms`,
  );
  if (issues.count > 0) {
    await records.reject(db, ORDER_IMPORT, importId, issues.items, issues.count);
    return;
  }
  await storeOrderChunks(db, importId, ranges);
  await sendStep(env, ORDER_IMPORT, 'apply', importId);
}

const INSERT_ORDERS = `INSERT INTO sales_order (kind, distributor_id, customer_id, status, currency, total, qv, cv,
    created_by, created_at, paid_at, period, payment_reference, cancelled_at, external_id, import_id)
  SELECT j.value->>4, j.value->>2, j.value->>3, s.status, j.value->>5, j.value->>6, j.value->>7, j.value->>8,
    ?3, s.created_at, s.paid_at, j.value->>9, s.reference, CASE s.status WHEN 'CANCELLED' THEN s.created_at END,
    s.external_id, ?2
  -- CROSS JOIN keeps json_each outside: one primary-key lookup per order.
  FROM json_each(?1) j
  CROSS JOIN order_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1`;

// Lines take the catalog as checked in the same message (prices and unit volumes unless the file gives them).
const INSERT_LINES = `INSERT INTO order_line (order_id, product_id, sku, quantity, unit_price, unit_retail, unit_wholesale,
    unit_qv, unit_cv, is_starter_kit)
  SELECT o.id, p.id, p.sku, l.value->>1,
    coalesce(l.value->>2, CASE o.kind WHEN 'CUSTOMER' THEN pr.retail ELSE pr.wholesale END), pr.retail, pr.wholesale,
    coalesce(l.value->>3, p.qv), coalesce(l.value->>4, p.cv), p.is_starter_kit
  FROM json_each(?1) j
  CROSS JOIN order_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1
  CROSS JOIN sales_order o ON o.external_id = s.external_id
  CROSS JOIN json_each(s.lines) l
  CROSS JOIN product p ON p.sku = l.value->>0
  CROSS JOIN product_price pr ON pr.product_id = p.id AND pr.currency = o.currency
  ORDER BY j.key, l.key`;

const INSERT_PAYMENTS = `INSERT INTO payment (order_id, paid_at, reference, recorded_by, created_at)
  SELECT o.id, o.paid_at, o.payment_reference, ?3, ?4
  FROM json_each(?1) j
  CROSS JOIN order_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1
  CROSS JOIN sales_order o ON o.external_id = s.external_id
  WHERE s.status = 'PAID'`;

const SUM_VOLUME = `INSERT INTO order_import_volume (import_id, period, distributor_id, pv, cv, customer_pv, customer_cv)
  SELECT ?2, value->>9, value->>2, sum(value->>7), sum(value->>8),
    sum(CASE value->>4 WHEN 'CUSTOMER' THEN value->>7 ELSE 0 END),
    sum(CASE value->>4 WHEN 'CUSTOMER' THEN value->>8 ELSE 0 END)
  FROM json_each(?1) WHERE value->>9 IS NOT NULL GROUP BY value->>9, value->>2
  ON CONFLICT (import_id, period, distributor_id) DO UPDATE SET pv = pv + excluded.pv, cv = cv + excluded.cv,
    customer_pv = customer_pv + excluded.customer_pv, customer_cv = customer_cv + excluded.customer_cv`;

/** Rechecks one chunk's orders and returns the statements writing them. */
async function orderChunkStatements(
  db: D1Database,
  imp: OrderImportRow,
  c: ChunkInfo,
  ctx: CheckContext,
  lineOf: LineOf,
): Promise<D1PreparedStatement[]> {
  const t0 = Date.now();
  const rows = await readResolved(db, imp.id, [c.from_part!, c.from_line!], [c.to_part!, c.to_line!], END);
  const tRead = Date.now() - t0;
  const payload: OrderPayload[] = [];
  const issues: [number, string][] = [];
  for (const r of rows) {
    const p = checkOrder(r, ctx, issues);
    if (issues.length)
      throw new PermanentImportError(
        `Line ${lineOf(r[0], issues[0][0])} changed since the file was validated: ${issues[0][1]}`,
      );
    payload.push(p!);
  }
  const json = JSON.stringify(payload);
  console.log(
    `order import ${imp.id}: chunk ${c.chunk_no} read in ${tRead} ms, checked in ${Date.now() - t0 - tRead} ms`,
  );
  const actor = `import:${imp.id}`;
  return [
    db.prepare(INSERT_ORDERS).bind(json, imp.id, actor),
    db.prepare(INSERT_LINES).bind(json, imp.id),
    db.prepare(INSERT_PAYMENTS).bind(json, imp.id, actor, nowIso()),
    db.prepare(SUM_VOLUME).bind(json, imp.id),
  ];
}

const APPLY_VOLUME = `INSERT INTO volume (distributor_id, period, pv, cv, customer_pv, customer_cv, gv, gcv,
    qualified_downline)
  SELECT value->>0, ?2, ?3 * (value->>1), ?3 * (value->>2), ?3 * (value->>3), ?3 * (value->>4), ?3 * (value->>5),
    ?3 * (value->>6), ?3 * (value->>7)
  FROM json_each(?1) WHERE true
  ON CONFLICT (distributor_id, period) DO UPDATE SET pv = pv + excluded.pv, cv = cv + excluded.cv,
    customer_pv = customer_pv + excluded.customer_pv, customer_cv = customer_cv + excluded.customer_cv,
    gv = gv + excluded.gv, gcv = gcv + excluded.gcv, qualified_downline = qualified_downline + excluded.qualified_downline`;

/** Applies one chunk with its marker (once, however often the message is delivered). */
async function applyChunk(
  db: D1Database,
  importId: number,
  c: ChunkInfo,
  statements: () => Promise<D1PreparedStatement[]>,
) {
  const t0 = Date.now();
  await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, async () => [
    ...markChunk(db, importId, c.chunk_no, c.kind),
    ...(await statements()),
  ]);
  console.log(`order import ${importId}: ${c.kind} chunk ${c.chunk_no} written in ${Date.now() - t0} ms`);
}

/**
 * Step 2: applies the order chunks (each a batch with its marker), computes the volume deltas once they
 * are all in, applies those, and ends DONE. Hands over to a fresh message when its time budget is spent.
 */
export async function applyStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const budget = applyBudget(APPLY_BUDGET_BATCHES);
  let imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (imp?.status !== 'APPLYING') return;
  const again = () => sendStep(env, ORDER_IMPORT, 'apply', importId);
  const ctx = await loadCheckContext(db);
  const lineOf = lineNumbering(imp.format, await records.parts(db, ORDER_IMPORT, importId));
  for (const c of await chunkList(db, importId)) {
    if (c.kind !== 'orders' || c.applied) continue;
    if (!budget.take()) return again();
    await applyChunk(db, importId, c, () => orderChunkStatements(db, imp!, c, ctx, lineOf));
  }
  if (imp.volume_chunks == null) {
    if (!budget.hasTime(0.5)) return again();
    await computeVolumes(db, imp);
    imp = (await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId))!;
  }
  const last = imp.order_chunks! + imp.volume_chunks!;
  for (const c of await chunkList(db, importId)) {
    if (c.kind !== 'volume' || c.applied || c.chunk_no >= last) continue;
    if (!budget.take()) return again();
    await applyChunk(db, importId, c, async () => [
      db
        .prepare(APPLY_VOLUME)
        .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, 1),
    ]);
  }
  await db
    .prepare(
      `UPDATE order_import SET status = 'DONE', finished_at = ?, done = total WHERE id = ? AND status = 'APPLYING'`,
    )
    .bind(nowIso(), importId)
    .run();
  await sendStep(env, ORDER_IMPORT, 'cleanup', importId);
}

/** The whole sponsor tree in typed arrays, read in keyset chunks. */
async function loadTree(db: D1Database): Promise<{ tree: SponsorTree; indexOf: Int32Array }> {
  const stats = await db
    .prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS maxId FROM distributor')
    .first<{ n: number; maxId: number }>();
  const n = stats!.n;
  const ids = new Int32Array(n);
  const sponsors = new Int32Array(n);
  const depths = new Int32Array(n);
  const indexOf = new Int32Array(stats!.maxId + 1).fill(-1);
  let i = 0;
  let after = 0;
  while (i < n) {
    const rows = await db
      .prepare(
        'SELECT id, coalesce(sponsor_id, 0), sponsor_depth FROM distributor WHERE id > ? ORDER BY id LIMIT ?',
      )
      .bind(after, READ_CHUNK)
      .raw<[number, number, number]>();
    if (rows.length === 0) break;
    for (const [id, sponsor, depth] of rows) {
      if (i >= n || id >= indexOf.length)
        throw new Error('Members were enrolled while the import computed volumes.');
      ids[i] = id;
      sponsors[i] = sponsor;
      depths[i] = depth;
      indexOf[id] = i++;
    }
    after = rows[rows.length - 1][0];
  }
  const tree = buildTree(
    ids.subarray(0, i),
    sponsors.subarray(0, i),
    depths.subarray(0, i),
    (id) => indexOf[id],
  );
  return { tree, indexOf };
}

/** Own volume per member of one period, with their PV before the import, in keyset chunks. */
async function loadDeltas(
  db: D1Database,
  importId: number,
  period: string,
  indexOf: Int32Array,
): Promise<PeriodDeltas> {
  const index: number[] = [];
  const cols: number[][] = [[], [], [], [], []];
  let after = 0;
  for (;;) {
    const rows = await db
      .prepare(
        `SELECT s.distributor_id, s.pv, s.cv, s.customer_pv, s.customer_cv, coalesce(v.pv, 0)
         FROM order_import_volume s LEFT JOIN volume v ON v.distributor_id = s.distributor_id AND v.period = s.period
         WHERE s.import_id = ?1 AND s.period = ?2 AND s.distributor_id > ?3 ORDER BY s.distributor_id LIMIT ?4`,
      )
      .bind(importId, period, after, READ_CHUNK)
      .raw<[number, number, number, number, number, number]>();
    if (rows.length === 0) break;
    for (const r of rows) {
      index.push(indexOf[r[0]]);
      for (let k = 0; k < 5; k++) cols[k].push(r[k + 1]);
    }
    after = rows[rows.length - 1][0];
  }
  return {
    index: Int32Array.from(index),
    pv: Float64Array.from(cols[0]),
    cv: Float64Array.from(cols[1]),
    customerPv: Float64Array.from(cols[2]),
    customerCv: Float64Array.from(cols[3]),
    oldPv: Float64Array.from(cols[4]),
  };
}

/**
 * Rolls the imported own volume up the sponsor tree, period by period, and stores the deltas as volume
 * chunks. Deterministic chunk numbers and ON CONFLICT DO NOTHING: a duplicate run changes nothing.
 */
async function computeVolumes(db: D1Database, imp: OrderImportRow): Promise<void> {
  const t0 = Date.now();
  const settings = await loadSettings(db);
  const { tree, indexOf } = await loadTree(db);
  console.log(`order import ${imp.id}: sponsor tree of ${tree.size} read in ${Date.now() - t0} ms`);
  const { results: periods } = await db
    .prepare('SELECT DISTINCT period FROM order_import_volume WHERE import_id = ? ORDER BY period')
    .bind(imp.id)
    .all<{ period: string }>();
  const insert = db.prepare(
    `INSERT INTO order_import_chunk (import_id, chunk_no, kind, period, payload) VALUES (?, ?, 'volume', ?, ?)
     ON CONFLICT (import_id, chunk_no) DO NOTHING`,
  );
  let chunkNo = imp.order_chunks!;
  let pending: D1PreparedStatement[] = [];
  const flushPending = async (force: boolean) => {
    if (pending.length >= 4 || (force && pending.length)) {
      await db.batch(pending);
      pending = [];
    }
  };
  for (const { period } of periods) {
    const tp = Date.now();
    const deltas = await loadDeltas(db, imp.id, period, indexOf);
    const tr = Date.now();
    let buf: string[] = [];
    let size = 2;
    const first = chunkNo;
    const store = async () => {
      pending.push(insert.bind(imp.id, chunkNo++, period, `[${buf.join(',')}]`));
      buf = [];
      size = 2;
      await flushPending(false);
    };
    for (const row of rollUp(tree, deltas, settings.activePv)) {
      const s = JSON.stringify(row);
      if (buf.length && size + s.length + 1 > VOLUME_JSON) await store();
      buf.push(s);
      size += s.length + 1;
    }
    if (buf.length) await store();
    console.log(
      `order import ${imp.id}: ${period}: ${deltas.index.length} members' deltas read in ${tr - tp} ms, rolled up and ${chunkNo - first} chunks stored in ${Date.now() - tr} ms`,
    );
  }
  await flushPending(true);
  const count = chunkNo - imp.order_chunks!;
  await db
    .prepare(
      `UPDATE order_import SET volume_chunks = ?, step = 'volumes', done = 0, total = ?
       WHERE id = ? AND volume_chunks IS NULL`,
    )
    .bind(count, count, imp.id)
    .run();
}

export async function cleanupStep(env: Env, importId: number): Promise<void> {
  const imp = await records.importById<OrderImportRow>(env.DB, ORDER_IMPORT, importId);
  if (!imp || !isFinished(imp.status)) return;
  await cleanup(env.DB, importId);
}

/**
 * After the last attempt (or a permanent failure): takes back the applied volume chunks, deletes the
 * import's orders, and marks the import FAILED.
 */
export async function failImport(env: Env, importId: number, e: unknown): Promise<void> {
  const db = env.DB;
  const imp = await records.importById<OrderImportRow>(db, ORDER_IMPORT, importId);
  if (!imp) return;
  const reason = failureReason(e);
  if (imp.status === 'APPLYING') {
    for (const c of await chunkList(db, importId)) {
      if (c.kind !== 'volume' || !c.applied) continue;
      await db.batch([
        db
          .prepare('UPDATE order_import_chunk SET applied = applied - 1 WHERE import_id = ? AND chunk_no = ?')
          .bind(importId, c.chunk_no),
        db
          .prepare(APPLY_VOLUME)
          .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, -1),
      ]);
    }
    const ofImport = `SELECT o.id FROM order_import_row r CROSS JOIN sales_order o ON o.external_id = r.external_id
      WHERE r.import_id = ?1 AND r.part_no = ?2 AND o.import_id = ?1`;
    for (const p of await records.parts(db, ORDER_IMPORT, importId))
      await db.batch([
        db.prepare(`DELETE FROM payment WHERE order_id IN (${ofImport})`).bind(importId, p.part_no),
        db.prepare(`DELETE FROM order_line WHERE order_id IN (${ofImport})`).bind(importId, p.part_no),
        db.prepare(`DELETE FROM sales_order WHERE id IN (${ofImport})`).bind(importId, p.part_no),
      ]);
    await db
      .prepare(
        `UPDATE order_import SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ? AND status = 'APPLYING'`,
      )
      .bind(reason, nowIso(), importId)
      .run();
  } else if (imp.status === 'VALIDATING') await failValidating(db, ORDER_IMPORT, importId, reason);
  await sendStep(env, ORDER_IMPORT, 'cleanup', importId);
}
