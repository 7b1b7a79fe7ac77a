// CPU profile of one GraphQL downline page against the raw route, in Node, with D1 replaced by canned
// rows: what remains is the worker's own per-request work (routing, auth, yoga, Pothos, the edges).
// Bundled and run by bench/graphql-cpu.mjs; copied next to src/ like bench/worker.
import { DOWNLINE, UPLINE } from '../../lib/queries.mjs';
import { app } from '../http/app';
import { issueToken } from '../modules/auth/tokens';
import { rawDownline } from './rawDownline';

app.post('/bench/raw-downline', rawDownline);

declare const process: { cpuUsage(): { user: number; system: number } };
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

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
/** The 90 members above a deep one (upline), parent first. */
const CHAIN = Array.from({ length: 90 }, (_, i) => ({
  ...member(i + 1),
  sponsor_depth: 89 - i,
  sponsor_path: '1.'.repeat(90 - i),
}));
const PAGE = Array.from({ length: 51 }, (_, i) => member(i + 1));

function rowsFor(sql: string): unknown[] {
  if (sql.includes('FROM staff_user')) return [{ id: 1, token_version: 0 }];
  if (sql.includes('sponsor_path >')) return PAGE;
  if (sql.includes('WITH RECURSIVE up')) return CHAIN;
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
  withSession: () => ({
    ...db,
    getBookmark: () => '00000001-00000001-00000001-0123456789abcdef0123456789abcdef',
  }),
};

const env = { DB: db, JWT_SECRET: SECRET, ENVIRONMENT: 'production' } as unknown as Parameters<
  typeof app.fetch
>[1];
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} } as unknown as ExecutionContext;

/** `query`: 'downline' (the page the raw route also serves) or 'upline' (GraphQL only: 90 members). */
export async function run(
  n: number,
  which: 'graphql' | 'raw' | 'both',
  query: 'downline' | 'upline' = 'downline',
) {
  const { token } = await issueToken(SECRET, { kind: 'staff', id: 1, ver: 0 });
  const root = btoa('Distributor:1');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  // As they arrive over HTTP: with a Content-Length (a Request built here has none).
  const post = (url: string, body: unknown) => {
    const text = JSON.stringify(body);
    return new Request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(text.length) },
      body: text,
    });
  };
  const gql = () =>
    app.fetch(
      post(
        'http://x/graphql',
        query === 'upline'
          ? { query: UPLINE, variables: { id: root } }
          : { query: DOWNLINE, variables: { root, first: 50 } },
      ),
      env,
      ctx,
    );
  const raw = () => app.fetch(post('http://x/bench/raw-downline', { root, first: 50 }), env, ctx);
  const a = await (await gql()).json();
  const b = await (await raw()).json();
  if (query === 'upline' && (a as { data?: { upline?: unknown[] } }).data?.upline?.length !== 90)
    throw new Error(`upline: ${JSON.stringify(a).slice(0, 500)}`);
  if (query === 'downline' && JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(
      `answers differ:\n${JSON.stringify(a).slice(0, 500)}\n${JSON.stringify(b).slice(0, 500)}`,
    );
  // Alternating, so that other load on the machine hits both alike.
  const fns = { graphql: gql, raw } as const;
  const names = which === 'both' ? (['graphql', 'raw'] as const) : ([which] as const);
  const total: Record<string, number> = { graphql: 0, raw: 0 };
  for (let i = 0; i < 200; i++) for (const name of names) await (await fns[name]()).text();
  for (let i = 0; i < n; i++)
    for (const name of names) {
      // CPU time, not wall time: the machine is shared, and Node's WebCrypto waits on its thread pool.
      const t0 = cpuMs();
      await (await fns[name]()).text();
      total[name] += cpuMs() - t0;
    }
  return Object.fromEntries(names.map((name) => [name, total[name] / n]));
}
