import { env, SELF } from 'cloudflare:test';
import { extractText } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { fontParses } from '../../src/modules/offers/pdf';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { createCustomer } from '../orders/helpers';
import { createOffer, offerInput, offerRow, page, send } from './helpers';

// The offer PDF, read back: Polish, Danish and German letters survive exactly; long offers run over pages
// with the header repeated and the totals on the last page; the file is kept in R2 with its SHA-256.

let admin: string;
let owner: string;
let other: string;
let product: number;
let customer: number;

async function productNamed(names: Record<string, string>): Promise<number> {
  const data = await gqlOk(
    `mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename
      ... on MutationCreateProductSuccess { product { id } } ... on Error { message } } }`,
    {
      input: {
        sku: 'PDF-1',
        names,
        qv: 10,
        cv: 1000,
        isStarterKit: false,
        prices: [{ currency: 'PLN', retail: 4999, wholesale: 3000 }],
      },
    },
    admin,
  );
  return localId(data.createProduct.product.id);
}

async function pdfPages(bytes: ArrayBuffer): Promise<{ totalPages: number; text: string[] }> {
  return (await extractText(new Uint8Array(bytes), { mergePages: false })) as {
    totalPages: number;
    text: string[];
  };
}

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  const d = await enroll(admin, root);
  owner = await distributorToken(d);
  other = await distributorToken(await enroll(admin, root));
  product = await productNamed({ da: 'Ærø æble', pl: 'Zażółć gęślą jaźń', de: 'Größe', en: 'Apple' });
  customer = await createCustomer(owner, {
    firstName: 'Łucja',
    lastName: 'Źdźbło',
    country: 'PL',
    locale: 'pl',
  });
});

