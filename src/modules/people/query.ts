// People search: one FTS5 query. The caller's scope is part of the MATCH expression (an AND with the scope
// tokens), so that a distributor's search costs about the same in a company of a million as in a small one.
import { ForbiddenError, ValidationError } from '../../lib/errors';
import type { Viewer } from '../auth/viewer';
import { foldText, KIND_CODES, type PersonKind } from './sql';
import type { personFts } from './tables';

/** A hit: the index row's rowid and what is shown of it. */
export type PersonHitRow = { rowid: number } & Pick<
  typeof personFts.$inferSelect,
  'kind' | 'ref_id' | 'display' | 'email' | 'phone'
>;

const MAX_TERMS = 6;

/** The FTS5 expression for what the user typed: every word must match the start of a name/e-mail word. */
export function matchTerms(text: string): string {
  const q = foldText(text.normalize('NFC')).trim();
  // A phone number typed with spaces or punctuation is one number.
  if (/^\+?[\d\s().\-/]+$/.test(q)) {
    const digits = q.replace(/\D/g, '');
    if (digits.length < 3)
      throw new ValidationError('Type at least 3 digits of a phone number.', [
        { path: 'query', message: 'Too short.', code: 'TOO_SHORT' },
      ]);
    return `{contact} : "${digits}"*`;
  }
  const words = (q.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.toLowerCase());
  const useful = words.filter((w) => w.length >= 2);
  if (!useful.length)
    throw new ValidationError('Type at least 2 letters.', [
      { path: 'query', message: 'Too short.', code: 'TOO_SHORT' },
    ]);
  // One-letter words (initials) are left out: a one-letter prefix expands to a large part of the index.
  return useful
    .slice(0, MAX_TERMS)
    .map((w) => `{name contact} : "${w}"*`)
    .join(' AND ');
}

/** Scope tokens: what a distributor may see. Staff see everyone; other callers nobody. */
export function scopeTerms(viewer: Viewer, kinds: readonly PersonKind[] | null): string | null {
  const kindTerm =
    kinds && kinds.length < 4
      ? `{scope} : (${kinds.map((k) => `k${k[0].toLowerCase()}`).join(' OR ')})`
      : null;
  if (viewer.kind === 'ADMIN') return kindTerm;
  if (viewer.kind !== 'DISTRIBUTOR') throw new ForbiddenError('Only distributors and staff search people.');
  const id = viewer.distributorId;
  const mine = `{scope pscope} : (s${id} OR p${id} OR o${id})`;
  return kindTerm ? `${mine} AND ${kindTerm}` : mine;
}

export async function searchPeople(
  db: D1Database,
  viewer: Viewer,
  text: string,
  kinds: readonly PersonKind[] | null,
  page: { afterRowid: number | null; beforeRowid: number | null; limit: number; inverted: boolean },
): Promise<PersonHitRow[]> {
  if (text.length > 200)
    throw new ValidationError('Query too long.', [
      { path: 'query', message: 'At most 200 characters.', code: 'TOO_LONG', params: { max: 200 } },
    ]);
  const scope = scopeTerms(viewer, kinds);
  const match = scope ? `(${matchTerms(text)}) AND ${scope}` : matchTerms(text);
  const where = ['person_fts MATCH ?1'];
  const params: (string | number)[] = [match];
  if (page.afterRowid != null) {
    params.push(page.afterRowid);
    where.push(`rowid < ?${params.length}`);
  }
  if (page.beforeRowid != null) {
    params.push(page.beforeRowid);
    where.push(`rowid > ?${params.length}`);
  }
  params.push(page.limit);
  const { results } = await db
    .prepare(
      `SELECT rowid, kind, ref_id, display, email, phone FROM person_fts WHERE ${where.join(' AND ')}
       ORDER BY rowid ${page.inverted ? 'ASC' : 'DESC'} LIMIT ?${params.length}`,
    )
    .bind(...params)
    .all<PersonHitRow>();
  return results;
}

export { KIND_CODES };
