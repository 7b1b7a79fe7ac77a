// Checks of a whole contact file beyond its fields, and step 1 of the queued import: check the file and fix
// the chunks (or reject it with line-numbered issues). May be delivered twice and end in the same state.
import type { Env } from '../../../../env';
import { MAX_ISSUES } from '../../../imports/limits';
import * as records from '../../../imports/records';
import { addPartIssues, ImportIssues, lineNumbering, sendStep } from '../../../imports/steps';
import { chunkEnds, type ProspectImportRow, storeChunks } from './repository';
import { PROSPECT_IMPORT } from './table';

/** Contacts in one queued import: a whole company's migration, not a phone book. */
export const MAX_FILE_PROSPECTS = 100_000;
/** Prospects per chunk: one batch (with their search-index rows) well within D1's time per statement. */
export const PROSPECT_CHUNK = 2000;

/** The problems of a file as a whole (line 1): too many contacts, or none and no other problem. */
export function fileIssues(contacts: number, max: number, otherIssues: number) {
  const issues: { line: number; message: string }[] = [];
  if (contacts > max) issues.push({ line: 1, message: `${contacts} contacts; at most ${max} per file.` });
  if (contacts === 0 && otherIssues === 0) issues.push({ line: 1, message: 'No contacts in the file.' });
  return issues;
}

/** Step 1: the parts' issues and the file's; then the chunks (or REJECTED). */
export async function validateStep(env: Env, importId: number): Promise<void> {
  const db = env.DB;
  const imp = await records.importById<ProspectImportRow>(db, PROSPECT_IMPORT, importId);
  if (imp?.status !== 'VALIDATING') return;
  const ps = await records.parts(db, PROSPECT_IMPORT, importId);
  const issues = new ImportIssues(MAX_ISSUES);
  addPartIssues(issues, ps, lineNumbering(imp.format, ps));
  for (const i of fileIssues(imp.total_rows ?? 0, MAX_FILE_PROSPECTS, issues.count))
    issues.add(i.line, i.message);
  if (issues.count > 0) {
    await records.reject(db, PROSPECT_IMPORT, importId, issues.items, issues.count);
    return;
  }
  await storeChunks(db, importId, await chunkEnds(db, importId, PROSPECT_CHUNK));
  await sendStep(env, PROSPECT_IMPORT, 'apply', importId);
}
