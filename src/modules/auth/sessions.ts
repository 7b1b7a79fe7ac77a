import { z } from 'zod';
import { AuthenticationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { hashPassword, passwordRule, verifyPassword } from './password';
import { forgetStaffVersion } from './staffConfirmations';
import { issueToken, type TokenKind } from './tokens';

// Taking sessions back: every token carries its account's token_version; raising the version makes every
// token issued before invalid at its next request (authenticate.ts compares them). A suspension raises it
// too when the company setting signOutOnSuspension says so (genealogy/changes.ts, in the status update).

const TABLE: Record<TokenKind, 'staff_user' | 'distributor'> = {
  staff: 'staff_user',
  distributor: 'distributor',
};

/** Raises an account's token version; returns the new one, or null when there is no such account. */
export async function raiseTokenVersion(db: D1Database, kind: TokenKind, id: number): Promise<number | null> {
  const row = await db
    .prepare(
      `UPDATE ${TABLE[kind]} SET token_version = token_version + 1 WHERE id = ? RETURNING token_version`,
    )
    .bind(id)
    .first<{ token_version: number }>();
  if (kind === 'staff') forgetStaffVersion(id);
  return row?.token_version ?? null;
}

const changeSchema = z.object({ currentPassword: z.string().max(200), newPassword: passwordRule });

/**
 * Changes the signed-in account's password after checking the current one. Every earlier token stops
 * working; the result is a fresh token for the session that asked.
 */
export async function changePassword(
  db: D1Database,
  secret: string,
  account: { kind: TokenKind; id: number },
  input: { currentPassword: string; newPassword: string },
): Promise<{ token: string; expiresAt: string }> {
  const { currentPassword, newPassword } = parseInput(changeSchema, input, 'password change');
  const table = TABLE[account.kind];
  const row = await db
    .prepare(`SELECT password_hash FROM ${table} WHERE id = ?`)
    .bind(account.id)
    .first<{ password_hash: string | null }>();
  if (!(await verifyPassword(currentPassword, row?.password_hash ?? null)))
    throw new AuthenticationError('The current password is wrong.');
  const updated = await db
    .prepare(
      `UPDATE ${table} SET password_hash = ?, token_version = token_version + 1 WHERE id = ? RETURNING token_version`,
    )
    .bind(await hashPassword(newPassword), account.id)
    .first<{ token_version: number }>();
  if (!updated) throw new AuthenticationError('The account no longer exists.');
  if (account.kind === 'staff') forgetStaffVersion(account.id);
  return issueToken(secret, { ...account, ver: updated.token_version });
}
