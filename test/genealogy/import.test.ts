import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { markStarted } from '../../src/modules/genealogy/import/repository';
import { adminToken, distributorToken, enroll, globalId, gql, gqlOk } from '../helpers';
import {
  createImport,
  expectCountersFromScratch,
  genealogyFingerprint,
  ndjson,
  networkSnapshot,
  numericId,
  putPart,
  runImport,
  setPlacement,
  startImport,
  waitForImport,
  wipeGenealogy,
} from './import-helpers';

interface NetRow {
  externalId: string;
  sponsorExternalId?: string;
  placementParentExternalId?: string;
  placementPosition?: number;
  status?: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';
  joinedAt: string;
}

/** A random network: sponsors earlier in the list, some explicit placements, mixed statuses and months. */
function randomNetwork(prefix: string, size: number, seed: number, anchors: string[] = []): NetRow[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const rows: NetRow[] = [];
  for (let i = 0; i < size; i++) {
    const pool = [...anchors, ...rows.map((r) => r.externalId)];
    const row: NetRow = {
      externalId: `${prefix}${i}`,
      joinedAt: new Date(
        Date.UTC(2025, Math.floor(rnd() * 6), 1 + Math.floor(rnd() * 28), 22, 30),
      ).toISOString(),
    };
    if (pool.length) row.sponsorExternalId = pool[Math.floor(rnd() * pool.length)];
    if (rnd() < 0.15) row.status = 'SUSPENDED';
    rows.push(row);
  }
  return rows;
}

function profile(r: NetRow) {
  const n = r.externalId.toLowerCase();
  return { firstName: `Fø${n}`, lastName: 'Łast', email: `${n}@import.example`, country: 'DK', locale: 'da' };
}

/** Builds the rows one by one with enrollDistributor (statuses set afterwards), as the reference. */
async function enrollRows(admin: string, rows: NetRow[], ids: Map<string, number>) {
  for (const r of rows) {
    const extra: Record<string, unknown> = { ...profile(r), externalId: r.externalId, joinedAt: r.joinedAt };
    if (r.placementParentExternalId) {
      extra.placementParentId = globalId('Distributor', ids.get(r.placementParentExternalId)!);
      extra.placementPosition = r.placementPosition;
    }
    const sponsor = r.sponsorExternalId ? ids.get(r.sponsorExternalId)! : null;
    ids.set(r.externalId, await enroll(admin, sponsor, extra));
  }
  for (const r of rows)
    if (r.status && r.status !== 'ACTIVE') {
      const d = await gqlOk(
        `mutation($id: ID!, $s: SuspendableStatus!) { setDistributorStatus(input: { id: $id, status: $s }) { __typename } }`,
        { id: globalId('Distributor', ids.get(r.externalId)!), s: r.status },
        admin,
      );
      expect(d.setDistributorStatus.__typename).toBe('MutationSetDistributorStatusSuccess');
    }
}

function importRows(rows: NetRow[]) {
  return ndjson(rows.map((r) => ({ ...r, ...profile(r) })));
}

let admin: string;
beforeEach(async () => {
  admin = await adminToken();
  await wipeGenealogy();
  await setPlacement('BINARY');
});

