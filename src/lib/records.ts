// Line-numbered records of an uploaded text file: NDJSON objects and RFC 4180 CSV records. Line numbers are
// physical lines, 1-based, so that every issue can point at the line a person sees in their editor.

/**
 * Calls `onObject` for each non-empty line holding a JSON object and `onIssue` for each that does not;
 * returns how many physical lines and non-empty records the text has.
 */
export function eachNdjsonObject(
  text: string,
  onObject: (line: number, value: Record<string, unknown>) => void,
  onIssue: (line: number, message: string) => void,
): { lines: number; records: number } {
  let start = 0;
  let line = 0;
  let records = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const s = text.slice(start, end).trim();
    start = end + 1;
    if (!s) continue;
    records++;
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch {
      onIssue(line, 'Not valid JSON.');
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      onIssue(line, 'Each line must be a JSON object.');
      continue;
    }
    onObject(line, value as Record<string, unknown>);
  }
  return { lines: line, records };
}

/** The delimiters a CSV file may use: spreadsheets in much of Europe write ";", some exports a tab. */
export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** The delimiter the header line (the text's first line) uses most; a comma on a tie. */
export function headerDelimiter(text: string): CsvDelimiter {
  const end = text.indexOf('\n');
  const header = end < 0 ? text : text.slice(0, end);
  const count = (d: string) => header.split(d).length;
  return CSV_DELIMITERS.reduce((best, d) => (count(d) > count(best) ? d : best));
}

export interface CsvRecord {
  /** The physical line the record starts on. */
  line: number;
  fields: string[];
  /** Physical lines the record spans (0 for a last record without a line end). */
  lines: number;
  /** A quoted field runs to the end of the text: its closing quote is missing. */
  unterminated?: true;
}

/** RFC 4180 records with the physical line each starts on (quoted fields may span lines). */
export function* csvRecords(text: string, delimiter: CsvDelimiter = ','): Generator<CsvRecord> {
  const sep = delimiter.charCodeAt(0);
  let i = 0;
  let line = 1;
  const len = text.length;
  while (i < len) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let unterminated = false;
    for (;;) {
      if (i < len && text.charCodeAt(i) === 34 /* " */) {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            field += text.slice(i);
            i = len;
            unterminated = true;
            break;
          }
          const chunk = text.slice(i, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          field += chunk;
          i = q + 1;
          if (text.charCodeAt(i) === 34) {
            field += '"';
            i++;
          } else break;
        }
      }
      // Unquoted part (or what follows a closing quote) up to the next delimiter or line end.
      let j = i;
      while (j < len) {
        const c = text.charCodeAt(j);
        if (c === sep || c === 10) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
      if (i < len && text.charCodeAt(i) === sep) {
        fields.push(field);
        field = '';
        i++;
        continue;
      }
      fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      if (i < len) {
        i++; // the newline
        line++;
      }
      break;
    }
    const record: CsvRecord = { line: startLine, fields, lines: line - startLine };
    if (unterminated) record.unterminated = true;
    yield record;
  }
}
