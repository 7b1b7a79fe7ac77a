// Contact files: CSV with a header row, and vCard 3.0/4.0. Each record remembers the line it starts on,
// so that every problem is reported with a line number.

export interface ContactRecord {
  line: number;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  notes?: string;
  status?: string;
  nextStep?: string;
  nextStepDate?: string;
}

export interface ParseResult {
  records: ContactRecord[];
  errors: { line: number; message: string }[];
}

type Field = Exclude<keyof ContactRecord, 'line'> | 'fullName';

// Header names people's exports use (lower case, spaces/underscores/dashes removed).
const HEADERS: Record<string, Field> = {
  firstname: 'firstName',
  givenname: 'firstName',
  fornavn: 'firstName',
  imie: 'firstName',
  vorname: 'firstName',
  lastname: 'lastName',
  familyname: 'lastName',
  surname: 'lastName',
  efternavn: 'lastName',
  nazwisko: 'lastName',
  nachname: 'lastName',
  name: 'fullName',
  fullname: 'fullName',
  navn: 'fullName',
  email: 'email',
  emailaddress: 'email',
  mail: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  telephone: 'phone',
  tel: 'phone',
  telefon: 'phone',
  notes: 'notes',
  note: 'notes',
  status: 'status',
  nextstep: 'nextStep',
  nextstepdate: 'nextStepDate',
};

/** RFC 4180 rows with the line each starts on (quoted fields may span lines). */
function csvRows(text: string, delimiter: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let sawAny = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      sawAny = true;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      sawAny = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (sawAny || cells.some((c) => c !== '')) rows.push({ line: start, cells });
      cells = [];
      cell = '';
      sawAny = false;
      line++;
      start = line;
    } else {
      cell += ch;
      sawAny = true;
    }
  }
  if (quoted) rows.push({ line: start, cells: [...cells, cell, '\u0000unterminated'] });
  else if (sawAny || cell !== '') rows.push({ line: start, cells: [...cells, cell] });
  return rows;
}

export function parseCsv(text: string): ParseResult {
  const body = text.replace(/^\uFEFF/, '');
  // European spreadsheets write ";" (or a tab): the header line says which one this file uses.
  const first = body.split(/\r?\n/, 1)[0];
  const count = (c: string) => first.split(c).length;
  const delimiter = [',', ';', '\t'].reduce((a, b) => (count(b) > count(a) ? b : a));
  const rows = csvRows(body, delimiter);
  const errors: ParseResult['errors'] = [];
  const records: ContactRecord[] = [];
  const header = rows.shift();
  if (!header) return { records, errors: [{ line: 1, message: 'The file is empty.' }] };
  const fields = header.cells.map(
    (h) =>
      HEADERS[
        h
          .trim()
          .toLowerCase()
          .replace(/[\s_\-.]/g, '')
      ] ?? null,
  );
  if (!fields.includes('firstName') && !fields.includes('fullName'))
    errors.push({ line: header.line, message: 'The header needs a first name column (or "name").' });
  for (const { line, cells } of rows) {
    if (cells.at(-1) === '\u0000unterminated') {
      errors.push({ line, message: 'A quoted field is not closed.' });
      continue;
    }
    if (cells.every((c) => c.trim() === '')) continue;
    if (cells.length > fields.length && cells.slice(fields.length).some((c) => c.trim() !== ''))
      errors.push({ line, message: `${cells.length} fields, but the header has ${fields.length}.` });
    const rec: ContactRecord = { line };
    let fullName: string | undefined;
    fields.forEach((f, i) => {
      const v = cells[i]?.trim();
      if (!f || !v) return;
      if (f === 'fullName') fullName = v;
      else rec[f] = v;
    });
    if (fullName && !rec.firstName) Object.assign(rec, splitName(fullName, rec.lastName));
    records.push(rec);
  }
  return { records, errors };
}

function splitName(full: string, lastName?: string): Pick<ContactRecord, 'firstName' | 'lastName'> {
  const parts = full.trim().split(/\s+/);
  if (lastName || parts.length === 1) return { firstName: full.trim(), lastName };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1) };
}

/** vCard text value: \n, \, \; \\ escapes. */
function unescapeVcard(v: string): string {
  return v.replace(/\\([nN,;\\])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits a structured value (N) on unescaped semicolons. */
function splitStructured(v: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\' && i + 1 < v.length) {
      cur += v[i] + v[i + 1];
      i++;
    } else if (v[i] === ';') {
      parts.push(cur);
      cur = '';
    } else cur += v[i];
  }
  parts.push(cur);
  return parts.map((p) => unescapeVcard(p).trim());
}

export function parseVcard(text: string): ParseResult {
  const errors: ParseResult['errors'] = [];
  const records: ContactRecord[] = [];
  // Unfold: a line starting with a space or tab continues the previous one (RFC 6350 3.2).
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const lines: { line: number; text: string }[] = [];
  physical.forEach((t, i) => {
    if ((t.startsWith(' ') || t.startsWith('\t')) && lines.length) lines[lines.length - 1].text += t.slice(1);
    else lines.push({ line: i + 1, text: t });
  });
  let card: (ContactRecord & { fn?: string; version?: string }) | null = null;
  for (const { line, text: t } of lines) {
    if (t.trim() === '') continue;
    const colon = t.indexOf(':');
    if (colon < 0) {
      errors.push({ line, message: 'Not a vCard property (no ":").' });
      continue;
    }
    const [rawName, ...params] = t.slice(0, colon).split(';');
    const name = rawName.replace(/^[^.]*\./, '').toUpperCase(); // drop a group prefix such as "item1."
    const value = t.slice(colon + 1);
    if (name === 'BEGIN' && value.trim().toUpperCase() === 'VCARD') {
      if (card) errors.push({ line: card.line, message: 'A vCard is not closed with END:VCARD.' });
      card = { line };
      continue;
    }
    if (!card) {
      errors.push({ line, message: 'A property outside BEGIN:VCARD ... END:VCARD.' });
      continue;
    }
    if (name === 'END' && value.trim().toUpperCase() === 'VCARD') {
      if (card.version && !['3.0', '4.0'].includes(card.version))
        errors.push({
          line: card.line,
          message: `vCard version ${card.version} is not supported (use 3.0 or 4.0).`,
        });
      if (!card.firstName && card.fn) Object.assign(card, splitName(card.fn, card.lastName));
      const { fn: _fn, version: _v, ...rec } = card;
      records.push(rec);
      card = null;
      continue;
    }
    if (params.some((p) => /^ENCODING=QUOTED-PRINTABLE$/i.test(p))) {
      errors.push({ line, message: 'Quoted-printable (vCard 2.1) is not supported.' });
      continue;
    }
    switch (name) {
      case 'VERSION':
        card.version = value.trim();
        break;
      case 'FN':
        card.fn = unescapeVcard(value).trim();
        break;
      case 'N': {
        const [family, given] = splitStructured(value);
        if (given) card.firstName = given;
        if (family) card.lastName = family;
        break;
      }
      case 'EMAIL':
        card.email ??= unescapeVcard(value).trim();
        break;
      case 'TEL':
        card.phone ??= unescapeVcard(value).trim().replace(/^tel:/i, '');
        break;
      case 'NOTE':
        card.notes = unescapeVcard(value);
        break;
    }
  }
  if (card) errors.push({ line: card.line, message: 'A vCard is not closed with END:VCARD.' });
  if (!records.length && !errors.length) errors.push({ line: 1, message: 'No vCard in the file.' });
  return { records, errors };
}
