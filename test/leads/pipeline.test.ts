import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  distributorToken,
  enroll,
  expectSuccess,
  gid,
  globalId,
  gqlOk,
  localId,
} from '../helpers';
import { leadRow, post, setSource, waitForIntake } from './helpers';

// Lead pipeline (statuses with history, conversion), end to end through the worker and real D1.

const TOKEN = 'pipeline-token-0123456789';
let admin: string;
let d1: number;
let d2: number;
let t1: string;
let t2: string;
let n = 0;

/** A fresh lead assigned to `owner` (by referral code), or to the pool; returns its global id. */
async function newLead(owner: number | null, extra: Record<string, string> = {}): Promise<string> {
  n++;
  const name = `lead${n}-${Math.random().toString(36).slice(2, 7)}`;
  const code =
    owner == null
      ? {}
      : {
          referral_code: (
            await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?')
              .bind(owner)
              .first<any>()
          ).referral_code,
        };
  await post(
    '/webhooks/leads/pipe',
    JSON.stringify({
      id: name,
      full_name: 'Ada Lovelace',
      email: `${name}@test.example`,
      country: 'DK',
      ...code,
      ...extra,
    }),
    { authorization: `Bearer ${TOKEN}` },
  );
  await waitForIntake('GENERIC', `pipe:${name}`);
  return globalId('Lead', (await leadRow('GENERIC', `pipe:${name}`)).id);
}

const RESULT = `__typename
  ... on Error { message }
  ... on ValidationError { issues { path message } }
  ... on ConflictError { code }`;
const LEAD = `id status lostReason convertedAt statusHistory { from to reason actor }
  convertedTo { __typename ... on Customer { id firstName lastName email } ... on Distributor { id sponsor { id } } }`;

async function setStatus(token: string, id: string, status: string, reason?: string) {
  return (
    await gqlOk(
      `mutation($input: SetLeadStatusInput!) { setLeadStatus(input: $input) { ${RESULT}
        ... on MutationSetLeadStatusSuccess { lead { ${LEAD} } } } }`,
      { input: { id, status, reason } },
      token,
    )
  ).setLeadStatus;
}

async function convert(token: string, input: Record<string, unknown>) {
  return (
    await gqlOk(
      `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { ${RESULT}
        ... on MutationConvertLeadSuccess { lead { ${LEAD} } } } }`,
      { input },
      token,
    )
  ).convertLead;
}

