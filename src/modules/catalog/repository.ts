import { z } from 'zod';
import { atomic, nowIso, selectByIds } from '../../lib/db';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { type KeysetPage, likeContains, type PageFilter, selectPage } from '../../lib/keyset';
import { unitCv, unitPrice, unitQv } from '../../lib/limits';
import { nameText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import type { PriceRow, ProductRow } from './model';

const name = nameText(200);
const currency = z.string().regex(/^[A-Z]{3}$/, 'Use an ISO 4217 code such as DKK.');
const price = z.object({
  currency,
  retail: unitPrice(),
  wholesale: unitPrice(),
});

const productSchema = z.object({
  sku: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'Letters, digits, dot, dash, underscore.'),
  names: z.object({ da: name, pl: name, de: name, en: name }),
  qv: unitQv(),
  cv: unitCv(),
  isStarterKit: z.boolean().default(false),
  prices: z
    .array(price)
    .min(1, 'At least one price.')
    .refine((ps) => new Set(ps.map((p) => p.currency)).size === ps.length, 'One price per currency.'),
});

export async function createProduct(db: D1Database, raw: unknown): Promise<ProductRow> {
  const input = parseInput(productSchema, raw, 'product');
  const exists = await db.prepare('SELECT 1 FROM product WHERE sku = ?').bind(input.sku).first();
  if (exists)
    throw new ValidationError('That SKU exists already.', [
      { path: 'sku', message: 'Already in use.', code: 'ALREADY_IN_USE' },
    ]);
  await checkMarketCurrencies(
    db,
    input.prices.map((p) => p.currency),
  );
  const now = nowIso();
  const [inserted] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO product (sku, names, qv, cv, is_starter_kit, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
      )
      .bind(input.sku, JSON.stringify(input.names), input.qv, input.cv, input.isStarterKit ? 1 : 0, now, now),
    db
      .prepare(
        `INSERT INTO product_price (product_id, currency, retail, wholesale)
         SELECT (SELECT id FROM product WHERE sku = ?1), json_extract(value, '$.currency'),
                json_extract(value, '$.retail'), json_extract(value, '$.wholesale') FROM json_each(?2)`,
      )
      .bind(input.sku, JSON.stringify(input.prices)),
  ]);
  return (await productById(db, (inserted.results[0] as { id: number }).id))!;
}

const updateSchema = z.object({
  names: z.object({ da: name, pl: name, de: name, en: name }).nullish(),
  qv: unitQv().nullish(),
  cv: unitCv().nullish(),
  active: z.boolean().nullish(),
  prices: productSchema.shape.prices.nullish(),
});

/** Orders copy prices and volumes onto their lines, so a change never alters an existing order. */
export async function updateProduct(db: D1Database, id: number, raw: unknown): Promise<ProductRow> {
  const input = parseInput(updateSchema, raw, 'product');
  const current = await productById(db, id);
  if (!current) throw new NotFoundError('Product not found.');
  if (input.prices)
    await checkMarketCurrencies(
      db,
      input.prices.map((p) => p.currency),
    );
  const statements = [
    db
      .prepare('UPDATE product SET names = ?, qv = ?, cv = ?, active = ?, updated_at = ? WHERE id = ?')
      .bind(
        input.names ? JSON.stringify(input.names) : current.names,
        input.qv ?? current.qv,
        input.cv ?? current.cv,
        input.active == null ? current.active : input.active ? 1 : 0,
        nowIso(),
        id,
      ),
  ];
  if (input.prices) {
    statements.push(
      db.prepare('DELETE FROM product_price WHERE product_id = ?').bind(id),
      db
        .prepare(
          `INSERT INTO product_price (product_id, currency, retail, wholesale)
           SELECT ?1, json_extract(value, '$.currency'), json_extract(value, '$.retail'), json_extract(value, '$.wholesale')
           FROM json_each(?2)`,
        )
        .bind(id, JSON.stringify(input.prices)),
    );
  }
  await atomic(db, statements);
  return (await productById(db, id))!;
}

async function checkMarketCurrencies(db: D1Database, currencies: string[]): Promise<void> {
  const { results } = await db.prepare('SELECT DISTINCT currency FROM market').all<{ currency: string }>();
  const sold = new Set(results.map((r) => r.currency));
  const bad = currencies.filter((c) => !sold.has(c));
  if (bad.length)
    throw new ValidationError('No market sells in that currency.', [
      {
        path: 'prices',
        message: `Not a market currency: ${bad.join(', ')}.`,
        code: 'INVALID_VALUE',
        params: { values: bad },
      },
    ]);
}

export async function productById(db: D1Database, id: number): Promise<ProductRow | null> {
  return db.prepare('SELECT * FROM product WHERE id = ?').bind(id).first<ProductRow>();
}

export async function productsByIds(db: D1Database, ids: readonly number[]): Promise<ProductRow[]> {
  return selectByIds<ProductRow>(
    db,
    'SELECT * FROM product WHERE id IN (SELECT value FROM json_each(?))',
    ids,
  );
}

export async function pricesOf(db: D1Database, productIds: readonly number[]): Promise<PriceRow[]> {
  return selectByIds<PriceRow>(
    db,
    'SELECT * FROM product_price WHERE product_id IN (SELECT value FROM json_each(?)) ORDER BY currency',
    productIds,
  );
}

export async function marketCurrency(db: D1Database, country: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT currency FROM market WHERE country = ?')
    .bind(country)
    .first<{ currency: string }>();
  return row?.currency ?? null;
}

/** A product with its prices preloaded (lists load all prices in one query). */
export type ProductWithPrices = ProductRow & { prices?: PriceRow[] };

/** One page of the catalogue by SKU, active products only unless asked, with their prices. */
export async function productsPage(
  db: D1Database,
  filter: { includeInactive: boolean; search?: string | null },
  page: KeysetPage,
): Promise<ProductWithPrices[]> {
  const f: PageFilter = { where: [], params: [] };
  if (!filter.includeInactive) f.where.push('active = 1');
  if (filter.search?.trim()) {
    f.where.push(`(lower(sku) LIKE ? ESCAPE '\\' OR lower(names) LIKE ? ESCAPE '\\')`);
    const pattern = likeContains(filter.search.trim());
    f.params.push(pattern, pattern);
  }
  return withPrices(db, await selectPage<ProductRow>(db, 'product', ['sku'], 'ASC', f, page));
}

/** Rows with their prices, all prices in one query. */
export async function withPrices(db: D1Database, rows: ProductRow[]): Promise<ProductWithPrices[]> {
  const prices = await pricesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, prices: prices.filter((p) => p.product_id === r.id) }));
}
