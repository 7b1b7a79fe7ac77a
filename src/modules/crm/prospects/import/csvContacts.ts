// Contacts of a CSV part: a header row naming the columns the way people's exports do (any case, in
// English, Danish, Polish or German), then one contact per record. The delimiter is what the header line
// uses (",", ";" or a tab). Each part starts with the header; the lines after it count from 1.
import { csvRecords, headerDelimiter } from '../../../../lib/records';
import { type ContactRecord, type ContactsRead, splitName } from './contacts';

type Field = Exclude<keyof ContactRecord, 'line'> | 'fullName';

// Header names people's exports use (lower case, spaces/underscores/dashes/dots removed).
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

const fieldOf = (header: string): Field | null =>
  HEADERS[
    header
      .trim()
      .toLowerCase()
      .replace(/[\s_\-.]/g, '')
  ] ?? null;

/**
 * Reads a CSV part. Blank records are skipped; a record may have fewer fields than the header, but not
 * more non-empty ones. Line numbers are physical lines minus one (the header is line 1 of the file).
 */
export function readCsvContacts(text: string): ContactsRead {
  // A spreadsheet's byte-order mark is no data; old Mac exports end lines with a lone CR.
  const body = text.replace(/^\uFEFF/, '').replace(/\r(?!\n)/g, '\n');
  const records: ContactRecord[] = [];
  const issues: [number, string][] = [];
  let fields: (Field | null)[] | null = null;
  let lastLine = 0;
  for (const rec of csvRecords(body, headerDelimiter(body))) {
    lastLine = rec.line + Math.max(rec.lines, 1) - 1;
    const line = rec.line - 1;
    if (rec.unterminated) {
      issues.push([line, 'A quoted field is not closed.']);
      continue;
    }
    if (rec.fields.every((f) => f.trim() === '')) continue;
    if (!fields) {
      fields = rec.fields.map(fieldOf);
      if (!fields.includes('firstName') && !fields.includes('fullName'))
        issues.push([line, 'The header needs a first name column (or "name").']);
      continue;
    }
    if (rec.fields.length > fields.length && rec.fields.slice(fields.length).some((f) => f.trim() !== ''))
      issues.push([line, `${rec.fields.length} fields, but the header has ${fields.length}.`]);
    records.push(contactOf(line, fields, rec.fields));
  }
  if (!fields) issues.push([0, 'The file is empty.']);
  return { records, issues, lines: Math.max(lastLine - 1, 0) };
}

function contactOf(
  line: number,
  fields: readonly (Field | null)[],
  values: readonly string[],
): ContactRecord {
  const rec: ContactRecord = { line };
  let fullName: string | undefined;
  fields.forEach((f, i) => {
    const v = values[i]?.trim();
    if (!f || !v) return;
    if (f === 'fullName') fullName = v;
    else rec[f] = v;
  });
  if (fullName && !rec.firstName) Object.assign(rec, splitName(fullName, rec.lastName));
  return rec;
}