describe('genealogy import: results', () => {
  it('imports a file into an empty company: every counter recomputes from scratch, as enrollDistributor builds it', async () => {
    const rows = randomNetwork('A', 40, 11);
    // Spillover by hand: explicit positions deeper in the sponsor's placement downline.
    rows.push(
      {
        externalId: 'AX1',
        sponsorExternalId: 'A39',
        placementParentExternalId: 'A39',
        placementPosition: 1,
        joinedAt: '2025-02-01T00:00:00Z',
      },
      {
        externalId: 'AX2',
        sponsorExternalId: 'A0',
        placementParentExternalId: 'AX1',
        placementPosition: 0,
        joinedAt: '2025-02-01T00:00:00Z',
      },
    );
    await enrollRows(admin, rows, new Map());
    const reference = await networkSnapshot();
    await expectCountersFromScratch();

    await wipeGenealogy();
    const imp = await runImport(admin, 'NDJSON', importRows(rows));
    expect(imp).toMatchObject({ status: 'DONE', totalRows: 42, issueCount: 0, issues: [] });
    expect(imp.progress).toMatchObject({ step: 'apply' });
    expect(imp.progress.done).toBe(imp.progress.total);
    expect(await expectCountersFromScratch()).toBe(42);
    expect(await networkSnapshot()).toEqual(reference);
    const rc = await env.DB.prepare('SELECT count(DISTINCT referral_code) AS n FROM distributor').first<{
      n: number;
    }>();
    expect(rc!.n).toBe(42);
  });

  it('hangs a file under existing members (binary and matrix): existing ancestors’ counters too', async () => {
    for (const kind of ['BINARY', 'MATRIX'] as const) {
      await wipeGenealogy();
      await setPlacement(kind, 3);
      const base = randomNetwork('B', 12, 5);
      const file = randomNetwork('F', 30, 9, ['B3', 'B7', 'B0']);
      // Explicit placements under existing members (inside the sponsor's downline).
      file.push(
        {
          externalId: 'FX',
          sponsorExternalId: 'F29',
          placementParentExternalId: 'F29',
          placementPosition: 1,
          joinedAt: '2025-03-03T03:00:00Z',
        },
        {
          externalId: 'FY',
          sponsorExternalId: 'B0',
          placementParentExternalId: 'FX',
          placementPosition: 0,
          joinedAt: '2025-03-03T03:00:00Z',
        },
      );
      // enrollDistributor refuses suspended sponsors: the reference sets every status at the end.
      await enrollRows(admin, [...base, ...file], new Map());
      const reference = await networkSnapshot();

      await wipeGenealogy();
      await enrollRows(admin, base, new Map());
      const imp = await runImport(admin, 'NDJSON', importRows(file));
      expect(imp.issues).toEqual([]);
      expect(imp.status).toBe('DONE');
      await expectCountersFromScratch();
      expect(await networkSnapshot()).toEqual(reference);
    }
  });

  it('CSV in parts uploaded out of order and re-sent: file-global line numbers (header = line 1)', async () => {
    const header = 'externalId,sponsorExternalId,firstName,lastName,country,locale,email';
    const part1 = `${header}\nC0,,Ann,One,DK,da,c0@x.example\nC1,C0,Bo,Two,DK,da,c1@x.example\nC2,C0,Cy,Three,DK,da,\n`;
    const part2 = `${header}\nC3,C1,Di,Four,DK,da,\nC4,C1,Ed,Five,DK,da,c1@x.example\n\nC5,C9,Fi,Six,DK,en,\n`;
    const id = await createImport(admin, 'CSV');
    expect((await putPart(id, 2, part2, admin)).status).toBe(200);
    const res1 = await putPart(numericId(id), 1, part1.replace('Cy', 'Xx'), admin);
    expect(await res1.json()).toEqual({ part: 1, rows: 3, issues: 0 });
    expect((await putPart(id, 1, part1, admin)).status).toBe(200); // replaces the first upload
    await startImport(admin, id);
    const imp = await waitForImport(admin, id);
    expect(imp.status).toBe('REJECTED');
    expect(imp.issues).toEqual([
      { line: 6, message: 'Duplicate email "c1@x.example" (first on line 3).' },
      { line: 8, message: 'Unknown sponsor "C9": neither a row of the file nor an existing distributor.' },
    ]);
    expect(imp.totalRows).toBe(6);

    const ok = await runImport(admin, 'CSV', part1);
    expect(ok.status).toBe('DONE');
    const names = await env.DB.prepare("SELECT first_name FROM distributor WHERE external_id = 'C2'").first();
    expect(names).toEqual({ first_name: 'Cy' });
  });
});

