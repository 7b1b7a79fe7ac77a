// Parsing and field validation of one uploaded part (pure, no I/O). A part holds whole lines of the file:
// NDJSON lines, or CSV whose every part starts with the header line.
import { z } from 'zod';
import { isIsoCountry } from '../../../lib/countries';
import { eachNdjsonObject } from '../../../lib/records';
import { hasControlOrBidi } from '../../../lib/text';
import { DISTRIBUTOR_STATUSES } from '../../auth/accountStatus';
import { type CsvColumns, eachCsvRecord } from '../../imports/csvPart';
import { isCanonicalInstant } from '../../imports/instants';
import type { ImportFormat } from '../../imports/limits';
import { LOCALES } from '../model';
import { profileFields } from '../validation';

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
 *  email, phone, country, locale, status, joinedAt, referralCode, bad, searchName]
 * (searchName: the lower-cased "first last" that people search and the name filters read)
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
  string | null,
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

// ---- Fast path: the same rules as rowSchema, written out, for rows that pass them all. Anything it does
// not accept goes through rowSchema, which gives the exact messages (and accepts what this is unsure of).
// zod's object parsing costs ~7 us a row even when it can compile (Workers cannot), a third of the upload.
const FIELDS = new Set<string>(IMPORT_FIELDS);
const EMAIL = z.regexes.email;
const DATETIME = z.regexes.datetime({ offset: true, local: false, precision: null });
const PHONE = /^\+[1-9]\d{7,14}$/;
const REFERRAL = /^[A-Za-z0-9_-]{3,32}$/;
const isLocale = (v: unknown) => (LOCALES as readonly unknown[]).includes(v);
const isStatus = (v: unknown) => (DISTRIBUTOR_STATUSES as readonly unknown[]).includes(v);

/** A trimmed string of min..max characters, or null (also for a non-string). */
function trimmed(v: unknown, min: number, max: number): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length >= min && t.length <= max ? t : null;
}

function fastRow(line: number, rec: Record<string, unknown>, now: string): StagedRow | null {
  for (const key in rec) if (!FIELDS.has(key)) return null;
  const ext = trimmed(rec.externalId, 1, 64);
  const first = trimmed(rec.firstName, 1, 100);
  const last = trimmed(rec.lastName, 1, 100);
  if (ext == null || first == null || last == null || !isLocale(rec.locale)) return null;
  if (hasControlOrBidi(first) || hasControlOrBidi(last)) return null;
  if (typeof rec.country !== 'string') return null;
  const country = rec.country.trim().toUpperCase();
  if (!isIsoCountry(country)) return null;
  let sponsor: string | null = null;
  if (rec.sponsorExternalId !== undefined) {
    sponsor = trimmed(rec.sponsorExternalId, 1, 64);
    if (sponsor == null) return null;
  }
  let parent: string | null = null;
  if (rec.placementParentExternalId !== undefined) {
    parent = trimmed(rec.placementParentExternalId, 1, 64);
    if (parent == null) return null;
  }
  const pos = rec.placementPosition;
  if (pos !== undefined && !(typeof pos === 'number' && Number.isInteger(pos) && pos >= 0 && pos <= 35))
    return null;
  if ((parent == null) !== (pos === undefined)) return null;
  let email: string | null = null;
  if (rec.email !== undefined) {
    if (typeof rec.email !== 'string') return null;
    email = rec.email.trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 254) return null;
  }
  let phone: string | null = null;
  if (rec.phone !== undefined) {
    if (typeof rec.phone !== 'string') return null;
    phone = rec.phone.replace(/[\s-]/g, '');
    if (!PHONE.test(phone)) return null;
  }
  if (rec.status !== undefined && !isStatus(rec.status)) return null;
  let joined = now;
  if (rec.joinedAt !== undefined) {
    if (typeof rec.joinedAt !== 'string' || !DATETIME.test(rec.joinedAt)) return null;
    // Already in toISOString's own form (milliseconds, Z; the pattern checked the date): kept as is.
    joined = isCanonicalInstant(rec.joinedAt) ? rec.joinedAt : new Date(rec.joinedAt).toISOString();
  }
  let code: string | null = null;
  if (rec.referralCode !== undefined) {
    if (typeof rec.referralCode !== 'string') return null;
    code = rec.referralCode.trim();
    if (!REFERRAL.test(code)) return null;
  }
  return [
    line,
    ext,
    sponsor,
    parent,
    (pos as number | undefined) ?? null,
    first,
    last,
    email,
    phone,
    country,
    rec.locale as string,
    (rec.status as string | undefined) ?? 'ACTIVE',
    joined,
    code,
    0,
    `${first} ${last}`.toLowerCase(),
  ];
}

function validate(
  line: number,
  raw: Record<string, unknown>,
  now: string,
  out: ParsedPart,
  fast: boolean,
): void {
  const rec = normalize(raw);
  const row = fast ? fastRow(line, rec, now) : null;
  if (row) {
    out.rows.push(row);
    return;
  }
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
      `${r.firstName} ${r.lastName}`.toLowerCase(),
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
    out.rows.push([
      line,
      ext,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      1,
      null,
    ]);
}

/** `fast: false` checks every row with rowSchema alone (the tests compare the two). */
export function parsePart(format: ImportFormat, text: string, now: string, fast = true): ParsedPart {
  return format === 'NDJSON' ? parseNdjson(text, now, fast) : parseCsv(text, now, fast);
}

function parseNdjson(text: string, now: string, fast: boolean): ParsedPart {
  const out: ParsedPart = { rows: [], lines: 0, records: 0, issues: [] };
  const counted = eachNdjsonObject(
    text,
    (line, value) => validate(line, value, now, out, fast),
    (line, message) => out.issues.push([line, message]),
  );
  out.lines = counted.lines;
  out.records = counted.records;
  return out;
}

const CSV_COLUMNS: CsvColumns = { known: IMPORT_FIELDS, required: ['externalId'] };

function parseCsv(text: string, now: string, fast: boolean): ParsedPart {
  const out: ParsedPart = { rows: [], lines: 0, records: 0, issues: [] };
  out.lines = eachCsvRecord(
    text,
    CSV_COLUMNS,
    out.issues,
    (line, raw) => {
      out.records++;
      validate(line, raw, now, out, fast);
    },
    () => out.records++,
  );
  return out;
}
