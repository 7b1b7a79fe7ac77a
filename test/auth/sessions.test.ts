import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, firstError, gid, gql, gqlOk, setStatus } from '../helpers';
import { loginFrom, memberWithPassword, randomAddress, rawGql, sessionToken, VIEWER_ROLE } from './helpers';

// Issue 9 §9: tokens carry the account's version; a password change, "sign out everywhere", a staff
// sign-out and (as the company setting says) a suspension raise it, and every earlier token fails.

let admin: string;
let root: number;
beforeAll(async () => {
  admin = await adminToken();
  root = (await memberWithPassword(admin, null)).id;
});

const CHANGE = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename
  ... on MutationChangePasswordSuccess { session { token role } }
  ... on ValidationError { issues { path message } }
  ... on Error { message } } }`;
const SIGN_OUT = `mutation { signOutEverywhere { __typename
  ... on MutationSignOutEverywhereSuccess { signOut { signedOutAt } } ... on Error { message } } }`;
const SIGN_OUT_MEMBER = `mutation($input: SignOutDistributorInput!) { signOutDistributor(input: $input) {
  __typename ... on MutationSignOutDistributorSuccess { signOut { signedOutAt } } ... on Error { message } } }`;

async function status(token: string): Promise<number> {
  return (await rawGql(VIEWER_ROLE, {}, { token })).status;
}

async function refused(token: string): Promise<string | undefined> {
  const r = await rawGql(VIEWER_ROLE, {}, { token });
  return r.status === 401 ? r.body.errors[0].extensions.code : `status ${r.status}`;
}

describe('changePassword', () => {
  it('asks for the current password, validates the new one, and signs out every other session', async () => {
    const m = await memberWithPassword(admin, root);
    const first = await sessionToken(m.email, m.password);
    const second = await sessionToken(m.email, m.password);
    const change = (input: Record<string, string>, token = first) =>
      gqlOk(CHANGE, { input }, token).then((d) => d.changePassword);

    const wrong = await change({ currentPassword: 'not-my-password', newPassword: 'brand-new-password' });
    expect(wrong.__typename).toBe('AuthenticationError');
    const short = await change({ currentPassword: m.password, newPassword: 'short' });
    expect(short.__typename).toBe('ValidationError');
    expect(short.issues[0].path).toBe('newPassword');
    expect(await status(first)).toBe(200);

    const ok = await change({ currentPassword: m.password, newPassword: 'brand-new-password' });
    expect(ok.__typename).toBe('MutationChangePasswordSuccess');
    expect(ok.session.role).toBe('DISTRIBUTOR');
    expect(await refused(first)).toBe('UNAUTHENTICATED');
    expect(await refused(second)).toBe('UNAUTHENTICATED');
    expect((await rawGql('{ me { id } }', {}, { token: ok.session.token })).body.data.me.id).toBe(gid(m.id));

    expect((await loginFrom(m.email, m.password, randomAddress())).__typename).toBe('AuthenticationError');
    expect((await loginFrom(m.email, 'brand-new-password', randomAddress())).__typename).toBe(
      'MutationLoginSuccess',
    );
  });

  it('works for staff too, and not for API keys or anonymous callers', async () => {
    const email = `staff-${Math.random().toString(36).slice(2, 8)}@auth.example`;
    const staff = await adminToken(email);
    const r = (
      await gqlOk(
        CHANGE,
        { input: { currentPassword: 'admin-password-123', newPassword: 'another-staff-password' } },
        staff,
      )
    ).changePassword;
    expect(r.__typename).toBe('MutationChangePasswordSuccess');
    expect(r.session.role).toBe('ADMIN');
    expect(await refused(staff)).toBe('UNAUTHENTICATED');
    expect(await status(r.session.token)).toBe(200);
    const anonymous = (
      await gqlOk(CHANGE, { input: { currentPassword: 'x', newPassword: 'another-staff-password' } })
    ).changePassword;
    expect(anonymous.__typename).toBe('ForbiddenError');
  });
});

describe('signing out everywhere', () => {
  it('signOutEverywhere ends every session of the caller, and a new login works', async () => {
    const m = await memberWithPassword(admin, root);
    const a = await sessionToken(m.email, m.password);
    const b = await sessionToken(m.email, m.password);
    const r = (await gqlOk(SIGN_OUT, {}, a)).signOutEverywhere;
    expect(r.__typename).toBe('MutationSignOutEverywhereSuccess');
    expect(await refused(a)).toBe('UNAUTHENTICATED');
    expect(await refused(b)).toBe('UNAUTHENTICATED');
    expect(await status(await sessionToken(m.email, m.password))).toBe(200);
    // The test helper issues tokens with the account's current version.
    expect(await status(await distributorToken(m.id))).toBe(200);
  });

  it('a staff token just confirmed (and remembered by the isolate) is refused at once after signing out', async () => {
    const email = `staff-out-${Math.random().toString(36).slice(2, 8)}@auth.example`;
    const staff = await adminToken(email);
    const other = await adminToken(email);
    // Confirmed against D1 once, then served from the per-isolate confirmation (staffConfirmations.ts).
    expect(await status(staff)).toBe(200);
    expect(await status(other)).toBe(200);
    const r = (await gqlOk(SIGN_OUT, {}, staff)).signOutEverywhere;
    expect(r.__typename).toBe('MutationSignOutEverywhereSuccess');
    expect(await refused(staff)).toBe('UNAUTHENTICATED');
    expect(await refused(other)).toBe('UNAUTHENTICATED');
    expect(await status(await adminToken(email))).toBe(200);
  });

  it('staff sign out a distributor; a distributor may not', async () => {
    const m = await memberWithPassword(admin, root);
    const other = await memberWithPassword(admin, root);
    const token = await sessionToken(m.email, m.password);
    const otherToken = await sessionToken(other.email, other.password);
    const denied = await gql(SIGN_OUT_MEMBER, { input: { distributorId: gid(m.id) } }, otherToken);
    expect(firstError(denied).extensions?.code).toBe('FORBIDDEN');
    expect(await status(token)).toBe(200);
    const r = (await gqlOk(SIGN_OUT_MEMBER, { input: { distributorId: gid(m.id) } }, admin))
      .signOutDistributor;
    expect(r.__typename).toBe('MutationSignOutDistributorSuccess');
    expect(await refused(token)).toBe('UNAUTHENTICATED');
    expect(await status(otherToken)).toBe(200);
    expect(await status(admin)).toBe(200);
    const missing = (await gqlOk(SIGN_OUT_MEMBER, { input: { distributorId: gid(999_999) } }, admin))
      .signOutDistributor;
    expect(missing.__typename).toBe('NotFoundError');
  });
});

describe('suspension', () => {
  const SETTINGS = `mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) {
    __typename ... on MutationUpdateCompanySettingsSuccess { company { signOutOnSuspension } } } }`;

  it('signs the member out when the company setting says so (the default)', async () => {
    expect((await gqlOk('{ company { signOutOnSuspension } }')).company.signOutOnSuspension).toBe(true);
    const m = await memberWithPassword(admin, root);
    const token = await sessionToken(m.email, m.password);
    expect((await setStatus(admin, m.id, 'SUSPENDED')).__typename).toBe(
      'MutationSetDistributorStatusSuccess',
    );
    expect(await refused(token)).toBe('UNAUTHENTICATED');
  });

  it('keeps the sessions when the setting is off', async () => {
    const off = await gqlOk(SETTINGS, { input: { signOutOnSuspension: false } }, admin);
    expect(off.updateCompanySettings.company.signOutOnSuspension).toBe(false);
    const m = await memberWithPassword(admin, root);
    const token = await sessionToken(m.email, m.password);
    expect((await setStatus(admin, m.id, 'SUSPENDED')).__typename).toBe(
      'MutationSetDistributorStatusSuccess',
    );
    expect(await status(token)).toBe(200);
    await gqlOk(SETTINGS, { input: { signOutOnSuspension: true } }, admin);
    const row = await env.DB.prepare('SELECT sign_out_on_suspension AS v FROM company_settings').first<{
      v: number;
    }>();
    expect(row!.v).toBe(1);
  });
});
