import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROSPECT_IMPORT } from '../../src/modules/crm/prospects/import/table';
import { PROSPECT_CHUNK } from '../../src/modules/crm/prospects/import/validate';
import { importJob } from '../../src/modules/imports/jobKind';
import { markStarted } from '../../src/modules/imports/records';
import { recordJob } from '../../src/modules/jobs/repository';
import { adminToken, distributorToken, enroll, gid, gql, localId } from '../helpers';
import { crmState } from './helpers';

import {
  CONTACT_HEADER,
  contactLines,
  createProspectImport,
  getProspectImport,
  newProspectImport,
  putProspectPart,
  runProspectImport,
  startProspectImport,
  waitForProspectImport,
} from './prospect-import-helpers';

// The prospect import as the engine's third kind: large contact files in parts, queued steps, line-numbered
// issues across parts, all or nothing (the one-call importProspects is covered in prospects.test.ts).

/** The job row a start records beside the import (its message is what these tests deliver by hand). */
const startedJob = (importId: number) => recordJob(env.DB, importJob(PROSPECT_IMPORT, importId));

let admin: string;
let owner: number;

beforeAll(async () => {
  admin = await adminToken();
  owner = await enroll(admin, null);
});

const prospectsOf = async (ownerId: number, importId?: number) =>
  (
    await env.DB.prepare(
      `SELECT first_name, last_name, email, status, source, import_id FROM prospect
       WHERE owner_id = ? AND (?2 IS NULL OR import_id = ?2) ORDER BY id`,
    )
      .bind(ownerId, importId ?? null)
      .all<Record<string, unknown>>()
  ).results;

/** Delivers one queue message of the kind, `times` times in one batch; answers the messages to retry. */
async function deliver(step: string, importId: number, times = 1) {
  const body = { kind: `prospectImport.${step}`, importId };
  const msgs = Array.from({ length: times }, (_, k) => ({
    id: `${step}-${importId}-${k}-${Math.random()}`,
    timestamp: new Date(),
    attempts: 1,
    body,
  }));
  const result = await (exports as any).default.queue('mlm-crm-jobs', msgs);
  return result.retryMessages as unknown[];
}

