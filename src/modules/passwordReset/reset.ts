// Password reset by e-mail (issue 12 §6). Asking for a link (requestPasswordReset) counts against the rate
// limits and queues one message, whatever the address: the same answer and the same work for an address
// that exists and one that does not. The queue step looks the address up and, for an account, writes the
// token (only its SHA-256) and the outbox e-mail in one batch. Using the token (the page or resetPassword)
// sets the password, marks the token and every other open token of the account used, and raises the
// account's token version, which ends every earlier session. A bad password, an unknown, expired or used
// token writes nothing.
import { z } from 'zod';
import type { Env } from '../../env';
import { atomic } from '../../lib/db';
import { ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { sha256Hex } from '../auth/apiKeys';
import { hashPassword, passwordRule } from '../auth/password';
import { enforceLimit, limitKeys } from '../auth/rateLimit';
import { forgetStaffVersion } from '../auth/staffConfirmations';
import { issueToken, type TokenKind } from '../auth/tokens';
import { loadSettings } from '../company/settings';
import { enqueueSends } from '../messaging/enqueue';
import { LOCALES, type Locale } from '../messaging/model';
import { resolveTemplate } from '../messaging/people';
import { messagingSettings } from '../messaging/repository';
import { renderTemplate } from '../messaging/templates';
import { templateVariables } from '../messaging/variables';
import type { PasswordResetJob } from './messages';
import type { ResetTokenRow } from './tables';

/** How long a link works. */
export const RESET_TTL_MINUTES = 60;
/** 32 random bytes, base64url: 43 characters. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

const requestSchema = z.object({ email: z.email().max(254) });

/**
 * Asks for a reset link. Rate-limited per client address and per e-mail address (the account asked for),
 * through the login attempts' limiter; then one queue message, the same for every address.
 */
export async function requestPasswordReset(
  env: Env,
  clientAddress: string | null,
  raw: { email: string },
): Promise<void> {
  const { email } = parseInput(requestSchema, { email: raw.email?.trim() }, 'password reset');
  const normalized = email.toLowerCase();
  await enforceLimit(env.AUTH_ATTEMPT_LIMITER, limitKeys('reset', clientAddress, normalized));
  await env.JOBS.send({ kind: 'passwordReset.send', email: normalized, requestId: crypto.randomUUID() });
}

interface Account {
  kind: TokenKind;
  id: number;
  firstName: string;
  lastName: string | null;
  email: string;
  locale: Locale | null;
}

async function accountByEmail(db: D1Database, email: string): Promise<Account | null> {
  const [staff, member] = await atomic(db, [
    db.prepare('SELECT id, name, email FROM staff_user WHERE email = ? COLLATE NOCASE').bind(email),
    db
      .prepare(
        `SELECT id, first_name, last_name, email, locale FROM distributor
         WHERE email = ? COLLATE NOCASE AND status != 'TERMINATED'`,
      )
      .bind(email),
  ]);
  const s = (staff.results as { id: number; name: string; email: string }[])[0];
  if (s) return { kind: 'staff', id: s.id, firstName: s.name, lastName: null, email: s.email, locale: null };
  const m = (
    member.results as { id: number; first_name: string; last_name: string; email: string; locale: string }[]
  )[0];
  if (!m) return null;
  return {
    kind: 'distributor',
    id: m.id,
    firstName: m.first_name,
    lastName: m.last_name,
    email: m.email,
    locale: (LOCALES as readonly string[]).includes(m.locale) ? (m.locale as Locale) : null,
  };
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function resetUrl(base: string | undefined, token: string): string {
  if (!base) throw new Error('PUBLIC_BASE_URL is not set: password reset links need it.');
  return `${base.replace(/\/+$/, '')}/reset/${token}`;
}

/**
 * The queue step: for an account with the address, a new token and its e-mail (TRANSACTIONAL, the seeded
 * PASSWORD_RESET template in the account's language) in one batch, then the outbox's send message. No account:
 * nothing. A redelivery finds the outbox row of its request and writes nothing again.
 */
export async function sendResetLink(env: Env, job: PasswordResetJob): Promise<void> {
  const db = env.DB;
  const account = await accountByEmail(db, job.email);
  if (!account) return;
  const idempotencyKey = `password-reset:${job.requestId}`;
  const [company, settings] = await Promise.all([loadSettings(db), messagingSettings(db)]);
  const locale = account.locale ?? settings.default_locale;
  const template = await resolveTemplate(db, 'PASSWORD_RESET', 'EMAIL', locale, settings.default_locale);
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const rendered = renderTemplate(
    'EMAIL',
    template,
    templateVariables({
      locale: template.locale,
      timeZone: company.timeZone,
      recipient: { firstName: account.firstName, lastName: account.lastName },
      distributor: { firstName: company.name },
      company: { name: company.name },
      resetUrl: resetUrl(env.PUBLIC_BASE_URL, token),
      expiresInMinutes: RESET_TTL_MINUTES,
    }),
  );
  const now = new Date();
  const nowIso = now.toISOString();
  const expires = new Date(now.getTime() + RESET_TTL_MINUTES * 60_000).toISOString();
  const [outbox] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale,
           subject, body, html, sender_kind, sender, owner_distributor_id, idempotency_key, created_at, updated_at)
         VALUES (?, ?, ?, 'EMAIL', 'TRANSACTIONAL', 'PASSWORD_RESET', ?, ?, ?, ?, 'SYSTEM', 'system:password-reset',
           NULL, ?, ?, ?)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      )
      .bind(
        account.kind === 'staff' ? 'STAFF' : 'DISTRIBUTOR',
        account.id,
        account.email.toLowerCase(),
        template.locale,
        rendered.subject,
        rendered.text,
        rendered.html,
        idempotencyKey,
        nowIso,
        nowIso,
      ),
    db
      .prepare(
        `INSERT INTO password_reset_token (token_hash, account_kind, account_id, locale, outbox_id, created_at, expires_at)
         SELECT ?, ?, ?, ?, (SELECT id FROM message_outbox WHERE idempotency_key = ?), ?, ? WHERE changes() = 1`,
      )
      .bind(
        await sha256Hex(token),
        account.kind,
        account.id,
        template.locale,
        idempotencyKey,
        nowIso,
        expires,
      ),
  ]);
  const id =
    (outbox.results as { id: number }[])[0]?.id ??
    (await db
      .prepare('SELECT id FROM message_outbox WHERE idempotency_key = ?')
      .bind(idempotencyKey)
      .first<number>('id'));
  // Also on a redelivery: the send step is idempotent, and the first send may have been lost.
  if (id != null) await enqueueSends(env, [{ outboxId: id }]);
}

