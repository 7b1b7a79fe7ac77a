import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gid, globalId, gql, gqlOk, setStatus } from '../helpers';
import { leadNode, leadRow, post, setSource, waitForIntake } from './helpers';

// Who sees which lead (SPEC §5), whatever the query shape, and who may assign and configure.

const TOKEN = 'access-token-0123456789';
let admin: string;
let d1: number;
let d2: number;
let t1: string;
let t2: string;
const ids: Record<string, string> = {};

async function lead(name: string, extra: Record<string, string>) {
  await post('/webhooks/leads/acc', JSON.stringify({ id: name, full_name: name, ...extra }), {
    authorization: `Bearer ${TOKEN}`,
  });
  await waitForIntake('GENERIC', `acc:${name}`);
  ids[name] = globalId('Lead', (await leadRow('GENERIC', `acc:${name}`)).id);
}

const code = async (id: number) =>
  (await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?').bind(id).first<any>())
    .referral_code;

const LEADS = `query($pool: Boolean, $to: ID) { leads(first: 50, pool: $pool, assignedTo: $to) {
  edges { node { id fullName inPool } } } }`;
const names = (r: any) => r.leads.edges.map((e: any) => e.node.fullName).sort();

const ASSIGN = `mutation($input: AssignLeadInput!) { assignLead(input: $input) { __typename
  ... on MutationAssignLeadSuccess { lead { id inPool assignedTo { id } assignments { reason assignedBy toPool detail } } }
  ... on Error { message } } }`;

beforeAll(async () => {
  admin = await adminToken();
  await setSource(admin, {
    name: 'acc',
    auth: 'TOKEN',
    secret: TOKEN,
    fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
  });
  const root = await enroll(admin, null);
  d1 = await enroll(admin, root);
  d2 = await enroll(admin, root);
  t1 = await distributorToken(d1);
  t2 = await distributorToken(d2);
  await lead('one', { referral_code: await code(d1) });
  await lead('two', { referral_code: await code(d2) });
  await lead('pooled', { country: 'SE' });
});

describe('lead access', () => {
  it('a distributor sees only their own leads, in the connection and through node(id)', async () => {
    expect(names(await gqlOk(LEADS, {}, t1))).toEqual(['one']);
    expect(names(await gqlOk(LEADS, {}, t2))).toEqual(['two']);
    expect((await leadNode(ids.one, t1)).fullName).toBe('one');
    expect(await leadNode(ids.two, t1)).toBeNull();
    expect(await leadNode(ids.pooled, t1)).toBeNull();
    const nodes = await gqlOk(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Lead { fullName } } }`,
      { ids: [ids.one, ids.two, ids.pooled] },
      t1,
    );
    expect(nodes.nodes).toEqual([{ fullName: 'one' }, null, null]);
    const pool = await gql(LEADS, { pool: true }, t1);
    expect(pool.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const other = await gql(LEADS, { to: gid(d2) }, t1);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('staff see everything, the pool alone, or one distributor’s leads; anonymous callers see nothing', async () => {
    expect(names(await gqlOk(LEADS, {}, admin))).toEqual(['one', 'pooled', 'two']);
    expect(names(await gqlOk(LEADS, { pool: true }, admin))).toEqual(['pooled']);
    expect(names(await gqlOk(LEADS, { to: gid(d1) }, admin))).toEqual(['one']);
    expect((await gql(LEADS, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await gqlOk(`query($id: ID!) { node(id: $id) { id } }`, { id: ids.one })).toEqual({ node: null });
  });

  it('only staff assign; each assignment is recorded; suspended distributors are refused', async () => {
    const denied = await gql(ASSIGN, { input: { id: ids.pooled, distributorId: gid(d1) } }, t1);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await leadRow('GENERIC', 'acc:pooled')).assigned_distributor_id).toBeNull();

    const r = (
      await gqlOk(
        ASSIGN,
        { input: { id: ids.pooled, distributorId: gid(d2), note: 'Speaks Swedish' } },
        admin,
      )
    ).assignLead;
    expect(r.__typename).toBe('MutationAssignLeadSuccess');
    expect(r.lead.assignments.map((a: any) => a.reason)).toEqual(['POOL', 'MANUAL']);
    expect(r.lead.assignments[1]).toMatchObject({
      assignedBy: expect.stringMatching(/^staff:\d+$/),
      detail: 'Speaks Swedish',
    });
    expect(names(await gqlOk(LEADS, {}, t2))).toEqual(['pooled', 'two']);
    expect((await leadNode(ids.pooled, t2)).assignments.map((a: any) => a.reason)).toEqual([
      'POOL',
      'MANUAL',
    ]);

    await setStatus(admin, d1, 'SUSPENDED');
    const refused = (await gqlOk(ASSIGN, { input: { id: ids.pooled, distributorId: gid(d1) } }, admin))
      .assignLead;
    expect(refused.__typename).toBe('ValidationError');
    await setStatus(admin, d1, 'ACTIVE');
    // The suspension signed d1 out (company setting signOutOnSuspension, on by default): sign in again.
    t1 = await distributorToken(d1);

    const back = (await gqlOk(ASSIGN, { input: { id: ids.pooled } }, admin)).assignLead;
    expect(back.lead).toMatchObject({ inPool: true, assignedTo: null });
    expect(back.lead.assignments.map((a: any) => a.toPool)).toEqual([true, false, true]);
    expect(names(await gqlOk(LEADS, {}, t2))).toEqual(['two']);
  });

  it('configuration is staff-only', async () => {
    for (const q of [
      '{ googleLeadForms { formId } }',
      '{ metaLeadPages { pageId } }',
      '{ leadSources { name } }',
      '{ leadRoutingRules { name } }',
      '{ failedLeadIntakes { intakeId } }',
    ]) {
      expect((await gql(q, {}, t1)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(q, {}, admin)).errors).toBeUndefined();
    }
    const m = await gql(
      `mutation { setGoogleLeadForm(input: {formId: "1", googleKey: "0123456789"}) { __typename } }`,
      {},
      t1,
    );
    expect(m.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await env.DB.prepare('SELECT count(*) AS n FROM lead_google_form').first<any>()).toEqual({ n: 0 });
  });
});
