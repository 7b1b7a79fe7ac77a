import type { Env } from '../../env';
import { nowIso } from '../../lib/db';
import { type ApiKeyScope, parseApiKey, sha256Hex } from './apiKeys';
import { timingSafeEqual } from './password';
import { clientAddressOf, limitKeys, overLimit, RETRY_AFTER_SECONDS } from './rateLimit';
import { confirmStaffVersion, isStaffVersionConfirmed } from './staffConfirmations';
import { verifyToken } from './tokens';
import { ANONYMOUS, type Viewer } from './viewer';

// Who sends a request. No Authorization header is an anonymous request; a credential that does not hold
// (bad, expired, revoked, signed out, malformed) is refused outright (HTTP 401), never treated as anonymous.
// Each session request reads its account row by primary key to check the token version: one indexed read
// (a staff version once confirmed is trusted by the isolate for a few seconds: staffConfirmations.ts).

export interface Refusal {
  status: 401 | 429;
  code: 'UNAUTHENTICATED' | 'RATE_LIMITED';
  message: string;
  retryAfterSeconds?: number;
}

export type Authentication = { viewer: Viewer; refusal?: undefined } | { refusal: Refusal };

const UNAUTHENTICATED: Authentication = {
  refusal: {
    status: 401,
    code: 'UNAUTHENTICATED',
    message: 'Invalid, expired or revoked credentials: sign in again.',
  },
};

/** last_used_at is written at most this often per key. */
const LAST_USE_RESOLUTION_MS = 60_000;

export async function authenticate(env: Env, request: Request): Promise<Authentication> {
  const header = request.headers.get('authorization');
  if (header == null || header.trim() === '') return { viewer: ANONYMOUS };
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) return UNAUTHENTICATED;
  const credential = m[1];
  if (credential.startsWith('mlm_')) return apiKeyViewer(env, credential, clientAddressOf(request));
  return sessionViewer(env.DB, env.JWT_SECRET, credential);
}

async function sessionViewer(db: D1Database, secret: string, token: string): Promise<Authentication> {
  const subject = await verifyToken(secret, token);
  if (!subject) return UNAUTHENTICATED;
  if (subject.kind === 'staff') {
    if (isStaffVersionConfirmed(subject.id, subject.ver))
      return { viewer: { kind: 'ADMIN', staffId: subject.id } };
    const row = await db
      .prepare('SELECT id, token_version FROM staff_user WHERE id = ?')
      .bind(subject.id)
      .first<{ id: number; token_version: number }>();
    if (!row || row.token_version !== subject.ver) return UNAUTHENTICATED;
    confirmStaffVersion(row.id, row.token_version);
    return { viewer: { kind: 'ADMIN', staffId: row.id } };
  }
  const row = await db
    .prepare(
      'SELECT id, sponsor_id, sponsor_path, placement_path, status, token_version FROM distributor WHERE id = ?',
    )
    .bind(subject.id)
    .first<{
      id: number;
      sponsor_id: number | null;
      sponsor_path: string;
      placement_path: string;
      status: string;
      token_version: number;
    }>();
  if (!row || row.status === 'TERMINATED' || row.token_version !== subject.ver) return UNAUTHENTICATED;
  return {
    viewer: {
      kind: 'DISTRIBUTOR',
      distributorId: row.id,
      sponsorId: row.sponsor_id,
      sponsorPath: row.sponsor_path,
      placementPath: row.placement_path,
    },
  };
}

async function apiKeyViewer(env: Env, key: string, clientAddress: string | null): Promise<Authentication> {
  const parsed = parseApiKey(key);
  if (!parsed) return UNAUTHENTICATED;
  if (await overLimit(env.API_KEY_LIMITER, limitKeys('apikey', clientAddress, parsed.prefix)))
    return {
      refusal: {
        status: 429,
        code: 'RATE_LIMITED',
        message: `Too many requests. Try again in ${RETRY_AFTER_SECONDS} seconds.`,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      },
    };
  const row = await env.DB.prepare(
    'SELECT id, key_hash, scopes, last_used_at FROM api_key WHERE key_prefix = ? AND revoked_at IS NULL',
  )
    .bind(parsed.prefix)
    .first<{ id: number; key_hash: string; scopes: string; last_used_at: string | null }>();
  if (!row) return UNAUTHENTICATED;
  const enc = new TextEncoder();
  if (!timingSafeEqual(enc.encode(await sha256Hex(key)), enc.encode(row.key_hash))) return UNAUTHENTICATED;
  await noteUse(env.DB, row.id, row.last_used_at);
  return {
    viewer: { kind: 'INTEGRATION', apiKeyId: row.id, scopes: JSON.parse(row.scopes) as ApiKeyScope[] },
  };
}

/** Records a key's last use, at most once a minute (not a write per request). */
async function noteUse(db: D1Database, id: number, lastUsedAt: string | null): Promise<void> {
  const now = Date.now();
  if (lastUsedAt && now - Date.parse(lastUsedAt) < LAST_USE_RESOLUTION_MS) return;
  const stale = new Date(now - LAST_USE_RESOLUTION_MS).toISOString();
  await db
    .prepare(
      'UPDATE api_key SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)',
    )
    .bind(nowIso(), id, stale)
    .run();
}
