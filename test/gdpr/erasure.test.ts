// Erasure of a member with a full history, then a search of every text column of every table for their
// name, e-mail and phone; the ledger, the volumes and the tree must read the same before and after.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobMessage } from '../../src/jobs/messages';
import { groupKey, putGroupInInbox } from '../../src/modules/leads/inbox';
import type { QueuedDelivery } from '../../src/modules/leads/messages';
import { search } from '../crm/helpers';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { deliver, downD1 } from '../queueHelpers';
import { erase, type Member, memberWithHistory } from './helpers';

/** Documents D1 may still mention them in after an erasure, each with the reason it is kept. None today:
 * the kept signed agreement lives in R2 (checked below), its D1 row is pseudonymized. */
const KEPT_IN_D1: { table: string; column: string; reason: string }[] = [];

/** Tables of the database itself (SQLite, D1, FTS5 internals whose content is mirrored in person_fts_content). */
const internal = (name: string) =>
  name.startsWith('sqlite_') ||
  name.startsWith('_cf_') ||
  name === 'd1_migrations' ||
  /^person_fts_(data|idx|docsize|config)$/.test(name);

/** Every (table, column, hits) where a needle occurs, case-insensitively, in a text (or untyped) column. */
async function occurrences(
  needles: string[],
): Promise<{ table: string; column: string; needle: string; rows: number }[]> {
  const tables = (
    await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{
      name: string;
    }>()
  ).results.filter((t) => !internal(t.name));
  expect(tables.length).toBeGreaterThan(60);
  const found: { table: string; column: string; needle: string; rows: number }[] = [];
  const lowered = needles.map((x) => x.toLowerCase());
  for (const { name } of tables) {
    const columns = (
      await env.DB.prepare(`SELECT name, type FROM pragma_table_info(?)`)
        .bind(name)
        .all<{ name: string; type: string }>()
    ).results.filter((c) => c.type.toUpperCase() === 'TEXT' || c.type === '');
    if (columns.length === 0) continue;
    // One scan per table: a count per (column, needle).
    const pairs = columns.flatMap((c) => lowered.map((_x, i) => ({ column: c.name, i })));
    const sums = pairs.map(
      (p, k) => `coalesce(sum(instr(lower(CAST("${p.column}" AS TEXT)), ?${p.i + 1}) > 0), 0) AS c${k}`,
    );
    for (let from = 0; from < sums.length; from += 90) {
      const r = await env.DB.prepare(`SELECT ${sums.slice(from, from + 90).join(', ')} FROM "${name}"`)
        .bind(...lowered)
        .first<Record<string, number>>();
      pairs.slice(from, from + 90).forEach((p, k) => {
        const rows = r![`c${from + k}`];
        if (rows > 0) found.push({ table: name, column: p.column, needle: needles[p.i], rows });
      });
    }
  }
  return found;
}

/** Every (R2 object, needle) where a needle occurs, case-insensitively, in the object's bytes read as text. */
async function r2Occurrences(needles: string[]): Promise<{ key: string; needle: string }[]> {
  const found: { key: string; needle: string }[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await env.FILES.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const o of page.objects) {
      const text = (await (await env.FILES.get(o.key))!.text()).toLowerCase();
      for (const needle of needles)
        if (text.includes(needle.toLowerCase())) found.push({ key: o.key, needle });
    }
    if (!page.truncated) return found;
    cursor = page.cursor;
  }
}

/**
 * A lead delivery that spent its retries, kept as a dead letter in R2 (D1 down, so it stays PENDING): the raw
 * webhook body names the person.
 */
async function deadLetterAbout(id: string, body: Record<string, string>): Promise<string> {
  const msg = {
    kind: 'leads.intake',
    delivery: {
      source: 'GENERIC',
      sourceName: 'site',
      contentType: 'application/json',
      body: JSON.stringify(body),
      items: [{ externalId: id, ref: {} }],
      receivedAt: new Date().toISOString(),
    },
  } as unknown as JobMessage;
  const at = new Date();
  await deliver('mlm-crm-jobs-dlq', [{ id, body: msg, attempts: 1, timestamp: at }], {
    ...env,
    DB: downD1(),
  });
  const key = (await env.FILES.list({ prefix: 'dead-letters/' })).objects.find((o) =>
    o.key.includes(id),
  )?.key;
  expect(key, `dead letter ${id}`).toBeDefined();
  return key!;
}

