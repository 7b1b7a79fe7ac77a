import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gid, globalId, gqlOk } from '../helpers';
import { RECORD_ACTIVITY } from './helpers';

// An author is shown to a viewer who may not see them by a public name only (issue 9 §7): "Anna K." for a
// distributor, "Staff" for staff; never an internal id.

let admin: string;
let a: number;
let b: number;

beforeAll(async () => {
  admin = await adminToken();
  const root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, root, { firstName: 'Bożena', lastName: 'łukasiewicz' });
});

describe('activity authors', () => {
  it('after staff reassign B’s lead to A, A reads B by a public name and staff as "Staff"', async () => {
    const now = new Date().toISOString();
    const lead = await env.DB.prepare(
      `INSERT INTO lead (source, external_id, status, full_name, email, assigned_distributor_id, created_at, updated_at)
       VALUES ('GENERIC', 'author-test', 'NEW', 'Lea Lead', 'lea@example.com', ?, ?, ?) RETURNING id`,
    )
      .bind(b, now, now)
      .first<{ id: number }>();
    const leadId = globalId('Lead', lead!.id);
    const [aT, bT] = [await distributorToken(a), await distributorToken(b)];
    const noted = await gqlOk(
      RECORD_ACTIVITY,
      { input: { subjectId: leadId, kind: 'NOTE', body: 'Hot' } },
      bT,
    );
    expect(noted.recordActivity.activity.author).toBe(`distributor:${b}`);
    await gqlOk(RECORD_ACTIVITY, { input: { subjectId: leadId, kind: 'NOTE', body: 'Staff note' } }, admin);
    const assigned = await gqlOk(
      `mutation($input: AssignLeadInput!) { assignLead(input: $input) { __typename ... on Error { message } } }`,
      { input: { id: leadId, distributorId: gid(a) } },
      admin,
    );
    expect(assigned.assignLead.__typename).toBe('MutationAssignLeadSuccess');
    const HISTORY = `query($id: ID!) { activities(subjectId: $id, first: 20) { edges { node { body author } } } }
      `;
    const read = async (token: string) =>
      (await gqlOk(HISTORY, { id: leadId }, token)).activities.edges.map((e: any) => e.node.author).sort();
    expect(await read(aT)).toEqual(['Bożena Ł.', 'Staff']);
    expect((await read(admin)).every((x: string) => /^(distributor|staff):\d+$/.test(x))).toBe(true);
    const lead2 = await gqlOk(
      `query($id: ID!) { node(id: $id) { ... on Lead { assignments { assignedBy } } } }`,
      { id: leadId },
      aT,
    );
    expect(lead2.node.assignments.map((x: any) => x.assignedBy)).toEqual(['Staff']);
  });
});
