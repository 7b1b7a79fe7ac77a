import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { AuthenticationError } from '../../lib/errors';
import { nameText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { API_KEY_SCOPES, type ApiKeyScope, newApiKey, sha256Hex } from './apiKeys';
import { hashPassword, verifyPassword } from './password';
import { issueToken } from './tokens';

export interface LoginResult {
  token: string;
  expiresAt: string;
  role: 'ADMIN' | 'DISTRIBUTOR';
}

/** Staff first, then distributors; the same error for a wrong e-mail or a wrong password. */
export async function login(
  db: D1Database,
  secret: string,
  email: string,
  password: string,
): Promise<LoginResult> {
  const staff = await db
    .prepare('SELECT id, password_hash, token_version FROM staff_user WHERE email = ?')
    .bind(email)
    .first<{ id: number; password_hash: string; token_version: number }>();
  if (staff) {
    if (!(await verifyPassword(password, staff.password_hash))) throw new AuthenticationError();
    const subject = { kind: 'staff', id: staff.id, ver: staff.token_version } as const;
    return { ...(await issueToken(secret, subject)), role: 'ADMIN' };
  }
  const member = await db
    .prepare(
      "SELECT id, password_hash, token_version FROM distributor WHERE email = ? AND status != 'TERMINATED'",
    )
    .bind(email)
    .first<{ id: number; password_hash: string | null; token_version: number }>();
  const ok = await verifyPassword(password, member?.password_hash ?? null);
  if (!member || !ok) throw new AuthenticationError();
  const subject = { kind: 'distributor', id: member.id, ver: member.token_version } as const;
  return { ...(await issueToken(secret, subject)), role: 'DISTRIBUTOR' };
}

const apiKeySchema = z.object({
  name: nameText(),
  scopes: z
    .array(z.string())
    .min(1, 'At least one scope is required.')
    .refine((s) => s.every((x) => API_KEY_SCOPES.includes(x as ApiKeyScope)), {
      message: `Unknown scope; use ${API_KEY_SCOPES.join(', ')}.`,
    }),
});

export async function createApiKey(
  db: D1Database,
  name: string,
  scopes: string[],
): Promise<{ id: number; key: string; prefix: string }> {
  const input = parseInput(apiKeySchema, { name, scopes }, 'API key');
  const { key, prefix } = newApiKey();
  const row = await db
    .prepare(
      'INSERT INTO api_key (name, key_prefix, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    )
    .bind(input.name, prefix, await sha256Hex(key), JSON.stringify([...new Set(input.scopes)]), nowIso())
    .first<{ id: number }>();
  return { id: row!.id, key, prefix };
}

/** Sets a distributor's password; like changePassword, it ends every earlier session. */
export async function setDistributorPassword(
  db: D1Database,
  distributorId: number,
  password: string,
): Promise<void> {
  await db
    .prepare('UPDATE distributor SET password_hash = ?, token_version = token_version + 1 WHERE id = ?')
    .bind(await hashPassword(password), distributorId)
    .run();
}
