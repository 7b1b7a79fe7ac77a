import { Hono } from 'hono';
import type { Env } from '../env';
import { ExpectedError } from '../lib/errors';
import { DISCLOSURE_LOCALES, type DisclosureLocale } from '../modules/compliance/model';
import { disclosureCsv, disclosureHtml } from '../modules/compliance/render';
import { incomeDisclosure, type RangeInput } from '../modules/compliance/statement';
import { staffOnly } from './staffOnly';

// Staff downloads of the income disclosure statement: CSV, and the printable page (HTML with an SVG chart).
// Range: ?year=2026, or ?from=2026-01&to=2026-06; the page takes ?locale=da|pl|de|en (default en).
export const compliance = new Hono<{ Bindings: Env }>();

compliance.use('*', staffOnly);

function rangeOf(q: Record<string, string>): RangeInput {
  const year = q.year;
  return {
    year: year == null ? null : /^\d{1,4}$/.test(year) ? Number(year) : Number.NaN,
    from: q.from ?? null,
    to: q.to ?? null,
  };
}

/** A bad range (or one without a committed period) is a 400 with the typed error's code and issues. */
async function statement(db: D1Database, q: Record<string, string>) {
  try {
    return { ok: true as const, value: await incomeDisclosure(db, rangeOf(q)) };
  } catch (e) {
    if (e instanceof ExpectedError)
      return { ok: false as const, error: { error: e.message, ...e.extensions } };
    throw e;
  }
}

compliance.get('/income-disclosure.csv', async (c) => {
  const s = await statement(c.env.DB, c.req.query());
  if (!s.ok) return c.json(s.error, 400);
  return c.body(disclosureCsv(s.value), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="income-disclosure-${s.value.from}-${s.value.to}.csv"`,
  });
});

compliance.get('/income-disclosure.html', async (c) => {
  const locale = c.req.query('locale') ?? 'en';
  if (!(DISCLOSURE_LOCALES as readonly string[]).includes(locale))
    return c.json(
      { error: `locale must be one of ${DISCLOSURE_LOCALES.join(', ')}.`, code: 'BAD_USER_INPUT' },
      400,
    );
  const s = await statement(c.env.DB, c.req.query());
  if (!s.ok) return c.json(s.error, 400);
  return c.html(disclosureHtml(s.value, locale as DisclosureLocale));
});