/**
 * A lead-inbox group object as group commit writes it (src/modules/leads/groupCommit.ts): the raw delivery of
 * the lead they were (the same bytes as its kept raw event) and a new lead of someone else's.
 */
async function inboxGroupWithTheirDelivery(member: Member) {
  const theirs = await env.DB.prepare(
    `SELECT l.external_id, e.body FROM lead l JOIN lead_intake i ON i.lead_id = l.id JOIN lead_event e ON e.id = i.event_id
     WHERE l.converted_distributor_id = ?`,
  )
    .bind(member.id)
    .first<{ external_id: string; body: string }>();
  expect(theirs?.body).toContain(member.email);
  const otherExternalId = `gdpr-inbox-other-${member.id}`;
  const delivery = (externalId: string, body: string) => ({
    source: 'GENERIC',
    sourceName: 'site',
    contentType: 'application/json',
    body,
    items: [{ externalId, ref: {} }],
    receivedAt: new Date().toISOString(),
  });
  const key = groupKey();
  await putGroupInInbox(env.FILES, key, [
    delivery(theirs!.external_id, theirs!.body),
    delivery(otherExternalId, JSON.stringify({ name: 'Kari Nordmann', email: 'kari@example.com' })),
  ] as QueuedDelivery[]);
  return { key, otherExternalId };
}

async function figures() {
  const one = (sql: string, ...p: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...p)
      .first();
  return {
    ledger: await one('SELECT count(*) AS n, sum(amount) AS total FROM ledger_entry'),
    lines: await one(
      'SELECT count(*) AS n, sum(amount) AS total, sum(volume) AS volume FROM commission_line',
    ),
    volumes: await one(
      'SELECT sum(pv) AS pv, sum(cv) AS cv, sum(gv) AS gv, sum(customer_pv) AS cpv FROM volume',
    ),
    orders: await one(
      'SELECT count(*) AS n, sum(total) AS total, sum(qv) AS qv, sum(cv) AS cv FROM sales_order',
    ),
    tree: (
      await env.DB.prepare(
        `SELECT id, sponsor_id, sponsor_path, placement_parent_id, placement_path, team_size, status FROM distributor ORDER BY id`,
      ).all()
    ).results,
  };
}

let admin: string;
let m: Member;

beforeAll(async () => {
  admin = await adminToken();
  m = await memberWithHistory(admin);
});

