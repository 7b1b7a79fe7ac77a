// `npm run test:browser`: the offer link in a real browser (issue 13 §2). Starts `wrangler dev` on a free port
// (from 8797) over a fresh local D1, makes an offer through GraphQL, opens its link in headless Chromium
// (Debian's /usr/bin/chromium through playwright-core, which downloads no browser) on a phone-sized screen
// with JavaScript off, checks what it shows, presses Accept with the keyboard, and sees the order.
// Screenshots go to .wrangler/browser-offer/ (not in git).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { extractText } from 'unpdf';
import { graphqlClient, login, startWranglerDev, waitForHealth, wranglerSync } from './lib.mjs';
import { ADMIN_EMAIL, DEMO_PASSWORD, ensureAdmin } from './seed.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = '.wrangler/browser-offer';

function freePort(from) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(freePort(from + 1)));
    server.listen(from, '127.0.0.1', () => server.close(() => resolve(from)));
  });
}

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✓' : '✗'} ${name}${ok || !detail ? '' : ` — ${detail}`}`);
}

const state = mkdtempSync(join(tmpdir(), 'mlm-browser-offer-'));
const persist = ['--persist-to', state];
const port = await freePort(8797);
const inspector = await freePort(port + 1000);
const base = `http://127.0.0.1:${port}`;
let dev;
let browser;
try {
  wranglerSync(['d1', 'migrations', 'apply', 'DB', '--local', ...persist]);
  ensureAdmin(persist);
  dev = startWranglerDev(
    ['--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspector), ...persist],
    {
      quiet: true,
    },
  );
  await waitForHealth(base);
  const gql = graphqlClient(base);
  const admin = await login(gql, ADMIN_EMAIL, DEMO_PASSWORD);

  const enrolled = await gql(
    `mutation($input: EnrollDistributorInput!) { enrollDistributor(input: $input) { __typename
      ... on MutationEnrollDistributorSuccess { distributor { id } } ... on Error { message } } }`,
    {
      input: {
        firstName: 'Line',
        lastName: 'Jensen',
        email: 'line@browser.test',
        country: 'DK',
        locale: 'da',
      },
    },
    admin,
  );
  const owner = enrolled.enrollDistributor.distributor.id;
  const product = (
    await gql(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
        ... on MutationCreateProductSuccess { product { id } } ... on Error { message } } }`,
      {
        input: {
          sku: 'AERO-1',
          names: { da: 'Ærø hudcreme', pl: 'Krem', de: 'Creme', en: 'Cream' },
          qv: 20,
          cv: 1500,
          isStarterKit: false,
          prices: [{ currency: 'DKK', retail: 24900, wholesale: 18000 }],
        },
      },
      admin,
    )
  ).createProduct.product.id;
  const customer = (
    await gql(
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename
        ... on MutationCreateCustomerSuccess { customer { id } } ... on Error { message } } }`,
      { input: { ownerId: owner, firstName: 'Søren', lastName: 'Kunde', country: 'DK', locale: 'da' } },
      admin,
    )
  ).createCustomer.customer.id;
  const validUntil = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  const created = (
    await gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { __typename
        ... on MutationCreateOfferSuccess { offer { id net vat gross } } ... on Error { message } } }`,
      {
        input: {
          customerId: customer,
          lines: [{ productId: product, quantity: 2, discountBp: 1000 }],
          validUntil,
          terms: 'Levering inden for 5 hverdage.',
        },
      },
      admin,
    )
  ).createOffer;
  if (!created.offer) throw new Error(`createOffer: ${created.message}`);
  // 24900 × 0.9 = 22410 × 2 = 44820 net; 25 % VAT 11205; gross 56025.
  check(
    'offer figures',
    created.offer.net === 44820 && created.offer.vat === 11205 && created.offer.gross === 56025,
  );
  const sent = (
    await gql(
      `mutation($input: SendOfferInput!) { sendOffer(input: $input) { __typename
        ... on MutationSendOfferSuccess { offer { id status link { path } } } ... on Error { message } } }`,
      { input: { id: created.offer.id } },
      admin,
    )
  ).sendOffer;
  const link = `${base}${sent.offer.link.path}`;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
    locale: 'da-DK',
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) mlm-crm browser test',
  });
  const page = await context.newPage();
  const response = await page.goto(link);
  check('the link answers 200', response?.status() === 200, String(response?.status()));
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/offer.png`, fullPage: true });
  check('Danish heading', (await page.locator('h1').textContent())?.startsWith('Tilbud nr.'));
  const body = await page.locator('main').textContent();
  check('shows the product', body.includes('Ærø hudcreme'));
  check('shows the gross total', /560,25\s*kr\./.test(body), body);
  check('shows the terms', body.includes('Levering inden for 5 hverdage.'));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check('fits a 390 px screen without sideways scrolling', overflow <= 390, `scrollWidth ${overflow}`);
  const accept = page.getByRole('button', { name: 'Accepter tilbuddet' });
  check('an Accept button by its accessible name', (await accept.count()) === 1);
  check(
    'a Decline button by its accessible name',
    (await page.getByRole('button', { name: 'Afvis' }).count()) === 1,
  );

  // Keyboard only: Tab to the Accept button and press Enter.
  let focused = '';
  for (let i = 0; i < 10 && focused !== 'Accepter tilbuddet'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
  }
  check('Accept is reachable with Tab', focused === 'Accepter tilbuddet', focused);
  await Promise.all([page.waitForURL(link), page.keyboard.press('Enter')]);
  await page.waitForSelector('p.notice');
  await page.screenshot({ path: `${SHOTS}/accepted.png`, fullPage: true });
  const notice = await page.locator('p.notice').textContent();
  check('the page says it was accepted', notice.includes('Du har accepteret tilbuddet'), notice);
  check(
    'the accept form is gone',
    (await page.getByRole('button', { name: 'Accepter tilbuddet' }).count()) === 0,
  );

  const after = await gql(
    `query($id: ID!) { node(id: $id) { ... on Offer { status decisionUserAgent order { id status total kind } } } }`,
    { id: created.offer.id },
    admin,
  );
  const order = after.node.order;
  check('the offer is ACCEPTED', after.node.status === 'ACCEPTED');
  check(
    'the browser’s user agent is recorded',
    after.node.decisionUserAgent?.includes('mlm-crm browser test'),
  );
  check(
    'the order exists',
    order?.kind === 'CUSTOMER' && order.status === 'PENDING' && order.total === 44820,
  );
  check('the page names the order number', notice.includes(String(atob(order.id).split(':')[1])), notice);

  // The PDF from the page's link (the font is bundled by wrangler's Data rule).
  const pdfHref = await page.getByRole('link', { name: 'Hent PDF' }).getAttribute('href');
  const pdf = await fetch(`${base}${pdfHref}`);
  const pdfBytes = new Uint8Array(await pdf.arrayBuffer());
  check(
    'the page links the PDF',
    pdf.headers.get('content-type') === 'application/pdf' &&
      new TextDecoder().decode(pdfBytes.slice(0, 5)) === '%PDF-',
  );
  writeFileSync(`${SHOTS}/offer.pdf`, pdfBytes);

  // A long offer: 100 lines, then 30 more on the draft; its PDF runs over several pages.
  const long = (
    await gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { ... on MutationCreateOfferSuccess { offer { id } } } }`,
      {
        input: {
          customerId: customer,
          lines: Array.from({ length: 100 }, (_, i) => ({ productId: product, quantity: i + 1 })),
          validUntil,
          note: 'Zażółć gęślą jaźń — Größe — Ærø',
          terms: 'Levering inden for 5 hverdage. Betaling netto 14 dage.',
        },
      },
      admin,
    )
  ).createOffer.offer.id;
  await gql(
    `mutation($input: AddOfferLinesInput!) { addOfferLines(input: $input) { __typename } }`,
    { input: { id: long, lines: Array.from({ length: 30 }, () => ({ productId: product, quantity: 1 })) } },
    admin,
  );
  const longPdf = await fetch(`${base}/offers/${atob(long).split(':')[1]}/pdf`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const longBytes = new Uint8Array(await longPdf.arrayBuffer());
  writeFileSync(`${SHOTS}/long-offer.pdf`, longBytes);
  const { totalPages, text } = await extractText(longBytes, { mergePages: false });
  check(
    'a 130-line offer PDF has several pages',
    longPdf.status === 200 && totalPages >= 3,
    `pages ${totalPages}`,
  );
  check(
    'its last page has the totals and the Polish note',
    /I alt inkl\. moms/.test(text.at(-1)) && text.at(-1).includes('Zażółć gęślą jaźń'),
  );

  // A forged link shows the clear page.
  const forged = await page.goto(`${base}/o/${'Z'.repeat(43)}`);
  check(
    'a forged link: 404 and a clear page',
    forged?.status() === 404 && (await page.locator('h1').textContent()).length > 0,
  );
  await context.close();
} catch (e) {
  failed++;
  console.error(e);
} finally {
  await browser?.close();
  if (dev && !dev.killed) dev.kill('SIGTERM');
  rmSync(state, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
