import { Hono } from 'hono';
import type { Env } from '../env';
import { ExpectedError } from '../lib/errors';
import { decodeGlobalId } from '../lib/globalId';
import { authenticate } from '../modules/auth/authenticate';
import * as csv from '../modules/reports/csv';
import type { ReportName } from '../modules/reports/model';
import * as reports from '../modules/reports/reports';
import { reportScope } from '../modules/reports/scope';
import { jsonRefusal } from './refusal';

// The reports as CSV: GET /reports/<name>.csv?from=YYYY-MM&to=YYYY-MM[&distributorId=<global id>][&days=N],
// for staff (the company, or a team) and distributors (their own team), with the GraphQL fields' rules.
export const reportRoutes = new Hono<{ Bindings: Env }>();

type Query = Record<string, string>;

const RENDER: Record<
  ReportName,
  (db: D1Database, s: Awaited<ReturnType<typeof reportScope>>, q: Query) => Promise<string>
> = {
  sales: async (db, s, q) => csv.salesCsv(await reports.salesReport(db, s, range(q))),
  'team-growth': async (db, s, q) => csv.growthCsv(await reports.teamGrowthReport(db, s, range(q))),
  retention: async (db, s, q) => csv.retentionCsv(await reports.retentionReport(db, s, range(q))),
  ranks: async (db, s, q) => csv.ranksCsv(await reports.rankReport(db, s, range(q))),
  'lead-funnel': async (db, s, q) => csv.funnelCsv(await reports.leadFunnelReport(db, s, range(q))),
  messages: async (db, s, q) => {
    const days = q.days == null ? 7 : /^\d{1,3}$/.test(q.days) ? Number(q.days) : Number.NaN;
    return csv.messagesCsv(await reports.messageReport(db, s, { ...range(q), days }), days);
  },
};

const range = (q: Query) => ({ from: q.from ?? '', to: q.to ?? '' });

/** A global id of a Distributor, or null when absent; anything else refers to no distributor (-1). */
function distributorIdOf(raw: string | undefined): number | null {
  if (raw == null || raw === '') return null;
  try {
    const g = decodeGlobalId(raw);
    return g.typename === 'Distributor' && /^\d+$/.test(g.id) ? Number(g.id) : -1;
  } catch {
    return -1;
  }
}

reportRoutes.get('/:file', async (c) => {
  const file = c.req.param('file');
  const name = file.endsWith('.csv') ? (file.slice(0, -4) as ReportName) : null;
  if (!name || !Object.hasOwn(RENDER, name)) return c.json({ error: 'Not found' }, 404);
  const auth = await authenticate(c.env, c.req.raw);
  if (auth.refusal) return jsonRefusal(auth.refusal);
  if (auth.viewer.kind === 'ANONYMOUS') return c.json({ error: 'Sign in.' }, 401);
  const q = c.req.query();
  try {
    const scope = await reportScope(c.env.DB, auth.viewer, distributorIdOf(q.distributorId));
    const body = await RENDER[name](c.env.DB, scope, q);
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}-${q.from}-${q.to}.csv"`,
    });
  } catch (e) {
    if (!(e instanceof ExpectedError)) throw e;
    const status = { FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409 }[String(e.extensions.code)] ?? 400;
    return c.json({ error: e.message, ...e.extensions }, status as 400);
  }
});