describe('offer PDF', () => {
  it('embeds a font that keeps ą ł ś ż, æ ø, ö ß exactly, and is stored in R2 with its SHA-256', async () => {
    const o = await createOffer(
      owner,
      offerInput({ customer }, [[product, 2, 1000]], {
        note: 'Dostawa na Ærø',
        terms: 'Größe: M. Płatność 14 dni.',
      }),
    );
    const res = await page(`/offers/${localId(o.id)}/pdf`, { headers: { authorization: `Bearer ${owner}` } });
    expect(res.status).toBe(200);
    expect(res.res.headers.get('content-type')).toBe('application/pdf');
    const bytes = await (
      await (
        await import('cloudflare:test')
      ).SELF.fetch(`http://localhost/offers/${localId(o.id)}/pdf`, {
        headers: { authorization: `Bearer ${owner}` },
      })
    ).arrayBuffer();
    const downloaded = await sha256(bytes); // before pdf.js takes the buffer
    const { totalPages, text } = await pdfPages(bytes);
    expect(totalPages).toBe(1);
    const all = text.join('\n');
    expect(all).toContain('Zażółć gęślą jaźń');
    expect(all).toContain('Ærø');
    expect(all).toContain('Größe');
    expect(all).toContain('Łucja Źdźbło');
    expect(all).toContain('Razem brutto');
    // 4999 × 0.9 = 4499.1 → 4499 × 2 = 8998 net; VAT 23 % = 2069.54 → 2070; gross 11068.
    expect(all).toMatch(/110,68\szł/);

    const row = await offerRow(o.id);
    expect(row.pdf_key).toMatch(new RegExp(`^offers/${localId(o.id)}-[0-9a-f]{16}\\.pdf$`));
    const stored = await env.DB.prepare('SELECT * FROM stored_file WHERE key = ?')
      .bind(row.pdf_key)
      .first<Record<string, any>>();
    const object = await env.FILES.get(row.pdf_key);
    const objectBytes = await object!.arrayBuffer();
    expect(stored!.sha256).toBe(await sha256(objectBytes));
    expect(stored!.size).toBe(objectBytes.byteLength);
    expect(res.res.headers.get('x-content-sha256')).toBe(stored!.sha256);
    // The second download is the stored file, byte for byte.
    expect(downloaded).toBe(stored!.sha256);
  });

  it('is available from the public link, not to another distributor', async () => {
    const o = await createOffer(owner, offerInput({ customer }, [[product, 1]]));
    const path = (await send(owner, o.id)).link.path;
    const pub = await page(`${path}/pdf`);
    expect(pub.status).toBe(200);
    expect(pub.res.headers.get('content-type')).toBe('application/pdf');
    expect(
      (await page(`/offers/${localId(o.id)}/pdf`, { headers: { authorization: `Bearer ${other}` } })).status,
    ).toBe(404);
    expect((await page(`/offers/${localId(o.id)}/pdf`)).status).toBe(401);
    expect((await page(`/o/${'C'.repeat(43)}/pdf`)).status).toBe(404);
  });

  it('breaks a 200-line offer over several pages, header on each, totals and terms on the last only', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => [product, i + 1] as [number, number]);
    const first = await createOffer(
      owner,
      offerInput({ customer }, lines.slice(0, 100), { terms: 'Warunki: Größe wg tabeli.' }),
    );
    const added = (
      await gqlOk(
        `mutation($input: AddOfferLinesInput!) { addOfferLines(input: $input) { __typename
          ... on MutationAddOfferLinesSuccess { offer { id net vat gross lines { position quantity } } } ... on Error { message } } }`,
        {
          input: {
            id: first.id,
            lines: lines.slice(100).map(([p, q]) => ({ productId: globalId('Product', p), quantity: q })),
          },
        },
        owner,
      )
    ).addOfferLines;
    const o = added.offer;
    expect(o.lines).toHaveLength(200);
    expect(o.lines[199]).toEqual({ position: 200, quantity: 200 });
    const { SELF } = await import('cloudflare:test');
    const bytes = await (
      await SELF.fetch(`http://localhost/offers/${localId(o.id)}/pdf`, {
        headers: { authorization: `Bearer ${owner}` },
      })
    ).arrayBuffer();
    const { totalPages, text } = await pdfPages(bytes);
    expect(totalPages).toBeGreaterThanOrEqual(4);
    text.forEach((t, i) => {
      expect(t).toContain('Ilość'); // the table header, repeated
      expect(t).toContain(`Strona ${i + 1} z ${totalPages}`);
    });
    for (const t of text.slice(0, -1)) {
      expect(t).not.toContain('Razem brutto');
      expect(t).not.toContain('Warunki: Größe');
    }
    const last = text[totalPages - 1];
    expect(last).toContain('Razem brutto');
    expect(last).toContain('Ważna do');
    expect(last).toContain('Warunki: Größe wg tabeli.');
    // Net: 4999 × (1 + … + 200) = 4999 × 20100 = 100479900; VAT 23 % = 23110377; gross 123590277.
    expect([o.net, o.vat, o.gross]).toEqual([100_479_900, 23_110_377, 123_590_277]);
  });

  it('a letter first met inside another in an earlier PDF (и in й) still reads back in a later one', async () => {
    const text = async (note: string) => {
      const o = await createOffer(owner, offerInput({ customer }, [[product, 1]], { note }));
      const res = await SELF.fetch(`http://localhost/offers/${localId(o.id)}/pdf`, {
        headers: { authorization: `Bearer ${owner}` },
      });
      return (await pdfPages(await res.arrayBuffer())).text.join('\n');
    };
    expect(await text('Андрей й')).toContain('Андрей й');
    expect(await text('Иван и')).toContain('Иван и');
  });

  it('parses each font once per isolate, however many PDFs it makes', async () => {
    // The worker under test runs in this isolate: its PDF module is this one.
    expect(fontParses()).toBe(2); // regular and bold, after the PDFs above
    const o = await createOffer(owner, offerInput({ customer }, [[product, 1]]));
    const res = await page(`/offers/${localId(o.id)}/pdf`, { headers: { authorization: `Bearer ${owner}` } });
    expect(res.status).toBe(200);
    expect(fontParses()).toBe(2);
  });
});