export type TokenState =
  | { ok: true; row: ResetTokenRow }
  | { ok: false; reason: 'UNKNOWN' | 'EXPIRED' | 'USED'; locale: Locale | null };

/** What a token in a link is: usable, or why not (an unknown or malformed token is UNKNOWN). */
export async function readResetToken(db: D1Database, token: string): Promise<TokenState> {
  if (!TOKEN_FORMAT.test(token)) return { ok: false, reason: 'UNKNOWN', locale: null };
  const row = await db
    .prepare(
      `SELECT t.* FROM password_reset_token t WHERE t.token_hash = ?
         AND (t.account_kind = 'staff' OR EXISTS (SELECT 1 FROM distributor d WHERE d.id = t.account_id AND d.status != 'TERMINATED'))`,
    )
    .bind(await sha256Hex(token))
    .first<ResetTokenRow>();
  if (!row) return { ok: false, reason: 'UNKNOWN', locale: null };
  if (row.used_at !== null) return { ok: false, reason: 'USED', locale: row.locale };
  if (row.expires_at <= new Date().toISOString()) return { ok: false, reason: 'EXPIRED', locale: row.locale };
  return { ok: true, row };
}

const TOKEN_MESSAGES: Record<'UNKNOWN' | 'EXPIRED' | 'USED', string> = {
  UNKNOWN: 'This reset link is not valid. Ask for a new one.',
  EXPIRED: 'This reset link has expired. Ask for a new one.',
  USED: 'This reset link has already been used. Ask for a new one.',
};

export function tokenError(reason: 'UNKNOWN' | 'EXPIRED' | 'USED'): ValidationError {
  return new ValidationError(TOKEN_MESSAGES[reason], [
    { path: 'token', message: TOKEN_MESSAGES[reason], code: 'INVALID', params: { reason } },
  ]);
}

const resetSchema = z.object({ token: z.string().max(100), newPassword: passwordRule });

const TABLE: Record<TokenKind, 'staff_user' | 'distributor'> = {
  staff: 'staff_user',
  distributor: 'distributor',
};

/**
 * Sets a new password with a reset token. The token is used once: it and every other open token of the
 * account are marked used, and the account's token version rises (every earlier session ends), all in one
 * batch guarded by the token still being open. Returns a fresh session for the account.
 */
export async function resetPassword(
  env: Env,
  clientAddress: string | null,
  raw: { token: string; newPassword: string },
): Promise<{ token: string; expiresAt: string; role: 'ADMIN' | 'DISTRIBUTOR' }> {
  const input = parseInput(resetSchema, raw, 'password reset');
  // Guessing a 256-bit token is hopeless; the per-address limit only keeps a flood of tries cheap.
  if (clientAddress) await enforceLimit(env.AUTH_ATTEMPT_LIMITER, [`reset-use:addr:${clientAddress}`]);
  const db = env.DB;
  const state = await readResetToken(db, input.token);
  if (!state.ok) throw tokenError(state.reason);
  const { row } = state;
  const now = new Date().toISOString();
  const passwordHash = await hashPassword(input.newPassword);
  const table = TABLE[row.account_kind];
  const [claimed, updated] = await atomic(db, [
    db
      .prepare(
        `UPDATE password_reset_token SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?
           AND EXISTS (SELECT 1 FROM ${table} WHERE id = ?${row.account_kind === 'distributor' ? " AND status != 'TERMINATED'" : ''})`,
      )
      .bind(now, row.id, now, row.account_id),
    db
      .prepare(
        `UPDATE ${table} SET password_hash = ?, token_version = token_version + 1
         WHERE id = ? AND changes() = 1 RETURNING token_version`,
      )
      .bind(passwordHash, row.account_id),
    // Every other link of the account stops working too.
    db
      .prepare(
        `UPDATE password_reset_token SET used_at = ?1 WHERE account_kind = ?2 AND account_id = ?3 AND used_at IS NULL
           AND EXISTS (SELECT 1 FROM password_reset_token WHERE id = ?4 AND used_at = ?1)`,
      )
      .bind(now, row.account_kind, row.account_id, row.id),
  ]);
  if ((claimed.meta.changes ?? 0) !== 1) throw tokenError('USED');
  const version = (updated.results as { token_version: number }[])[0]?.token_version;
  if (version === undefined) throw tokenError('UNKNOWN');
  if (row.account_kind === 'staff') forgetStaffVersion(row.account_id);
  const session = await issueToken(env.JWT_SECRET, {
    kind: row.account_kind,
    id: row.account_id,
    ver: version,
  });
  return { ...session, role: row.account_kind === 'staff' ? 'ADMIN' : 'DISTRIBUTOR' };
}