describe('genealogy import: refusals write nothing', () => {
  const base = (e: string, extra: Record<string, unknown> = {}) => ({
    externalId: e,
    firstName: 'F',
    lastName: 'L',
    country: 'DK',
    locale: 'en',
    ...extra,
  });
  const cases: [string, Record<string, unknown>[] | string, { line: number; message: RegExp }[]][] = [
    [
      'field error',
      [base('X1', { sponsorExternalId: 'R0', email: 'nope', locale: 'fr' })],
      [{ line: 1, message: /email.*locale|locale.*email/s }],
    ],
    [
      'half a placement',
      [base('X1', { sponsorExternalId: 'R0', placementPosition: 0 })],
      [{ line: 1, message: /together/ }],
    ],
    [
      'bad JSON',
      `${JSON.stringify(base('X1', { sponsorExternalId: 'R0' }))}\n{oops\n`,
      [{ line: 2, message: /JSON/ }],
    ],
    [
      'duplicate externalId in the file',
      [base('X1', { sponsorExternalId: 'R0' }), base('X1', { sponsorExternalId: 'R0' })],
      [{ line: 2, message: /Duplicate externalId "X1" \(first on line 1\)/ }],
    ],
    [
      'externalId of an existing member',
      [base('E1', { sponsorExternalId: 'R0' })],
      [{ line: 1, message: /externalId "E1" already belongs/ }],
    ],
    [
      'duplicate email in the file',
      [
        base('X1', { sponsorExternalId: 'R0', email: 'a@b.example' }),
        base('X2', { sponsorExternalId: 'R0', email: 'A@b.example' }),
      ],
      [{ line: 2, message: /Duplicate email/ }],
    ],
    [
      'email of an existing member',
      [base('X1', { sponsorExternalId: 'R0', email: 'E1@test.example' })],
      [{ line: 1, message: /email "e1@test.example" already belongs/ }],
    ],
    [
      'duplicate referral code',
      [
        base('X1', { sponsorExternalId: 'R0', referralCode: 'abc123' }),
        base('X2', { sponsorExternalId: 'R0', referralCode: 'ABC123' }),
      ],
      [{ line: 2, message: /Duplicate referralCode/ }],
    ],
    [
      'referral code of an existing member',
      [base('X1', { sponsorExternalId: 'R0', referralCode: 'EXIST1' })],
      [{ line: 1, message: /referralCode "EXIST1" already belongs/ }],
    ],
    [
      'unknown sponsor',
      [base('X1', { sponsorExternalId: 'NOPE' })],
      [{ line: 1, message: /Unknown sponsor "NOPE"/ }],
    ],
    [
      'no sponsor in a company that has members',
      [base('X1')],
      [{ line: 1, message: /sponsorExternalId is required/ }],
    ],
    [
      'sponsor cycle',
      [
        base('X0', { sponsorExternalId: 'R0' }),
        base('X1', { sponsorExternalId: 'X2' }),
        base('X2', { sponsorExternalId: 'X1' }),
      ],
      [
        { line: 2, message: /Sponsor cycle through lines 2, 3/ },
        { line: 3, message: /Sponsor cycle/ },
      ],
    ],
    [
      'unknown placement parent',
      [base('X1', { sponsorExternalId: 'R0', placementParentExternalId: 'NOPE', placementPosition: 0 })],
      [{ line: 1, message: /Unknown placement parent "NOPE"/ }],
    ],
    [
      'placement cycle',
      [
        base('X0', { sponsorExternalId: 'R0' }),
        base('X1', { sponsorExternalId: 'X0', placementParentExternalId: 'X2', placementPosition: 0 }),
        base('X2', { sponsorExternalId: 'X0', placementParentExternalId: 'X1', placementPosition: 0 }),
      ],
      [{ line: 3, message: /Placement cycle: line 2/ }],
    ],
    [
      'a position taken twice in the file',
      [
        base('X0', { sponsorExternalId: 'R0' }),
        base('X1', { sponsorExternalId: 'X0', placementParentExternalId: 'X0', placementPosition: 1 }),
        base('X2', { sponsorExternalId: 'X0', placementParentExternalId: 'X0', placementPosition: 1 }),
      ],
      [{ line: 3, message: /already taken by line 2/ }],
    ],
    [
      'a position taken by an existing member',
      [base('X1', { sponsorExternalId: 'R0', placementParentExternalId: 'R0', placementPosition: 0 })],
      [{ line: 1, message: /already taken by an existing member/ }],
    ],
    [
      'a position out of range',
      [base('X1', { sponsorExternalId: 'R0', placementParentExternalId: 'E2', placementPosition: 2 })],
      [{ line: 1, message: /must be 0 to 1/ }],
    ],
    [
      'a placement parent outside the sponsor’s downline (existing)',
      [base('X1', { sponsorExternalId: 'E1', placementParentExternalId: 'E2', placementPosition: 0 })],
      [{ line: 1, message: /sponsor’s placement downline/ }],
    ],
    [
      'a placement parent outside the sponsor’s downline (file)',
      [
        base('X0', { sponsorExternalId: 'E1' }),
        base('X1', { sponsorExternalId: 'E2', placementParentExternalId: 'X0', placementPosition: 0 }),
      ],
      [{ line: 2, message: /sponsor’s placement downline/ }],
    ],
  ];
  it.each(cases)('%s', async (_name, file, expected) => {
    const r0 = await enroll(admin, null, { externalId: 'R0', email: 'r0@test.example' });
    await enroll(admin, r0, { externalId: 'E1', email: 'e1@test.example' });
    await enroll(admin, r0, { externalId: 'E2', email: 'e2@test.example' });
    await env.DB.prepare("UPDATE distributor SET referral_code = 'EXIST1' WHERE external_id = 'E2'").run();
    const before = await genealogyFingerprint();
    const imp = await runImport(admin, 'NDJSON', typeof file === 'string' ? file : ndjson(file));
    expect(imp.status).toBe('REJECTED');
    expect(imp.issueCount).toBe(expected.length);
    expect(imp.issues.length).toBe(expected.length);
    imp.issues.forEach((issue: { line: number; message: string }, k: number) => {
      expect(issue.line).toBe(expected[k].line);
      expect(issue.message).toMatch(expected[k].message);
    });
    expect(await genealogyFingerprint()).toBe(before);
  });

  it('counts every issue but lists at most 1,000', async () => {
    await enroll(admin, null, { externalId: 'R0' });
    const rows = Array.from({ length: 1200 }, (_, i) => ({
      externalId: `X${i}`,
      sponsorExternalId: 'NOPE',
      firstName: 'a',
      lastName: 'b',
      country: 'DK',
      locale: 'da',
    }));
    const imp = await runImport(admin, 'NDJSON', ndjson(rows));
    expect(imp.status).toBe('REJECTED');
    expect(imp.issueCount).toBe(1200);
    expect(imp.issues.length).toBe(1000);
    expect(imp.issues[999].line).toBe(1000);
  });
});

