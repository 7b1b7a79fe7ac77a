// Parsing and field validation of one uploaded part (pure, no I/O). A part holds whole lines of the file:
// NDJSON lines, or CSV whose every part starts with the header line.
import { z } from 'zod';
import { DISTRIBUTOR_STATUSES } from '../model';
import { profileFields } from '../validation';

export const IMPORT_FORMATS = ['NDJSON', 'CSV'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const IMPORT_FIELDS = [
  'externalId',
  'sponsorExternalId',
  'placementParentExternalId',
  'placementPosition',
  'firstName',
  'lastName',
  'email',
  'phone',
  'country',
  'locale',
  'status',
  'joinedAt',
  'referralCode',
] as const;

const ref = z.string().trim().min(1).max(64, 'At most 64 characters.');
const rowSchema = z
  .strictObject({
    externalId: ref,
    sponsorExternalId: ref.optional(),
    placementParentExternalId: ref.optional(),
    placementPosition: z.number().int('Must be a whole number.').min(0).max(35).optional(),
    ...profileFields,
    email: profileFields.email.unwrap().unwrap().optional(),
    phone: profileFields.phone.unwrap().unwrap().optional(),
    status: z.enum(DISTRIBUTOR_STATUSES).optional(),
    joinedAt: z.iso.datetime({ offset: true }).optional(),
    referralCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{3,32}$/, 'Use 3 to 32 letters, digits, "-" or "_".')
      .optional(),
  })
  .refine((r) => (r.placementParentExternalId == null) === (r.placementPosition == null), {
    message: 'Give placementParentExternalId and placementPosition together, or neither.',
    path: ['placementPosition'],
  });

/**
 * A row as stored for the later steps:
 * [line, externalId, sponsorExternalId, placementParentExternalId, placementPosition, firstName, lastName,
 *  email, phone, country, locale, status, joinedAt, referralCode, bad]
 */
export type StagedRow = [
  number,
  string,
  string | null,
  string | null,
  number | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  0 | 1,
];

export interface ParsedPart {
  rows: StagedRow[];
  /** Physical lines of the part (CSV: without its header line). */
  lines: number;
  /** Data records (non-empty lines / CSV records), good or bad. */
  records: number;
  /** [line within the part (CSV: without the header), message]; line 0 = the part's header. */
  issues: [number, string][];
}

/** Normalizes a raw record (JSON values or CSV strings): empty values are absent, positions are numbers. */
function normalize(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in raw) {
    const v = raw[key];
    if (v === null || v === undefined || v === '') continue;
    out[key] = v;
  }
  const pos = out.placementPosition;
  if (typeof pos === 'string') {
    const t = pos.trim().toUpperCase();
    out.placementPosition = t === 'LEFT' ? 0 : t === 'RIGHT' ? 1 : /^\d+$/.test(t) ? Number(t) : pos;
  }
  return out;
}

function validate(line: number, raw: Record<string, unknown>, now: string, out: ParsedPart): void {
  const rec = normalize(raw);
  const result = rowSchema.safeParse(rec);
  if (result.success) {
    const r = result.data;
    out.rows.push([
      line,
      r.externalId,
      r.sponsorExternalId ?? null,
      r.placementParentExternalId ?? null,
      r.placementPosition ?? null,
      r.firstName,
      r.lastName,
      r.email ?? null,
      r.phone ?? null,
      r.country,
      r.locale,
      r.status ?? 'ACTIVE',
      r.joinedAt ? new Date(r.joinedAt).toISOString() : now,
      r.referralCode ?? null,
      0,
    ]);
    return;
  }
  const message = result.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  out.issues.push([line, message]);
  // Kept (marked bad) so that rows naming it as sponsor are not also reported as unknown references.
  const ext = typeof rec.externalId === 'string' ? rec.externalId.trim() : '';
  if (ext && ext.length <= 64)
    out.rows.push([line, ext, null, null, null, null, null, null, null, null, null, null, null, null, 1]);
}

export function parsePart(format: ImportFormat, text: string, now: string): ParsedPart {
  return format === 'NDJSON' ? parseNdjson(text, now) : parseCsv(text, now);
}

function parseNdjson(text: string, now: string): ParsedPart {
  const out: ParsedPart = { rows: [], lines: 0, records: 0, issues: [] };
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const s = text.slice(start, end).trim();
    start = end + 1;
    if (!s) continue;
    out.records++;
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch {
      out.issues.push([line, 'Not valid JSON.']);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.issues.push([line, 'Each line must be a JSON object.']);
      continue;
    }
    validate(line, value as Record<string, unknown>, now, out);
  }
  out.lines = line;
  return out;
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

function parseCsv(text: string, now: string): ParsedPart {
  const out: ParsedPart = { rows: [], lines: 0, records: 0, issues: [] };
  let header: string[] | null = null;
  let headerLines = 0;
  let lastLine = 0;
  for (const rec of csvRecords(text)) {
    lastLine = rec.line + Math.max(rec.lines, 1) - 1;
    if (!header) {
      header = rec.fields.map((f) => f.trim());
      headerLines = Math.max(rec.lines, 1);
      const unknown = header.filter((h) => !(IMPORT_FIELDS as readonly string[]).includes(h));
      if (unknown.length) out.issues.push([0, `Unknown CSV columns: ${unknown.join(', ')}.`]);
      if (!header.includes('externalId')) out.issues.push([0, 'The CSV header lacks the externalId column.']);
      continue;
    }
    const line = rec.line - headerLines;
    if (rec.fields.length === 1 && rec.fields[0].trim() === '') continue;
    out.records++;
    if (rec.fields.length !== header.length) {
      out.issues.push([line, `Expected ${header.length} fields, found ${rec.fields.length}.`]);
      continue;
    }
    const raw: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) raw[header[k]] = rec.fields[k];
    validate(line, raw, now, out);
  }
  if (!header) out.issues.push([0, 'The part is empty: every CSV part starts with the header line.']);
  out.lines = Math.max(lastLine - headerLines, 0);
  return out;
}
