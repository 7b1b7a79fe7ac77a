import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { gqlOk } from '../helpers';

// Helpers of the order-import tests: the API as the benchmark uses it, and snapshots of what an import writes.

export const ORDER_IMPORT_FIELDS = `id status format totalOrders createdAt finishedAt error issueCount
  progress { step done total } issues(first: 1000) { line message }`;

export async function createOrderImport(token: string, format: 'NDJSON' | 'CSV'): Promise<string> {
  const d = await gqlOk(
    `mutation($f: OrderImportFormat!) { createOrderImport(input: { format: $f }) {
      __typename ... on MutationCreateOrderImportSuccess { import { id status } } } }`,
    { f: format },
    token,
  );
  expect(d.createOrderImport.import.status).toBe('UPLOADING');
  return d.createOrderImport.import.id;
}

export async function putOrderPart(id: string | number, partNo: number, body: string, token?: string) {
  return SELF.fetch(`http://localhost/imports/orders/${id}/parts/${partNo}`, {
    method: 'PUT',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body,
  });
}

export async function startOrderImport(token: string, id: string) {
  const d = await gqlOk(
    `mutation($id: ID!) { startOrderImport(input: { id: $id }) { __typename
      ... on MutationStartOrderImportSuccess { import { id status } } ... on Error { message } } }`,
    { id },
    token,
  );
  return d.startOrderImport;
}

export async function getOrderImport(token: string, id: string) {
  return (await gqlOk(`query($id: ID!) { orderImport(id: $id) { ${ORDER_IMPORT_FIELDS} } }`, { id }, token))
    .orderImport;
}

/** Polls until the queued steps end the import (and its cleanup message has run). */
export async function waitForOrderImport(token: string, id: string, timeoutMs = 25_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const imp = await getOrderImport(token, id);
    if (['DONE', 'REJECTED', 'FAILED'].includes(imp.status)) {
      await new Promise((r) => setTimeout(r, 50));
      return imp;
    }
    if (Date.now() > until) throw new Error(`import still ${imp.status}: ${JSON.stringify(imp.progress)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

export async function runOrderImport(token: string, format: 'NDJSON' | 'CSV', content: string) {
  const id = await createOrderImport(token, format);
  const res = await putOrderPart(id, 1, content, token);
  expect(res.status).toBe(200);
  expect((await startOrderImport(token, id)).__typename).toBe('MutationStartOrderImportSuccess');
  return waitForOrderImport(token, id);
}

export function ndjson(rows: Record<string, unknown>[]): string {
  return `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
}

/** Every table an order import writes, as text: "nothing was written" means this is unchanged. */
export async function commerceFingerprint(): Promise<string> {
  const results = await env.DB.batch(
    [
      'SELECT * FROM sales_order ORDER BY id',
      'SELECT * FROM order_line ORDER BY id',
      'SELECT * FROM payment ORDER BY order_id',
      'SELECT * FROM volume ORDER BY distributor_id, period',
      'SELECT * FROM customer ORDER BY id',
    ].map((sql) => env.DB.prepare(sql)),
  );
  return JSON.stringify(results.map((r) => r.results));
}

/** What imports wrote, keyed by external ids (database ids differ between runs). */
export async function importedSnapshot() {
  const results = await env.DB.batch(
    [
      `SELECT external_id, kind, distributor_id, customer_id, status, currency, total, qv, cv, created_at, paid_at,
         period, payment_reference, cancelled_at FROM sales_order ORDER BY external_id`,
      `SELECT o.external_id, l.sku, l.quantity, l.unit_price, l.unit_retail, l.unit_wholesale, l.unit_qv, l.unit_cv,
         l.is_starter_kit FROM order_line l JOIN sales_order o ON o.id = l.order_id ORDER BY o.external_id, l.id`,
      `SELECT o.external_id, p.paid_at, p.reference FROM payment p JOIN sales_order o ON o.id = p.order_id
       ORDER BY o.external_id`,
      'SELECT * FROM volume ORDER BY distributor_id, period',
    ].map((sql) => env.DB.prepare(sql)),
  );
  return results.map((r) => r.results);
}

export async function wipeOrders(): Promise<void> {
  await env.DB.batch(
    ['payment', 'refund', 'order_line', 'sales_order', 'volume'].map((t) =>
      env.DB.prepare(`DELETE FROM ${t}`),
    ),
  );
}
