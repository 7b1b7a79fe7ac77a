import type { MiddlewareHandler } from 'hono';
import type { Env } from '../env';
import { type GraphQLRequestRead, readGraphQLRequest } from '../graphql/sessionStart';
import { BOOKMARK_HEADER, requestDatabase, type SessionStart } from '../lib/d1Session';

// Every HTTP request runs its D1 queries in one session (docs/read-replicas.md): the request's env.DB is
// replaced by the session for everything below, and the session's bookmark goes back in x-d1-bookmark.
// Queue and cron handlers are not HTTP requests: they keep the binding itself, which always uses the primary.

/** GET routes that only read (staff reports): they may start on a replica. Any other route writes or may. */
const READ_ONLY_GET_PREFIXES = ['/health', '/compliance/', '/payouts/'];

/** What the middleware read of a /graphql request (its body, once), for the /graphql route. */
const graphqlReads = new WeakMap<Request, GraphQLRequestRead>();

export function graphqlReadOf(request: Request): GraphQLRequestRead {
  return graphqlReads.get(request) ?? { start: 'first-primary', request };
}

async function startOf(request: Request, path: string): Promise<SessionStart> {
  if (path === '/graphql') {
    const read = await readGraphQLRequest(request);
    graphqlReads.set(request, read);
    return read.start;
  }
  if (request.method === 'GET' || request.method === 'HEAD')
    return READ_ONLY_GET_PREFIXES.some((p) => path.startsWith(p)) ? 'first-unconstrained' : 'first-primary';
  return 'first-primary';
}

export const d1Session: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const start = await startOf(c.req.raw, c.req.path);
  const session = requestDatabase(c.env.DB, start, c.req.header(BOOKMARK_HEADER) ?? null);
  c.env = { ...c.env, DB: session.db };
  await next();
  const bookmark = session.bookmark();
  if (!bookmark) return;
  try {
    c.res.headers.set(BOOKMARK_HEADER, bookmark);
  } catch {
    // A response with immutable headers (one passed through from a fetch): copy it.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(BOOKMARK_HEADER, bookmark);
  }
};
