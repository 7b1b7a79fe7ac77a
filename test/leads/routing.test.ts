import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, enroll, gid, gqlOk, setStatus } from '../helpers';
import { leadRow, post, setSource, waitForIntake } from './helpers';

// Routing: referral code, then UTM tag, then country/postal rules round-robin among ACTIVE members, else pool.

const TOKEN = 'routing-token-0123456789';
let admin: string;
let root: number;
let ref: number;
let a: number;
let b: number;
let c: number;
let seq = 0;

const RULE = `mutation($input: CreateLeadRoutingRuleInput!) { createLeadRoutingRule(input: $input) { __typename
  ... on MutationCreateLeadRoutingRuleSuccess { rule { id name country postalCodePrefix distributors { id } } }
  ... on ValidationError { issues { path message } } } }`;

async function send(fields: Record<string, string>) {
  seq++;
  const id = `r-${seq}`;
  const res = await post('/webhooks/leads/web', JSON.stringify({ id, ...fields }), {
    authorization: `Bearer ${TOKEN}`,
  });
  expect(res.status).toBe(200);
  expect((await waitForIntake('GENERIC', `web:${id}`)).status).toBe('DONE');
  const row = await leadRow('GENERIC', `web:${id}`);
  const assignments = (
    await env.DB.prepare('SELECT * FROM lead_assignment WHERE lead_id = ? ORDER BY id')
      .bind(row.id)
      .all<any>()
  ).results;
  return { row, assignments };
}

beforeAll(async () => {
  admin = await adminToken();
  await setSource(admin, {
    name: 'web',
    auth: 'TOKEN',
    secret: TOKEN,
    fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
  });
  root = await enroll(admin, null);
  ref = await enroll(admin, root);
  a = await enroll(admin, root);
  b = await enroll(admin, root);
  c = await enroll(admin, root);
  const rule = await gqlOk(
    RULE,
    {
      input: {
        name: 'Aarhus',
        country: 'dk',
        postalCodePrefix: '8',
        distributorIds: [gid(a), gid(b), gid(c)],
      },
    },
    admin,
  );
  expect(rule.createLeadRoutingRule.__typename).toBe('MutationCreateLeadRoutingRuleSuccess');
  expect(rule.createLeadRoutingRule.rule.country).toBe('DK');
  await gqlOk(
    RULE,
    { input: { name: 'Poland', country: 'PL', priority: 200, distributorIds: [gid(root)] } },
    admin,
  );
});

describe('lead routing', () => {
  it('a referral code assigns the lead to its distributor', async () => {
    const code = (
      await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?').bind(ref).first<any>()
    ).referral_code;
    const { row, assignments } = await send({
      email: 'x@example.dk',
      referral_code: code.toLowerCase(),
      zip: '8000',
      country: 'DK',
    });
    expect(row.assigned_distributor_id).toBe(ref);
    expect(assignments).toEqual([
      expect.objectContaining({ distributor_id: ref, reason: 'REFERRAL_CODE', assigned_by: 'router' }),
    ]);
  });

  it('a UTM tag carrying a referral code assigns the lead', async () => {
    const code = (
      await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?').bind(ref).first<any>()
    ).referral_code;
    const { row, assignments } = await send({ utm_content: `ref-${code}`, country: 'DK', zip: '8000' });
    expect(row.assigned_distributor_id).toBe(ref);
    expect(assignments[0]).toMatchObject({ reason: 'UTM', detail: `utm_content=ref-${code}` });
  });

  it('rules go round-robin among ACTIVE members; a suspended member is skipped', async () => {
    const got: number[] = [];
    for (let i = 0; i < 3; i++)
      got.push((await send({ country: 'DK', zip: `8${i}00` })).row.assigned_distributor_id);
    expect(new Set(got)).toEqual(new Set([a, b, c]));
    await setStatus(admin, b, 'SUSPENDED');
    const next: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { row, assignments } = await send({ country: 'Denmark', zip: '8 2 00' });
      next.push(row.assigned_distributor_id);
      expect(assignments[0]).toMatchObject({ reason: 'RULE' });
      expect(assignments[0].rule_id).toBeGreaterThan(0);
    }
    expect(next).not.toContain(b);
    expect(next.filter((d) => d === a).length).toBe(2);
    expect(next.filter((d) => d === c).length).toBe(2);
    await setStatus(admin, b, 'ACTIVE');
  });

  it('an unmatched lead, or a suspended referral code, goes to the company pool with the reason', async () => {
    const other = await send({ country: 'DE', zip: '10115' });
    expect(other.row.assigned_distributor_id).toBeNull();
    expect(other.assignments).toEqual([expect.objectContaining({ distributor_id: null, reason: 'POOL' })]);
    const wrongPostal = await send({ country: 'DK', zip: '2100' });
    expect(wrongPostal.row.assigned_distributor_id).toBeNull();
    const pl = await send({ country: 'PL' });
    expect(pl.row.assigned_distributor_id).toBe(root);

    await setStatus(admin, ref, 'SUSPENDED');
    const code = (
      await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?').bind(ref).first<any>()
    ).referral_code;
    const suspended = await send({ referral_code: code, country: 'SE' });
    expect(suspended.row.assigned_distributor_id).toBeNull();
    expect(suspended.assignments[0].detail).toContain('SUSPENDED');
    await setStatus(admin, ref, 'ACTIVE');
  });

  it('rules are validated: unknown distributors and rules without a condition are refused', async () => {
    const bad = await gqlOk(RULE, { input: { name: 'Empty', distributorIds: [gid(999_999)] } }, admin);
    expect(bad.createLeadRoutingRule.__typename).toBe('ValidationError');
    const rules = await gqlOk('{ leadRoutingRules { name priority distributors { id } } }', {}, admin);
    expect(rules.leadRoutingRules.map((r: any) => r.name)).toEqual(['Aarhus', 'Poland']);
  });
  it('leads arriving together are routed together: successive members, codes and the pool side by side', async () => {
    const code = (
      await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?').bind(ref).first<any>()
    ).referral_code;
    const bodies: Record<string, string>[] = [
      ...Array.from({ length: 6 }, (_, i) => ({ country: 'DK', zip: `8${i}10` })),
      { referral_code: code, country: 'DK', zip: '8000' },
      { country: 'SE', zip: '11122' },
    ];
    // Sent without waiting, so that the queue hands several of them over in one batch.
    const ids = bodies.map(() => `r-${++seq}`);
    const answers = await Promise.all(
      bodies.map((fields, k) =>
        post('/webhooks/leads/web', JSON.stringify({ id: ids[k], ...fields }), {
          authorization: `Bearer ${TOKEN}`,
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const owners: (number | null)[] = [];
    for (const id of ids) {
      expect((await waitForIntake('GENERIC', `web:${id}`)).status).toBe('DONE');
      owners.push((await leadRow('GENERIC', `web:${id}`)).assigned_distributor_id);
    }
    const ruled = owners.slice(0, 6);
    // Round-robin holds inside one batch too: each of the three members exactly twice.
    for (const member of [a, b, c]) expect(ruled.filter((d) => d === member).length).toBe(2);
    expect(owners[6]).toBe(ref);
    expect(owners[7]).toBeNull();
  });
});
