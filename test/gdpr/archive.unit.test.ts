import { describe, expect, it } from 'vitest';
import { crc32, unzipStored, zipStored } from '../../src/lib/zip';
import { buildArchive, tableCsv } from '../../src/modules/gdpr/archive';
import { needlesOf, pseudonymOf } from '../../src/modules/gdpr/model';

describe('zipStored', () => {
  it('computes the standard CRC-32 and round-trips UTF-8 names and bytes', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const entries = [
      { name: 'export.json', data: new TextEncoder().encode('{"a":1}') },
      { name: 'csv/ł.csv', data: new Uint8Array([0, 255, 10]) },
    ];
    const bytes = zipStored(entries, new Date('2026-12-07T12:00:00Z'));
    // Local header magic at 0, end-of-central-directory record at the end with 2 entries.
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    const end = new DataView(bytes.buffer, bytes.length - 22);
    expect(end.getUint32(0, true)).toBe(0x06054b50);
    expect(end.getUint16(10, true)).toBe(2);
    expect(unzipStored(bytes)).toEqual(entries);
  });
});

describe('the archive', () => {
  it('holds export.json with every table and a CSV per non-empty table, formulas neutralised', () => {
    const { bytes, rows } = buildArchive(
      {
        person: { type: 'CUSTOMER', id: 7 },
        exportId: 3,
        generatedAt: '2026-12-07T12:00:00.000Z',
        requestedBy: 'staff:1',
      },
      { profile: [{ id: 7, first_name: '=HYPERLINK("x")', notes: 'a,b\n"c"' }], task: [] },
    );
    expect(rows).toBe(1);
    const entries = unzipStored(bytes);
    expect(entries.map((e) => e.name)).toEqual(['export.json', 'csv/profile.csv']);
    const json = JSON.parse(new TextDecoder().decode(entries[0].data));
    expect(json.tables.task).toEqual([]);
    expect(json.tables.profile[0].first_name).toBe('=HYPERLINK("x")');
    expect(new TextDecoder().decode(entries[1].data)).toBe(
      `id,first_name,notes\r\n7,"'=HYPERLINK(""x"")","a,b\n""c"""\r\n`,
    );
    expect(tableCsv([])).toBe('');
  });
});

describe('needlesOf', () => {
  it('replaces full names before their parts, e-mails and phones with and without +, skips short parts', () => {
    const p = pseudonymOf({ type: 'DISTRIBUTOR', id: 12345 });
    expect(p.full).toBe('Member 12345');
    const needles = needlesOf(
      [{ first: 'Al', last: 'Kowalski', full: null, email: 'Al@X.example', phone: '+4520123456' }],
      p,
    );
    const finds = needles.map((n) => n.find);
    expect(finds).toEqual([
      'Al@X.example',
      'al@x.example',
      'Al Kowalski',
      '+4520123456',
      '4520123456',
      'Kowalski',
    ]);
    expect(needles.find((n) => n.find === 'Al Kowalski')!.replace).toBe('Member 12345');
    expect(needles.find((n) => n.find === '+4520123456')!.replace).toBe('[phone erased]');
  });
});
