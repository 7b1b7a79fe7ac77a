import type { Debtor, Payee } from './files';

/** Payees of a paid period: its PAYOUT ledger entries with the distributors' names and bank details. */
export async function payeesOf(db: D1Database, periodId: string): Promise<Payee[]> {
  const { results } = await db
    .prepare(
      `SELECT l.distributor_id, d.first_name || ' ' || d.last_name AS name, d.email, d.iban, d.bic, -l.amount AS amount
       FROM ledger_entry l JOIN distributor d ON d.id = l.distributor_id
       WHERE l.kind = 'PAYOUT' AND l.period_id = ? ORDER BY l.distributor_id`,
    )
    .bind(periodId)
    .all<{
      distributor_id: number;
      name: string;
      email: string | null;
      iban: string | null;
      bic: string | null;
      amount: number;
    }>();
  return results.map((r) => ({
    distributorId: r.distributor_id,
    name: r.name,
    email: r.email,
    iban: r.iban,
    bic: r.bic,
    amount: r.amount,
  }));
}

export async function payoutDebtor(db: D1Database): Promise<(Debtor & { currency: string }) | null> {
  const row = await db
    .prepare(
      'SELECT payout_currency, payout_debtor_name, payout_debtor_iban, payout_debtor_bic FROM company_settings',
    )
    .first<{
      payout_currency: string;
      payout_debtor_name: string | null;
      payout_debtor_iban: string | null;
      payout_debtor_bic: string | null;
    }>();
  if (!row?.payout_debtor_iban || !row.payout_debtor_name) return null;
  return {
    name: row.payout_debtor_name,
    iban: row.payout_debtor_iban,
    bic: row.payout_debtor_bic,
    currency: row.payout_currency,
  };
}
