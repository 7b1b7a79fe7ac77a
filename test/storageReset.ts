// Puts D1 and R2 back to the state right after the migrations, for test files that share one workerd
// (vitest `isolate: false`: one Miniflare and one module graph for many files, instead of one each).
// Deleting every row and re-inserting the few the migrations seed takes milliseconds; a new Miniflare,
// the worker's modules and 20-odd migrations took about two seconds a file.

/** The rows the migrations leave, table by table (sqlite_sequence included, so ids start where they did). */
export type StorageSeed = { tables: string[]; rows: Map<string, Record<string, unknown>[]> };

type Table = { name: string; sql: string | null };

async function tablesOf(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations'`,
    )
    .all<Table>();
  // An FTS5 table keeps its data in shadow tables named after it; they follow their table and are not touched.
  const virtual = results.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? '')).map((t) => t.name);
  const own = results.filter((t) => !virtual.some((v) => t.name.startsWith(`${v}_`))).map((t) => t.name);
  // Virtual tables last: deleting a customer deletes its search row through a trigger.
  return [...own.filter((t) => !virtual.includes(t)), ...virtual];
}

async function virtualTablesOf(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'`)
    .all<{ name: string }>();
  return results.map((r) => r.name);
}

/** Reads what the migrations seeded; call once, right after applying them. */
export async function seedOf(db: D1Database): Promise<StorageSeed> {
  const tables = await tablesOf(db);
  const rows = new Map<string, Record<string, unknown>[]>();
  for (const table of [...tables, 'sqlite_sequence']) {
    const { results } = await db.prepare(`SELECT * FROM "${table}"`).all<Record<string, unknown>>();
    if (results.length > 0) rows.set(table, results);
  }
  return { tables, rows };
}

function insertsOf(db: D1Database, table: string, rows: Record<string, unknown>[]): D1PreparedStatement[] {
  return rows.map((row) => {
    const columns = Object.keys(row);
    const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    return db.prepare(sql).bind(...columns.map((c) => row[c]));
  });
}

/** Empties every table and the bucket, then puts the seeded rows back, in one batch (one transaction). */
export async function restoreStorage(db: D1Database, files: R2Bucket, seed: StorageSeed): Promise<void> {
  const tables = await tablesOf(db);
  const created = tables.filter((t) => !seed.tables.includes(t));
  if (created.length > 0) throw new Error(`tables created after the migrations: ${created.join(', ')}`);
  const virtual = await virtualTablesOf(db);
  const own = tables.filter((t) => !virtual.includes(t));
  // Twice: a trigger on one table's delete may write a row into a table emptied before it (a counter).
  const deletes = tables.map((t) => db.prepare(`DELETE FROM "${t}"`));
  const statements = [
    db.prepare('PRAGMA defer_foreign_keys = ON'),
    ...deletes,
    ...deletes,
    db.prepare('DELETE FROM sqlite_sequence'),
    ...own.flatMap((t) => insertsOf(db, t, seed.rows.get(t) ?? [])),
    // The seeded rows' triggers wrote search rows again: the seeded search rows replace them.
    ...virtual.map((t) => db.prepare(`DELETE FROM "${t}"`)),
    ...virtual.flatMap((t) => insertsOf(db, t, seed.rows.get(t) ?? [])),
    ...insertsOf(db, 'sqlite_sequence', seed.rows.get('sqlite_sequence') ?? []),
  ];
  await db.batch(statements);
  await assertSeeded(db, tables, seed);
  await emptyBucket(files);
}

/** Every table holds as many rows as the migrations left: a reset that leaves rows behind fails loudly. */
async function assertSeeded(db: D1Database, tables: string[], seed: StorageSeed): Promise<void> {
  const counted = await db.batch<{ n: number }>(
    tables.map((t) => db.prepare(`SELECT count(*) AS n FROM "${t}"`)),
  );
  const wrong = tables
    .map((name, i) => ({ name, n: counted[i].results[0].n }))
    .filter((r) => r.n !== (seed.rows.get(r.name)?.length ?? 0));
  if (wrong.length > 0)
    throw new Error(`storage reset left rows in ${wrong.map((r) => `${r.name} (${r.n})`).join(', ')}`);
}

async function emptyBucket(bucket: R2Bucket): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor, limit: 1000 });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
