// One part of a contact file, parsed and checked field by field (pure, no I/O): the prospects it holds,
// ready to stage or insert, and every problem with its line. The one-call import and the queued import
// both read a file through here.
import type { ParsedPart } from '../../../imports/kind';
import { type CreateProspect, createProspectSchema } from '../model';
import type { ContactRecord, ContactsRead } from './contacts';
import { readCsvContacts } from './csvContacts';
import { readVcardContacts } from './vcardContacts';

export const CONTACT_FORMATS = ['CSV', 'VCARD'] as const;
export type ContactFormat = (typeof CONTACT_FORMATS)[number];

/** A checked contact and the line (within its part) it starts on. */
export interface StagedProspect {
  line: number;
  prospect: CreateProspect;
}

export interface ProspectPart extends ParsedPart {
  rows: StagedProspect[];
}

export function parsePart(format: ContactFormat, text: string): ProspectPart {
  const read: ContactsRead = format === 'CSV' ? readCsvContacts(text) : readVcardContacts(text);
  const issues = read.issues;
  const rows: StagedProspect[] = [];
  for (const rec of read.records) {
    const r = createProspectSchema.safeParse(toInput(rec));
    if (r.success) rows.push({ line: rec.line, prospect: r.data });
    else
      for (const issue of r.error.issues)
        issues.push([rec.line, `${issue.path.join('.') || 'record'}: ${issue.message}`]);
  }
  return { rows, records: read.records.length, lines: read.lines, issues };
}

/** A contact as prospect input: statuses are written any way ("not interested", "Not-Interested"). */
function toInput(rec: ContactRecord): Record<string, unknown> {
  const { line: _line, status, ...rest } = rec;
  return {
    ...rest,
    status: status
      ? status
          .trim()
          .toUpperCase()
          .replace(/[\s-]+/g, '_')
      : undefined,
  };
}
