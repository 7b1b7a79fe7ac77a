import { nowIso } from '../../lib/db';
import type { apiKey } from './tables';

// Reads and revocation of integration API keys (creation is in repository.ts).

/** An API key as listed (never its hash). */
export type ApiKeyRow = Omit<typeof apiKey.$inferSelect, 'key_hash'>;

const COLUMNS = 'id, name, key_prefix, scopes, created_at, last_used_at, revoked_at';

/** Every key, revoked ones included (they keep their history), oldest first. */
export async function listApiKeys(db: D1Database): Promise<ApiKeyRow[]> {
  return (await db.prepare(`SELECT ${COLUMNS} FROM api_key ORDER BY id`).all<ApiKeyRow>()).results;
}

export async function apiKeysByIds(db: D1Database, ids: number[]): Promise<ApiKeyRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .prepare(`SELECT ${COLUMNS} FROM api_key WHERE id IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))
    .all<ApiKeyRow>();
  return rows.results;
}

/** Revokes a key at once (its next request gets 401); revoking a revoked key changes nothing. */
export async function revokeApiKey(db: D1Database, id: number): Promise<ApiKeyRow | null> {
  await db
    .prepare('UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
    .bind(nowIso(), id)
    .run();
  return (await apiKeysByIds(db, [id]))[0] ?? null;
}
