// One way to run multi-row writes atomically, and to read many ids inside D1's parameter limit.

/** D1 allows 100 bound parameters per statement. */
export const D1_MAX_PARAMS = 100;

/**
 * Runs the statements as one D1 batch: a single transaction, all or nothing.
 * D1 has no interactive transactions; every multi-row write goes through here.
 */
export async function atomic(db: D1Database, statements: D1PreparedStatement[]): Promise<D1Result[]> {
  if (statements.length === 0) return [];
  return db.batch(statements);
}

/** Rows for a list of ids in one statement, whatever their number: one JSON parameter carries them all. */
export async function selectByIds<T>(
  db: D1Database,
  sqlWithJsonEach: string,
  ids: readonly (number | string)[],
): Promise<T[]> {
  if (ids.length === 0) return [];
  const { results } = await db.prepare(sqlWithJsonEach).bind(JSON.stringify(ids)).all<T>();
  return results;
}

export function nowIso(): string {
  return new Date().toISOString();
}
