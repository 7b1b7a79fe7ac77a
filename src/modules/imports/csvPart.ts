// The frame of a CSV part, the same for every kind: each part starts with the header line; data lines
// are numbered after it (line 0 is the header); blank lines are skipped; a record with the wrong number
// of fields is an issue of its line. The kind turns each record into its rows.
import { csvRecords } from '../../lib/records';

export interface CsvColumns {
  /** Every column the kind reads. */
  known: readonly string[];
  /** Columns the header must name. */
  required: readonly string[];
}

/**
 * Calls `row` with each record as { column: text }, and `mismatch` (before its issue is added) for a
 * record whose field count differs from the header's. Returns the part's physical lines without the header.
 */
export function eachCsvRecord(
  text: string,
  columns: CsvColumns,
  issues: [number, string][],
  row: (line: number, raw: Record<string, string>) => void,
  mismatch: (line: number) => void,
): number {
  let header: string[] | null = null;
  let headerLines = 0;
  let lastLine = 0;
  for (const rec of csvRecords(text)) {
    lastLine = rec.line + Math.max(rec.lines, 1) - 1;
    if (!header) {
      header = rec.fields.map((f) => f.trim());
      headerLines = Math.max(rec.lines, 1);
      const unknown = header.filter((h) => !columns.known.includes(h));
      if (unknown.length) issues.push([0, `Unknown CSV columns: ${unknown.join(', ')}.`]);
      for (const required of columns.required)
        if (!header.includes(required)) issues.push([0, `The CSV header lacks the ${required} column.`]);
      continue;
    }
    const line = rec.line - headerLines;
    if (rec.fields.length === 1 && rec.fields[0].trim() === '') continue;
    if (rec.fields.length !== header.length) {
      mismatch(line);
      issues.push([line, `Expected ${header.length} fields, found ${rec.fields.length}.`]);
      continue;
    }
    const raw: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) raw[header[k]] = rec.fields[k];
    row(line, raw);
  }
  if (!header) issues.push([0, 'The part is empty: every CSV part starts with the header line.']);
  return Math.max(lastLine - headerLines, 0);
}