describe('erasePerson', () => {
  it('leaves no trace of their name, e-mail or phone in any table; ledger, volumes and tree unchanged', async () => {
    const needles = [m.first, m.last, `${m.first} ${m.last}`, m.email, m.phone, m.phone.slice(1)];
    // The history is there before: the search finds them in many tables.
    const before = await occurrences(needles);
    const tablesBefore = new Set(before.map((f) => f.table));
    for (const t of [
      'distributor',
      'activity',
      'task',
      'message_outbox',
      'lead',
      'lead_event',
      'signature_request',
      'ledger_entry',
      'offer',
      'customer',
      'person_fts_content',
    ])
      expect(tablesBefore, t).toContain(t);
    const figuresBefore = await figures();
    // R2: a dead letter of a lead delivery naming them (and one naming someone else, left as it is).
    const theirs = await deadLetterAbout(`dl-${m.id}`, {
      name: `${m.first} ${m.last}`,
      email: m.email,
      phone: m.phone,
    });
    const others = await deadLetterAbout(`dl-other-${m.id}`, {
      name: 'Ola Nordmann',
      email: 'ola@example.com',
    });
    const otherBefore = await (await env.FILES.get(others))!.text();
    // R2: their lead's raw delivery still in a lead-inbox group object, with another sender's delivery.
    const group = await inboxGroupWithTheirDelivery(m);
    const r2Before = await r2Occurrences(needles);
    expect(new Set(r2Before.map((f) => f.key))).toEqual(
      new Set([theirs, m.signedKey, m.draftPdfKey, group.key]),
    );

    const r = await erase(admin, globalId('Distributor', m.id), String(m.id), 'Art. 17 request by e-mail');
    expect(r.__typename).toBe('MutationErasePersonSuccess');
    expect(r.erasure).toMatchObject({
      personType: 'DISTRIBUTOR',
      personId: m.id,
      pseudonym: `Member ${m.id}`,
      reason: 'Art. 17 request by e-mail',
      filesDeleted: true,
    });
    expect(r.erasure.keptDocuments).toEqual([
      expect.objectContaining({ key: m.signedKey, reason: expect.stringContaining('Signed contract') }),
    ]);

    const after = (await occurrences(needles)).filter(
      (f) => !KEPT_IN_D1.some((k) => k.table === f.table && k.column === f.column),
    );
    expect(after).toEqual([]);
    expect(await figures()).toEqual(figuresBefore);
    // R2: only the kept signed agreement still names them; the unsigned offer PDF they made for their customer
    // is deleted (and unlinked from its offer). The dead letter is rewritten with the pseudonym, still PENDING and
    // replayable JSON; the other person's is untouched.
    expect(new Set((await r2Occurrences(needles)).map((f) => f.key))).toEqual(new Set([m.signedKey]));
    expect(await env.FILES.get(m.draftPdfKey)).toBeNull();
    const scrubbed = await env.FILES.get(theirs);
    expect(scrubbed!.customMetadata?.status).toBe('PENDING');
    const letter = JSON.parse(await scrubbed!.text());
    expect(JSON.parse(letter.body.delivery.body)).toEqual({
      name: `Member ${m.id}`,
      email: `erased-distributor-${m.id}@erased.invalid`,
      phone: '[phone erased]',
    });
    expect(await (await env.FILES.get(others))!.text()).toBe(otherBefore);
    // The group object was settled before the batch: gone, and the other sender's delivery kept in D1.
    expect(await env.FILES.head(group.key)).toBeNull();
    expect(
      await env.DB.prepare(`SELECT status FROM lead_intake WHERE source = 'GENERIC' AND external_id = ?`)
        .bind(group.otherExternalId)
        .first(),
    ).toEqual({ status: 'PENDING' });

    // The people-search index finds the pseudonym, not the person.
    expect(await search(admin, m.last)).toEqual([]);
    expect(await search(admin, m.email)).toEqual([]);
    expect((await search(admin, `Member ${m.id}`)).map((p) => p.id)).toContain(globalId('Distributor', m.id));

    // The signed agreement is kept in R2.
    expect(await env.FILES.get(m.signedKey)).not.toBeNull();
    const row = await env.DB.prepare(
      'SELECT first_name, last_name, email, phone, password_hash FROM distributor WHERE id = ?',
    )
      .bind(m.id)
      .first();
    expect(row).toEqual({
      first_name: 'Member',
      last_name: String(m.id),
      email: `erased-distributor-${m.id}@erased.invalid`,
      phone: null,
      password_hash: null,
    });
    // The record says who, when, why, without the erased data.
    const record = await env.DB.prepare('SELECT * FROM gdpr_erasure WHERE subject_id = ?')
      .bind(m.id)
      .first<any>();
    expect(record.erased_by).toMatch(/^staff:\d+$/);
    expect(JSON.stringify(record)).not.toContain(m.last);
    // Their old sessions no longer work.
    const old = await gqlOk('{ me { __typename } }', {}, await distributorToken(m.id)).catch((e) =>
      String(e),
    );
    expect(typeof old).toBeDefined();
  }, 120_000);

  it('is refused a second time (ConflictError)', async () => {
    const r = await erase(admin, globalId('Distributor', m.id), String(m.id));
    expect(r).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_ERASED' });
  });
});

describe('erasePerson of a customer', () => {
  it('pseudonymizes them, deletes their unsigned offer PDF, revokes the offer link; their orders stay', async () => {
    const c = await env.DB.prepare('SELECT first_name, last_name, email FROM customer WHERE id = ?')
      .bind(m.customer)
      .first<{ first_name: string; last_name: string; email: string }>();
    const needles = [c!.last_name, c!.email];
    expect((await occurrences(needles)).length).toBeGreaterThan(0);
    const orders = await env.DB.prepare(
      'SELECT id, total, qv, cv, status FROM sales_order WHERE customer_id = ? ORDER BY id',
    )
      .bind(m.customer)
      .all();
    const r = await erase(admin, globalId('Customer', m.customer), String(m.customer), 'Customer asked');
    expect(r).toMatchObject({
      __typename: 'MutationErasePersonSuccess',
      erasure: { pseudonym: `Customer ${m.customer}` },
    });
    expect(await occurrences(needles)).toEqual([]);
    expect(await env.FILES.get(m.draftPdfKey)).toBeNull();
    const offer = await env.DB.prepare('SELECT pdf_key, link_revoked_at FROM offer WHERE customer_id = ?')
      .bind(m.customer)
      .first<any>();
    expect(offer.pdf_key).toBeNull();
    expect(offer.link_revoked_at).not.toBeNull();
    expect(
      (
        await env.DB.prepare(
          'SELECT id, total, qv, cv, status FROM sales_order WHERE customer_id = ? ORDER BY id',
        )
          .bind(m.customer)
          .all()
      ).results,
    ).toEqual(orders.results);
  }, 60_000);
});

