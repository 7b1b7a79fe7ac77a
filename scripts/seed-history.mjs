// The demo's last two months, through the API: paid orders in both, the month before last closed,
// committed and paid (statements, ledger, balances and payout files show at once), last month left open
// for a newcomer to close. Members get bank accounts and the company a debtor account for the SEPA file.
import { dayOf, monthFromNow, mulberry32, mutate, waitFor } from './seed-api.mjs';

const BANK = {
  DK: { iban: 'DK5000400440116243', bic: 'DABADKKK' },
  PL: { iban: 'PL61109010140000071219812874', bic: 'WBKPPLPP' },
  DE: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
};

/** Paid own orders of about 70 % of the members in `month`, most of them enough to be active; returns how many. */
async function seedMonthOrders(gql, admin, members, products, month, rand, progress) {
  let orders = 0;
  for (const [i, m] of members.entries()) {
    if (i % 50 === 0) progress(`orders of ${month} ${i}/${members.length}`);
    // The first members (the README's examples and their upline) always buy, so their statements show.
    if (i >= 4 && rand() > 0.7) continue;
    const day = 2 + Math.floor(rand() * 24);
    const lines = [{ productId: products[Math.floor(rand() * 4)], quantity: 3 + Math.floor(rand() * 3) }];
    const o = await mutate(
      gql,
      admin,
      'createOrder',
      { distributorId: m.id, lines, placedAt: dayOf(month, day), idempotencyKey: `demo-${month}-${i}` },
      'order { id }',
    );
    await mutate(gql, admin, 'markOrderPaid', {
      id: o.order.id,
      paidAt: dayOf(month, day, 16),
      reference: `demo-${month}-${i}`,
    });
    orders++;
  }
  return orders;
}

/** Closes a period and waits for REVIEW; then commits it and marks it paid. */
async function closeCommitPay(gql, admin, period, progress) {
  progress(`closing ${period}`);
  await mutate(gql, admin, 'startPeriodClose', { period });
  const status = await waitFor(`the close of ${period}`, async () => {
    const p = (
      await gql('query($p: String!) { commissionPeriod(period: $p) { status error } }', { p: period }, admin)
    ).commissionPeriod;
    if (p?.error) throw new Error(`seed: the close of ${period} failed: ${p.error}`);
    return p?.status === 'REVIEW' ? p.status : null;
  });
  progress(`committing and paying ${period} (${status})`);
  await mutate(gql, admin, 'commitPeriod', { period });
  await mutate(gql, admin, 'markPeriodPaid', { period });
}

export async function seedHistory(gql, admin, members, products, progress = () => {}) {
  const rand = mulberry32(2026);
  progress('bank accounts');
  await mutate(gql, admin, 'updateCompanySettings', {
    payoutDebtorName: 'Demo Wellness ApS',
    payoutDebtorIban: 'DK5000400440116243',
    payoutDebtorBic: 'DABADKKK',
  });
  for (const [i, m] of members.entries()) {
    if (i % 50 === 0) progress(`bank accounts ${i}/${members.length}`);
    await mutate(gql, admin, 'updateDistributorProfile', { id: m.id, ...BANK[m.country] });
  }
  const monthBefore = monthFromNow(-2);
  const lastMonth = monthFromNow(-1);
  let orders = await seedMonthOrders(gql, admin, members, products, monthBefore, rand, progress);
  orders += await seedMonthOrders(gql, admin, members, products, lastMonth, rand, progress);
  await closeCommitPay(gql, admin, monthBefore, progress);
  return { orders, paidPeriod: monthBefore, openPeriod: lastMonth };
}
