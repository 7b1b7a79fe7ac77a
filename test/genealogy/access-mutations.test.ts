import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  apiKey,
  ENROLL,
  firstError,
  gid,
  gql,
  gqlOk,
  login,
  MOVE,
  member,
  SET_STATUS,
  TERMINATE,
  terminate,
  tryEnroll,
  UPDATE_PROFILE,
  withoutWrites,
} from '../helpers';
import { type AccessNetwork, buildAccessNetwork } from './access-network';

// SPEC §5 write side: what a distributor, an anonymous caller and an integration key may change.

let net: AccessNetwork;
beforeAll(async () => {
  net = await buildAccessNetwork();
});

let n = 0;
function newMember(extra: Record<string, unknown> = {}) {
  n++;
  return {
    firstName: `New${n}`,
    lastName: 'Member',
    email: `new${n}@acc.example`,
    country: 'DK',
    locale: 'en',
    ...extra,
  };
}

const expectRefusedWithoutWrites = withoutWrites<any>;

describe('a distributor', () => {
  it('edits their own profile but nobody else’s (downline, upline or another branch)', async () => {
    const own = await gqlOk(UPDATE_PROFILE, { input: { id: gid(net.ids.A), phone: '+45 1234 5678' } }, net.a);
    expect(own.updateDistributorProfile.__typename).toBe('MutationUpdateDistributorProfileSuccess');
    expect((await member(net.ids.A)) as unknown).toMatchObject({ phone: '+4512345678' });
    for (const name of ['A1', 'S', 'U', 'R', 'B1']) {
      const r: any = await expectRefusedWithoutWrites(() =>
        gqlOk(UPDATE_PROFILE, { input: { id: gid(net.ids[name]), firstName: 'Hacked' } }, net.a),
      );
      expect(r.updateDistributorProfile.__typename, name).toBe('ForbiddenError');
    }
  });

  it('enrolls only under themself', async () => {
    const mine = await tryEnroll(newMember(), net.a);
    expect(mine.__typename).toBe('MutationEnrollDistributorSuccess');
    expect((await member(Number(atob(mine.distributor.id).split(':')[1]))).sponsor_id).toBe(net.ids.A);

    const code = (await member(net.ids.B)).referral_code;
    for (const input of [
      newMember({ sponsorId: gid(net.ids.R) }),
      newMember({ sponsorId: gid(net.ids.A1) }),
      newMember({ sponsorReferralCode: code }),
    ]) {
      const r: any = await expectRefusedWithoutWrites(() => tryEnroll(input, net.a));
      expect(r.__typename).toBe('ForbiddenError');
    }
  });

  it('places only inside their own placement downline, and may not back-date', async () => {
    const outside: any = await expectRefusedWithoutWrites(() =>
      tryEnroll(newMember({ placementParentId: gid(net.ids.B1), placementPosition: 0 }), net.a),
    );
    expect(outside).toMatchObject({ __typename: 'ConflictError', code: 'PLACEMENT_OUTSIDE_SPONSOR' });
    const backdated: any = await expectRefusedWithoutWrites(() =>
      tryEnroll(newMember({ joinedAt: '2020-01-01T00:00:00Z' }), net.a),
    );
    expect(backdated.__typename).toBe('ValidationError');
    // S1 is in A's placement downline (spillover from R), so A may place there.
    const inside = await tryEnroll(
      newMember({ placementParentId: gid(net.ids.S1), placementPosition: 1 }),
      net.a,
    );
    expect(inside).toMatchObject({ __typename: 'MutationEnrollDistributorSuccess' });
  });

  it('cannot move, suspend, reactivate or terminate anyone, themself included', async () => {
    for (const target of [net.ids.A1, net.ids.A, net.ids.B1]) {
      for (const run of [
        () => gql(MOVE, { input: { id: gid(target), tree: 'SPONSOR', newParentId: gid(net.ids.A2) } }, net.a),
        () =>
          gql(MOVE, { input: { id: gid(target), tree: 'PLACEMENT', newParentId: gid(net.ids.A2) } }, net.a),
        () => gql(SET_STATUS, { input: { id: gid(target), status: 'SUSPENDED' } }, net.a),
        () => gql(TERMINATE, { input: { id: gid(target), reason: 'x' } }, net.a),
      ]) {
        const r: any = await expectRefusedWithoutWrites(run);
        expect(firstError(r).extensions?.code).toBe('FORBIDDEN');
      }
    }
  });

  it('cannot create API keys', async () => {
    const r = await gql(
      `mutation { createApiKey(input: { name: "x", scopes: ["genealogy:read"] }) { __typename } }`,
      {},
      net.a,
    );
    expect(firstError(r).extensions?.code).toBe('FORBIDDEN');
  });
});

