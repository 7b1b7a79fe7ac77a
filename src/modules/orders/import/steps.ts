// Steps 2 and 3 of the order import and its compensation: apply the order chunks, then the volume chunks,
// then DONE; clean up; undo a failed import. Every step may be delivered twice or die halfway and still
// end in the same state.

import type { Env } from '../../../env';
import { atomic, nowIso } from '../../../lib/db';
import * as records from '../../imports/records';
import {
  applyBudget,
  applyChunkOnce,
  failureReason,
  failValidating,
  isFinished,
  isPermanent,
  type LineOf,
  lineNumbering,
  logImportStep,
  PermanentImportError,
  sendStep,
  statementTimes,
} from '../../imports/steps';
import { type CheckContext, checkOrder, loadCheckContext, refsOf, resolveStatement } from './check';
import { type CheckedChunk, CheckedChunks } from './checkedChunks';
import { CUSTOMERS_OF_CHUNK, ORDERS_OF_CHUNK, recountCohorts, SUBTRACT_SALES } from './reportCounters';
import {
  type ChunkInfo,
  chunkList,
  cleanup,
  markChunk,
  type OrderImportRow,
  replaceCheckedChunk,
  stagedPack,
} from './repository';
import { ORDER_IMPORT } from './table';
import { APPLY_VOLUME, computeVolumes } from './volumes';
import { MEMBERS_UNCHANGED, writeStatements } from './writeChecked';

/** Batches one apply message writes before handing over (Workers allow 1,000 queries per invocation). */
const APPLY_BUDGET_BATCHES = 150;
/**
 * Order chunks written in one batch when they were checked against the catalog of now: each batch has its own
 * round trip and commit (~10 ms on a quiet machine, ~40 ms under load), and three chunks (~25,000 orders, about
 * 0.4 s of SQL here) stay far inside D1's limits on a batch's time.
 */
const CHUNKS_PER_BATCH = 3;

/**
 * Checks one chunk's staged orders again, against the catalog and members of now (the chunk's context or a
 * member changed since validation); throws when one no longer passes, as validation would have refused it.
 */
async function checkAgain(
  db: D1Database,
  c: ChunkInfo,
  ctx: CheckContext,
  lineOf: LineOf,
  importId: number,
): Promise<CheckedChunk> {
  const pack = await stagedPack(db, importId, c.part_no!, c.pack!);
  const rows = pack.slice(c.first!, c.first! + c.count!);
  const [resolved] = await atomic(db, [resolveStatement(db, importId, c.part_no!, c.pack!)]);
  const refs = refsOf(resolved).slice(c.first!, c.first! + c.count!);
  const chunks = new CheckedChunks(c.part_no!, c.pack!, Number.POSITIVE_INFINITY);
  const issues: [number, string][] = [];
  rows.forEach((r, i) => {
    const checked = checkOrder(r, refs[i], ctx, issues);
    if (issues.length)
      throw new PermanentImportError(
        `Line ${lineOf(c.part_no!, issues[0][0])} changed since the file was validated: ${issues[0][1]}`,
      );
    chunks.add(c.first! + i, checked!, refs[i]);
  });
  return chunks.end()!;
}

/** Applies one order chunk with its marker (once, however often the message is delivered). */
async function applyOrderChunk(
  db: D1Database,
  importId: number,
  c: ChunkInfo,
  ctx: CheckContext,
  lineOf: LineOf,
) {
  const t0 = Date.now();
  const mark = markChunk(db, importId, c.chunk_no, c.kind);
  // As checked at validation, when the catalog, markets and periods are still those (the members are compared
  // in SQL, in the batch); otherwise, or when the members changed, checked again and written as checked now.
  let again = c.context !== ctx.digest;
  let named: [string, D1PreparedStatement][] = [];
  const batch = async () => {
    if (again) {
      const tCheck = Date.now();
      const checked = await checkAgain(db, c, ctx, lineOf, importId);
      const replace = replaceCheckedChunk(db, importId, c.chunk_no, checked, ctx.digest);
      checkMs += Date.now() - tCheck;
      named = [
        ['mark', mark[0]],
        ['mark', mark[1]],
        ...replace.map((s): [string, D1PreparedStatement] => ['checkAgain', s]),
        ...writeStatements(db, importId, c),
      ];
    } else {
      named = [
        ['mark', mark[0]],
        ['mark', mark[1]],
        ['members', db.prepare(MEMBERS_UNCHANGED).bind(importId, c.chunk_no)],
        ...writeStatements(db, importId, c),
      ];
    }
    tBatch = Date.now();
    return named.map(([, s]) => s);
  };
  let checkMs = 0;
  let tBatch = 0;
  let results: D1Result[];
  try {
    results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, batch);
  } catch (e) {
    if (again || isPermanent(e) === false) throw e;
    // A constraint failed: a member changed (or the ids did not hold): checked again, the reason named.
    again = true;
    results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, batch);
  }
  logImportStep(ORDER_IMPORT, importId, 'apply.orders', {
    chunk: c.chunk_no,
    orders: c.count ?? 0,
    again: again ? 1 : 0,
    ms: Date.now() - t0,
    // Checking the chunk again (when it was); the batch as the Worker waits for it.
    checkMs,
    batchMs: Date.now() - tBatch,
    ...statementTimes(
      results,
      named.map(([name]) => name),
    ),
  });
}

/**
 * Applies consecutive order chunks checked against the catalog of now in one batch, each with its marker and
 * member guard. When the batch fails (a member changed, or a duplicate delivery applied some of them
 * meanwhile), each chunk is applied on its own, which names the line or skips an applied chunk.
 */
