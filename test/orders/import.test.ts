import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { markStarted } from '../../src/modules/orders/import/repository';
import { nextMonth } from '../../src/modules/volumes/periods';
import { adminToken, distributorToken, enroll, gql, gqlOk } from '../helpers';
import { prng } from '../lib/prng';
import { createCustomer, createProduct, order, pay, volumeMismatches } from './helpers';
import {
  commerceFingerprint,
  createOrderImport,
  getOrderImport,
  importedSnapshot,
  ndjson,
  putOrderPart,
  runOrderImport,
  startOrderImport,
  waitForOrderImport,
  wipeOrders,
} from './import-helpers';

let admin: string;
let activePv: number;
/** Members: external id 'D<i>' -> database id. */
const members: { id: number; ext: string }[] = [];
/** Customers with an external id: 'C<i>', owned by a member, DK or PL. */
const customers: { id: number; ext: string; owner: number; country: string }[] = [];
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  admin = await adminToken();
  activePv = (await env.DB.prepare('SELECT active_pv AS a FROM company_settings').first<{ a: number }>())!.a;
  await createProduct(admin, 'P1', { qv: 40, cv: 3000 });
  await createProduct(admin, 'P2', { qv: 75, cv: 6500 });
  await createProduct(admin, 'KIT', { qv: 100, cv: 9000, kit: true });
  await createProduct(admin, 'DKONLY', { prices: [{ currency: 'DKK', retail: 10000, wholesale: 8000 }] });
  const rand = prng(99);
  members.push({ id: await enroll(admin, null, { externalId: 'D0' }), ext: 'D0' });
  for (let i = 1; i < 40; i++) {
    const sponsor = members[Math.floor(rand() * members.length)].id;
    members.push({ id: await enroll(admin, sponsor, { externalId: `D${i}` }), ext: `D${i}` });
  }
  for (let i = 0; i < 12; i++) {
    const owner = members[Math.floor(rand() * members.length)].id;
    const country = i % 4 === 3 ? 'PL' : 'DK';
    const id = await createCustomer(await distributorToken(owner), {
      country,
      locale: country === 'PL' ? 'pl' : 'da',
    });
    await env.DB.prepare('UPDATE customer SET external_id = ? WHERE id = ?').bind(`C${i}`, id).run();
    customers.push({ id, ext: `C${i}`, owner, country });
  }
});

/** A random valid order file: personal and customer orders, every status, 1-3 lines, some overrides. */
function randomOrders(prefix: string, n: number, seed: number): Record<string, unknown>[] {
  const rand = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const now = Date.now();
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const customer = rand() < 0.35 ? pick(customers) : null;
    const distributor = customer ? members.find((m) => m.id === customer.owner)! : pick(members);
    const status = r < 0.8 ? 'PAID' : r < 0.9 ? 'PENDING' : 'CANCELLED';
    const paidAt = now - Math.floor(rand() * 75 * DAY) - 3_600_000;
    const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
      sku: pick(['P1', 'P2', 'KIT', 'p1']),
      quantity: 1 + Math.floor(rand() * 4),
      ...(rand() < 0.15 ? { unitPrice: 1234 } : {}),
      ...(rand() < 0.1 ? { unitQv: 7, unitCv: 700 } : {}),
    }));
    rows.push({
      externalId: `${prefix}-${i}`,
      ...(rand() < 0.5 ? { distributorExternalId: distributor.ext } : { distributorId: distributor.id }),
      ...(customer ? { customerExternalId: customer.ext } : {}),
      ...(rand() < 0.5 ? { kind: customer ? 'CUSTOMER' : 'PERSONAL' } : {}),
      ...(rand() < 0.3 ? { currency: customer?.country === 'PL' ? 'PLN' : 'DKK' } : {}),
      status,
      ...(status === 'PAID' ? { paidAt: iso(paidAt), paymentReference: `pay-${i}` } : {}),
      createdAt: iso(paidAt - Math.floor(rand() * 5 * DAY)),
      lines,
    });
  }
  return rows;
}

