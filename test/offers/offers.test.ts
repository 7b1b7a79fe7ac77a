import { createExecutionContext, createScheduledController, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { createCustomer, createProduct } from '../orders/helpers';
import {
  count,
  createOffer,
  formTokenOf,
  inDays,
  insertLead,
  offerInput,
  offerRow,
  page,
  post,
  REVISE_OFFER,
  REVOKE_LINK,
  send,
  tryCreate,
} from './helpers';

let admin: string;
let root: number;
let anna: number;
let annaToken: string;
let bo: number;
let boToken: string;
let productA: number; // DKK 299.00, PLN 179.00, EUR 39.90 (net)
let productB: number; // DKK 123.45 only
let euroOnly: number;
let annaCustomer: number; // DK, da
let boCustomer: number;

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  anna = await enroll(admin, root);
  bo = await enroll(admin, root);
  annaToken = await distributorToken(anna);
  boToken = await distributorToken(bo);
  productA = await createProduct(admin, 'OFR-A');
  productB = await createProduct(admin, 'OFR-B', {
    prices: [{ currency: 'DKK', retail: 12345, wholesale: 9000 }],
  });
  euroOnly = await createProduct(admin, 'OFR-EUR', {
    prices: [{ currency: 'EUR', retail: 1000, wholesale: 800 }],
  });
  annaCustomer = await createCustomer(annaToken, {
    firstName: 'Karen',
    lastName: 'Kunde',
    country: 'DK',
    locale: 'da',
  });
  boCustomer = await createCustomer(boToken, {
    firstName: 'Bent',
    lastName: 'Bo',
    country: 'DK',
    locale: 'da',
  });
});

describe('figures', () => {
  it('prices lines at the market currency, discounts the unit price and rounds VAT half up', async () => {
    const o = await createOffer(
      annaToken,
      offerInput({ customer: annaCustomer }, [
        [productA, 3, 1000],
        [productB, 2, 250],
      ]),
    );
    // A: 29900 × 0.90 = 26910 × 3 = 80730. B: 12345 × 0.975 = 12036.375 → 12036 × 2 = 24072.
    // Net 104802; VAT 25 % = 26200.5 → 26201 (half up); gross 131003.
    expect(o.status).toBe('DRAFT');
    expect(o.currency).toBe('DKK');
    expect(o.vatRateBp).toBe(2500);
    expect(o.locale).toBe('da');
    expect(o.lines.map((l: any) => [l.sku, l.unitPrice, l.discountBp, l.unitNet, l.lineNet])).toEqual([
      ['OFR-A', 29900, 1000, 26910, 80730],
      ['OFR-B', 12345, 250, 12036, 24072],
    ]);
    expect(o.lines[0].name).toBe('OFR-A da');
    expect([o.net, o.vat, o.gross]).toEqual([104802, 26201, 131003]);
  });

  it('uses the Polish market’s PLN prices and 23 % VAT for a Polish lead', async () => {
    const lead = await insertLead(anna, { country: 'PL' });
    const o = await createOffer(annaToken, offerInput({ lead }, [[productA, 1]]));
    // 17900 PLN; VAT 23 % = 4117; gross 22017.
    expect([o.currency, o.locale, o.net, o.vat, o.gross]).toEqual(['PLN', 'pl', 17900, 4117, 22017]);
  });
});