describe('prospect import (queued, in parts)', () => {
  it('a CSV file in two parts (";", each part with its header) lands on the owner’s list in file order', async () => {
    const n1 = PROSPECT_CHUNK + 300;
    const parts = [
      `\uFEFF${CONTACT_HEADER}${contactLines('A', 1, n1)}`,
      `${CONTACT_HEADER}${contactLines('B', 1, 200)}`,
    ];
    const { id, imp } = await runProspectImport(admin, 'CSV', gid(owner), parts);
    expect(imp).toMatchObject({
      status: 'DONE',
      format: 'CSV',
      totalContacts: n1 + 200,
      issueCount: 0,
      owner: { id: gid(owner) },
      progress: { step: 'apply', done: 2, total: 2 },
    });
    const rows = await prospectsOf(owner, localId(id));
    expect(rows.length).toBe(n1 + 200);
    expect(rows[0]).toEqual({
      first_name: 'A1',
      last_name: 'Person',
      email: 'a1@example.com',
      status: 'NEW',
      source: 'CSV',
      import_id: localId(id),
    });
    expect(rows[n1 - 1].first_name).toBe(`A${n1}`);
    expect(rows[n1].first_name).toBe('B1');
    // Found by people search like any prospect; the staging rows are gone.
    const indexed = await env.DB.prepare(
      "SELECT count(*) AS n FROM person_fts WHERE kind = 'PROSPECT' AND ref_id IN (SELECT id FROM prospect WHERE import_id = ?)",
    )
      .bind(localId(id))
      .first<{ n: number }>();
    expect(indexed!.n).toBe(n1 + 200);
    const staged = () =>
      env.DB.prepare('SELECT count(*) AS n FROM prospect_import_row WHERE import_id = ?')
        .bind(localId(id))
        .first<{ n: number }>()
        .then((r) => r!.n);
    await expect.poll(staged, { timeout: 5000 }).toBe(0);
  });

  it('a file with problems is rejected whole, each problem on its line of the whole file', async () => {
    const before = await crmState();
    const parts = [
      // File lines: 1 header, 2..4 part 1.
      `first_name,email,next_step_date\nGood,good@example.com,\n,x@example.com,\nBad,not-an-email,2026-02-30\n`,
      // Part 2's lines follow part 1's: 5 "Fine", 6 too many fields, 7 "Later", 8 a quote never closed.
      `first_name,email,next_step_date\nFine,,\nToo,,,many\nLater,,\n"Open,,\n`,
    ];
    const { imp } = await runProspectImport(admin, 'CSV', gid(owner), parts);
    expect(imp.status).toBe('REJECTED');
    expect(imp.issues.map((i: any) => i.line)).toEqual([3, 4, 4, 6, 8]);
    expect(imp.issues[0].message).toMatch(/^firstName: /);
    expect(imp.issues[3].message).toBe('4 fields, but the header has 3.');
    expect(imp.issues[4].message).toBe('A quoted field is not closed.');
    expect(imp.issueCount).toBe(5);
    expect(await crmState()).toBe(before);
  });

  it('vCards in two parts: lines count on from part to part', async () => {
    const card = (fn: string, email: string) =>
      ['BEGIN:VCARD', 'VERSION:4.0', `FN:${fn}`, `EMAIL:${email}`, 'END:VCARD', ''].join('\r\n');
    const ok = await runProspectImport(admin, 'VCARD', gid(owner), [
      card('Søren Kierkegaard', 'soren@example.dk'),
      card('Łukasz Wiśniewski', 'lukasz@example.pl'),
    ]);
    expect(ok.imp.status).toBe('DONE');
    expect(await prospectsOf(owner, localId(ok.id))).toMatchObject([
      { first_name: 'Søren', last_name: 'Kierkegaard', source: 'VCARD' },
      { first_name: 'Łukasz', last_name: 'Wiśniewski', email: 'lukasz@example.pl' },
    ]);
    const before = await crmState();
    const bad = await runProspectImport(admin, 'VCARD', gid(owner), [
      card('Good Card', 'good@example.com'),
      // File line 6 starts this card; its e-mail on line 9 is not one.
      card('Bad Card', 'nope'),
    ]);
    expect(bad.imp.status).toBe('REJECTED');
    expect(bad.imp.issues).toEqual([{ line: 6, message: 'email: Not a valid e-mail address.' }]);
    expect(await crmState()).toBe(before);
  });

  it('staff only; the owner must exist; an empty file is refused at start', async () => {
    const dist = await distributorToken(owner);
    const denied = await gql(
      `mutation($input: CreateProspectImportInput!) { createProspectImport(input: $input) { __typename } }`,
      { input: { format: 'CSV', ownerId: gid(owner) } },
      dist,
    );
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const unknown = await createProspectImport(admin, 'CSV', gid(999_999));
    expect(unknown).toEqual({
      __typename: 'ValidationError',
      issues: [{ path: 'ownerId', code: 'NOT_FOUND' }],
    });

    const id = await newProspectImport(admin, 'CSV', gid(owner));
    expect((await putProspectPart(id, 1, CONTACT_HEADER)).status).toBe(401);
    expect((await putProspectPart(id, 1, CONTACT_HEADER, dist)).status).toBe(403);
    const res = await putProspectPart(id, 1, CONTACT_HEADER, admin);
    expect(await res.json()).toEqual({ part: 1, prospects: 0, issues: 0 });
    expect((await startProspectImport(admin, id)).__typename).toBe('ValidationError');
    expect((await getProspectImport(admin, id)).status).toBe('UPLOADING');
  });

  it('every message delivered twice gives the same prospects as one delivery', async () => {
    const id = await newProspectImport(admin, 'CSV', gid(owner));
    await putProspectPart(id, 1, `${CONTACT_HEADER}${contactLines('T', 1, PROSPECT_CHUNK + 10)}`, admin);
    await markStarted(env.DB, PROSPECT_IMPORT, localId(id), startedJob(localId(id))); // started without its queue message
    expect(await deliver('validate', localId(id), 2)).toEqual([]);
    expect(await deliver('apply', localId(id), 2)).toEqual([]);
    expect(await deliver('apply', localId(id), 2)).toEqual([]);
    expect(await deliver('cleanup', localId(id), 2)).toEqual([]);
    const imp = await waitForProspectImport(admin, id);
    expect(imp.status).toBe('DONE');
    const rows = await prospectsOf(owner, localId(id));
    expect(rows.map((r) => r.first_name)).toEqual(
      Array.from({ length: PROSPECT_CHUNK + 10 }, (_, k) => `T${k + 1}`),
    );
  });

  it('a chunk that fails for good is compensated: FAILED, none of the import’s prospects remain', async () => {
    const before = await crmState();
    const id = await newProspectImport(admin, 'CSV', gid(owner));
    await putProspectPart(id, 1, `${CONTACT_HEADER}${contactLines('F', 1, PROSPECT_CHUNK + 5)}`, admin);
    await markStarted(env.DB, PROSPECT_IMPORT, localId(id), startedJob(localId(id)));
    await deliver('validate', localId(id));
    expect((await getProspectImport(admin, id)).status).toBe('APPLYING');
    // A staged contact of the second chunk turns unwritable after validation: that chunk fails on the
    // prospect table's CHECK after the first chunk went in.
    await env.DB.prepare(
      "UPDATE prospect_import_row SET status = 'LOST' WHERE import_id = ? AND first_name = ?",
    )
      .bind(localId(id), `F${PROSPECT_CHUNK + 3}`)
      .run();
    await deliver('apply', localId(id));
    const imp = await waitForProspectImport(admin, id);
    expect(imp.status).toBe('FAILED');
    expect(imp.error).toMatch(/CHECK constraint failed/);
    expect(await prospectsOf(owner, localId(id))).toEqual([]);
    expect(await crmState()).toBe(before);
  });
});
