// Step 1 of the genealogy import: check the whole file, compute the result, store it in chunks (or
// reject the file with line-numbered issues). May be delivered twice and still end in the same state.
import type { Env } from '../../../env';
import { loadSettings, placementWidth } from '../../company/settings';
import { monthResolver } from '../../imports/months';
import * as records from '../../imports/records';
import { addPartIssues, ImportIssues, lineNumbering, logImportStep, sendStep } from '../../imports/steps';
import { planChunks } from './chunks';
import { computeImport } from './compute';
import { loadExisting } from './existing';
import { readRows, resolveExistingRefs, resolveFileRefs } from './readRows';
import { type ImportRow, reserveIdBase, storeChunks } from './repository';
import { GENEALOGY_IMPORT } from './table';
import { uniquenessIssues } from './uniqueness';

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
  logImportStep(GENEALOGY_IMPORT, importId, 'validate.uniqueness', { ms: Date.now() - t0 });

  const n = ps.reduce((s, p) => s + p.rows, 0);
  const monthOf = monthResolver(settings.timeZone);
  const rows = await readRows(db, importId, n, { lineOf, monthOf, existingCount, issues, rootRow: -1 });
  // Existing members: sponsors named by the file and their placement subtrees.
  const existing = await loadExisting(db, resolveFileRefs(rows), n);
  resolveExistingRefs(rows, existing.nodeOf, issues);
  logImportStep(GENEALOGY_IMPORT, importId, 'validate.read', { rows: n, ms: Date.now() - t0 });

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
  logImportStep(GENEALOGY_IMPORT, importId, 'validate.chunks', {
    computeMs: t1 - t0,
    serializeMs: t2 - t1,
    storeMs: Date.now() - t2,
    chunks: chunks.length,
  });
  await sendStep(env, GENEALOGY_IMPORT, 'apply', importId);
}