describe('bad input writes nothing', () => {
  it('refuses a discount over the company limit (15 % by default), and the limit can be changed by staff', async () => {
    const before = await count('SELECT count(*) AS n FROM offer');
    const r = await tryCreate(annaToken, offerInput({ customer: annaCustomer }, [[productA, 1, 1501]]));
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues).toEqual([expect.objectContaining({ path: 'lines.0.discountBp', code: 'TOO_LARGE' })]);
    expect(await count('SELECT count(*) AS n FROM offer')).toBe(before);
    expect(await count('SELECT count(*) AS n FROM offer_line')).toBe(
      await count('SELECT count(*) AS n FROM offer_line WHERE offer_id IN (SELECT id FROM offer)'),
    );
    const s = await gqlOk(
      `mutation { updateOfferSettings(input: { maxDiscountBp: 2000 }) { __typename
        ... on MutationUpdateOfferSettingsSuccess { settings { maxDiscountBp } } } }`,
      {},
      admin,
    );
    expect(s.updateOfferSettings.settings.maxDiscountBp).toBe(2000);
    const ok = await tryCreate(annaToken, offerInput({ customer: annaCustomer }, [[productA, 1, 1501]]));
    expect(ok.__typename).toBe('MutationCreateOfferSuccess');
    await gqlOk(`mutation { updateOfferSettings(input: { maxDiscountBp: 1500 }) { __typename } }`, {}, admin);
    const denied = await gqlOk(
      `mutation { updateOfferSettings(input: { maxDiscountBp: 9000 }) { __typename } }`,
      {},
      annaToken,
    ).catch((e) => String(e));
    expect(String(JSON.stringify(denied))).toMatch(/FORBIDDEN|ForbiddenError|Not authorized/i);
  });

  it('refuses a product the recipient’s market does not sell', async () => {
    const before = await count('SELECT count(*) AS n FROM offer');
    const r = await tryCreate(
      annaToken,
      offerInput({ customer: annaCustomer }, [
        [productA, 1],
        [euroOnly, 1],
      ]),
    );
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues).toEqual([
      expect.objectContaining({
        path: 'lines.1.productId',
        message: 'OFR-EUR is not sold in the DK market (no DKK price).',
      }),
    ]);
    expect(await count('SELECT count(*) AS n FROM offer')).toBe(before);
  });

  it('refuses an offer for someone else’s customer or lead with ForbiddenError', async () => {
    const before = await count('SELECT count(*) AS n FROM offer');
    const r = await tryCreate(annaToken, offerInput({ customer: boCustomer }, [[productA, 1]]));
    expect(r.__typename).toBe('ForbiddenError');
    const boLead = await insertLead(bo);
    const l = await tryCreate(annaToken, offerInput({ lead: boLead }, [[productA, 1]]));
    expect(l.__typename).toBe('ForbiddenError');
    expect(await count('SELECT count(*) AS n FROM offer')).toBe(before);
  });

  it('refuses a validity date in the past, and both or neither recipient', async () => {
    const past = await tryCreate(
      annaToken,
      offerInput({ customer: annaCustomer }, [[productA, 1]], { validUntil: inDays(-2) }),
    );
    expect(past.__typename).toBe('ValidationError');
    expect(past.issues[0].path).toBe('validUntil');
    const neither = await tryCreate(annaToken, offerInput({}, [[productA, 1]]));
    expect(neither.__typename).toBe('ValidationError');
  });

  it('hides another distributor’s offer from node(id:) and its PDF', async () => {
    const o = await createOffer(annaToken, offerInput({ customer: annaCustomer }, [[productA, 1]]));
    const seen = await gqlOk(`query($id: ID!) { node(id: $id) { id } }`, { id: o.id }, boToken);
    expect(seen.node).toBeNull();
    const pdf = await page(`/offers/${localId(o.id)}/pdf`, {
      headers: { authorization: `Bearer ${boToken}` },
    });
    expect(pdf.status).toBe(404);
  });
});

