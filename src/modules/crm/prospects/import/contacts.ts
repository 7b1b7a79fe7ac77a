// What a contact file (CSV or vCard) holds before validation: the fields people's exports carry, each record
// with the line it starts on.

export interface ContactRecord {
  /** The record's first line within the part (CSV: counted after the header line, which is line 0). */
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

/** A part's contacts, its physical line count and its line-numbered problems. */
export interface ContactsRead {
  records: ContactRecord[];
  issues: [number, string][];
  lines: number;
}

/** "First Middle Last" → first "First Middle", last "Last" (unless the last name is given apart). */
export function splitName(full: string, lastName?: string): Pick<ContactRecord, 'firstName' | 'lastName'> {
  const parts = full.trim().split(/\s+/);
  if (lastName || parts.length === 1) return { firstName: full.trim(), lastName };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1) };
}
