// The drizzle tables (src/modules/*/tables.ts) are the typed model of the hand-written migrations. This
// compares the two on the migrated D1, so that neither can change without the other: every table on both
// sides, and per column its name, declared type, NOT NULL, default, primary-key position, reference and
// the values a CHECK (column IN (...)) allows.
import { env } from 'cloudflare:test';
import { getTableColumns, is } from 'drizzle-orm';
import {
  getTableConfig,
  integer,
  primaryKey,
  type SQLiteColumn,
  SQLiteTable,
  sqliteTable,
  text,
} from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';

/** Every table module, found by name: a new module's tables.ts is checked without being listed here. */
const modules = import.meta.glob<Record<string, unknown>>('../../src/modules/**/tables.ts', { eager: true });
const drizzleTables = Object.values(modules).flatMap((m) =>
  Object.values(m).filter((v): v is SQLiteTable => is(v, SQLiteTable)),
);

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  pk: number; // position in the primary key, 1-based; 0 = not part of it
  references: string | null; // 'table.column ON DELETE action'
  values: string | null; // a text column's allowed values, sorted: SQL CHECK (c IN (...)), drizzle enum
}
interface Table {
  name: string;
  virtual: boolean;
  columns: Column[];
}

/** Tables of the database itself: SQLite's and D1's bookkeeping, and FTS5's shadow tables. */
function internal(name: string, type: string) {
  return (
    name.startsWith('sqlite_') || name.startsWith('_cf_') || name === 'd1_migrations' || type === 'shadow'
  );
}

async function pragma<T>(statement: string): Promise<T[]> {
  return (await env.DB.prepare(statement).all<T>()).results;
}

async function migratedTables(): Promise<{ tables: Table[]; notStrict: string[] }> {
  const list = await pragma<{ schema: string; name: string; type: string; strict: number }>(
    'PRAGMA table_list',
  );
  const own = list.filter((t) => t.schema === 'main' && !internal(t.name, t.type));
  const ddl = new Map(
    (
      await pragma<{ name: string; sql: string | null }>(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'",
      )
    ).map((t) => [t.name, t.sql ?? '']),
  );
  const tables: Table[] = [];
  for (const t of own) {
    const checks = new Map(
      [...(ddl.get(t.name) ?? '').matchAll(/CHECK \((\w+) IN \(('[^)]*')\)\)/g)].map((m) => [
        m[1],
        [...m[2].matchAll(/'([^']*)'/g)].map((v) => v[1]),
      ]),
    );
    const quoted = `"${t.name.replaceAll('"', '""')}"`;
    const columns = await pragma<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }>(`PRAGMA table_xinfo(${quoted})`);
    const keys = await pragma<{ table: string; from: string; to: string | null; on_delete: string }>(
      `PRAGMA foreign_key_list(${quoted})`,
    );
    // A primary key other than the rowid alias has its own index (origin 'pk'): its columns are the key.
    const pkIndex = (await pragma<{ name: string; origin: string }>(`PRAGMA index_list(${quoted})`)).find(
      (i) => i.origin === 'pk',
    );
    const pkColumns = pkIndex
      ? (await pragma<{ seqno: number; name: string }>(`PRAGMA index_info("${pkIndex.name}")`)).map(
          (c) => c.name,
        )
      : null;
    tables.push({
      name: t.name,
      virtual: t.type === 'virtual',
      columns: columns
        .filter((c) => c.hidden !== 1) // a virtual table's hidden columns (FTS5: the table name, rank)
        .map((c) => {
          const key = keys.find((k) => k.from === c.name);
          return {
            name: c.name,
            type: c.type.toLowerCase(),
            // STRICT tables keep NULL out of every primary-key column, declared NOT NULL or not.
            notNull: c.notnull === 1 || c.pk > 0,
            default: c.dflt_value,
            pk: pkColumns ? pkColumns.indexOf(c.name) + 1 : c.pk,
            references: key ? `${key.table}.${key.to ?? 'id'} ON DELETE ${key.on_delete}` : null,
            values: checks.has(c.name) ? checks.get(c.name)!.sort().join(' | ') : null,
          };
        }),
    });
  }
  const notStrict = own.filter((t) => t.type === 'table' && t.strict !== 1).map((t) => t.name);
  return { tables, notStrict };
}

/** An SQL literal as SQLite prints a column default. */
function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
}

