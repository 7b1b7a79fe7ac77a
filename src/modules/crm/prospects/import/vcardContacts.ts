// Contacts of a vCard 3.0/4.0 part (.vcf): FN, N, EMAIL, TEL, NOTE. Lines are physical lines of the part,
// from 1; a part holds whole cards.
import { type ContactRecord, type ContactsRead, splitName } from './contacts';

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

type Card = ContactRecord & { fn?: string; version?: string };

/** Logical lines: a line starting with a space or tab continues the previous one (RFC 6350 3.2). */
function unfold(physical: readonly string[]): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  physical.forEach((t, i) => {
    if ((t.startsWith(' ') || t.startsWith('\t')) && lines.length) lines[lines.length - 1].text += t.slice(1);
    else lines.push({ line: i + 1, text: t });
  });
  return lines;
}

export function readVcardContacts(text: string): ContactsRead {
  const issues: [number, string][] = [];
  const records: ContactRecord[] = [];
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let card: Card | null = null;
  for (const { line, text: t } of unfold(physical)) {
    if (t.trim() === '') continue;
    const colon = t.indexOf(':');
    if (colon < 0) {
      issues.push([line, 'Not a vCard property (no ":").']);
      continue;
    }
    const [rawName, ...params] = t.slice(0, colon).split(';');
    const name = rawName.replace(/^[^.]*\./, '').toUpperCase(); // drop a group prefix such as "item1."
    const value = t.slice(colon + 1);
    if (name === 'BEGIN' && value.trim().toUpperCase() === 'VCARD') {
      if (card) issues.push([card.line, 'A vCard is not closed with END:VCARD.']);
      card = { line };
    } else if (!card) issues.push([line, 'A property outside BEGIN:VCARD ... END:VCARD.']);
    else if (name === 'END' && value.trim().toUpperCase() === 'VCARD') {
      records.push(endCard(card, issues));
      card = null;
    } else if (params.some((p) => /^ENCODING=QUOTED-PRINTABLE$/i.test(p)))
      issues.push([line, 'Quoted-printable (vCard 2.1) is not supported.']);
    else setProperty(card, name, value);
  }
  if (card) issues.push([card.line, 'A vCard is not closed with END:VCARD.']);
  if (!records.length && !issues.length) issues.push([1, 'No vCard in the file.']);
  // A last line end closes the last line; it starts none.
  const lines = physical.length - (physical.at(-1) === '' ? 1 : 0);
  return { records, issues, lines };
}

function endCard(card: Card, issues: [number, string][]): ContactRecord {
  if (card.version && !['3.0', '4.0'].includes(card.version))
    issues.push([card.line, `vCard version ${card.version} is not supported (use 3.0 or 4.0).`]);
  if (!card.firstName && card.fn) Object.assign(card, splitName(card.fn, card.lastName));
  const { fn: _fn, version: _v, ...rec } = card;
  return rec;
}

function setProperty(card: Card, name: string, value: string) {
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