describe('anonymous', () => {
  it('gets no changes through', async () => {
    const runs = [
      () => gql(UPDATE_PROFILE, { input: { id: gid(net.ids.A), firstName: 'Anon' } }),
      () => gql(MOVE, { input: { id: gid(net.ids.A), tree: 'SPONSOR', newParentId: gid(net.ids.B) } }),
      () => gql(SET_STATUS, { input: { id: gid(net.ids.A), status: 'SUSPENDED' } }),
      () => gql(TERMINATE, { input: { id: gid(net.ids.A), reason: 'x' } }),
      () => gql(`mutation { createApiKey(input: { name: "x", scopes: ["genealogy:read"] }) { __typename } }`),
    ];
    for (const run of runs) {
      const r: any = await expectRefusedWithoutWrites(run);
      const typed = r.data && (Object.values(r.data)[0] as any)?.__typename;
      expect(typed === 'ForbiddenError' || firstError(r).extensions?.code === 'FORBIDDEN').toBe(true);
    }
    for (const input of [
      newMember({ password: 'long-enough-pw' }),
      newMember({ sponsorId: gid(net.ids.A), password: 'long-enough-pw' }),
      newMember({
        sponsorReferralCode: (await member(net.ids.A)).referral_code,
        placementParentId: gid(net.ids.A1),
        placementPosition: 0,
        password: 'long-enough-pw',
      }),
    ]) {
      const r: any = await expectRefusedWithoutWrites(() => tryEnroll(input));
      expect(r.__typename).toBe('ForbiddenError');
    }
    const codeOfA = (await member(net.ids.A)).referral_code;
    const noPassword: any = await expectRefusedWithoutWrites(() =>
      tryEnroll(newMember({ sponsorReferralCode: codeOfA })),
    );
    expect(noPassword.__typename).toBe('ValidationError');
  });

  it('signs up with a referral code and then logs in', async () => {
    const code = (await member(net.ids.A2)).referral_code;
    const input = newMember({ sponsorReferralCode: code.toLowerCase(), password: 'correct horse battery' });
    const r = await tryEnroll(input);
    expect(r.__typename).toBe('MutationEnrollDistributorSuccess');
    const session = await login(input.email as string, 'correct horse battery');
    expect(session.session.role).toBe('DISTRIBUTOR');
    const me = await gqlOk(`{ me { id sponsor { id } } viewerRole }`, {}, session.session.token);
    expect(me).toEqual({
      me: { id: r.distributor.id, sponsor: { id: gid(net.ids.A2) } },
      viewerRole: 'DISTRIBUTOR',
    });
  });
});

describe('login', () => {
  it('gives a working token for the right password and the same error for a wrong password or e-mail', async () => {
    await env.DB.prepare('UPDATE distributor SET password_hash = NULL WHERE id = ?').bind(net.ids.A1).run();
    const input = newMember({
      sponsorReferralCode: (await member(net.ids.A1)).referral_code,
      password: 'pass-word-123',
    });
    await tryEnroll(input);
    const ok = await login(input.email as string, 'pass-word-123');
    expect(ok.__typename).toBe('MutationLoginSuccess');
    // The e-mail is matched without regard to case or surrounding spaces.
    const shouted = await login(` ${(input.email as string).toUpperCase()} `, 'pass-word-123');
    expect(shouted.__typename).toBe('MutationLoginSuccess');
    expect((await gqlOk(`{ viewerRole }`, {}, ok.session.token)).viewerRole).toBe('DISTRIBUTOR');
    const staff = await login('admin@test.example', 'admin-password-123');
    expect((await gqlOk(`{ viewerRole }`, {}, staff.session.token)).viewerRole).toBe('ADMIN');

    const wrongPassword = await login(input.email as string, 'pass-word-124');
    const unknown = await login('nobody@acc.example', 'pass-word-123');
    const noPassword = await login((await member(net.ids.A1)).email!, '');
    const staffWrong = await login('admin@test.example', 'wrong-password');
    expect(wrongPassword.__typename).toBe('AuthenticationError');
    for (const r of [unknown, noPassword, staffWrong]) expect(r).toEqual(wrongPassword);
  });

  it('refuses a terminated member, and their existing token stops working', async () => {
    const input = newMember({
      sponsorReferralCode: (await member(net.ids.A2)).referral_code,
      password: 'pass-word-123',
    });
    const enrolled = await tryEnroll(input);
    const token = (await login(input.email as string, 'pass-word-123')).session.token;
    expect((await gqlOk(`{ me { id } }`, {}, token)).me.id).toBe(enrolled.distributor.id);
    const id = Number(atob(enrolled.distributor.id).split(':')[1]);
    expect((await terminate(net.admin, id)).__typename).toBe('MutationTerminateDistributorSuccess');
    // Issue 9 §3: an invalid token is refused (UNAUTHENTICATED), not treated as anonymous.
    const after = await gql(`{ me { id } viewerRole }`, {}, token);
    expect(after.data).toBeUndefined();
    expect(firstError(after).extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login(input.email as string, 'pass-word-123')).__typename).toBe('AuthenticationError');
  });
});

