// The export archive, pure: export.json (the person, when, and every table's rows) and one CSV per table,
// in one stored ZIP. The JSON is the exact data; the CSVs are for spreadsheets (cells that would read as
// formulas are neutralised, as in the payout file).
import { zipStored } from '../../lib/zip';
import { csvText } from '../commissions/payouts/csv';
import type { Tables } from './exportData';
import type { PersonRef } from './model';

export interface ArchiveHeader {
  person: PersonRef;
  exportId: number;
  generatedAt: string;
  requestedBy: string;
}

function cell(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return csvText(typeof v === 'string' ? v : JSON.stringify(v));
}

export function tableCsv(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function buildArchive(header: ArchiveHeader, tables: Tables): { bytes: Uint8Array; rows: number } {
  const encoder = new TextEncoder();
  const rows = Object.values(tables).reduce((n, t) => n + t.length, 0);
  const json = {
    format: 'mlm-crm personal data export v1',
    ...header,
    rowCount: rows,
    tables,
  };
  const entries = [
    { name: 'export.json', data: encoder.encode(JSON.stringify(json, null, 1)) },
    ...Object.entries(tables)
      .filter(([, t]) => t.length > 0)
      .map(([name, t]) => ({ name: `csv/${name}.csv`, data: encoder.encode(tableCsv(t)) })),
  ];
  return { bytes: zipStored(entries, new Date(header.generatedAt)), rows };
}
