// Parsing and field validation of one uploaded part of an order import (pure, no I/O).
// NDJSON: one order per line with its lines inline. CSV: one row per order line; consecutive rows with the
// same externalId are one order (order fields on its first row; later rows repeat them or leave them empty).
import { z } from 'zod';
import { BOUNDS } from '../../../lib/limits';
import { eachNdjsonObject } from '../../../lib/records';
import { type CsvColumns, eachCsvRecord } from '../../imports/csvPart';
import type { ImportFormat } from '../../imports/limits';

export const ORDER_FIELDS = [
  'externalId',
  'distributorExternalId',
  'distributorId',
  'customerExternalId',
  'customerId',
  'kind',
  'currency',
  'status',
  'paidAt',
  'createdAt',
  'paymentReference',
] as const;
export const LINE_FIELDS = ['sku', 'quantity', 'unitPrice', 'unitQv', 'unitCv'] as const;
const CSV_COLUMNS: CsvColumns = {
  known: [...ORDER_FIELDS, ...LINE_FIELDS],
  required: ['externalId', 'sku', 'quantity'],
};

const ref = z.string().trim().min(1).max(64, 'At most 64 characters.');
const whole = (min: number, msg: string) => z.number().int('Must be a whole number.').min(min, msg);
const lineSchema = z.strictObject({
  sku: ref,
  quantity: whole(1, 'Must be at least 1.').max(BOUNDS.quantity, `At most ${BOUNDS.quantity}.`),
  unitPrice: whole(0, 'Must not be negative.')
    .max(BOUNDS.unitPrice, `At most ${BOUNDS.unitPrice}.`)
    .optional(),
  unitQv: whole(0, 'Must not be negative.').max(BOUNDS.unitQv, `At most ${BOUNDS.unitQv}.`).optional(),
  unitCv: whole(0, 'Must not be negative.').max(BOUNDS.unitCv, `At most ${BOUNDS.unitCv}.`).optional(),
});
const orderFields = {
  externalId: ref,
  distributorExternalId: ref.optional(),
  distributorId: whole(1, 'Must be positive.').optional(),
  customerExternalId: ref.optional(),
  customerId: whole(1, 'Must be positive.').optional(),
  kind: z.enum(['PERSONAL', 'CUSTOMER']).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'Use an ISO 4217 code such as DKK.')
    .optional(),
  status: z.enum(['PAID', 'PENDING', 'CANCELLED']).optional(),
  paidAt: z.iso
    .datetime({ offset: true, message: 'Use an ISO-8601 instant such as 2026-11-02T10:00:00Z.' })
    .optional(),
  createdAt: z.iso
    .datetime({ offset: true, message: 'Use an ISO-8601 instant such as 2026-11-02T10:00:00Z.' })
    .optional(),
  paymentReference: z.string().trim().min(1).max(200).optional(),
};
export const orderSchema = z
  .strictObject({ ...orderFields, lines: z.array(lineSchema).min(1, 'At least one line.').max(1000) })
  .superRefine((o, ctx) => {
    if ((o.distributorExternalId == null) === (o.distributorId == null))
      ctx.addIssue({
        code: 'custom',
        path: ['distributorExternalId'],
        message: 'Give distributorExternalId or distributorId (one of them).',
      });
    if (o.customerExternalId != null && o.customerId != null)
      ctx.addIssue({
        code: 'custom',
        path: ['customerExternalId'],
        message: 'Give customerExternalId or customerId, not both.',
      });
    const hasCustomer = o.customerExternalId != null || o.customerId != null;
    if (o.kind === 'CUSTOMER' && !hasCustomer)
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'A CUSTOMER order names its customer.' });
    if (o.kind === 'PERSONAL' && hasCustomer)
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'A PERSONAL order has no customer.' });
    const status = o.status ?? 'PAID';
    if (status === 'PAID' && o.paidAt == null)
      ctx.addIssue({ code: 'custom', path: ['paidAt'], message: 'A PAID order needs paidAt.' });
    if (status !== 'PAID' && o.paidAt != null)
      ctx.addIssue({ code: 'custom', path: ['paidAt'], message: `A ${status} order has no paidAt.` });
  });
type OrderInput = z.infer<typeof orderSchema>;