/** Everything the pipeline may write, as text: a refusal keeps it equal. */
async function fingerprint(): Promise<string> {
  const tables = ['lead', 'lead_status_change', 'customer', 'distributor', 'downline_level'];
  const results = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM ${t} ORDER BY 1`)));
  return JSON.stringify(results.map((r) => r.results));
}

async function refusedWithoutWrites(run: () => Promise<any>, typename: string, code?: string) {
  const before = await fingerprint();
  const r = await run();
  expect(r.__typename, JSON.stringify(r)).toBe(typename);
  if (code) expect(r.code).toBe(code);
  expect(await fingerprint()).toBe(before);
  return r;
}

beforeAll(async () => {
  admin = await adminToken('pipeline-admin@test.example');
  await setSource(admin, {
    name: 'pipe',
    auth: 'TOKEN',
    secret: TOKEN,
    fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
  });
  const root = await enroll(admin, null);
  d1 = await enroll(admin, root);
  d2 = await enroll(admin, root);
  t1 = await distributorToken(d1);
  t2 = await distributorToken(d2);
});

describe('lead statuses', () => {
  it('walks NEW → CONTACTED → QUALIFIED → LOST → CONTACTED, recording each change', async () => {
    const id = await newLead(d1);
    expectSuccess(await setStatus(t1, id, 'CONTACTED'));
    expectSuccess(await setStatus(admin, id, 'QUALIFIED'));
    const lost = expectSuccess(await setStatus(t1, id, 'LOST', '  Not interested  ')) as any;
    expect(lost.lead.status).toBe('LOST');
    expect(lost.lead.lostReason).toBe('Not interested');
    const reopened = expectSuccess(await setStatus(t1, id, 'CONTACTED')) as any;
    expect(reopened.lead.status).toBe('CONTACTED');
    expect(reopened.lead.lostReason).toBeNull();
    const staffId = (
      await env.DB.prepare(
        "SELECT id FROM staff_user WHERE email = 'pipeline-admin@test.example'",
      ).first<any>()
    ).id;
    // The distributor reads a staff change as "Staff" (issue 9 §7: no internal ids); staff read the id.
    const history = (actor: string) => [
      { from: 'NEW', to: 'CONTACTED', reason: null, actor: `distributor:${d1}` },
      { from: 'CONTACTED', to: 'QUALIFIED', reason: null, actor },
      { from: 'QUALIFIED', to: 'LOST', reason: 'Not interested', actor: `distributor:${d1}` },
      { from: 'LOST', to: 'CONTACTED', reason: null, actor: `distributor:${d1}` },
    ];
    expect(reopened.lead.statusHistory).toEqual(history('Staff'));
    const asStaff = await gqlOk(
      'query($id: ID!) { node(id: $id) { ... on Lead { statusHistory { from to reason actor } } } }',
      { id },
      admin,
    );
    expect(asStaff.node.statusHistory).toEqual(history(`staff:${staffId}`));
  });

  it('refuses transitions the pipeline does not allow, writing nothing', async () => {
    const id = await newLead(d1);
    await refusedWithoutWrites(
      () => setStatus(t1, id, 'QUALIFIED'),
      'ConflictError',
      'TRANSITION_NOT_ALLOWED',
    );
    await refusedWithoutWrites(() => setStatus(t1, id, 'NEW'), 'ConflictError', 'TRANSITION_NOT_ALLOWED');
    await refusedWithoutWrites(() => setStatus(admin, id, 'CONVERTED'), 'ValidationError');
    expectSuccess(await setStatus(t1, id, 'LOST', 'Wrong number'));
    await refusedWithoutWrites(
      () => setStatus(t1, id, 'LOST', 'again'),
      'ConflictError',
      'TRANSITION_NOT_ALLOWED',
    );
    await refusedWithoutWrites(
      () => setStatus(t1, id, 'QUALIFIED'),
      'ConflictError',
      'TRANSITION_NOT_ALLOWED',
    );
  });

  it('two simultaneous changes of one lead: one wins, the other is refused, one history row', async () => {
    const id = await newLead(d1);
    const rs = await Promise.all([setStatus(t1, id, 'CONTACTED'), setStatus(admin, id, 'CONTACTED')]);
    expect(rs.filter((r) => r.__typename === 'MutationSetLeadStatusSuccess')).toHaveLength(1);
    expect(rs.filter((r) => r.__typename === 'ConflictError')).toHaveLength(1);
    const { results } = await env.DB.prepare('SELECT * FROM lead_status_change WHERE lead_id = ?')
      .bind(localId(id))
      .all();
    expect(results).toHaveLength(1);
  });

  it('refuses LOST without a reason', async () => {
    const id = await newLead(d1);
    const r = await refusedWithoutWrites(() => setStatus(t1, id, 'LOST'), 'ValidationError');
    expect(r.issues).toEqual([{ path: 'reason', message: 'Required.' }]);
    await refusedWithoutWrites(() => setStatus(t1, id, 'LOST', '   '), 'ValidationError');
  });

  it("refuses a distributor touching someone else's lead or a pool lead, writing nothing", async () => {
    const id = await newLead(d1);
    const pooled = await newLead(null, { country: 'SE' });
    await refusedWithoutWrites(() => setStatus(t2, id, 'CONTACTED'), 'ForbiddenError');
    await refusedWithoutWrites(() => setStatus(t2, pooled, 'CONTACTED'), 'ForbiddenError');
    await refusedWithoutWrites(() => convert(t2, { id, to: 'CUSTOMER', locale: 'da' }), 'ForbiddenError');
    await refusedWithoutWrites(() => convert(t2, { id, to: 'DISTRIBUTOR' }), 'ForbiddenError');
    await refusedWithoutWrites(() => setStatus(t1, globalId('Lead', 999999), 'CONTACTED'), 'NotFoundError');
    // Staff may work on the pool, but a pool lead has no one to own the customer.
    expectSuccess(await setStatus(admin, pooled, 'CONTACTED'));
    await refusedWithoutWrites(
      () => convert(admin, { id: pooled, to: 'CUSTOMER' }),
      'ConflictError',
      'LEAD_UNASSIGNED',
    );
  });
});

describe('lead conversion', () => {
  it('converts into a customer owned by the assigned distributor, keeping the history', async () => {
    const id = await newLead(d1);
    expectSuccess(await setStatus(t1, id, 'CONTACTED'));
    const r = expectSuccess(
      await convert(t1, { id, to: 'CUSTOMER', locale: 'da', phone: '+45 12345678' }),
    ) as any;
    expect(r.lead.status).toBe('CONVERTED');
    expect(r.lead.convertedAt).not.toBeNull();
    expect(r.lead.convertedTo.__typename).toBe('Customer');
    expect(r.lead.convertedTo.firstName).toBe('Ada');
    expect(r.lead.convertedTo.lastName).toBe('Lovelace');
    expect(r.lead.statusHistory.map((h: any) => [h.from, h.to, h.reason])).toEqual([
      ['NEW', 'CONTACTED', null],
      ['CONTACTED', 'CONVERTED', 'CUSTOMER'],
    ]);
    const c = await env.DB.prepare('SELECT * FROM customer WHERE id = ?')
      .bind(localId(r.lead.convertedTo.id))
      .first<any>();
    expect(c.owner_id).toBe(d1);
    expect(c.phone).toBe('+4512345678');
    expect(c.country).toBe('DK');
    const row = await env.DB.prepare('SELECT * FROM lead WHERE id = ?').bind(localId(id)).first<any>();
    expect(row.converted_customer_id).toBe(c.id);
    // Converted is final for setLeadStatus and for another conversion.
    await refusedWithoutWrites(
      () => setStatus(t1, id, 'LOST', 'x'),
      'ConflictError',
      'TRANSITION_NOT_ALLOWED',
    );
    await refusedWithoutWrites(
      () => convert(t1, { id, to: 'CUSTOMER' }),
      'ConflictError',
      'ALREADY_CONVERTED',
    );
  });

  it('converts into a distributor sponsored by the assigned distributor', async () => {
    const id = await newLead(d2);
    const before = (
      await env.DB.prepare('SELECT team_size FROM distributor WHERE id = ?').bind(d2).first<any>()
    ).team_size;
    const r = expectSuccess(await convert(t2, { id, to: 'DISTRIBUTOR', locale: 'en' })) as any;
    expect(r.lead.status).toBe('CONVERTED');
    expect(r.lead.convertedTo.__typename).toBe('Distributor');
    expect(r.lead.convertedTo.sponsor.id).toBe(gid(d2));
    const m = await env.DB.prepare('SELECT * FROM distributor WHERE id = ?')
      .bind(localId(r.lead.convertedTo.id))
      .first<any>();
    expect(m.sponsor_id).toBe(d2);
    expect(m.first_name).toBe('Ada');
    const after = (
      await env.DB.prepare('SELECT team_size FROM distributor WHERE id = ?').bind(d2).first<any>()
    ).team_size;
    expect(after).toBe(before + 1);
    expect(r.lead.statusHistory.map((h: any) => h.to)).toEqual(['CONVERTED']);
  });

  it('two simultaneous conversions into a distributor: one member enrolled and linked, the other refused', async () => {
    const id = await newLead(d2);
    const teamOf = async () =>
      (await env.DB.prepare('SELECT team_size FROM distributor WHERE id = ?').bind(d2).first<any>())
        .team_size;
    const before = await teamOf();
    const rs = (await Promise.all([
      // Different e-mails, so that the unique e-mail rule cannot be what refuses the second one.
      convert(t2, { id, to: 'DISTRIBUTOR', locale: 'en', email: `one-${Date.now()}@test.example` }),
      convert(admin, { id, to: 'DISTRIBUTOR', locale: 'en', email: `two-${Date.now()}@test.example` }),
    ])) as any[];
    expect(rs.filter((r) => r.__typename === 'MutationConvertLeadSuccess')).toHaveLength(1);
    expect(rs.filter((r) => r.__typename === 'ConflictError')).toHaveLength(1);
    // The refused one enrolled nobody: the link was part of the enrollment's batch.
    expect(await teamOf()).toBe(before + 1);
    const row = await env.DB.prepare('SELECT converted_distributor_id FROM lead WHERE id = ?')
      .bind(localId(id))
      .first<any>();
    const winner = rs.find((r) => r.__typename === 'MutationConvertLeadSuccess');
    expect(row.converted_distributor_id).toBe(localId(winner.lead.convertedTo.id));
  });

  it('refuses a lost lead and invalid details, writing nothing', async () => {
    const id = await newLead(d1);
    await refusedWithoutWrites(
      () => convert(t1, { id, to: 'CUSTOMER', email: 'not-an-email' }),
      'ValidationError',
    );
    await refusedWithoutWrites(() => convert(t1, { id, to: 'DISTRIBUTOR', notes: 'x' }), 'ValidationError');
    expectSuccess(await setStatus(t1, id, 'LOST', 'Moved away'));
    await refusedWithoutWrites(
      () => convert(admin, { id, to: 'CUSTOMER' }),
      'ConflictError',
      'LEAD_NOT_OPEN',
    );
  });
});
