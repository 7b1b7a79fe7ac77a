import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexImportedDistributors } from '../../src/modules/people/indexing';
import {
  adminToken,
  distributorToken,
  enroll,
  gid,
  gql,
  gqlOk,
  localId,
  move,
  mutate,
  setCompany,
  terminate,
  UPDATE_PROFILE,
} from '../helpers';
import { createCustomer } from '../orders/helpers';
import { createProspect, search } from './helpers';

// Network (sponsor tree):      root
//                             /    \
//                           a        b
//                           |
//                           c
let admin: string;
let root: number;
let a: number;
let b: number;
let c: number;
let tokens: Record<string, string>;

const names = (hits: { name: string }[]) => hits.map((h) => h.name).sort();

beforeAll(async () => {
  await setCompany({ placement_kind: 'MATRIX', matrix_width: 5 });
  admin = await adminToken();
  root = await enroll(admin, null, { firstName: 'Root', lastName: 'Company' });
  a = await enroll(admin, root, { firstName: 'Łukasz', lastName: 'Wiśniewski', phone: '+48 601 234 567' });
  b = await enroll(admin, root, { firstName: 'Bodil', lastName: 'Søndergaard' });
  c = await enroll(admin, a, { firstName: 'Cecilie', lastName: 'Ærø', email: 'cecilie@example.dk' });
  tokens = {
    root: await distributorToken(root),
    a: await distributorToken(a),
    b: await distributorToken(b),
    c: await distributorToken(c),
  };
});

