import { env, SELF } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/modules/auth/apiKeys';
import { adminToken } from '../helpers';
import { resendAccepted, setProviders } from '../messaging/helpers';
import { loginFrom, memberWithPassword, randomAddress, rawGql, sessionToken, VIEWER_ROLE } from './helpers';

// Issue 12 §6: password reset by e-mail, through the worker: the request (GraphQL), the queue step writing the
// token and the outbox e-mail, the link's page (GET / POST) and the resetPassword mutation.

const REQUEST = `mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { __typename
  ... on MutationRequestPasswordResetSuccess { request { expiresInMinutes } }
  ... on RateLimitedError { retryAfterSeconds } ... on Error { message } } }`;
const RESET = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { __typename
  ... on MutationResetPasswordSuccess { session { token role } }
  ... on ValidationError { message issues { path message } } ... on Error { message } } }`;

let admin: string;
let root: number;
beforeAll(async () => {
  admin = await adminToken();
  root = (await memberWithPassword(admin, null)).id;
});
beforeEach(async () => {
  await setProviders({ email: 'RESEND' });
  // The limiter counts in one-minute windows aligned to the clock: start bursts early in a window.
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 50));
}, 30_000);

async function request(email: string, address = randomAddress()) {
  const r = await rawGql(REQUEST, { input: { email } }, { address });
  expect(r.status).toBe(200);
  return r.body.data.requestPasswordReset;
}

interface ResetMail {
  id: number;
  recipient_type: string;
  recipient_id: number;
  purpose: string;
  template_key: string;
  locale: string;
  subject: string;
  body: string;
  status: string;
}

/** The reset e-mail the queue step wrote for an address (waits for the real queue). */
async function resetMail(address: string, count = 1): Promise<ResetMail[]> {
  for (let i = 0; i < 100; i++) {
    const { results } = await env.DB.prepare(
      `SELECT * FROM message_outbox WHERE template_key = 'PASSWORD_RESET' AND address = ? ORDER BY id`,
    )
      .bind(address.toLowerCase())
      .all<ResetMail>();
    if (results.length >= count) return results;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no reset e-mail to ${address}`);
}

const tokenOf = (mail: { body: string }) => {
  const m = /https:\/\/crm\.example\.test\/reset\/([A-Za-z0-9_-]{43})/.exec(mail.body);
  if (!m) throw new Error(`no link in ${mail.body}`);
  return m[1];
};

const page = (token: string, init?: RequestInit) => SELF.fetch(`http://localhost/reset/${token}`, init);
const post = (token: string, password: string, confirm = password, headers: Record<string, string> = {}) =>
  page(token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ password, confirm }).toString(),
  });

async function account(id: number) {
  return env.DB.prepare('SELECT password_hash, token_version FROM distributor WHERE id = ?')
    .bind(id)
    .first<{ password_hash: string; token_version: number }>();
}