function modelledTable(table: SQLiteTable, virtual: boolean): Table {
  const config = getTableConfig(table);
  const composite = config.primaryKeys[0]?.columns.map((c) => c.name) ?? [];
  const references = new Map<string, string>();
  for (const fk of config.foreignKeys) {
    const ref = fk.reference();
    references.set(
      ref.columns[0].name,
      `${getTableConfig(ref.foreignTable).name}.${ref.foreignColumns[0].name} ON DELETE ${(fk.onDelete ?? 'no action').toUpperCase()}`,
    );
  }
  return {
    name: config.name,
    virtual,
    columns: Object.values(getTableColumns(table)).map((c: SQLiteColumn) => ({
      name: c.name,
      type: c.getSQLType(),
      notNull: c.notNull,
      default: c.hasDefault && c.default !== undefined ? literal(c.mapToDriverValue(c.default)) : null,
      pk: c.primary ? 1 : composite.indexOf(c.name) + 1,
      references: references.get(c.name) ?? null,
      values: c.enumValues?.length ? [...c.enumValues].sort().join(' | ') : null,
    })),
  };
}

/** What differs, one line each (column order aside); FTS5 columns have no type or constraints: only names count. */
function differences(migrated: Table[], modelled: Table[]): string[] {
  const out: string[] = [];
  for (const m of migrated) {
    const d = modelled.find((t) => t.name === m.name);
    if (!d) {
      out.push(`${m.name}: migrated, no drizzle table`);
      continue;
    }
    for (const dc of d.columns) {
      if (!m.columns.some((c) => c.name === dc.name))
        out.push(`${m.name}.${dc.name}: drizzle column, not migrated`);
    }
    for (const mc of m.columns) {
      const dc = d.columns.find((c) => c.name === mc.name);
      if (!dc) out.push(`${m.name}.${mc.name}: migrated, no drizzle column`);
      if (!dc || m.virtual) continue;
      for (const key of ['type', 'notNull', 'default', 'pk', 'references', 'values'] as const) {
        // A drizzle enum on a column without a CHECK only narrows the type (lead_status_change.from_status).
        if (key === 'values' && mc.values === null) continue;
        if (mc[key] !== dc[key])
          out.push(
            `${m.name}.${mc.name}: ${key} ${JSON.stringify(mc[key])} in SQL, ${JSON.stringify(dc[key])} in drizzle`,
          );
      }
    }
  }
  for (const d of modelled) {
    if (!migrated.some((m) => m.name === d.name)) out.push(`${d.name}: drizzle table, not migrated`);
  }
  return out;
}

describe('drizzle tables and migrations', () => {
  it('describe the same tables, columns, types, nullability, defaults, keys, references and enums', async () => {
    const { tables } = await migratedTables();
    const virtual = new Set(tables.filter((t) => t.virtual).map((t) => t.name));
    const modelled = drizzleTables.map((t) => modelledTable(t, virtual.has(getTableConfig(t).name)));
    expect(modelled.length).toBeGreaterThan(50);
    expect(new Set(modelled.map((t) => t.name)).size).toBe(modelled.length);
    expect(differences(tables, modelled)).toEqual([]);
  });

  it('every migrated table is STRICT (so primary-key columns are NOT NULL and types hold)', async () => {
    expect((await migratedTables()).notStrict).toEqual([]);
  });

  it('reports a drifted column, key order, missing and extra columns and tables', async () => {
    const { tables } = await migratedTables();
    const modelled = [
      sqliteTable('market', { country: text().primaryKey(), currency: integer(), region: text() }),
      sqliteTable('payment', { order_id: integer().primaryKey() }),
      sqliteTable(
        'product_price',
        {
          product_id: integer().notNull(),
          currency: text().notNull(),
          retail: integer().notNull(),
          wholesale: integer().notNull(),
        },
        (t) => [primaryKey({ columns: [t.currency, t.product_id] })],
      ),
      sqliteTable('plan_version', {
        id: integer().primaryKey(),
        name: text().notNull(),
        plan: text().notNull(),
        status: text({ enum: ['DRAFT'] }).notNull(),
        effective_from: text(),
        used: integer().notNull().default(0),
        created_at: text().notNull(),
        updated_at: text().notNull(),
      }),
      sqliteTable('not_migrated', { id: integer().primaryKey() }),
    ].map((t) => modelledTable(t, false));
    const found = differences(tables, modelled);
    expect(found).toContain('market.currency: type "text" in SQL, "integer" in drizzle');
    expect(found).toContain('market.currency: notNull true in SQL, false in drizzle');
    expect(found).toContain('market.region: drizzle column, not migrated');
    expect(found).toContain('payment.paid_at: migrated, no drizzle column');
    expect(found).toContain(
      'payment.order_id: references "sales_order.id ON DELETE NO ACTION" in SQL, null in drizzle',
    );
    expect(found).toContain('product_price.product_id: pk 1 in SQL, 2 in drizzle');
    expect(found).toContain('plan_version.status: values "DRAFT | SCHEDULED" in SQL, "DRAFT" in drizzle');
    expect(found).toContain('volume: migrated, no drizzle table');
    expect(found).toContain('not_migrated: drizzle table, not migrated');
  });
});
