import { z } from 'zod';
import { AuthenticationError } from '../../graphql/errors';
import { nowIso } from '../../lib/db';
import { ExpiringMap } from '../../lib/expiringMap';
import { nameText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { API_KEY_SCOPES, type ApiKeyScope, newApiKey, parseApiKey, sha256Hex } from './apiKeys';
import { hashPassword, timingSafeEqual, verifyPassword } from './password';
import { issueToken, verifyToken } from './tokens';
import { ANONYMOUS, type Viewer } from './viewer';

/** Per isolate: staff accounts confirmed recently (removal takes effect within this time). */
const STAFF_RECHECK_MS = 30_000;
const confirmedStaff = new ExpiringMap<number, true>(STAFF_RECHECK_MS);

/** The viewer for a request's Authorization header; an invalid credential is anonymous. */
export async function resolveViewer(
  db: D1Database,
  secret: string,
  authorization: string | null,
): Promise<Viewer> {
  const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!m) return ANONYMOUS;
  const credential = m[1];
  if (credential.startsWith('mlm_')) return resolveApiKey(db, credential);
  const subject = await verifyToken(secret, credential);
  if (!subject) return ANONYMOUS;
  if (subject.kind === 'staff') {
    // The token is signed; the lookup only catches a removed staff account. Remember a confirmed account
    // for a short while so that staff requests do not pay a D1 round trip each.
    if (confirmedStaff.get(subject.id)) return { kind: 'ADMIN', staffId: subject.id };
    const row = await db
      .prepare('SELECT id FROM staff_user WHERE id = ?')
      .bind(subject.id)
      .first<{ id: number }>();
    if (!row) return ANONYMOUS;
    confirmedStaff.set(row.id, true);
    return { kind: 'ADMIN', staffId: row.id };
  }
  const row = await db
    .prepare('SELECT id, sponsor_id, sponsor_path, placement_path, status FROM distributor WHERE id = ?')
    .bind(subject.id)
    .first<{
      id: number;
      sponsor_id: number | null;
      sponsor_path: string;
      placement_path: string;
      status: string;
    }>();
  if (!row || row.status === 'TERMINATED') return ANONYMOUS;
  return {
    kind: 'DISTRIBUTOR',
    distributorId: row.id,
    sponsorId: row.sponsor_id,
    sponsorPath: row.sponsor_path,
    placementPath: row.placement_path,
  };
}

async function resolveApiKey(db: D1Database, key: string): Promise<Viewer> {
  const parsed = parseApiKey(key);
  if (!parsed) return ANONYMOUS;
  const row = await db
    .prepare('SELECT id, key_hash, scopes FROM api_key WHERE key_prefix = ? AND revoked_at IS NULL')
    .bind(parsed.prefix)
    .first<{ id: number; key_hash: string; scopes: string }>();
  if (!row) return ANONYMOUS;
  const enc = new TextEncoder();
  if (!timingSafeEqual(enc.encode(await sha256Hex(key)), enc.encode(row.key_hash))) return ANONYMOUS;
  return { kind: 'INTEGRATION', apiKeyId: row.id, scopes: JSON.parse(row.scopes) as ApiKeyScope[] };
}

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
    .prepare('SELECT id, password_hash FROM staff_user WHERE email = ?')
    .bind(email)
    .first<{ id: number; password_hash: string }>();
  if (staff) {
    if (!(await verifyPassword(password, staff.password_hash))) throw new AuthenticationError();
    return { ...(await issueToken(secret, { kind: 'staff', id: staff.id })), role: 'ADMIN' };
  }
  const member = await db
    .prepare("SELECT id, password_hash FROM distributor WHERE email = ? AND status != 'TERMINATED'")
    .bind(email)
    .first<{ id: number; password_hash: string | null }>();
  const ok = await verifyPassword(password, member?.password_hash ?? null);
  if (!member || !ok) throw new AuthenticationError();
  return { ...(await issueToken(secret, { kind: 'distributor', id: member.id })), role: 'DISTRIBUTOR' };
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

export async function setDistributorPassword(
  db: D1Database,
  distributorId: number,
  password: string,
): Promise<void> {
  await db
    .prepare('UPDATE distributor SET password_hash = ? WHERE id = ?')
    .bind(await hashPassword(password), distributorId)
    .run();
}