// A fast path for the common, valid order: plain checks that accept only what orderSchema accepts unchanged
// (already trimmed, Z instants that round-trip). Anything else goes through zod, which words the issues.
const ORDER_KEYS = new Set<string>([...ORDER_FIELDS, 'lines']);
const LINE_KEYS = new Set<string>(LINE_FIELDS);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isRef = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 64 && v.trim() === v;
const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** A canonical UTC instant that names a real moment (what survives Date.parse and toISOString unchanged). */
export const isInstant = (v: unknown) => {
  if (typeof v !== 'string' || !INSTANT.test(v)) return false;
  // Digits only (the pattern checked them): two-digit fields by char codes, far cheaper than a Date round trip.
  const two = (i: number) => (v.charCodeAt(i) - 48) * 10 + v.charCodeAt(i + 1) - 48;
  const year = two(0) * 100 + two(2);
  const month = two(5);
  const day = two(8);
  if (month < 1 || month > 12 || day < 1 || two(11) > 23 || two(14) > 59 || two(17) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]);
};
export function quickOrder(o: Record<string, unknown>): OrderInput | null {
  for (const k in o) if (!ORDER_KEYS.has(k)) return null;
  if (!isRef(o.externalId)) return null;
  const hasExt = o.distributorExternalId !== undefined;
  if (hasExt === (o.distributorId !== undefined)) return null;
  if (hasExt ? !isRef(o.distributorExternalId) : !isInt(o.distributorId, 1)) return null;
  if (o.customerExternalId !== undefined && (o.customerId !== undefined || !isRef(o.customerExternalId)))
    return null;
  if (o.customerId !== undefined && !isInt(o.customerId, 1)) return null;
  const hasCustomer = o.customerExternalId !== undefined || o.customerId !== undefined;
  if (o.kind !== undefined && o.kind !== (hasCustomer ? 'CUSTOMER' : 'PERSONAL')) return null;
  if (o.currency !== undefined && !(typeof o.currency === 'string' && /^[A-Z]{3}$/.test(o.currency)))
    return null;
  const status = o.status ?? 'PAID';
  if (status !== 'PAID' && status !== 'PENDING' && status !== 'CANCELLED') return null;
  if ((status === 'PAID') !== (o.paidAt !== undefined)) return null;
  if (o.paidAt !== undefined && !isInstant(o.paidAt)) return null;
  if (o.createdAt !== undefined && !isInstant(o.createdAt)) return null;
  const ref = o.paymentReference;
  if (
    ref !== undefined &&
    !(typeof ref === 'string' && ref.length >= 1 && ref.length <= 200 && ref.trim() === ref)
  )
    return null;
  const lines = o.lines;
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > 1000) return null;
  for (const l of lines) {
    if (typeof l !== 'object' || l === null || Array.isArray(l)) return null;
    for (const k in l) if (!LINE_KEYS.has(k)) return null;
    if (!isRef(l.sku) || !isInt(l.quantity, 1, BOUNDS.quantity)) return null;
    for (const k of ['unitPrice', 'unitQv', 'unitCv'] as const)
      if (l[k] !== undefined && !isInt(l[k], 0, BOUNDS[k])) return null;
  }
  return o as unknown as OrderInput;
}

function parseOrder(raw: Record<string, unknown>) {
  const quick = quickOrder(raw);
  return quick ? ({ success: true, data: quick } as const) : orderSchema.safeParse(raw);
}

/** [sku, quantity, unitPrice, unitQv, unitCv, line within part] */
export type StagedLine = [string, number, number | null, number | null, number | null, number];

/**
 * An order as stored for the later steps: [line, externalId, distributorExternalId, distributorId,
 * customerExternalId, customerId, kind, currency, status, paidAt, createdAt, paymentReference, lines, bad]
 */
export type StagedOrder = [
  number,
  string,
  string | null,
  number | null,
  string | null,
  number | null,
  string,
  string | null,
  string,
  string | null,
  string,
  string | null,
  StagedLine[] | null,
  0 | 1,
];

export interface ParsedPart {
  rows: StagedOrder[];
  /** Physical lines of the part (CSV: without its header line). */
  lines: number;
  /** Orders in the part, good or bad. */
  records: number;
  /** [line within the part (CSV: without the header), message]; line 0 = the part's header. */
  issues: [number, string][];
}

