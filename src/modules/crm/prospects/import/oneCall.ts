// A small contact file in one call, all or nothing: read and checked by the import kind's own parse and
// file checks, written in one batch. Any problem rejects the whole file with every problem listed by line.
import { atomic } from '../../../../lib/db';
import { ImportRejectedError, ValidationError } from '../../../../lib/errors';
import { lineNumbering } from '../../../imports/steps';
import type { ProspectRow } from '../model';
import { insertStatements, requireOwner } from '../repository';
import { type ContactFormat, parsePart } from './parse';
import { fileIssues } from './validate';

export const MAX_IMPORT_BYTES = 512 * 1024;
export const MAX_IMPORT_PROSPECTS = 2000;

export async function importProspects(
  db: D1Database,
  ownerId: number,
  format: ContactFormat,
  content: string,
): Promise<ProspectRow[]> {
  const bytes = new TextEncoder().encode(content).length;
  if (bytes > MAX_IMPORT_BYTES)
    throw new ValidationError(`The file is too large (${bytes} bytes; at most ${MAX_IMPORT_BYTES}).`, [
      { path: 'content', message: 'Too large.', code: 'TOO_LARGE' },
    ]);
  await requireOwner(db, ownerId);
  const part = parsePart(format, content);
  // The file is its own only part: its lines are the file's.
  const lineOf = lineNumbering(format, [{ part_no: 1, lines: part.lines }]);
  const issues = part.issues.map(([line, message]) => ({ line: lineOf(1, line), message }));
  issues.push(...fileIssues(part.records, MAX_IMPORT_PROSPECTS, issues.length));
  if (issues.length) {
    issues.sort((a, b) => a.line - b.line);
    throw new ImportRejectedError(`The file was not imported: ${issues.length} problem(s).`, issues);
  }
  const written = await atomic(
    db,
    insertStatements(
      db,
      ownerId,
      part.rows.map((r) => r.prospect),
      format,
    ),
  );
  return written.flatMap((r) => r.results as ProspectRow[]);
}
