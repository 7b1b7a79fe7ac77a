import { Hono } from 'hono';
import type { Env } from '../env';
import { payoutCsv } from '../modules/commissions/payouts/csv';
import { pain001 } from '../modules/commissions/payouts/files';
import { payeesOf, payoutDebtor } from '../modules/commissions/payouts/repository';
import { isPeriodId } from '../modules/commissions/periods/bounds';
import { periodById } from '../modules/commissions/periods/repository';
import { loadSettings } from '../modules/company/settings';
import { staffOnly } from './staffOnly';

// Staff downloads of a paid period's payout batch: CSV, and a SEPA credit transfer (pain.001) for euros.
export const payouts = new Hono<{ Bindings: Env }>();

payouts.use('*', staffOnly);

async function paidPeriod(db: D1Database, period: string) {
  if (!isPeriodId(period)) return 'Use a period like 2026-10.';
  const row = await periodById(db, period);
  if (row?.status !== 'PAID') return `Period ${period} has no payout batch (mark it paid first).`;
  return null;
}

payouts.get('/:period/payouts.csv', async (c) => {
  const period = c.req.param('period');
  const problem = await paidPeriod(c.env.DB, period);
  if (problem) return c.json({ error: problem }, 404);
  const settings = await loadSettings(c.env.DB);
  const body = payoutCsv(period, settings.payoutCurrency, await payeesOf(c.env.DB, period));
  return c.body(body, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="payouts-${period}.csv"`,
  });
});

payouts.get('/:period/sepa.xml', async (c) => {
  const period = c.req.param('period');
  const problem = await paidPeriod(c.env.DB, period);
  if (problem) return c.json({ error: problem }, 404);
  const debtor = await payoutDebtor(c.env.DB);
  if (!debtor) return c.json({ error: 'Set the company’s payout account (name and IBAN) first.' }, 409);
  if (debtor.currency !== 'EUR')
    return c.json({ error: `SEPA pays euros; payouts are in ${debtor.currency}. Use the CSV.` }, 409);
  const payees = await payeesOf(c.env.DB, period);
  const missing = payees.filter((p) => !p.iban).length;
  const body = pain001({
    messageId: `MLM-${period}-${Date.now()}`,
    createdAt: new Date(),
    executionDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    debtor,
    period,
    payees,
  });
  return c.body(body, 200, {
    'content-type': 'application/xml; charset=utf-8',
    'content-disposition': `attachment; filename="sepa-${period}.xml"`,
    'x-payees-without-iban': String(missing),
  });
});
