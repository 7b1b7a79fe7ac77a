// CPU profile of one GraphQL downline page against the raw route, in Node, with D1 replaced by canned
// rows: what remains is the worker's own per-request work (routing, auth, yoga, Pothos, the edges).
// Bundled and run by bench/graphql-cpu.mjs; copied next to src/ like bench/worker.
import { DOWNLINE } from '../../lib/queries.mjs';
import { app } from '../http/app';
import { issueToken } from '../modules/auth/tokens';
import { rawDownline } from './rawDownline';

app.post('/bench/raw-downline', rawDownline);

const SECRET = 'profile-secret-0123456789-0123456789';

function member(i: number) {
  return {
    id: 1000 + i,
    external_id: null,
    referral_code: `CODE${i}`,
    first_name: `First${i}`,
    last_name: `Last${i}`,
    email: `m${i}@example.com`,
    phone: null,
    country: 'DK',
    locale: 'da',
    status: 'ACTIVE',
    joined_at: '2026-11-01T10:00:00.000Z',
    sponsor_id: 1,
    sponsor_path: `0001/${String(i).padStart(4, '0')}/`,
    sponsor_depth: 1,
    placement_parent_id: 1,
    placement_position: 0,
    placement_path: `0${i}`,
    placement_depth: 1,
    placement_child_count: 0,
    team_size: 3,
    team_active: 3,
    placement_team_size: 3,
    lifetime_rank: 0,
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:00:00.000Z',
    level: 1,
    search_name: `first${i} last${i}`,
  };
}
const ROOT = { ...member(0), id: 1, sponsor_path: '0001/', sponsor_depth: 0 };
const PAGE = Array.from({ length: 51 }, (_, i) => member(i + 1));

function rowsFor(sql: string): unknown[] {
  if (sql.includes('FROM staff_user')) return [{ id: 1, token_version: 0 }];
  if (sql.includes('sponsor_path >')) return PAGE;
  if (sql.includes('FROM distributor')) return [ROOT];
  return [];
}

function statement(sql: string) {
  const result = () => ({ results: rowsFor(sql), success: true, meta: {} });
  const s = {
    bind: () => s,
    first: async () => rowsFor(sql)[0] ?? null,
    all: async () => result(),
    run: async () => result(),
    raw: async () => rowsFor(sql).map((r) => Object.values(r as object)),
    sql,
  };
  return s;
}

const db = {
  prepare: (sql: string) => statement(sql),
  batch: async (stmts: { sql: string }[]) =>
    stmts.map((s) => ({ results: rowsFor(s.sql), success: true, meta: {} })),
  withSession: () => ({ ...db, getBookmark: () => '00000001-00000001-00000001-0123456789abcdef0123456789abcdef' }),
};

const env = { DB: db, JWT_SECRET: SECRET, ENVIRONMENT: 'production' } as unknown as Parameters<typeof app.fetch>[1];
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} } as unknown as ExecutionContext;

export async function run(n: number, which: 'graphql' | 'raw' | 'both') {
  const { token } = await issueToken(SECRET, { kind: 'staff', id: 1, ver: 0 });
  const root = btoa('Distributor:1');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const gql = () =>
    app.fetch(
      new Request('http://x/graphql', {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: DOWNLINE, variables: { root, first: 50 } }),
      }),
      env,
      ctx,
    );
  const raw = () =>
    app.fetch(
      new Request('http://x/bench/raw-downline', { method: 'POST', headers, body: JSON.stringify({ root, first: 50 }) }),
      env,
      ctx,
    );
  const a = await (await gql()).json();
  const b = await (await raw()).json();
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`answers differ:\n${JSON.stringify(a).slice(0, 500)}\n${JSON.stringify(b).slice(0, 500)}`);
  const out: Record<string, number> = {};
  for (const [name, fn] of [
    ['graphql', gql],
    ['raw', raw],
  ] as const) {
    if (which !== 'both' && which !== name) continue;
    for (let i = 0; i < 200; i++) await (await fn()).text();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await (await fn()).text();
    out[name] = (performance.now() - t0) / n;
  }
  return out;
}