describe('the link: view, accept, decline', () => {
  it('accepting twice (and concurrently) creates exactly one order, with time, IP and user agent', async () => {
    const o = await createOffer(
      annaToken,
      offerInput({ customer: annaCustomer }, [
        [productA, 2, 500],
        [productB, 1],
      ]),
    );
    expect(o.link).toBeNull();
    const sent = await send(annaToken, o.id);
    expect(sent.status).toBe('SENT');
    const path = sent.link.path as string;
    expect(path).toMatch(/^\/o\/[A-Za-z0-9_-]{43}$/);

    expect((await page(path, { method: 'HEAD' })).status).toBe(200);
    expect((await page(path, { headers: { 'sec-purpose': 'prefetch' } })).status).toBe(200);
    expect((await offerRow(o.id)).status).toBe('SENT'); // neither counts as the recipient's view
    const view = await page(path);
    expect(view.status).toBe(200);
    expect(view.html).toContain('<html lang="da">');
    expect(view.html).toContain('Accepter tilbuddet');
    expect(view.html).toContain('OFR-A da');
    expect((await offerRow(o.id)).status).toBe('VIEWED');
    const t = formTokenOf(view.html);

    const headers = { 'cf-connecting-ip': '203.0.113.7', 'user-agent': 'OfferTest/1.0' };
    const [a, b] = await Promise.all([
      post(`${path}/accept`, t, headers),
      post(`${path}/accept`, t, headers),
    ]);
    const again = await post(`${path}/accept`, t, headers);
    // Both concurrent posts end on the answer page (the loser finds the offer accepted); a later one is refused.
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(again.status).toBe(409);
    expect(
      await count(`SELECT count(*) AS n FROM sales_order WHERE created_by = ?`, `offer:${localId(o.id)}`),
    ).toBe(1);

    const after = (
      await gqlOk(
        `query($id: ID!) { node(id: $id) { ... on Offer { status decisionIp decisionUserAgent decidedAt
      order { kind status total lines { quantity unitPrice } customer { id } } } } }`,
        { id: o.id },
        annaToken,
      )
    ).node;
    expect(after.status).toBe('ACCEPTED');
    expect(after.decisionIp).toBe('203.0.113.7');
    expect(after.decisionUserAgent).toBe('OfferTest/1.0');
    expect(Date.parse(after.decidedAt)).toBeGreaterThan(Date.now() - 60_000);
    // 29900 × 0.95 = 28405 × 2 = 56810; 12345 × 1. The order carries the offer's net prices.
    expect(after.order).toMatchObject({ kind: 'CUSTOMER', status: 'PENDING', total: 69155 });
    expect(after.order.lines).toEqual([
      { quantity: 2, unitPrice: 28405 },
      { quantity: 1, unitPrice: 12345 },
    ]);
    expect(localId(after.order.customer.id)).toBe(annaCustomer);

    const done = await page(path);
    expect(done.html).toContain('Du har accepteret tilbuddet');
    expect(done.html).not.toContain('name="t"');

    // The person's history holds every change.
    const history = await env.DB.prepare(
      `SELECT body FROM activity WHERE subject_type = 'CUSTOMER' AND subject_id = ? AND body LIKE ? ORDER BY id`,
    )
      .bind(annaCustomer, `Offer%`)
      .all<{ body: string }>();
    const mine = history.results
      .map((r) => r.body)
      .filter((b) => b.includes(`${localId(o.id)}`) || b.startsWith('Offer drafted'));
    // Gross: 56810 + 12345 = 69155 net; VAT 17288.75 → 17289; 86444.
    expect(mine).toContainEqual(
      expect.stringMatching(new RegExp(`^Offer ${localId(o.id)} sent \\(DKK\\s864\\.44 gross\\)\\.$`)),
    );
    expect(mine).toContain(`Offer ${localId(o.id)} was opened by the recipient.`);
    expect(mine).toContain(`Offer ${localId(o.id)} accepted by the recipient; an order was created.`);
    expect(mine.filter((b) => b.includes('accepted')).length).toBe(1);
  });

  it('a lead that accepts becomes a customer first, through the lead conversion', async () => {
    const lead = await insertLead(anna, { name: 'Zofia Nowak', country: 'PL' });
    const o = await createOffer(annaToken, offerInput({ lead }, [[productA, 1]]));
    const path = (await send(annaToken, o.id)).link.path;
    const view = await page(path);
    expect(view.html).toContain('Akceptuję ofertę');
    const r = await post(`${path}/accept`, formTokenOf(view.html));
    expect(r.status).toBe(303);
    const leadRow = await env.DB.prepare('SELECT status, converted_customer_id FROM lead WHERE id = ?')
      .bind(lead)
      .first<{ status: string; converted_customer_id: number }>();
    expect(leadRow!.status).toBe('CONVERTED');
    const customer = await env.DB.prepare('SELECT * FROM customer WHERE id = ?')
      .bind(leadRow!.converted_customer_id)
      .first<Record<string, unknown>>();
    expect(customer).toMatchObject({
      first_name: 'Zofia',
      last_name: 'Nowak',
      owner_id: anna,
      country: 'PL',
      locale: 'pl',
    });
    const row = await offerRow(o.id);
    expect(row.customer_id).toBe(leadRow!.converted_customer_id);
    const order = await env.DB.prepare('SELECT * FROM sales_order WHERE id = ?')
      .bind(row.order_id)
      .first<Record<string, unknown>>();
    expect(order).toMatchObject({
      kind: 'CUSTOMER',
      customer_id: leadRow!.converted_customer_id,
      currency: 'PLN',
      total: 17900,
    });
    // Accepting again changes nothing.
    expect((await post(`${path}/accept`, formTokenOf(view.html))).status).toBe(409);
    expect(
      await count(`SELECT count(*) AS n FROM customer WHERE id = ?`, leadRow!.converted_customer_id),
    ).toBe(1);
    expect(
      await count(`SELECT count(*) AS n FROM sales_order WHERE created_by = ?`, `offer:${localId(o.id)}`),
    ).toBe(1);
  });

  it('declining records the decision and creates no order', async () => {
    const o = await createOffer(annaToken, offerInput({ customer: annaCustomer }, [[productA, 1]]));
    const path = (await send(annaToken, o.id)).link.path;
    const t = formTokenOf((await page(path)).html);
    expect((await post(`${path}/decline`, t)).status).toBe(303);
    expect((await offerRow(o.id)).status).toBe('DECLINED');
    expect((await post(`${path}/accept`, t)).status).toBe(409);
    expect((await offerRow(o.id)).order_id).toBeNull();
    expect((await page(path)).html).toContain('Du har afvist tilbuddet');
  });

  it('a forged link or form token shows a clear page, reveals nothing and writes nothing', async () => {
    const o = await createOffer(
      annaToken,
      offerInput({ customer: annaCustomer }, [[productA, 1]], { note: 'Secret note' }),
    );
    const path = (await send(annaToken, o.id)).link.path;
    const forged = await page(`/o/${'A'.repeat(43)}`);
    expect(forged.status).toBe(404);
    expect(forged.html).toContain('Offer not found');
    const polish = await page(`/o/${'A'.repeat(43)}`, { headers: { 'accept-language': 'pl-PL,pl;q=0.9' } });
    expect(polish.html).toContain('Nie znaleziono oferty');
    expect(polish.html).toContain('<html lang="pl">');
    expect(forged.html).not.toContain('OFR-A');
    expect((await page('/o/short')).status).toBe(404);
    const other = await createOffer(annaToken, offerInput({ customer: annaCustomer }, [[productB, 1]]));
    const otherPath = (await send(annaToken, other.id)).link.path;
    const otherToken = formTokenOf((await page(otherPath)).html);
    const orders = await count('SELECT count(*) AS n FROM sales_order');
    const wrong = await post(`${path}/accept`, otherToken);
    expect(wrong.status).toBe(403);
    expect(wrong.html).not.toContain('Secret note');
    expect((await post(`${path}/accept`, 'x'.repeat(43))).status).toBe(403);
    expect((await post(`/o/${'B'.repeat(43)}/accept`, otherToken)).status).toBe(404);
    expect(await count('SELECT count(*) AS n FROM sales_order')).toBe(orders);
    expect((await offerRow(o.id)).status).toBe('SENT');
  });

  it('a revoked link shows a clear page; sending again issues a new link', async () => {
    const o = await createOffer(annaToken, offerInput({ customer: annaCustomer }, [[productA, 1]]));
    const path = (await send(annaToken, o.id)).link.path;
    const t = formTokenOf((await page(path)).html);
    const revoked = (await gqlOk(REVOKE_LINK, { input: { id: o.id } }, annaToken)).revokeOfferLink;
    expect(revoked.offer.link).toBeNull();
    const gone = await page(path);
    expect(gone.status).toBe(410);
    expect(gone.html).toContain('This link is no longer active');
    expect(gone.html).not.toContain('OFR-A');
    expect((await post(`${path}/accept`, t)).status).toBe(410);
    const again = await send(annaToken, o.id);
    expect(again.link.path).not.toBe(path);
    expect((await page(again.link.path)).status).toBe(200);
    // The old form token was bound to the old link.
    expect((await post(`${again.link.path}/accept`, t)).status).toBe(403);
  });

  it('a revision supersedes the offer when sent: the old link says so and links the new one', async () => {
    const o = await createOffer(annaToken, offerInput({ customer: annaCustomer }, [[productA, 1]]));
    const oldPath = (await send(annaToken, o.id)).link.path;
    const rev = (
      await gqlOk(
        REVISE_OFFER,
        { input: { id: o.id, lines: [{ productId: globalId('Product', productA), quantity: 5 }] } },
        annaToken,
      )
    ).reviseOffer;
    expect(rev.__typename).toBe('MutationReviseOfferSuccess');
    expect(rev.offer.supersedes.id).toBe(o.id);
    // Until the revision is sent, the old link still works.
    expect((await page(oldPath)).status).toBe(200);
    const second = (
      await gqlOk(
        REVISE_OFFER,
        { input: { id: o.id, lines: [{ productId: globalId('Product', productA), quantity: 6 }] } },
        annaToken,
      )
    ).reviseOffer;
    expect(second).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_REVISED' });
    const newPath = (await send(annaToken, rev.offer.id)).link.path;
    const old = await page(oldPath);
    expect(old.status).toBe(410);
    expect(old.html).toContain(`href="${newPath}"`);
    expect(old.html).not.toContain('OFR-A');
    expect((await offerRow(o.id)).status).toBe('SUPERSEDED');
    expect((await offerRow(o.id)).superseded_by_id).toBe(localId(rev.offer.id));
  });

  it('the hourly cron expires offers past validity; the link then shows a clear page and refuses acceptance', async () => {
    const o = await createOffer(
      annaToken,
      offerInput({ customer: annaCustomer }, [[productA, 1]], { validUntil: inDays(1) }),
    );
    const path = (await send(annaToken, o.id)).link.path;
    const t = formTokenOf((await page(path)).html);
    const later = Date.now() + 3 * 86_400_000;
    await worker.scheduled(
      createScheduledController({ cron: '0 * * * *', scheduledTime: later }),
      env,
      createExecutionContext(),
    );
    const row = await offerRow(o.id);
    expect(row.status).toBe('EXPIRED');
    const expired = await page(path);
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('This offer has expired');
    expect(expired.html).not.toContain('OFR-A');
    expect((await post(`${path}/accept`, t)).status).toBe(410);
    expect((await offerRow(o.id)).order_id).toBeNull();
    expect(
      await count(
        `SELECT count(*) AS n FROM activity WHERE author = ? AND body LIKE '%expired%'`,
        `offer:${localId(o.id)}`,
      ),
    ).toBe(1);
    // A second run expires nothing again.
    await worker.scheduled(
      createScheduledController({ cron: '0 * * * *', scheduledTime: later }),
      env,
      createExecutionContext(),
    );
    expect(
      await count(
        `SELECT count(*) AS n FROM activity WHERE author = ? AND body LIKE '%expired%'`,
        `offer:${localId(o.id)}`,
      ),
    ).toBe(1);
  });
});

