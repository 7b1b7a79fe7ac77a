import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { eachCsvRecord } from '../../src/modules/imports/csvPart';
import { jsonChunks, MAX_JSON_PARAM } from '../../src/modules/imports/limits';
import { addPartIssues, ImportIssues, lineNumbering } from '../../src/modules/imports/steps';

// The pieces the import engine shares between kinds (each kind's own tests cover the whole pipeline).

describe('import engine', () => {
  it('numbers lines across parts: CSV counts its header once, as line 1', () => {
    const parts = [
      { part_no: 1, lines: 3 },
      { part_no: 2, lines: 2 },
    ];
    const csv = lineNumbering('CSV', parts);
    expect([csv(1, 1), csv(1, 3), csv(2, 1), csv(2, 0)]).toEqual([2, 4, 5, 4]);
    const ndjson = lineNumbering('NDJSON', parts);
    expect([ndjson(1, 1), ndjson(2, 2), ndjson(1, 0)]).toEqual([1, 5, 1]);
  });

  it('keeps the first issues and counts all, the parts’ unkept ones too', () => {
    const issues = new ImportIssues(2);
    for (let k = 1; k <= 3; k++) issues.add(k, `issue ${k}`);
    addPartIssues(
      issues,
      [{ part_no: 1, rows: 0, records: 0, lines: 9, issue_count: 5, issues: '[[0,"bad header"]]' }],
      lineNumbering('NDJSON', [{ part_no: 1, lines: 9 }]),
    );
    expect(issues.items.map((i) => i.line)).toEqual([1, 2]);
    expect(issues.count).toBe(3 + 5);
  });

  it('splits rows into JSON arrays under the parameter limit, keeping every row once', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ['x'.repeat(1000), i]);
    const chunks = jsonChunks(rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(MAX_JSON_PARAM);
    expect(chunks.flatMap((c) => JSON.parse(c) as unknown[])).toEqual(rows);
  });

  it('frames a CSV part: header, blank lines, field counts, required columns', () => {
    const issues: [number, string][] = [];
    const rows: [number, Record<string, string>][] = [];
    const mismatched: number[] = [];
    const lines = eachCsvRecord(
      'a,b,c\n1,2,3\n\n4,5\n6,7,8\n',
      { known: ['a', 'b'], required: ['a', 'd'] },
      issues,
      (line, raw) => rows.push([line, raw]),
      (line) => mismatched.push(line),
    );
    expect(rows).toEqual([
      [1, { a: '1', b: '2', c: '3' }],
      [4, { a: '6', b: '7', c: '8' }],
    ]);
    expect(mismatched).toEqual([3]);
    expect(issues).toEqual([
      [0, 'Unknown CSV columns: c.'],
      [0, 'The CSV header lacks the d column.'],
      [3, 'Expected 3 fields, found 2.'],
    ]);
    expect(lines).toBe(4);
    const empty: [number, string][] = [];
    eachCsvRecord(
      '',
      { known: [], required: [] },
      empty,
      () => {},
      () => {},
    );
    expect(empty).toEqual([[0, 'The part is empty: every CSV part starts with the header line.']]);
  });

  it('answers an unknown import kind with the app’s 404, before asking for credentials', async () => {
    const res = await SELF.fetch('http://localhost/imports/unknown/1/parts/1', { method: 'PUT', body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not found' });
    const known = await SELF.fetch('http://localhost/imports/orders/1/parts/1', { method: 'PUT', body: 'x' });
    expect(known.status).toBe(401);
  });
});
