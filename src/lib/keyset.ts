import { ValidationError } from './errors';

// Keyset pagination: a cursor is the sort key of a row; the next page is the rows after that key.
// One helper for every connection, so that no connection ever uses OFFSET.

export type SortValue = string | number;

export function encodeCursor(values: SortValue[]): string {
  return btoa(JSON.stringify(values)).replace(/=+$/, '');
}

export function decodeCursor(cursor: string, arity: number): SortValue[] {
  try {
    const values = JSON.parse(atob(cursor)) as unknown;
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every((v) => typeof v === 'string' || typeof v === 'number')
    )
      return values;
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid cursor.', [
    {
      path: 'cursor',
      message: 'Use a cursor returned by this connection.',
      code: 'INVALID_FORMAT',
      params: { format: 'cursor' },
    },
  ]);
}

export interface KeysetPage {
  before?: string | null;
  after?: string | null;
  limit: number;
  inverted: boolean;
}

/**
 * SQL fragments for a keyset page over `columns` (a unique sort key) in `direction`.
 * Returns extra WHERE conditions with their parameters, the ORDER BY clause and LIMIT.
 */
export function keysetClauses(
  columns: string[],
  direction: 'ASC' | 'DESC',
  page: KeysetPage,
): { where: string[]; params: SortValue[]; orderBy: string; limit: number } {
  const where: string[] = [];
  const params: SortValue[] = [];
  const tuple = `(${columns.join(', ')})`;
  const marks = `(${columns.map(() => '?').join(', ')})`;
  const forward = direction === 'ASC' ? '>' : '<';
  const backward = direction === 'ASC' ? '<' : '>';
  if (page.after) {
    where.push(`${tuple} ${forward} ${marks}`);
    params.push(...decodeCursor(page.after, columns.length));
  }
  if (page.before) {
    where.push(`${tuple} ${backward} ${marks}`);
    params.push(...decodeCursor(page.before, columns.length));
  }
  const effective = page.inverted ? (direction === 'ASC' ? 'DESC' : 'ASC') : direction;
  return { where, params, orderBy: columns.map((c) => `${c} ${effective}`).join(', '), limit: page.limit };
}

/** Escapes a user's text for a LIKE pattern (with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The filter of a list page: SQL conditions (ANDed) and their parameters. */
export interface PageFilter {
  where: string[];
  params: SortValue[];
}

/**
 * One keyset page of `SELECT * FROM <from>` under a filter, ordered by `columns` (the last one unique):
 * the one way every list of the API reads a page.
 */
export async function selectPage<T>(
  db: D1Database,
  from: string,
  columns: string[],
  direction: 'ASC' | 'DESC',
  filter: PageFilter,
  page: KeysetPage,
): Promise<T[]> {
  const k = keysetClauses(columns, direction, page);
  const where = [...filter.where, ...k.where];
  const sql = `SELECT * FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${k.orderBy} LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(...filter.params, ...k.params, k.limit)
    .all<T>();
  return results;
}