describe('lists', () => {
  it('pages a distributor’s own offers with their lines; another distributor sees none, staff all', async () => {
    const q = `query($first: Int) { offers(first: $first) { edges { node { id status lines { sku product { sku } } } } } }`;
    const mine = (await gqlOk(q, { first: 50 }, annaToken)).offers.edges;
    expect(mine.length).toBeGreaterThan(5);
    expect(
      mine.every(
        (e: any) => e.node.lines.length > 0 && e.node.lines.every((l: any) => l.product.sku === l.sku),
      ),
    ).toBe(true);
    const theirs = (await gqlOk(q, { first: 50 }, boToken)).offers.edges;
    expect(theirs).toEqual([]);
    const all = (await gqlOk(q, { first: 50 }, admin)).offers.edges;
    expect(all.length).toBe(mine.length);
  });
});

describe('drafts', () => {
  it('takes more lines only while DRAFT, re-totalling net, VAT and gross', async () => {
    const o = await createOffer(annaToken, offerInput({ customer: annaCustomer }, [[productB, 1]]));
    const ADD = `mutation($input: AddOfferLinesInput!) { addOfferLines(input: $input) { __typename
      ... on MutationAddOfferLinesSuccess { offer { net vat gross lines { position sku } } } ... on ConflictError { code } } }`;
    const added = (
      await gqlOk(
        ADD,
        { input: { id: o.id, lines: [{ productId: globalId('Product', productB), quantity: 1 }] } },
        annaToken,
      )
    ).addOfferLines;
    // 12345 × 2 = 24690; VAT 6172.5 → 6173; gross 30863.
    expect(added.offer).toMatchObject({ net: 24690, vat: 6173, gross: 30863 });
    expect(added.offer.lines.map((l: any) => l.position)).toEqual([1, 2]);
    await send(annaToken, o.id);
    const refused = (
      await gqlOk(
        ADD,
        { input: { id: o.id, lines: [{ productId: globalId('Product', productB), quantity: 1 }] } },
        annaToken,
      )
    ).addOfferLines;
    expect(refused).toEqual({ __typename: 'ConflictError', code: 'OFFER_NOT_DRAFT' });
    expect(await count('SELECT count(*) AS n FROM offer_line WHERE offer_id = ?', localId(o.id))).toBe(2);
  });
});
