// Deterministic order files for a generated network: `perMember` orders for every member, NDJSON parts of at
// most `maxPartBytes`. Members whose number (index + 1) is divisible by 3 have one customer (seeded by SQL as
// external id C<number>); one of their orders is a CUSTOMER order. Orders are paid over the `spanDays` (80)
// days before `now` (so by default they fall in three or four commission periods); a few are PENDING or
// CANCELLED.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { externalId } from './network.mjs';
import { createRandom } from './prng.mjs';

export const PRODUCTS = [
  { sku: 'BENCH-SHAKE', qv: 40, cv: 3000 },
  { sku: 'BENCH-VITA', qv: 25, cv: 1800 },
  { sku: 'BENCH-TEA', qv: 15, cv: 1100 },
  { sku: 'BENCH-PACK', qv: 100, cv: 7500 },
];

const DAY = 86_400_000;

export const hasCustomer = (i) => (i + 1) % 3 === 0;
export const customerExternalId = (i) => `C${i + 1}`;

/** Writes orders-0001.ndjson, ...; returns the parts and totals. Payments fall in (now - 1 h - spanDays, now - 1 h]. */
export function writeOrderParts(
  size,
  dir,
  { perMember = 3, now = Date.now(), maxPartBytes = 7_500_000, spanDays = 80 } = {},
) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rnd = createRandom(size * 31 + 5);
  const parts = [];
  let buf = [];
  let bytes = 0;
  let orders = 0;
  let lines = 0;
  let paid = 0;
  const flush = () => {
    if (!buf.length) return;
    const file = join(dir, `orders-${String(parts.length + 1).padStart(4, '0')}.ndjson`);
    writeFileSync(file, buf.join(''));
    parts.push({ file, bytes, orders: buf.length });
    buf = [];
    bytes = 0;
  };
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < perMember; k++) {
      const r = rnd.next();
      const status = r < 0.92 ? 'PAID' : r < 0.97 ? 'PENDING' : 'CANCELLED';
      const paidAt = now - 3_600_000 - Math.floor(rnd.next() * spanDays * DAY);
      const n = rnd.next() < 0.6 ? 1 : 2;
      const orderLines = [];
      for (let l = 0; l < n; l++) orderLines.push({ sku: rnd.pick(PRODUCTS).sku, quantity: 1 + rnd.int(3) });
      const row = {
        externalId: `O${String(orders + 1).padStart(8, '0')}`,
        distributorExternalId: externalId(i),
        ...(k === 0 && hasCustomer(i) ? { customerExternalId: customerExternalId(i) } : {}),
        status,
        ...(status === 'PAID'
          ? { paidAt: new Date(paidAt).toISOString() }
          : { createdAt: new Date(paidAt).toISOString() }),
        lines: orderLines,
      };
      const line = `${JSON.stringify(row)}\n`;
      const len = Buffer.byteLength(line);
      if (bytes + len > maxPartBytes) flush();
      buf.push(line);
      bytes += len;
      orders++;
      lines += n;
      if (status === 'PAID') paid++;
    }
  }
  flush();
  return { parts, orders, lines, paid, bytes: parts.reduce((s, p) => s + p.bytes, 0) };
}
