// The GDPR module's words and limits (no I/O): the people it acts on, export and request states, retention
// kinds, and the pseudonyms an erased person is known by afterwards.

export const PERSON_TYPES = ['CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR'] as const;
export type PersonType = (typeof PERSON_TYPES)[number];

export interface PersonRef {
  type: PersonType;
  id: number;
}

export const EXPORT_STATUSES = ['QUEUED', 'READY', 'FAILED', 'EXPIRED'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export const REQUEST_STATUSES = ['OPEN', 'DONE', 'REFUSED'] as const;

export const RETENTION_KINDS = ['LEAD_EVENTS', 'MESSAGES', 'LOST_LEADS', 'INACTIVE_PROSPECTS'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** An export archive can be downloaded for this long after it is ready; the nightly run deletes it then. */
export const EXPORT_TTL_DAYS = 7;

/** R2 prefix of export archives (the one FILES bucket). */
export const EXPORT_PREFIX = 'gdpr-exports/';

/** Rows deleted per statement by the nightly retention run, and statements per kind per run. */
export const RETENTION_CHUNK = 500;
export const RETENTION_CHUNKS_PER_RUN = 10;

const WORD: Record<PersonType, string> = {
  DISTRIBUTOR: 'Member',
  CUSTOMER: 'Customer',
  LEAD: 'Lead',
  PROSPECT: 'Prospect',
};

/** The name an erased person keeps: "Member 12345" (the id is no personal data, the ledger needs it). */
export function pseudonymOf(ref: PersonRef): { first: string; last: string; full: string; email: string } {
  const word = WORD[ref.type];
  return {
    first: word,
    last: String(ref.id),
    full: `${word} ${ref.id}`,
    // Distributor e-mails are NOT NULL UNIQUE: a reserved, undeliverable domain (RFC 2606).
    email: `erased-${ref.type.toLowerCase()}-${ref.id}@erased.invalid`,
  };
}

/** What an erased person's free text is scrubbed of, longest first, each with its replacement. */
export interface Needle {
  find: string;
  replace: string;
}

/**
 * The strings to replace in free text: full names before their parts, e-mails, phones in E.164 and without
 * the plus. Parts shorter than 3 characters are left alone (they would mangle unrelated words).
 */
export function needlesOf(
  identities: readonly {
    first?: string | null;
    last?: string | null;
    full?: string | null;
    email?: string | null;
    phone?: string | null;
  }[],
  pseudonym: { full: string; email: string },
): Needle[] {
  const out = new Map<string, string>();
  const add = (find: string | null | undefined, replace: string) => {
    const f = find?.trim();
    if (f && f.length >= 3 && !out.has(f) && f !== replace) out.set(f, replace);
  };
  for (const i of identities) {
    add(i.full, pseudonym.full);
    add([i.first, i.last].filter(Boolean).join(' '), pseudonym.full);
  }
  for (const i of identities) {
    add(i.email, pseudonym.email);
    add(i.email?.toLowerCase(), pseudonym.email);
    add(i.phone, '[phone erased]');
    if (i.phone?.startsWith('+')) add(i.phone.slice(1), '[phone erased]');
  }
  for (const i of identities) {
    add(i.last, pseudonym.full);
    add(i.first, pseudonym.full);
  }
  return [...out].map(([find, replace]) => ({ find, replace })).sort((a, b) => b.find.length - a.find.length);
}

/** Text with every needle replaced, in the order of the needles (as the SQL Scrubber does in the tables). */
export function scrubText(text: string, needles: readonly Needle[]): string {
  let out = text;
  for (const n of needles) out = out.split(n.find).join(n.replace);
  return out;
}

/**
 * A JSON text with the needles replaced in its strings: the text itself, and also in the form the needles take
 * inside a JSON string (a carried webhook body is JSON kept as a string in the record).
 */
export function scrubJson(json: string, needles: readonly Needle[]): string {
  const escaped = needles.map((n) => ({
    find: JSON.stringify(n.find).slice(1, -1),
    replace: JSON.stringify(n.replace).slice(1, -1),
  }));
  return scrubText(json, escaped);
}