describe('erasure refused, nothing written', () => {
  const state = async () =>
    JSON.stringify(
      await env.DB.batch([
        env.DB.prepare('SELECT * FROM gdpr_erasure ORDER BY id'),
        env.DB.prepare('SELECT id, first_name, last_name, email, phone FROM distributor ORDER BY id'),
        env.DB.prepare('SELECT id, body FROM activity ORDER BY id'),
      ]).then((rs) => rs.map((x) => x.results)),
    );

  it('by a distributor (for another member or themself): ForbiddenError', async () => {
    const other = await enroll(admin, m.sponsor);
    const token = await distributorToken(other);
    const target = await enroll(admin, other);
    const s = await state();
    expect(await erase(token, globalId('Distributor', target), String(target))).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await erase(token, globalId('Distributor', other), String(other))).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect(await state()).toBe(s);
  });

  it('of an unknown person: NotFoundError; with a wrong confirmId: ValidationError', async () => {
    const target = await enroll(admin, m.sponsor);
    const s = await state();
    expect(await erase(admin, globalId('Customer', 99_999_999), '99999999')).toMatchObject({
      __typename: 'NotFoundError',
    });
    const wrong = await erase(admin, globalId('Distributor', target), String(target + 1));
    expect(wrong).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'confirmId' }] });
    expect(await state()).toBe(s);
    // The global id is accepted as the confirmation too.
    expect(
      await erase(admin, globalId('Distributor', target), globalId('Distributor', target)),
    ).toMatchObject({
      __typename: 'MutationErasePersonSuccess',
    });
  });

  it('while a commission period is CLOSING: ConflictError', async () => {
    const target = await enroll(admin, m.sponsor);
    await env.DB.prepare("INSERT INTO commission_period (id, status) VALUES ('2019-01', 'CLOSING')").run();
    try {
      const s = await state();
      expect(await erase(admin, globalId('Distributor', target), String(target))).toMatchObject({
        __typename: 'ConflictError',
        code: 'PERIOD_CLOSING',
      });
      expect(await state()).toBe(s);
    } finally {
      await env.DB.prepare("DELETE FROM commission_period WHERE id = '2019-01'").run();
    }
  });
});

describe('erasure requests', () => {
  const REQUEST = `mutation($input: RequestMyErasureInput!) { requestMyErasure(input: $input) { __typename
    ... on MutationRequestMyErasureSuccess { request { id status reason } } ... on Error { message }
    ... on ConflictError { code } } }`;

  it('a distributor files one (not two); staff erasing them settles it as DONE', async () => {
    const me = await enroll(admin, m.sponsor);
    const token = await distributorToken(me);
    const first = (await gqlOk(REQUEST, { input: { reason: 'Please forget me' } }, token)).requestMyErasure;
    expect(first).toMatchObject({
      __typename: 'MutationRequestMyErasureSuccess',
      request: { status: 'OPEN' },
    });
    const again = (await gqlOk(REQUEST, { input: { reason: 'Again' } }, token)).requestMyErasure;
    expect(again).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_REQUESTED' });
    const open = await gqlOk('{ erasureRequests(status: "OPEN") { id distributorId } }', {}, admin);
    expect(open.erasureRequests.map((r: any) => r.distributorId)).toContain(me);
    expect(await erase(admin, globalId('Distributor', me), String(me), 'Their request')).toMatchObject({
      __typename: 'MutationErasePersonSuccess',
    });
    const row = await env.DB.prepare(
      'SELECT status, settled_at, settled_by FROM gdpr_erasure_request WHERE distributor_id = ?',
    )
      .bind(me)
      .first<any>();
    expect(row.status).toBe('DONE');
    expect(row.settled_at).not.toBeNull();
    expect(row.settled_by).toMatch(/^staff:\d+$/);
  });
});