describe('order import: results', () => {
  it('imports a random file beside live orders: every volume equals a recomputation from the orders', async () => {
    // Live orders first, so that the import adds to existing volumes and qualification crossings.
    for (const m of members.slice(0, 12)) {
      const id = await order(admin, [[1, 1 + (m.id % 3)]], { distributor: m.id });
      expect((await pay(admin, id)).__typename).toBe('MutationMarkOrderPaidSuccess');
    }
    const rows = randomOrders('R', 150, 1);
    const imp = await runOrderImport(admin, 'NDJSON', ndjson(rows));
    expect(imp.issues).toEqual([]);
    expect(imp.status).toBe('DONE');
    expect(imp.totalOrders).toBe(150);
    expect(await volumeMismatches(activePv)).toEqual([]);

    const count = (sql: string) =>
      env.DB.prepare(sql)
        .first<{ n: number }>()
        .then((r) => r!.n);
    expect(await count("SELECT count(*) AS n FROM sales_order WHERE external_id LIKE 'R-%'")).toBe(150);
    expect(
      await count("SELECT count(*) AS n FROM sales_order WHERE external_id LIKE 'R-%' AND status = 'PAID'"),
    ).toBe(rows.filter((r) => r.status === 'PAID').length);
    expect(
      await count(
        "SELECT count(*) AS n FROM payment p JOIN sales_order o ON o.id = p.order_id WHERE o.external_id LIKE 'R-%'",
      ),
    ).toBe(rows.filter((r) => r.status === 'PAID').length);
    expect(
      await count(
        "SELECT count(*) AS n FROM order_line l JOIN sales_order o ON o.id = l.order_id WHERE o.external_id LIKE 'R-%'",
      ),
    ).toBe(rows.reduce((s, r) => s + (r.lines as unknown[]).length, 0));
    // Each order's totals are its lines' (prices by kind unless given, kits carry no volume).
    const wrong = await env.DB.prepare(
      `SELECT o.external_id FROM sales_order o WHERE o.external_id LIKE 'R-%' AND (
         o.total != (SELECT sum(quantity * unit_price) FROM order_line WHERE order_id = o.id)
         OR o.qv != (SELECT sum(CASE is_starter_kit WHEN 1 THEN 0 ELSE quantity * unit_qv END) FROM order_line WHERE order_id = o.id)
         OR o.cv != (SELECT sum(CASE is_starter_kit WHEN 1 THEN 0 ELSE quantity * unit_cv END) FROM order_line WHERE order_id = o.id)
         OR EXISTS (SELECT 1 FROM order_line l JOIN product_price pr ON pr.product_id = l.product_id AND pr.currency = o.currency
                    WHERE l.order_id = o.id AND l.unit_price != 1234
                      AND l.unit_price != CASE o.kind WHEN 'CUSTOMER' THEN pr.retail ELSE pr.wholesale END))`,
    ).all();
    expect(wrong.results).toEqual([]);
    // Staged packs, chunks, checked rows and sums are gone.
    const staged = () =>
      count(
        `SELECT (SELECT count(*) FROM order_import_row) + (SELECT count(*) FROM order_import_chunk)
           + (SELECT count(*) FROM order_import_checked) + (SELECT count(*) FROM order_import_volume) AS n`,
      );
    for (let i = 0; i < 100 && (await staged()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await staged()).toBe(0);
  });

  it('reads a row-per-line CSV (order fields on the first row), sends closed periods on to the next open one', async () => {
    const now = Date.now();
    const paidAt = iso(now - 40 * DAY);
    const closing = monthInZone(new Date(paidAt), 'Europe/Copenhagen');
    await env.DB.prepare("INSERT INTO commission_period (id, status) VALUES (?, 'REVIEW')")
      .bind(closing)
      .run();
    const d1 = members[3];
    const c = customers.find((x) => x.country === 'PL')!;
    const owner = members.find((m) => m.id === c.owner)!;
    const csv = [
      'externalId,distributorExternalId,customerExternalId,status,paidAt,sku,quantity,unitPrice',
      `CSV-1,${d1.ext},,PAID,${paidAt},P1,2,`,
      `CSV-1,,,,,P2,1,500`,
      `CSV-1,${d1.ext},,PAID,${paidAt},KIT,1,`,
      `CSV-2,${owner.ext},${c.ext},PAID,${iso(now - DAY)},P2,3,`,
      `CSV-3,${d1.ext},,PENDING,,P1,1,`,
    ].join('\n');
    const imp = await runOrderImport(admin, 'CSV', csv);
    expect(imp.issues).toEqual([]);
    expect(imp.status).toBe('DONE');
    const { results } = await env.DB.prepare(
      `SELECT external_id, kind, status, currency, total, qv, cv, period, customer_id,
         (SELECT count(*) FROM order_line WHERE order_id = o.id) AS lines
       FROM sales_order o WHERE external_id LIKE 'CSV-%' ORDER BY external_id`,
    ).all();
    expect(results).toEqual([
      {
        external_id: 'CSV-1',
        kind: 'PERSONAL',
        status: 'PAID',
        currency: 'DKK',
        total: 2 * 22400 + 500 + 22400,
        qv: 2 * 40 + 75,
        cv: 2 * 3000 + 6500,
        period: nextMonth(closing),
        customer_id: null,
        lines: 3,
      },
      {
        external_id: 'CSV-2',
        kind: 'CUSTOMER',
        status: 'PAID',
        currency: 'PLN',
        total: 3 * 17900,
        qv: 3 * 75,
        cv: 3 * 6500,
        period: monthInZone(new Date(now - DAY), 'Europe/Copenhagen'),
        customer_id: c.id,
        lines: 1,
      },
      {
        external_id: 'CSV-3',
        kind: 'PERSONAL',
        status: 'PENDING',
        currency: 'DKK',
        total: 22400,
        qv: 40,
        cv: 3000,
        period: null,
        customer_id: null,
        lines: 1,
      },
    ]);
    expect(await volumeMismatches(activePv)).toEqual([]);
    await env.DB.prepare('DELETE FROM commission_period WHERE id = ?').bind(closing).run();
  });
});

describe('order import: refusals write nothing', () => {
  const good = (ext: string) => ({
    externalId: ext,
    distributorExternalId: 'D1',
    status: 'PAID',
    paidAt: iso(Date.now() - DAY),
    lines: [{ sku: 'P1', quantity: 1 }],
  });
  const cases: [string, Record<string, unknown> | string, RegExp][] = [
    ['unknown distributor', { ...good('X'), distributorExternalId: 'NOPE' }, /Unknown distributor "NOPE"/],
    [
      'unknown distributor id',
      { ...good('X'), distributorExternalId: undefined, distributorId: 99999 },
      /Unknown distributor 99999/,
    ],
    ['unknown customer', { ...good('X'), customerExternalId: 'NOPE' }, /Unknown customer "NOPE"/],
    [
      'a customer of another distributor',
      { ...good('X'), distributorExternalId: 'D0', customerExternalId: 'OTHER' },
      /belongs to another distributor/,
    ],
    [
      'unknown SKU',
      {
        ...good('X'),
        lines: [
          { sku: 'P1', quantity: 1 },
          { sku: 'ZZZ', quantity: 1 },
        ],
      },
      /Unknown SKU "ZZZ"/,
    ],
    ['quantity 0', { ...good('X'), lines: [{ sku: 'P1', quantity: 0 }] }, /quantity: Must be at least 1/],
    [
      'negative quantity',
      { ...good('X'), lines: [{ sku: 'P1', quantity: -2 }] },
      /quantity: Must be at least 1/,
    ],
    [
      'fractional quantity',
      { ...good('X'), lines: [{ sku: 'P1', quantity: 1.5 }] },
      /quantity: Must be a whole number/,
    ],
    [
      'the wrong currency for the market',
      { ...good('X'), currency: 'EUR' },
      /The DK market sells in DKK, not EUR/,
    ],
    [
      'no price in the market currency',
      { ...good('X'), distributorExternalId: 'PLM', lines: [{ sku: 'DKONLY', quantity: 1 }] },
      /DKONLY has no PLN price/,
    ],
    [
      'a paidAt that is not a date',
      { ...good('X'), paidAt: '2026-13-45' },
      /paidAt: Use an ISO-8601 instant/,
    ],
    [
      'a paidAt in the future',
      { ...good('X'), paidAt: iso(Date.now() + 5 * DAY) },
      /paidAt is in the future/,
    ],
    ['a PAID order without paidAt', { ...good('X'), paidAt: undefined }, /A PAID order needs paidAt/],
    ['a PENDING order with paidAt', { ...good('X'), status: 'PENDING' }, /A PENDING order has no paidAt/],
    [
      'createdAt after paidAt',
      { ...good('X'), createdAt: iso(Date.now() - 1000) },
      /createdAt is after paidAt/,
    ],
    [
      'a CUSTOMER order without customer',
      { ...good('X'), kind: 'CUSTOMER' },
      /A CUSTOMER order names its customer/,
    ],
    ['a duplicate externalId in the file', good('A'), /Duplicate externalId "A" \(first on line 1\)/],
    ['an externalId imported before', good('R-0'), /An order with externalId "R-0" exists already/],
    ['a line that is not JSON', '{"externalId": "X", ', /Not valid JSON/],
    ['an unknown field', { ...good('X'), colour: 'red' }, /Unrecognized key/],
  ];

  beforeAll(async () => {
    // A member in Poland, and a customer owned by someone other than D0.
    const plm = await enroll(admin, members[0].id, { externalId: 'PLM', country: 'PL', locale: 'pl' });
    const other = await createCustomer(await distributorToken(members[5].id));
    await env.DB.prepare("UPDATE customer SET external_id = 'OTHER' WHERE id = ?").bind(other).run();
    expect(plm).toBeGreaterThan(0);
    // R-0 exists from an earlier import, or is made here when this block runs alone.
    const exists = await env.DB.prepare("SELECT 1 FROM sales_order WHERE external_id = 'R-0'").first();
    if (!exists) expect((await runOrderImport(admin, 'NDJSON', ndjson([good('R-0')]))).status).toBe('DONE');
  });

  for (const [what, bad, message] of cases) {
    it(`${what}: REJECTED with the line, nothing written`, async () => {
      const before = await commerceFingerprint();
      const badLine = typeof bad === 'string' ? bad : JSON.stringify(bad);
      const content = `${JSON.stringify(good('A'))}\n\n${badLine}\n${JSON.stringify(good('B'))}\n`;
      const imp = await runOrderImport(admin, 'NDJSON', content);
      expect(imp.status).toBe('REJECTED');
      expect(imp.issues.length).toBe(1);
      expect(imp.issueCount).toBe(1);
      expect(imp.issues[0].line).toBe(3);
      expect(imp.issues[0].message).toMatch(message);
      expect(await commerceFingerprint()).toBe(before);
    });
  }

  it('CSV: issues carry the file line of the row at fault (header = line 1); rows of one order must agree', async () => {
    const before = await commerceFingerprint();
    const paidAt = iso(Date.now() - DAY);
    const csv = [
      'externalId,distributorExternalId,status,paidAt,sku,quantity',
      `K1,D1,PAID,${paidAt},P1,1`,
      `K1,,,,NOSKU,1`,
      `K1,D2,,,P1,1`,
      `K2,D1,PAID,${paidAt},P1,0`,
    ].join('\n');
    const imp = await runOrderImport(admin, 'CSV', csv);
    expect(imp.status).toBe('REJECTED');
    expect(imp.issues).toEqual([
      { line: 4, message: 'distributorExternalId differs from the first row of order "K1".' },
      { line: 5, message: 'quantity: Must be at least 1.' },
    ]);
    expect(await commerceFingerprint()).toBe(before);
    const imp2 = await runOrderImport(admin, 'CSV', csv.split('\n').slice(0, 3).join('\n'));
    expect(imp2.issues).toEqual([{ line: 3, message: 'Unknown SKU "NOSKU".' }]);
    expect(await commerceFingerprint()).toBe(before);
  });
});

describe('order import: access and queue', () => {
  it('is staff only; parts only before start; one import runs at a time', async () => {
    const id = await createOrderImport(admin, 'NDJSON');
    expect((await putOrderPart(id, 1, '{}\n')).status).toBe(401);
    expect((await putOrderPart(id, 1, '{}\n', await distributorToken(members[0].id))).status).toBe(403);
    const r = await gql(
      `mutation { createOrderImport(input: { format: NDJSON }) { __typename } }`,
      {},
      await distributorToken(members[0].id),
    );
    expect(r.errors?.length ?? 0).toBeGreaterThan(0);
    const one = await gqlOk(
      `mutation($c: String!) { importOrders(input: { format: NDJSON, content: $c }) { __typename
        ... on MutationImportOrdersSuccess { import { id status } } } }`,
      {
        c: ndjson([
          {
            externalId: 'ONE',
            distributorExternalId: 'D2',
            status: 'PAID',
            paidAt: iso(Date.now() - DAY),
            lines: [{ sku: 'P2', quantity: 1 }],
          },
        ]),
      },
      admin,
    );
    expect((await waitForOrderImport(admin, one.importOrders.import.id)).status).toBe('DONE');
    expect((await putOrderPart(one.importOrders.import.id, 2, '{}\n', admin)).status).toBe(409);
    expect((await startOrderImport(admin, id)).__typename).toBe('ValidationError'); // no parts
    expect((await getOrderImport(admin, id)).status).toBe('UPLOADING');
  });

  it('every message delivered twice gives the same result as one clean run', async () => {
    const file = ndjson(randomOrders('W', 80, 5));
    await wipeOrders();
    const clean = await runOrderImport(admin, 'NDJSON', file);
    expect(clean.status).toBe('DONE');
    const reference = await importedSnapshot();

    await wipeOrders();
    const id = await createOrderImport(admin, 'NDJSON');
    await putOrderPart(id, 1, file, admin);
    const importId = Number(atob(id).split(':')[1]);
    await markStarted(env.DB, importId); // started without its queue message: this test delivers them
    const twice = async (kind: string) => {
      const body = { kind, importId };
      const msg = (n: string) => ({ id: `${kind}-${n}`, timestamp: new Date(), attempts: 1, body });
      const result = await (exports as any).default.queue('mlm-crm-jobs', [msg('a'), msg('b')]);
      expect(result.retryMessages).toEqual([]);
    };
    await twice('orderImport.validate');
    await twice('orderImport.apply');
    await twice('orderImport.apply');
    await twice('orderImport.cleanup');
    const imp = await waitForOrderImport(admin, id);
    expect(imp.status).toBe('DONE');
    expect(await importedSnapshot()).toEqual(reference);
    expect(await volumeMismatches(activePv)).toEqual([]);
  });

  /** Creates an import of `content`, validates it through the queue handler, and answers its ids. */
  async function validated(content: string | string[]) {
    const id = await createOrderImport(admin, 'NDJSON');
    const parts = typeof content === 'string' ? [content] : content;
    for (const [k, part] of parts.entries()) await putOrderPart(id, k + 1, part, admin);
    const importId = Number(atob(id).split(':')[1]);
    await markStarted(env.DB, importId);
    await deliver('orderImport.validate', importId);
    return { id, importId };
  }
  const deliver = (kind: string, importId: number) =>
    (exports as any).default.queue('mlm-crm-jobs', [
      { id: kind, timestamp: new Date(), attempts: 1, body: { kind, importId } },
    ]);
  const paidOrder = (ext: string, distributor: string, sku = 'P1') => ({
    externalId: ext,
    distributorExternalId: distributor,
    status: 'PAID',
    paidAt: iso(Date.now() - DAY),
    lines: [{ sku, quantity: 2 }],
  });

  it('parts in several chunks: a repeat across parts is refused with file lines; a clean file is written whole', async () => {
    const before = await commerceFingerprint();
    const part = (from: number, n: number) =>
      ndjson(Array.from({ length: n }, (_, i) => paidOrder(`M-${from + i}`, members[(from + i) % 40].ext)));
    // Part 2 repeats the externalId on part 1's second line: line 6 of the file (parts of 4 and 3 lines).
    const dup = await validated([
      part(0, 4),
      ndjson([paidOrder('M-9', 'D1'), paidOrder('M-1', 'D2')]) + part(20, 1),
    ]);
    const rejected = await getOrderImport(admin, dup.id);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.issues).toEqual([{ line: 6, message: 'Duplicate externalId "M-1" (first on line 2).' }]);
    expect(await commerceFingerprint()).toBe(before);

    const clean = await validated([part(0, 5), part(5, 7), part(12, 3)]);
    const chunks = await env.DB.prepare(
      "SELECT part_no, pack, first, count FROM order_import_chunk WHERE import_id = ? AND kind = 'orders' ORDER BY chunk_no",
    )
      .bind(clean.importId)
      .all();
    expect(chunks.results).toEqual([
      { part_no: 1, pack: 0, first: 0, count: 5 },
      { part_no: 2, pack: 0, first: 0, count: 7 },
      { part_no: 3, pack: 0, first: 0, count: 3 },
    ]);
    await deliver('orderImport.apply', clean.importId);
    expect((await waitForOrderImport(admin, clean.id)).status).toBe('DONE');
    const written = await env.DB.prepare(
      `SELECT o.external_id AS ext, d.external_id AS member, o.total, count(DISTINCT l.id) AS lines, count(DISTINCT p.order_id) AS paid
       FROM sales_order o JOIN distributor d ON d.id = o.distributor_id JOIN order_line l ON l.order_id = o.id
       LEFT JOIN payment p ON p.order_id = o.id WHERE o.external_id LIKE 'M-%' GROUP BY o.id ORDER BY o.id`,
    ).all<{ ext: string; member: string; total: number; lines: number; paid: number }>();
    expect(written.results.map((r) => [r.ext, r.member, r.lines, r.paid])).toEqual(
      Array.from({ length: 15 }, (_, i) => [`M-${i}`, members[i % 40].ext, 1, 1]),
    );
    expect(await volumeMismatches(activePv)).toEqual([]);
  });

  it('a member terminated after validation: the chunk is checked again, FAILED with its line, nothing written', async () => {
    const before = await commerceFingerprint();
    const file = ndjson([paidOrder('T-1', 'D3'), paidOrder('T-2', 'D4'), paidOrder('T-3', 'D6')]);
    const { id, importId } = await validated(file);
    expect((await getOrderImport(admin, id)).status).toBe('APPLYING');
    const d6 = members[6].id;
    const status = await env.DB.prepare('SELECT status FROM distributor WHERE id = ?')
      .bind(d6)
      .first<{ status: string }>();
    await env.DB.prepare("UPDATE distributor SET status = 'TERMINATED' WHERE id = ?").bind(d6).run();
    try {
      await deliver('orderImport.apply', importId);
      const imp = await waitForOrderImport(admin, id);
      expect(imp.status).toBe('FAILED');
      expect(imp.error).toBe('Line 3 changed since the file was validated: Distributor "D6" is terminated.');
      expect(await commerceFingerprint()).toBe(before);
    } finally {
      await env.DB.prepare('UPDATE distributor SET status = ? WHERE id = ?').bind(status!.status, d6).run();
    }
  });

  it('chunks written together: a member terminated in the second fails the batch; FAILED with its line, nothing written', async () => {
    const before = await commerceFingerprint();
    // Three parts, three chunks checked against the catalog of now: apply writes them in one batch.
    const { id, importId } = await validated([
      ndjson([paidOrder('G-1', 'D3'), paidOrder('G-2', 'D4')]),
      ndjson([paidOrder('G-3', 'D5'), paidOrder('G-4', 'D8')]),
      ndjson([paidOrder('G-5', 'D9')]),
    ]);
    const chunks = await env.DB.prepare(
      "SELECT count(*) AS n FROM order_import_chunk WHERE import_id = ? AND kind = 'orders'",
    )
      .bind(importId)
      .first<{ n: number }>();
    expect(chunks!.n).toBe(3);
    const d8 = members[8].id;
    const status = await env.DB.prepare('SELECT status FROM distributor WHERE id = ?')
      .bind(d8)
      .first<{ status: string }>();
    await env.DB.prepare("UPDATE distributor SET status = 'TERMINATED' WHERE id = ?").bind(d8).run();
    try {
      await deliver('orderImport.apply', importId);
      const imp = await waitForOrderImport(admin, id);
      expect(imp.status).toBe('FAILED');
      expect(imp.error).toBe('Line 4 changed since the file was validated: Distributor "D8" is terminated.');
      expect(await commerceFingerprint()).toBe(before);
    } finally {
      await env.DB.prepare('UPDATE distributor SET status = ? WHERE id = ?').bind(status!.status, d8).run();
    }
  });

  it('chunks written together after one was applied alone: each written once, in file order', async () => {
    const { id, importId } = await validated([
      ndjson([paidOrder('H-1', 'D3')]),
      ndjson([paidOrder('H-2', 'D4'), paidOrder('H-3', 'D5')]),
      ndjson([paidOrder('H-4', 'D6')]),
      ndjson([paidOrder('H-5', 'D7')]),
    ]);
    // The second chunk's context differs (as when the catalog changed): it is applied on its own, between
    // batches of the others, and checked again against the same catalog.
    await env.DB.prepare(
      "UPDATE order_import_chunk SET context = 'changed' WHERE import_id = ? AND chunk_no = 1 AND kind = 'orders'",
    )
      .bind(importId)
      .run();
    await deliver('orderImport.apply', importId);
    // A second delivery finds every chunk applied and changes nothing.
    await deliver('orderImport.apply', importId);
    expect((await waitForOrderImport(admin, id)).status).toBe('DONE');
    const written = await env.DB.prepare(
      `SELECT o.external_id AS ext, count(l.id) AS lines FROM sales_order o JOIN order_line l ON l.order_id = o.id
       WHERE o.external_id LIKE 'H-%' GROUP BY o.id ORDER BY o.id`,
    ).all<{ ext: string; lines: number }>();
    expect(written.results).toEqual(['H-1', 'H-2', 'H-3', 'H-4', 'H-5'].map((ext) => ({ ext, lines: 1 })));
    expect(await volumeMismatches(activePv)).toEqual([]);
  });

  it('a price changed after validation: the chunk is checked again and written at the price of now', async () => {
    const file = ndjson([paidOrder('P-1', 'D2'), paidOrder('P-2', 'D7')]);
    const { id, importId } = await validated(file);
    const p1 = (await env.DB.prepare("SELECT id FROM product WHERE sku = 'P1'").first<{ id: number }>())!.id;
    const price = () =>
      env.DB.prepare("SELECT wholesale FROM product_price WHERE product_id = ? AND currency = 'DKK'")
        .bind(p1)
        .first<{ wholesale: number }>()
        .then((r) => r!.wholesale);
    const was = await price();
    await env.DB.prepare("UPDATE product_price SET wholesale = ? WHERE product_id = ? AND currency = 'DKK'")
      .bind(was + 100, p1)
      .run();
    try {
      await deliver('orderImport.apply', importId);
      expect((await waitForOrderImport(admin, id)).status).toBe('DONE');
      const lines = await env.DB.prepare(
        `SELECT o.total, l.unit_price, l.unit_wholesale FROM sales_order o JOIN order_line l ON l.order_id = o.id
         WHERE o.external_id IN ('P-1', 'P-2') ORDER BY o.external_id`,
      ).all();
      expect(lines.results).toEqual([
        { total: 2 * (was + 100), unit_price: was + 100, unit_wholesale: was + 100 },
        { total: 2 * (was + 100), unit_price: was + 100, unit_wholesale: was + 100 },
      ]);
    } finally {
      await env.DB.prepare("UPDATE product_price SET wholesale = ? WHERE product_id = ? AND currency = 'DKK'")
        .bind(was, p1)
        .run();
    }
  });

  it('a chunk that fails its recheck is compensated: FAILED, nothing of the import remains', async () => {
    const before = await commerceFingerprint();
    const id = await createOrderImport(admin, 'NDJSON');
    await putOrderPart(id, 1, ndjson(randomOrders('F', 30, 9)), admin);
    const importId = Number(atob(id).split(':')[1]);
    await markStarted(env.DB, importId);
    const deliver = async (kind: string) =>
      (exports as any).default.queue('mlm-crm-jobs', [
        { id: kind, timestamp: new Date(), attempts: 1, body: { kind, importId } },
      ]);
    await deliver('orderImport.validate');
    expect((await getOrderImport(admin, id)).status).toBe('APPLYING');
    // The catalog changes between validation and apply: the product P2 loses its prices.
    const p2 = await env.DB.prepare("SELECT id FROM product WHERE sku = 'P2'").first<{ id: number }>();
    const prices = await env.DB.prepare('SELECT * FROM product_price WHERE product_id = ?')
      .bind(p2!.id)
      .all();
    await env.DB.prepare('DELETE FROM product_price WHERE product_id = ?').bind(p2!.id).run();
    await deliver('orderImport.apply');
    const imp = await waitForOrderImport(admin, id);
    expect(imp.status).toBe('FAILED');
    expect(imp.error).toMatch(/^Line \d+ changed since the file was validated: P2 has no (DKK|PLN) price\.$/);
    expect(await commerceFingerprint()).toBe(before);
    for (const p of prices.results as {
      product_id: number;
      currency: string;
      retail: number;
      wholesale: number;
    }[])
      await env.DB.prepare(
        'INSERT INTO product_price (product_id, currency, retail, wholesale) VALUES (?, ?, ?, ?)',
      )
        .bind(p.product_id, p.currency, p.retail, p.wholesale)
        .run();
  });
});