describe('integration API keys', () => {
  const NODE = `query($id: ID!) { node(id: $id) { id } }`;
  const DOWNLINE = `query($id: ID!) { downline(root: $id, first: 100) { edges { node { id } } } }`;

  it('genealogy:read reads everything and writes nothing', async () => {
    const key = await apiKey(net.admin, ['genealogy:read']);
    expect((await gqlOk(`{ viewerRole }`, {}, key)).viewerRole).toBe('INTEGRATION');
    expect((await gqlOk(NODE, { id: gid(net.ids.R) }, key)).node.id).toBe(gid(net.ids.R));
    const all = await gqlOk(DOWNLINE, { id: gid(net.ids.R) }, key);
    expect(all.downline.edges.length).toBe(
      (await env.DB.prepare('SELECT count(*) AS c FROM distributor').first<{ c: number }>())!.c - 1,
    );
    const r: any = await expectRefusedWithoutWrites(() =>
      tryEnroll(newMember({ sponsorId: gid(net.ids.A) }), key),
    );
    expect(r.__typename).toBe('ForbiddenError');
    const moved: any = await expectRefusedWithoutWrites(() =>
      gql(MOVE, { input: { id: gid(net.ids.A), tree: 'SPONSOR', newParentId: gid(net.ids.B) } }, key),
    );
    expect(firstError(moved).extensions?.code).toBe('FORBIDDEN');
  });

  it('genealogy:write enrolls under any sponsor but reads nobody', async () => {
    const key = await apiKey(net.admin, ['genealogy:write']);
    const r = await tryEnroll(newMember({ sponsorId: gid(net.ids.B1) }), key);
    expect(r.__typename).toBe('MutationEnrollDistributorSuccess');
    expect((await gqlOk(NODE, { id: gid(net.ids.B1) }, key)).node).toBeNull();
    expect(firstError(await gql(DOWNLINE, { id: gid(net.ids.B1) }, key)).extensions?.code).toBe('NOT_FOUND');
  });

  it('a key without genealogy scopes, a revoked key and a forged key get nothing', async () => {
    const other = await apiKey(net.admin, ['orders:write']);
    const revoked = await apiKey(net.admin, ['genealogy:read', 'genealogy:write']);
    await env.DB.prepare('UPDATE api_key SET revoked_at = ? WHERE key_prefix = ?')
      .bind(new Date().toISOString(), revoked.split('_')[1])
      .run();
    const forged =
      `${revoked.slice(0, -4)}0000` === revoked
        ? `${revoked.slice(0, -4)}1111`
        : `${revoked.slice(0, -4)}0000`;
    const valid = await apiKey(net.admin, ['genealogy:read']);
    const forgedValid = `${valid.slice(0, -1)}${valid.endsWith('0') ? '1' : '0'}`;
    expect((await gqlOk(`{ viewerRole }`, {}, other)).viewerRole).toBe('INTEGRATION');
    expect((await gqlOk(NODE, { id: gid(net.ids.A) }, other)).node).toBeNull();
    const r: any = await expectRefusedWithoutWrites(() =>
      tryEnroll(newMember({ sponsorId: gid(net.ids.A) }), other),
    );
    expect(r.__typename).toBe('ForbiddenError');
    // Issue 9 §3: a revoked, forged or malformed key is refused outright (UNAUTHENTICATED).
    for (const key of [revoked, forged, forgedValid, 'mlm_not_a_key']) {
      for (const query of [`{ viewerRole }`, NODE]) {
        const refused = await gql(query, { id: gid(net.ids.A) }, key);
        expect(refused.data, key).toBeUndefined();
        expect(firstError(refused).extensions?.code, key).toBe('UNAUTHENTICATED');
      }
      const enrolled = await withoutWrites(() =>
        gql(ENROLL, { input: newMember({ sponsorId: gid(net.ids.A) }) }, key),
      );
      expect(firstError(enrolled).extensions?.code, key).toBe('UNAUTHENTICATED');
    }
  });

  it('createApiKey validates its scopes', async () => {
    const r = await gqlOk(
      `mutation { createApiKey(input: { name: " ", scopes: ["genealogy:read", "root"] }) { __typename
        ... on ValidationError { issues { path } } } }`,
      {},
      net.admin,
    );
    expect(r.createApiKey.__typename).toBe('ValidationError');
    expect(r.createApiKey.issues.map((i: any) => i.path).sort()).toEqual(['name', 'scopes']);
  });
});