async function applyOrderChunks(
  db: D1Database,
  importId: number,
  group: ChunkInfo[],
  ctx: CheckContext,
  lineOf: LineOf,
) {
  if (group.length === 1) return applyOrderChunk(db, importId, group[0], ctx, lineOf);
  const t0 = Date.now();
  const named = group.flatMap((c): [string, D1PreparedStatement][] => {
    const mark = markChunk(db, importId, c.chunk_no, c.kind);
    return [
      ['mark', mark[0]],
      ['mark', mark[1]],
      ['members', db.prepare(MEMBERS_UNCHANGED).bind(importId, c.chunk_no)],
      ...writeStatements(db, importId, c),
    ];
  });
  let results: D1Result[];
  try {
    results = await atomic(
      db,
      named.map(([, s]) => s),
    );
  } catch {
    for (const c of group) await applyOrderChunk(db, importId, c, ctx, lineOf);
    return;
  }
  logImportStep(ORDER_IMPORT, importId, 'apply.orders', {
    chunk: group[0].chunk_no,
    chunks: group.length,
    orders: group.reduce((sum, c) => sum + (c.count ?? 0), 0),
    again: 0,
    ms: Date.now() - t0,
    checkMs: 0,
    batchMs: Date.now() - t0,
    ...statementTimes(
      results,
      named.map(([name]) => name),
    ),
  });
}

/** The chunks still to apply, as batches: up to CHUNKS_PER_BATCH in a row checked against `digest`, others alone. */
function orderBatches(chunks: readonly ChunkInfo[], digest: string): ChunkInfo[][] {
  const out: ChunkInfo[][] = [];
  let group: ChunkInfo[] = [];
  for (const c of chunks) {
    if (c.kind !== 'orders' || c.applied) continue;
    if (c.context !== digest) {
      if (group.length) out.push(group);
      out.push([c]);
      group = [];
      continue;
    }
    group.push(c);
    if (group.length === CHUNKS_PER_BATCH) {
      out.push(group);
      group = [];
    }
  }
  if (group.length) out.push(group);
  return out;
}

/** Applies one volume chunk with its marker (once, however often the message is delivered). */
async function applyVolumeChunk(db: D1Database, importId: number, c: ChunkInfo) {
  const t0 = Date.now();
  const results = await applyChunkOnce(db, ORDER_IMPORT, importId, c.chunk_no, async () => [
    ...markChunk(db, importId, c.chunk_no, c.kind),
    db
      .prepare(APPLY_VOLUME)
      .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, 1),
  ]);
  logImportStep(ORDER_IMPORT, importId, 'apply.volume', {
    chunk: c.chunk_no,
    ms: Date.now() - t0,
    ...statementTimes(results, ['mark', 'mark', 'volume']),
  });
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
  for (const group of orderBatches(await chunkList(db, importId), ctx.digest)) {
    if (!budget.take()) return again();
    await applyOrderChunks(db, importId, group, ctx, lineOf);
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
    await applyVolumeChunk(db, importId, c);
  }
  await db
    .prepare(
      `UPDATE order_import SET status = 'DONE', finished_at = ?, done = total WHERE id = ? AND status = 'APPLYING'`,
    )
    .bind(nowIso(), importId)
    .run();
  await sendStep(env, ORDER_IMPORT, 'cleanup', importId);
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
      await atomic(db, [
        db
          .prepare('UPDATE order_import_chunk SET applied = applied - 1 WHERE import_id = ? AND chunk_no = ?')
          .bind(importId, c.chunk_no),
        db
          .prepare(APPLY_VOLUME)
          .bind(await records.chunkPayload(db, ORDER_IMPORT, importId, c.chunk_no), c.period, -1),
      ]);
    }
    // The import kept the report counters itself (reportCounters.ts): an applied chunk's sales leave with its
    // orders, and its customers' cohorts are counted again from the orders that remain, in the batch that also
    // lowers its marker (so a second delivery finds either the whole chunk or none of it).
    for (const c of await chunkList(db, importId)) {
      if (c.kind !== 'orders' || !c.applied) continue;
      const customers = await db.prepare(CUSTOMERS_OF_CHUNK).bind(importId, c.chunk_no).raw<[number]>();
      await atomic(db, [
        db.prepare(SUBTRACT_SALES).bind(importId, c.chunk_no),
        db.prepare(`DELETE FROM payment WHERE order_id IN (${ORDERS_OF_CHUNK})`).bind(importId, c.chunk_no),
        db
          .prepare(`DELETE FROM order_line WHERE order_id IN (${ORDERS_OF_CHUNK})`)
          .bind(importId, c.chunk_no),
        db.prepare(`DELETE FROM sales_order WHERE id IN (${ORDERS_OF_CHUNK})`).bind(importId, c.chunk_no),
        ...(customers.length ? recountCohorts(db, JSON.stringify(customers.map(([id]) => id))) : []),
        db
          .prepare('UPDATE order_import_chunk SET applied = 0 WHERE import_id = ? AND chunk_no = ?')
          .bind(importId, c.chunk_no),
      ]);
    }
    await db
      .prepare(
        `UPDATE order_import SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ? AND status = 'APPLYING'`,
      )
      .bind(reason, nowIso(), importId)
      .run();
  } else if (imp.status === 'VALIDATING') await failValidating(db, ORDER_IMPORT, importId, reason);
  await sendStep(env, ORDER_IMPORT, 'cleanup', importId);
}
