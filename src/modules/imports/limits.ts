// The sizes every import kind shares: what a part, a bound JSON value and the kept issue list may hold.

export const IMPORT_FORMATS = ['NDJSON', 'CSV'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Largest part body accepted (bytes). */
export const MAX_PART_BYTES = 8 * 1024 * 1024;
/** Issues kept per import (all are counted). */
export const MAX_ISSUES = 1000;
/** Largest JSON parameter we bind: D1 refuses ~7 MB; 1.5 MB keeps a statement fast and any row small. */
export const MAX_JSON_PARAM = 1_500_000;
/** Queue deliveries of a step before the import is given up (and undone). */
export const MAX_ATTEMPTS = 5;
/** Wall time one apply message spends before handing over to a fresh message. */
export const APPLY_BUDGET_MS = 120_000;
/** part_no * LINE_KEY + line orders staged rows in file order (a part holds fewer lines than this). */
export const LINE_KEY = 16_777_216;

/** Splits rows into JSON arrays of at most MAX_JSON_PARAM characters. */
export function jsonChunks(rows: readonly unknown[]): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const r of rows) {
    const s = JSON.stringify(r);
    if (parts.length && size + s.length + 1 > MAX_JSON_PARAM) {
      out.push(`[${parts.join(',')}]`);
      parts = [];
      size = 2;
    }
    parts.push(s);
    size += s.length + 1;
  }
  if (parts.length) out.push(`[${parts.join(',')}]`);
  return out;
}
