// Generic senders (Zapier, Make, web forms): JSON or form-encoded bodies mapped by configuration.
import { isObject, JsonNumber, type JsonValue, parseJsonLossless, scalarText } from './json';
import { conventionalField, emptyLead, type LeadField, type NormalizedLead, setField } from './model';

export interface FieldMapping {
  from: string;
  to: LeadField;
}

export type GenericParse =
  | { ok: true; fields: [string, string][] }
  | { ok: false; status: 400 | 415; reason: string };

/** Flattens the body to (path, text) pairs in order: nested keys joined by ".", list items by index. */
export function parseGenericBody(contentType: string | null, text: string): GenericParse {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const merged = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = merged.get(k);
      merged.set(k, prev == null ? v : `${prev}, ${v}`);
    }
    return { ok: true, fields: [...merged] };
  }
  if (type === 'application/json' || type.endsWith('+json') || type === '') {
    let body: JsonValue;
    try {
      body = parseJsonLossless(text);
    } catch (e) {
      return { ok: false, status: 400, reason: `Malformed JSON: ${(e as Error).message}` };
    }
    if (!isObject(body)) return { ok: false, status: 400, reason: 'The body is not a JSON object.' };
    const fields: [string, string][] = [];
    flatten(body, '', fields);
    return { ok: true, fields };
  }
  return { ok: false, status: 415, reason: `Unsupported content type ${type}.` };
}

function flatten(v: JsonValue, path: string, out: [string, string][]): void {
  if (Array.isArray(v)) {
    if (v.every((x) => !isObject(x) && !Array.isArray(x))) {
      const parts = v.map(scalarText).filter((x): x is string => x != null);
      if (path) out.push([path, parts.join(', ')]);
      return;
    }
    v.forEach((x, i) => {
      flatten(x, path ? `${path}.${i}` : String(i), out);
    });
    return;
  }
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, path ? `${path}.${k}` : k, out);
    return;
  }
  const text = v instanceof JsonNumber ? v.raw : scalarText(v);
  if (text != null && path) out.push([path, text]);
}

/** The sender's id for the lead, when the mapping names one. */
export function genericExternalId(fields: [string, string][], mapping: FieldMapping[]): string | null {
  const from = mapping.find((m) => m.to === 'EXTERNAL_ID')?.from;
  if (!from) return null;
  const value = fields.find(([k]) => k === from)?.[1]?.trim();
  return value ? value.slice(0, 500) : null;
}

/**
 * Applies the configured mapping first; fields it does not name but whose names are conventional
 * ("email", "first_name", "utm_source", ...) map themselves; everything else becomes an answer.
 */
export function normalizeGeneric(
  sourceName: string,
  externalId: string,
  fields: [string, string][],
  mapping: FieldMapping[],
): NormalizedLead {
  const lead = emptyLead('GENERIC', externalId, sourceName);
  const mapped = new Map<string, LeadField>(mapping.map((m) => [m.from, m.to]));
  for (const [key, value] of fields) {
    const field = mapped.get(key) ?? conventionalField(key);
    if (field) setField(lead, field, value);
    else if (value.trim() !== '') lead.answers.push({ key, label: null, value });
  }
  return lead;
}
