// Steps 2 and 3 of the genealogy import and its compensation: apply the chunks, clean up, undo a failed
// import. Every step may be delivered twice or die halfway and still end in the same state.
import type { Env } from '../../../env';
import { atomic, nowIso } from '../../../lib/db';
import { loadSettings, placementWidth } from '../../company/settings';
import * as records from '../../imports/records';
import {
  applyBudget,
  applyChunkOnce,
  failureReason,
  failValidating,
  isFinished,
  logImportStep,
  sendStep,
  statementTimes,
} from '../../imports/steps';
import { chunkStatements } from './chunks';
import {
  chunkList,
  chunkPayload,
  cleanup,
  compensate,
  dropIndexesForBulkLoad,
  type ImportRow,
  markChunk,
  restoreIndexes,
} from './repository';
import { GENEALOGY_IMPORT } from './table';

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
    // Indexes are dropped when the company is empty (a bulk load).
    logImportStep(GENEALOGY_IMPORT, importId, 'apply.bulkLoadCheck', { ms: Date.now() - tb });
  }
  for (const c of list) {
    if (c.kind === 'existing' || c.applied) continue;
    if (!budget.hasTime()) return sendStep(env, GENEALOGY_IMPORT, 'apply', importId);
    const payload = await chunkPayload(db, importId, c.chunk_no);
    const tc = Date.now();
    const results = await applyChunkOnce(db, GENEALOGY_IMPORT, importId, c.chunk_no, () => [
      ...markChunk(db, importId, c.chunk_no),
      ...chunkStatements(db, imp, c.kind, payload, width),
    ]);
    logImportStep(GENEALOGY_IMPORT, importId, `apply.${c.kind}`, {
      chunk: c.chunk_no,
      bytes: payload.length,
      ms: Date.now() - tc,
      ...statementTimes(results, ['mark', 'mark', 'insert']),
    });
  }
  const tr = Date.now();
  await restoreIndexes(db, (await records.importById<ImportRow>(db, GENEALOGY_IMPORT, importId))!);
  logImportStep(GENEALOGY_IMPORT, importId, 'apply.indexes', { ms: Date.now() - tr });
  const final: D1PreparedStatement[] = [];
  for (const c of list) {
    if (c.kind !== 'existing') continue;
    final.push(
      ...markChunk(db, importId, c.chunk_no),
      ...chunkStatements(db, imp, c.kind, await chunkPayload(db, importId, c.chunk_no), width),
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
    await atomic(db, final);
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
