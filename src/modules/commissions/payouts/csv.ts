import { formatMinor, type Payee } from './files';

// payouts.csv, pure: RFC 4180 quoting, and text cells that a spreadsheet would read as a formula
// (starting with = + - @, tab or CR) get a leading ' (OWASP CSV injection advice). Numbers we write
// ourselves (ids, amounts) are left as numbers.

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell: neutralised, then quoted if it holds a quote, separator or line break. */
export function csvText(v: string | null): string {
  const s = v == null ? '' : FORMULA_START.test(v) ? `'${v}` : v;
  return /[",;\t\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function payoutCsv(period: string, currency: string, payees: Payee[]): string {
  const header = ['period', 'distributor_id', 'name', 'email', 'iban', 'bic', 'amount', 'currency'];
  const rows = [header.join(',')];
  for (const p of payees)
    rows.push(
      [
        csvText(period),
        String(p.distributorId),
        csvText(p.name),
        csvText(p.email),
        csvText(p.iban),
        csvText(p.bic),
        formatMinor(p.amount),
        csvText(currency),
      ].join(','),
    );
  return `${rows.join('\r\n')}\r\n`;
}
