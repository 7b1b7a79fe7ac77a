import { atomic } from '../../../lib/db';
import { ImportRejectedError, ValidationError } from '../../../lib/errors';
import { type CreateProspect, createProspectSchema, type ProspectRow } from './model';
import { type ContactRecord, parseCsv, parseVcard } from './parse';
import { insertStatement, requireOwner } from './repository';

export const MAX_IMPORT_BYTES = 512 * 1024;
export const MAX_IMPORT_PROSPECTS = 2000;

export type ContactFormat = 'CSV' | 'VCARD';

/**
 * Imports a contact file into an owner's prospects: all or nothing. Any problem rejects the whole file with
 * every problem listed by line; nothing is written.
 */
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
  const { records, errors } = format === 'CSV' ? parseCsv(content) : parseVcard(content);
  const valid: CreateProspect[] = [];
  for (const rec of records) {
    const r = createProspectSchema.safeParse(toInput(rec));
    if (r.success) valid.push(r.data);
    else
      for (const issue of r.error.issues)
        errors.push({ line: rec.line, message: `${issue.path.join('.') || 'record'}: ${issue.message}` });
  }
  if (records.length > MAX_IMPORT_PROSPECTS)
    errors.push({
      line: 1,
      message: `${records.length} contacts; at most ${MAX_IMPORT_PROSPECTS} per file.`,
    });
  if (!records.length && !errors.length) errors.push({ line: 1, message: 'No contacts in the file.' });
  if (errors.length) {
    errors.sort((a, b) => a.line - b.line);
    throw new ImportRejectedError(`The file was not imported: ${errors.length} problem(s).`, errors);
  }
  const [res] = await atomic(db, [insertStatement(db, ownerId, valid, format)]);
  return res.results as ProspectRow[];
}

function toInput(rec: ContactRecord): Record<string, unknown> {
  const { line: _line, status, ...rest } = rec;
  return {
    ...rest,
    status: status
      ? status
          .trim()
          .toUpperCase()
          .replace(/[\s-]+/g, '_')
      : undefined,
  };
}