describe('genealogy import: access, uploads and queue', () => {
  it('is staff only; parts over 8 MB are refused; parts only before start', async () => {
    const id = await createImport(admin, 'NDJSON');
    expect((await putPart(id, 1, '{}')).status).toBe(401);
    const root = await enroll(admin, null);
    expect((await putPart(id, 1, '{}', await distributorToken(root))).status).toBe(403);
    expect((await putPart(id, 1, 'x'.repeat(8 * 1024 * 1024 + 1), admin)).status).toBe(413);
    expect((await putPart(id, 0, '{}', admin)).status).toBe(400);
    const r = await gql(
      `mutation { createGenealogyImport(input: { format: CSV }) { __typename } }`,
      {},
      await distributorToken(root),
    );
    expect(r.errors?.[0].message).toMatch(/Not authorized/);
    const q = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, await distributorToken(root));
    expect(q.data?.node ?? null).toBeNull();
    expect(
      (await gqlOk(`query($id: ID!) { node(id: $id) { ... on GenealogyImport { status } } }`, { id }, admin))
        .node,
    ).toEqual({ status: 'UPLOADING' });
    const nothing = await startImport(admin, id);
    expect(nothing.__typename).toBe('ValidationError');
    await putPart(
      id,
      1,
      ndjson([
        {
          externalId: 'Z',
          sponsorExternalId: 'NOPE',
          firstName: 'a',
          lastName: 'b',
          country: 'DK',
          locale: 'da',
        },
      ]),
      admin,
    );
    await startImport(admin, id);
    expect((await putPart(id, 2, '{}', admin)).status).toBe(409);
    await waitForImport(admin, id);
  });

  it('importGenealogy does create + part + start in one call', async () => {
    const d = await gqlOk(
      `mutation($c: String!) { importGenealogy(input: { format: NDJSON, content: $c }) { __typename
        ... on MutationImportGenealogySuccess { import { id status } } } }`,
      { c: ndjson([{ externalId: 'ONE', firstName: 'a', lastName: 'b', country: 'DK', locale: 'da' }]) },
      admin,
    );
    expect(d.importGenealogy.import.status).toBe('VALIDATING');
    expect((await waitForImport(admin, d.importGenealogy.import.id)).status).toBe('DONE');
    expect(await expectCountersFromScratch()).toBe(1);
  });

  it('every message delivered twice gives the same result as one clean run', async () => {
    const base = randomNetwork('Q', 8, 3);
    const file = randomNetwork('W', 60, 4, ['Q1', 'Q5']);
    await enrollRows(admin, base, new Map());
    const clean = await runImport(admin, 'NDJSON', importRows(file));
    expect(clean.status).toBe('DONE');
    const reference = await networkSnapshot();

    await wipeGenealogy();
    await enrollRows(admin, base, new Map());
    const id = await createImport(admin, 'NDJSON');
    await putPart(id, 1, importRows(file), admin);
    const importId = numericId(id);
    await markStarted(env.DB, importId); // started without its queue message: this test delivers them
    const twice = async (kind: string) => {
      const body = { kind, importId };
      const msg = (n: string) => ({ id: `${kind}-${n}`, timestamp: new Date(), attempts: 1, body });
      const result = await (exports as any).default.queue('mlm-crm-jobs', [msg('a'), msg('b')]);
      expect(result.retryMessages).toEqual([]);
    };
    await twice('genealogyImport.validate');
    await twice('genealogyImport.apply');
    await twice('genealogyImport.apply');
    await twice('genealogyImport.cleanup');
    const imp = await waitForImport(admin, id);
    expect(imp.status).toBe('DONE');
    expect(await networkSnapshot()).toEqual(reference);
    await expectCountersFromScratch();
    // Cleanup frees the staged rows, the chunk markers and their payloads (a table of their own).
    for (const table of [
      'genealogy_import_row',
      'genealogy_import_chunk',
      'genealogy_import_chunk_payload',
    ]) {
      const left = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE import_id = ?`)
        .bind(importId)
        .first<{ n: number }>();
      expect(left!.n, table).toBe(0);
    }
  });

  it('a bulk load into an empty company rebuilds the distributor indexes it dropped, also when it fails', async () => {
    const indexes = async () =>
      (
        await env.DB.prepare(
          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'distributor' ORDER BY name",
        ).all()
      ).results;
    const before = await indexes();
    expect(before.length).toBeGreaterThan(5);
    const ok = await runImport(admin, 'NDJSON', importRows(randomNetwork('B', 30, 5)));
    expect(ok.status).toBe('DONE');
    expect(await indexes()).toEqual(before);
    expect(await expectCountersFromScratch()).toBe(30);

    await wipeGenealogy();
    const fingerprint = await genealogyFingerprint();
    // A counter row in the way of the first new member (id 1): the level chunk fails after the distributor
    // chunk went in without indexes (compensation removes counter rows in the import's id range, this too).
    await env.DB.prepare('INSERT INTO downline_level (ancestor_id, level, members) VALUES (1, 1, 99)').run();
    const failed = await runImport(admin, 'NDJSON', importRows(randomNetwork('C', 30, 6)));
    expect(failed.status).toBe('FAILED');
    expect(await indexes()).toEqual(before);
    expect(await genealogyFingerprint()).toBe(fingerprint);
    const left = await env.DB.prepare(
      'SELECT count(*) AS n FROM genealogy_import WHERE dropped_indexes IS NOT NULL',
    ).first<{ n: number }>();
    expect(left!.n).toBe(0);
  });

  it('a chunk that fails for good is compensated: FAILED, and nothing of the import remains', async () => {
    const r0 = await enroll(admin, null, { externalId: 'R0' });
    await enroll(admin, r0, { externalId: 'E1' });
    const before = await genealogyFingerprint();
    // A counter row in the way of the import's first new member (id 3): the level chunk, applied after
    // the distributor chunk, will fail on it.
    await env.DB.prepare('INSERT INTO downline_level (ancestor_id, level, members) VALUES (3, 1, 99)').run();
    const file = randomNetwork('K', 20, 8, ['E1']);
    const imp = await runImport(admin, 'NDJSON', importRows(file));
    expect(imp.status).toBe('FAILED');
    expect(imp.error).toMatch(/UNIQUE/);
    expect(await genealogyFingerprint()).toBe(before);
  });
});
