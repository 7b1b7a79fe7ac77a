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

/** RFC 4180 records with the physical line each starts on (quoted fields may span lines). */
export function* csvRecords(text: string): Generator<{ line: number; fields: string[]; lines: number }> {
  let i = 0;
  let line = 1;
  const len = text.length;
  while (i < len) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    for (;;) {
      if (i < len && text.charCodeAt(i) === 34 /* " */) {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            field += text.slice(i);
            i = len;
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
      // Unquoted part (or what follows a closing quote) up to the next comma or line end.
      let j = i;
      while (j < len) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
      if (i < len && text.charCodeAt(i) === 44) {
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
    yield { line: startLine, fields, lines: line - startLine };
  }
}