describe('requesting a link', () => {
  it('writes a token (hashed) and a TRANSACTIONAL e-mail in the member’s language with the link', async () => {
    const m = await memberWithPassword(admin, root);
    await env.DB.prepare(`UPDATE distributor SET locale = 'pl' WHERE id = ?`).bind(m.id).run();
    expect(await request(m.email)).toEqual({
      __typename: 'MutationRequestPasswordResetSuccess',
      request: { expiresInMinutes: 60 },
    });
    const [mail] = await resetMail(m.email);
    expect(mail).toMatchObject({
      recipient_type: 'DISTRIBUTOR',
      recipient_id: m.id,
      purpose: 'TRANSACTIONAL',
      locale: 'pl',
    });
    expect(mail.subject).toMatch(/^Zresetuj hasło/);
    expect(mail.body).toMatch(/wygasa za 60 minut/);
    const token = tokenOf(mail);
    const row = await env.DB.prepare('SELECT * FROM password_reset_token WHERE outbox_id = ?')
      .bind(mail.id)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({ account_kind: 'distributor', account_id: m.id, locale: 'pl', used_at: null });
    // Only the hash is kept.
    expect(row!.token_hash).toBe(await sha256Hex(token));
    const dump = JSON.stringify((await env.DB.prepare('SELECT * FROM password_reset_token').all()).results);
    expect(dump).not.toContain(token);
    const lifetime = Date.parse(row!.expires_at as string) - Date.parse(row!.created_at as string);
    expect(lifetime).toBe(60 * 60_000);
    // The real queue takes it to the e-mail provider (the Resend fake), once, with the link.
    let accepted: Awaited<ReturnType<typeof resendAccepted>> = [];
    for (let i = 0; i < 100 && accepted.length === 0; i++) {
      accepted = await resendAccepted(m.email.toLowerCase());
      if (accepted.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(accepted).toHaveLength(1);
    expect(accepted[0].text).toContain(`/reset/${token}`);
    expect(accepted[0].html).toContain(`/reset/${token}`);
  });

  it('an unknown address gets the same answer, and nothing is written or sent', async () => {
    const known = await memberWithPassword(admin, root);
    const unknown = `nobody-${crypto.randomUUID()}@auth.example`;
    const before = await env.DB.prepare('SELECT count(*) AS n FROM password_reset_token').first<number>('n');
    const [a, b] = [await request(unknown), await request(known.email)];
    expect(a).toEqual(b);
    // Both went through the same queue; once the known one's e-mail exists, the unknown one was handled too.
    await resetMail(known.email);
    await new Promise((r) => setTimeout(r, 300));
    const { results } = await env.DB.prepare('SELECT * FROM message_outbox WHERE address = ?')
      .bind(unknown)
      .all();
    expect(results).toEqual([]);
    const after = await env.DB.prepare('SELECT count(*) AS n FROM password_reset_token').first<number>('n');
    expect(after).toBe((before ?? 0) + 1);
  });

  it('a malformed address is a ValidationError', async () => {
    expect((await request('not-an-address')).__typename).toBe('ValidationError');
  });

  it('is limited per address asked for and per client address', async () => {
    const m = await memberWithPassword(admin, root);
    const kinds = [];
    for (let i = 0; i < 11; i++) kinds.push((await request(m.email, randomAddress())).__typename);
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('MutationRequestPasswordResetSuccess'));
    expect(kinds[10]).toBe('RateLimitedError');
    const client = randomAddress();
    const fromOne = [];
    for (let i = 0; i < 11; i++)
      fromOne.push((await request(`x${i}-${crypto.randomUUID()}@auth.example`, client)).__typename);
    expect(fromOne[10]).toBe('RateLimitedError');
    // Ten links were asked for; ten e-mails, no more.
    expect(await resetMail(m.email, 10)).toHaveLength(10);
  });

  it('works for staff too (their e-mail goes out in the company’s default language)', async () => {
    const email = `staff-${crypto.randomUUID()}@auth.example`;
    await adminToken(email);
    await request(email);
    const [mail] = await resetMail(email);
    expect(mail).toMatchObject({ recipient_type: 'STAFF', locale: 'en', purpose: 'TRANSACTIONAL' });
    const res = await post(tokenOf(mail), 'staff-new-password-1');
    expect(res.status).toBe(200);
    const login = await loginFrom(email, 'staff-new-password-1', randomAddress());
    expect(login.session.role).toBe('ADMIN');
  });
});

describe('the link', () => {
  it('page: a form in the member’s language; POST sets the password, ends old sessions, and works once', async () => {
    const m = await memberWithPassword(admin, root);
    await env.DB.prepare(`UPDATE distributor SET locale = 'de' WHERE id = ?`).bind(m.id).run();
    const oldSession = await sessionToken(m.email, m.password);
    await request(m.email);
    const token = tokenOf((await resetMail(m.email))[0]);

    const get = await page(token);
    expect(get.status).toBe(200);
    expect(get.headers.get('referrer-policy')).toBe('no-referrer');
    const form = await get.text();
    expect(form).toContain('<html lang="de">');
    expect(form).toContain('<form method="post">');
    expect(form).toContain('<label for="password">Neues Passwort</label>');
    expect(form).toContain('autocomplete="new-password"');
    expect(form).not.toContain('<script');

    // Bad input: the form again with the problem announced, nothing written.
    const before = await account(m.id);
    const short = await post(token, 'short');
    expect(short.status).toBe(422);
    expect(await short.text()).toContain('role="alert">Das Passwort muss mindestens 10 Zeichen haben.');
    const mismatch = await post(token, 'new-password-123', 'new-password-124');
    expect(mismatch.status).toBe(422);
    expect(await mismatch.text()).toContain('stimmen nicht überein');
    expect(await account(m.id)).toEqual(before);

    const done = await post(token, 'new-password-123');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Dein Passwort wurde geändert.');
    expect((await account(m.id))!.token_version).toBe(before!.token_version + 1);

    // The new password works, the old one does not, the old session is refused.
    expect((await loginFrom(m.email, 'new-password-123', randomAddress())).__typename).toBe(
      'MutationLoginSuccess',
    );
    expect((await loginFrom(m.email, m.password, randomAddress())).__typename).toBe('AuthenticationError');
    const old = await rawGql(VIEWER_ROLE, {}, { token: oldSession });
    expect(old.status).toBe(401);

    // A second use: a clear page, a typed error, nothing written.
    const after = await account(m.id);
    const again = await post(token, 'another-password-1');
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('Dieser Link wurde bereits verwendet.');
    const gqlAgain = await rawGql(RESET, { input: { token, newPassword: 'another-password-1' } });
    expect(gqlAgain.body.data.resetPassword).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ path: 'token' }],
    });
    expect(gqlAgain.body.data.resetPassword.message).toMatch(/already been used/);
    expect(await account(m.id)).toEqual(after);
  });

  it('resetPassword (GraphQL): a fresh session; earlier links of the account stop working too', async () => {
    const m = await memberWithPassword(admin, root);
    const oldSession = await sessionToken(m.email, m.password);
    await request(m.email);
    await request(m.email);
    const [first, second] = (await resetMail(m.email, 2)).map(tokenOf);
    const bad = await rawGql(RESET, { input: { token: second, newPassword: 'short' } });
    expect(bad.body.data.resetPassword.__typename).toBe('ValidationError');
    const r = await rawGql(RESET, { input: { token: second, newPassword: 'graphql-password-1' } });
    expect(r.body.data.resetPassword.__typename).toBe('MutationResetPasswordSuccess');
    const fresh = r.body.data.resetPassword.session;
    expect(fresh.role).toBe('DISTRIBUTOR');
    expect((await rawGql(VIEWER_ROLE, {}, { token: fresh.token })).body.data.viewerRole).toBe('DISTRIBUTOR');
    expect((await rawGql(VIEWER_ROLE, {}, { token: oldSession })).status).toBe(401);
    // The other link of the same account was revoked with it.
    const other = await page(first);
    expect(other.status).toBe(410);
  });

  it('two uses at once: exactly one sets the password; a terminated member’s link works no more', async () => {
    const m = await memberWithPassword(admin, root);
    await request(m.email);
    const token = tokenOf((await resetMail(m.email))[0]);
    const results = await Promise.all(
      ['race-password-1', 'race-password-2'].map((newPassword) =>
        rawGql(RESET, { input: { token, newPassword } }),
      ),
    );
    const kinds = results.map((r) => r.body.data.resetPassword.__typename).sort();
    expect(kinds).toEqual(['MutationResetPasswordSuccess', 'ValidationError']);
    const winner = results.findIndex(
      (r) => r.body.data.resetPassword.__typename === 'MutationResetPasswordSuccess',
    );
    expect((await loginFrom(m.email, `race-password-${winner + 1}`, randomAddress())).__typename).toBe(
      'MutationLoginSuccess',
    );

    const t = await memberWithPassword(admin, root);
    await request(t.email);
    const tToken = tokenOf((await resetMail(t.email))[0]);
    await env.DB.prepare(`UPDATE distributor SET status = 'TERMINATED' WHERE id = ?`).bind(t.id).run();
    const before = await account(t.id);
    expect((await page(tToken)).status).toBe(404);
    const r = await rawGql(RESET, { input: { token: tToken, newPassword: 'terminated-password-1' } });
    expect(r.body.data.resetPassword.__typename).toBe('ValidationError');
    expect(await account(t.id)).toEqual(before);
  });

  it('an expired link: a clear page in the member’s language, a typed error, nothing written', async () => {
    const m = await memberWithPassword(admin, root);
    await env.DB.prepare(`UPDATE distributor SET locale = 'da' WHERE id = ?`).bind(m.id).run();
    const token = 'e'.repeat(43);
    const past = new Date(Date.now() - 60_000).toISOString();
    await env.DB.prepare(
      `INSERT INTO password_reset_token (token_hash, account_kind, account_id, locale, created_at, expires_at)
       VALUES (?, 'distributor', ?, 'da', ?, ?)`,
    )
      .bind(await sha256Hex(token), m.id, new Date(Date.now() - 3_660_000).toISOString(), past)
      .run();
    const before = await account(m.id);
    const get = await page(token);
    expect(get.status).toBe(410);
    const text = await get.text();
    expect(text).toContain('<html lang="da">');
    expect(text).toContain('Linket er udløbet.');
    expect((await post(token, 'expired-password-1')).status).toBe(410);
    const r = await rawGql(RESET, { input: { token, newPassword: 'expired-password-1' } });
    expect(r.body.data.resetPassword.message).toMatch(/expired/);
    expect(await account(m.id)).toEqual(before);
    const row = await env.DB.prepare('SELECT used_at FROM password_reset_token WHERE token_hash = ?')
      .bind(await sha256Hex(token))
      .first<string | null>('used_at');
    expect(row).toBeNull();
    expect((await loginFrom(m.email, m.password, randomAddress())).__typename).toBe('MutationLoginSuccess');
  });

  it('a forged or malformed token: 404 page in the browser’s language, a typed error, nothing written', async () => {
    const forged = 'A'.repeat(43);
    const get = await page(forged, { headers: { 'accept-language': 'pl-PL,pl;q=0.9,en;q=0.8' } });
    expect(get.status).toBe(404);
    expect(await get.text()).toContain('Ten link jest nieprawidłowy.');
    const state = JSON.stringify(
      (await env.DB.prepare('SELECT id, password_hash, token_version FROM distributor ORDER BY id').all())
        .results,
    );
    expect((await post(forged, 'forged-password-1')).status).toBe(404);
    expect((await post('not-a-token', 'forged-password-1')).status).toBe(404);
    const r = await rawGql(RESET, { input: { token: forged, newPassword: 'forged-password-1' } });
    expect(r.body.data.resetPassword.message).toMatch(/not valid/);
    expect(
      JSON.stringify(
        (await env.DB.prepare('SELECT id, password_hash, token_version FROM distributor ORDER BY id').all())
          .results,
      ),
    ).toBe(state);
  });
});
