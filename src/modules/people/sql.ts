// The SQL expressions that fill person_fts, shared by the bulk indexer with the triggers of
// migrations/0006_crm.sql (which were generated from these same definitions: keep them in step).

const FOLD: [string, string][] = [
  ['ł', 'l'],
  ['Ł', 'L'],
  ['ø', 'o'],
  ['Ø', 'O'],
  ['æ', 'ae'],
  ['Æ', 'AE'],
  ['ß', 'ss'],
  ['đ', 'd'],
  ['Đ', 'D'],
  ['ı', 'i'],
  ['œ', 'oe'],
  ['Œ', 'OE'],
];

/** Letters unicode61's remove_diacritics keeps as they are (no Unicode decomposition): folded first. */
export function foldSql(x: string): string {
  return FOLD.reduce((e, [a, b]) => `replace(${e}, '${a}', '${b}')`, x);
}

export function foldText(x: string): string {
  return FOLD.reduce((s, [a, b]) => s.replaceAll(a, b), x);
}

function digitsSql(x: string): string {
  return [' ', '+', '-', '(', ')', '.', '/'].reduce((e, ch) => `replace(${e}, '${ch}', '')`, x);
}

/** The e-mail, the phone's digits, and their 6..10-digit suffixes (found without the country code). */
export function contactSql(email: string, phone: string): string {
  const d = digitsSql(phone);
  const phoneTokens = [d, ...[6, 7, 8, 9, 10].map((n) => `substr(${d}, -${n})`)].join(` || ' ' || `);
  return `coalesce(${foldSql(email)}, '') || ' ' || coalesce(${phoneTokens}, '')`;
}

export const FTS_COLUMNS = 'rowid, name, contact, scope, pscope, kind, ref_id, display, email, phone';

/** s<id> for each sponsor ancestor and self, from a sponsor path such as '1.5.9.'. */
export function sponsorScopeSql(path: string): string {
  return `'kd s' || replace(substr(${path}, 1, length(${path}) - 1), '.', ' s')`;
}

export const KIND_CODES = { DISTRIBUTOR: 0, CUSTOMER: 1, PROSPECT: 2, LEAD: 3 } as const;
export type PersonKind = keyof typeof KIND_CODES;
export const PERSON_KINDS = Object.keys(KIND_CODES) as PersonKind[];