describe('people search', () => {
  it('folds diacritics and letters without decomposition: lukasz, wisniewski, sondergaard, aero', async () => {
    expect(names(await search(admin, 'lukasz'))).toEqual(['Łukasz Wiśniewski']);
    expect(names(await search(admin, 'Wisn'))).toEqual(['Łukasz Wiśniewski']);
    expect(names(await search(admin, 'ŁUKASZ wiś'))).toEqual(['Łukasz Wiśniewski']);
    expect(names(await search(admin, 'sondergaard'))).toEqual(['Bodil Søndergaard']);
    expect(names(await search(admin, 'aero'))).toEqual(['Cecilie Ærø']);
    expect(names(await search(admin, 'cecilie@example'))).toEqual(['Cecilie Ærø']);
    // an initial is ignored rather than expanded to every word with that letter
    expect(names(await search(admin, 'Ł. Wiś'))).toEqual(['Łukasz Wiśniewski']);
  });

  it('finds phone numbers by digits, with or without country code and punctuation', async () => {
    for (const q of ['+48 601 234 567', '601234567', '601-234', '48601'])
      expect(names(await search(admin, q)), q).toEqual(['Łukasz Wiśniewski']);
    expect(await search(admin, '999888777')).toEqual([]);
  });

  it('a distributor finds only people they may see', async () => {
    const custA = await createCustomer(tokens.a, {
      firstName: 'Zofia',
      lastName: 'Kowalska',
      phone: '+48500100200',
    });
    await createCustomer(tokens.b, { firstName: 'Zofia', lastName: 'Nowak' });
    await createProspect(tokens.a, { firstName: 'Zofia', lastName: 'Prospektowa' });
    await createProspect(tokens.c, { firstName: 'Zofia', lastName: 'Cecilies' });
    // a: their customer and prospect; not b's customer, not c's prospect (private), not c's customers.
    expect(names(await search(tokens.a, 'zofia'))).toEqual(['Zofia Kowalska', 'Zofia Prospektowa']);
    expect(names(await search(tokens.b, 'zofia'))).toEqual(['Zofia Nowak']);
    expect(names(await search(tokens.c, 'zofia'))).toEqual(['Zofia Cecilies']);
    // the upline does not see the downline's customers or prospects
    expect(names(await search(tokens.root, 'zofia'))).toEqual([]);
    expect((await search(admin, 'zofia')).length).toBe(4);
    // distributors: self and downline only
    expect(names(await search(tokens.a, 'cecilie'))).toEqual(['Cecilie Ærø']);
    expect(names(await search(tokens.c, 'lukasz'))).toEqual([]);
    expect(names(await search(tokens.b, 'cecilie'))).toEqual([]);
    expect(names(await search(tokens.root, 'cecilie'))).toEqual(['Cecilie Ærø']);
    // kinds filter and hit ids
    const hits = await search(tokens.a, 'zofia', ['CUSTOMER']);
    expect(hits.map((h) => [h.kind, localId(h.id)])).toEqual([['CUSTOMER', custA]]);
  });

  it('the index follows profile updates, customer updates, and both kinds of move', async () => {
    const r = await mutate(UPDATE_PROFILE, { id: gid(c), firstName: 'Cecylia' }, admin);
    expect(r.__typename).toBe('MutationUpdateDistributorProfileSuccess');
    expect(names(await search(tokens.a, 'cecylia'))).toEqual(['Cecylia Ærø']);
    // still found by the e-mail, which did not change
    expect(names(await search(tokens.a, 'cecilie'))).toEqual(['Cecylia Ærø']);

    // sponsor move: c from a to b -> b sees c, a no longer (c stays in a's placement downline? c was placed
    // under a by auto-placement, so a still sees c through the placement tree).
    const placedUnderA = (await env.DB.prepare(
      'SELECT placement_parent_id AS p FROM distributor WHERE id = ?',
    )
      .bind(c)
      .first<{ p: number }>())!.p;
    expect(placedUnderA).toBe(a);
    await move(admin, c, 'SPONSOR', b);
    expect(names(await search(tokens.b, 'cecylia'))).toEqual(['Cecylia Ærø']);
    expect(names(await search(tokens.a, 'cecylia'))).toEqual(['Cecylia Ærø']);
    // placement move: c under b in the placement tree too -> a loses sight of c
    await move(admin, c, 'PLACEMENT', b);
    expect(names(await search(tokens.a, 'cecylia'))).toEqual([]);
    expect(names(await search(tokens.b, 'cecylia'))).toEqual(['Cecylia Ærø']);
    expect(names(await search(tokens.root, 'cecylia'))).toEqual(['Cecylia Ærø']);

    // customer update renames and re-owns nothing else
    const cust = await createCustomer(tokens.b, { firstName: 'Old', lastName: 'Name' });
    const upd = await gqlOk(
      `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename } }`,
      { input: { id: btoa(`Customer:${cust}`), firstName: 'Renata', phone: '+45 11 22 33 44' } },
      tokens.b,
    );
    expect(upd.updateCustomer.__typename).toBe('MutationUpdateCustomerSuccess');
    expect(names(await search(tokens.b, 'renata'))).toEqual(['Renata Name']);
    expect(names(await search(tokens.b, '11223344'))).toEqual(['Renata Name']);
    expect(await search(tokens.b, 'old')).toEqual([]);
  });

  it('a subtree moved in the placement tree carries its grandchildren along', async () => {
    const d = await enroll(admin, b, {
      firstName: 'Dagny',
      lastName: 'Deep',
      placementParentId: gid(c),
      placementPosition: 0,
    });
    expect(
      (await env.DB.prepare('SELECT placement_parent_id AS p FROM distributor WHERE id = ?')
        .bind(d)
        .first<{ p: number }>())!.p,
    ).toBe(c);
    await move(admin, c, 'PLACEMENT', a);
    expect(names(await search(tokens.a, 'dagny'))).toEqual(['Dagny Deep']);
    const row = await env.DB.prepare('SELECT pscope FROM person_fts WHERE rowid = ?')
      .bind(d * 4)
      .first<{ pscope: string }>();
    expect(row!.pscope).toBe(`p${root} p${a} p${c} p${d}`);
  });

  it('termination rolls the downline up: the old sponsor chain drops out of the sponsor tokens', async () => {
    const e = await enroll(admin, a, { firstName: 'Emil', lastName: 'Up' });
    const f = await enroll(admin, e, { firstName: 'Frida', lastName: 'Up' });
    await terminate(admin, e);
    const row = await env.DB.prepare('SELECT scope FROM person_fts WHERE rowid = ?')
      .bind(f * 4)
      .first<{ scope: string }>();
    expect(row!.scope).toBe(`kd s${root} s${a} s${f}`);
  });

  it('bulk indexing of imported distributors (rows the insert trigger skips)', async () => {
    const now = new Date().toISOString();
    const parent = (await env.DB.prepare('SELECT * FROM distributor WHERE id = ?').bind(b).first<any>())!;
    await env.DB.prepare(
      `INSERT INTO distributor (id, referral_code, first_name, last_name, search_name, country, locale, status, joined_at,
         sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position, placement_path, placement_depth,
         import_id, created_at, updated_at)
       VALUES (900, 'IMP900', 'Ingrid', 'Import', 'ingrid import', 'DK', 'da', 'ACTIVE', ?1, ?2, ?3, ?4, ?2, 4, ?5, ?6, 77, ?1, ?1)`,
    )
      .bind(
        now,
        b,
        `${parent.sponsor_path}900.`,
        parent.sponsor_depth + 1,
        `${parent.placement_path}4`,
        parent.placement_depth + 1,
      )
      .run();
    expect(await search(tokens.b, 'ingrid')).toEqual([]);
    await indexImportedDistributors(env.DB, 77);
    expect(names(await search(tokens.b, 'ingrid'))).toEqual(['Ingrid Import']);
    expect(names(await search(tokens.root, 'ingrid'))).toEqual(['Ingrid Import']);
    expect(await search(tokens.a, 'ingrid')).toEqual([]);
  });

  it('leads: found by the distributor they are assigned to (and staff), followed on reassignment', async () => {
    const now = new Date().toISOString();
    const lead = await env.DB.prepare(
      `INSERT INTO lead (source, external_id, full_name, email, phone, assigned_distributor_id, created_at, updated_at)
       VALUES ('GENERIC', 'x-1', 'Ludmiła Leadowa', 'lu@example.pl', '+48 700 800 900', ?, ?, ?) RETURNING id`,
    )
      .bind(a, now, now)
      .first<{ id: number }>();
    expect((await search(tokens.a, 'ludmila')).map((h) => [h.kind, localId(h.id)])).toEqual([
      ['LEAD', lead!.id],
    ]);
    expect(await search(tokens.b, 'ludmila')).toEqual([]);
    expect(await search(tokens.root, 'ludmila')).toEqual([]);
    expect(names(await search(admin, '700800900'))).toEqual(['Ludmiła Leadowa']);
    await env.DB.prepare('UPDATE lead SET assigned_distributor_id = ? WHERE id = ?').bind(b, lead!.id).run();
    expect(await search(tokens.a, 'ludmila')).toEqual([]);
    expect(names(await search(tokens.b, 'ludmila'))).toEqual(['Ludmiła Leadowa']);
  });

  it('pages newest first with cursors; refuses too-short queries and anonymous callers', async () => {
    for (let i = 0; i < 5; i++) await createProspect(tokens.b, { firstName: `Pagina${i}` });
    const p1 = (
      await gqlOk(
        `query { searchPeople(query: "pagina", first: 2) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`,
        {},
        tokens.b,
      )
    ).searchPeople;
    expect(p1.edges.map((e: any) => e.node.name)).toEqual(['Pagina4', 'Pagina3']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = (
      await gqlOk(
        `query($after: String) { searchPeople(query: "pagina", first: 10, after: $after) { edges { node { name } } pageInfo { hasNextPage } } }`,
        { after: p1.pageInfo.endCursor },
        tokens.b,
      )
    ).searchPeople;
    expect(p2.edges.map((e: any) => e.node.name)).toEqual(['Pagina2', 'Pagina1', 'Pagina0']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    const short = await gql(`query { searchPeople(query: "a") { edges { node { name } } } }`, {}, tokens.b);
    expect(short.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const anon = await gql(`query { searchPeople(query: "pagina") { edges { node { name } } } }`);
    expect(anon.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // FTS syntax in the query is just text
    expect(await search(tokens.b, 'pagina" OR "x')).toEqual([]);
    expect(names(await search(tokens.b, 'NEAR(pagina4'))).toEqual([]);
  });
});
