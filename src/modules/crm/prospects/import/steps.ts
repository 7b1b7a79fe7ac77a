// Steps 2 and 3 of the prospect import and its compensation: apply the chunks, then DONE; clean up; take
// back a failed import. Every step may be delivered twice or die halfway and still end in the same state.
import type { Env } from '../../../../env';
import { nowIso } from '../../../../lib/db';
import * as records from '../../../imports/records';
import {
  applyBudget,
  applyChunkOnce,
  failureReason,
  failValidating,
  isFinished,
  sendStep,
} from '../../../imports/steps';
import { insertStatements } from '../repository';
import {
  chunkList,
  chunkProspects,
  cleanup,
  deleteImportedProspects,
  markChunk,
  markDone,
  markFailed,
  type ProspectImportRow,
} from './repository';
import { PROSPECT_IMPORT } from './table';

/** Chunks one apply message writes before handing over (Workers allow 1,000 queries per invocation). */
const APPLY_BUDGET_BATCHES = 150;

/** Step 2: writes each chunk once (its prospects with its marker, one batch); then DONE. */
export async function applyStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const budget = applyBudget(APPLY_BUDGET_BATCHES);
  const imp = await records.importById<ProspectImportRow>(db, PROSPECT_IMPORT, importId);
  if (imp?.status !== 'APPLYING') return;
  for (const c of await chunkList(db, importId)) {
    if (c.applied) continue;
    if (!budget.take()) return sendStep(env, PROSPECT_IMPORT, 'apply', importId);
    await applyChunkOnce(db, PROSPECT_IMPORT, importId, c.chunk_no, async () => [
      ...markChunk(db, importId, c.chunk_no),
      ...insertStatements(db, imp.owner_id, await chunkProspects(db, importId, c), imp.format, importId),
    ]);
  }
  await markDone(db, importId, nowIso());
  await sendStep(env, PROSPECT_IMPORT, 'cleanup', importId);
}

export async function cleanupStep(env: Env, importId: number): Promise<void> {
  const imp = await records.importById(env.DB, PROSPECT_IMPORT, importId);
  if (!imp || !isFinished(imp.status)) return;
  await cleanup(env.DB, importId);
}

/** After the last attempt (or a permanent failure): deletes the import's prospects and marks it FAILED. */
export async function failImport(env: Env, importId: number, e: unknown): Promise<void> {
  const db = env.DB;
  const imp = await records.importById(db, PROSPECT_IMPORT, importId);
  if (!imp) return;
  const reason = failureReason(e);
  if (imp.status === 'APPLYING') {
    await deleteImportedProspects(db, importId);
    await markFailed(db, importId, reason, nowIso());
  } else if (imp.status === 'VALIDATING') await failValidating(db, PROSPECT_IMPORT, importId, reason);
  await sendStep(env, PROSPECT_IMPORT, 'cleanup', importId);
}