function normalize(raw: Record<string, unknown>, numeric: readonly string[]): Record<string, unknown> {
  // The common NDJSON record has nothing to drop or convert: kept as it is, no copy.
  if (numeric.length === 0) {
    let clean = true;
    for (const key in raw) {
      const v = raw[key];
      if (v === null || v === undefined || v === '') {
        clean = false;
        break;
      }
    }
    if (clean) return raw;
  }
  const out: Record<string, unknown> = {};
  for (const key in raw) {
    let v = raw[key];
    if (v === null || v === undefined || v === '') continue;
    if (typeof v === 'string' && numeric.includes(key)) {
      const t = v.trim();
      v = /^-?\d+$/.test(t) ? Number(t) : t;
    }
    out[key] = v;
  }
  return out;
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function stage(line: number, o: OrderInput, lineNos: number[], now: string): StagedOrder {
  // Canonical instants (the common case) are kept as they are; offsets are turned into UTC.
  const iso = (s: string | undefined) => (s ? (INSTANT.test(s) ? s : new Date(s).toISOString()) : null);
  const paidAt = iso(o.paidAt);
  const hasCustomer = o.customerExternalId != null || o.customerId != null;
  return [
    line,
    o.externalId,
    o.distributorExternalId ?? null,
    o.distributorId ?? null,
    o.customerExternalId ?? null,
    o.customerId ?? null,
    o.kind ?? (hasCustomer ? 'CUSTOMER' : 'PERSONAL'),
    o.currency ?? null,
    o.status ?? 'PAID',
    paidAt,
    iso(o.createdAt) ?? paidAt ?? now,
    o.paymentReference ?? null,
    o.lines.map((l, k) => [
      l.sku,
      l.quantity,
      l.unitPrice ?? null,
      l.unitQv ?? null,
      l.unitCv ?? null,
      lineNos[k],
    ]),
    0,
  ];
}

/** A bad order is kept (marked) so that it is not also reported as missing elsewhere; its issue is the part's. */
function badOrder(line: number, externalId: unknown): StagedOrder | null {
  const ext = typeof externalId === 'string' ? externalId.trim() : '';
  if (!ext || ext.length > 64) return null;
  return [line, ext, null, null, null, null, 'PERSONAL', null, 'PAID', null, '', null, null, 1];
}

export function parsePart(format: ImportFormat, text: string, now: string): ParsedPart {
  return format === 'NDJSON' ? parseNdjson(text, now) : parseCsv(text, now);
}

const NUMERIC_LINE = ['quantity', 'unitPrice', 'unitQv', 'unitCv'];
const NUMERIC_ORDER = ['distributorId', 'customerId'];

function parseNdjson(text: string, now: string): ParsedPart {
  const out: ParsedPart = { rows: [], lines: 0, records: 0, issues: [] };
  const counted = eachNdjsonObject(
    text,
    (line, value) => {
      const raw = normalize(value, []);
      const result = parseOrder(raw);
      if (result.success) {
        out.rows.push(
          stage(
            line,
            result.data,
            result.data.lines.map(() => line),
            now,
          ),
        );
      } else {
        out.issues.push([line, describe(result.error)]);
        const bad = badOrder(line, raw.externalId);
        if (bad) out.rows.push(bad);
      }
    },
    (line, message) => out.issues.push([line, message]),
  );
  out.lines = counted.lines;
  out.records = counted.records;
  return out;
}

function parseCsv(text: string, now: string): ParsedPart {
  const out: ParsedPart = { rows: [], lines: 0, records: 0, issues: [] };
  // The order being grouped: its first row's fields and line, its lines and their physical lines.
  let group: {
    line: number;
    fields: Record<string, unknown>;
    lines: unknown[];
    lineNos: number[];
    bad: boolean;
  } | null = null;
  const flush = () => {
    if (!group) return;
    out.records++;
    if (group.bad) {
      const bad = badOrder(group.line, group.fields.externalId);
      if (bad) out.rows.push(bad);
    } else {
      const result = parseOrder({ ...group.fields, lines: group.lines });
      if (result.success) out.rows.push(stage(group.line, result.data, group.lineNos, now));
      else {
        // Field issues of a line are reported on that line's row.
        for (const issue of result.error.issues) {
          const [top, k] = issue.path;
          const at = top === 'lines' && typeof k === 'number' ? group.lineNos[k] : group.line;
          const path = top === 'lines' ? issue.path.slice(2) : issue.path;
          out.issues.push([at, path.length ? `${path.join('.')}: ${issue.message}` : issue.message]);
        }
        const bad = badOrder(group.line, group.fields.externalId);
        if (bad) out.rows.push(bad);
      }
    }
    group = null;
  };
  const lines = eachCsvRecord(
    text,
    CSV_COLUMNS,
    out.issues,
    (line, raw) => {
      const rec2 = normalize(raw, [...NUMERIC_LINE, ...NUMERIC_ORDER]);
      const orderPart: Record<string, unknown> = {};
      const linePart: Record<string, unknown> = {};
      for (const key in rec2) {
        if ((LINE_FIELDS as readonly string[]).includes(key)) linePart[key] = rec2[key];
        else orderPart[key] = rec2[key];
      }
      const ext = typeof orderPart.externalId === 'string' ? orderPart.externalId.trim() : '';
      if (group && ext && group.fields.externalId === ext) {
        // A further line of the same order: its order fields must repeat the first row's (or be empty).
        for (const key in orderPart) {
          if (String(orderPart[key]) !== String(group.fields[key] ?? '')) {
            out.issues.push([line, `${key} differs from the first row of order ${JSON.stringify(ext)}.`]);
            group.bad = true;
          }
        }
      } else {
        flush();
        group = {
          line,
          fields: { ...orderPart, externalId: ext || orderPart.externalId },
          lines: [],
          lineNos: [],
          bad: false,
        };
      }
      group.lines.push(linePart);
      group.lineNos.push(line);
    },
    () => {
      flush();
      out.records++;
    },
  );
  flush();
  out.lines = lines;
  return out;
}
