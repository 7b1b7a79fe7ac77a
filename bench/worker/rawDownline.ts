// The benchmark's hand-written downline page: the floor GraphQL's `downline(first: 50)` is compared with.
// Copied into src/bench/ of the benchmark's own worker build (bench/lib/wrangler.mjs snapshotWorker), never
// into the product. Same authentication, same access rules and D1 batch (browseDownline), same JSON as
// the GraphQL answer to bench/lib/queries.mjs DOWNLINE, without yoga, Pothos, loaders or the complexity
// analysis.
import type { Context } from 'hono';
import type { Env } from '../env';
import { encodeGlobalId } from '../lib/globalId';
import { encodeCursor } from '../lib/keyset';
import { authenticate } from '../modules/auth/authenticate';
import { browseDownline } from '../modules/genealogy/browse';
import { downlineSortColumns, downlineSortKey } from '../modules/genealogy/downline';

export async function rawDownline(c: Context<{ Bindings: Env }>): Promise<Response> {
  const auth = await authenticate(c.env, c.req.raw);
  if (auth.refusal) return c.json({ errors: [{ message: auth.refusal.message }] }, auth.refusal.status);
  if (auth.viewer.kind === 'ANONYMOUS') return c.json({ errors: [{ message: 'Not authorized.' }] }, 403);
  const { root, first } = (await c.req.json()) as { root: string; first: number };
  if (!(Number.isInteger(first) && first >= 1 && first <= 100))
    return c.json({ errors: [{ message: 'first must be between 1 and 100.' }] }, 400);
  const rootId = Number(atob(root).split(':')[1]);
  const columns = downlineSortColumns('SPONSOR', 'TREE');
  const rows = await browseDownline(
    c.env.DB,
    auth.viewer,
    { rootId, tree: 'SPONSOR', orderBy: 'TREE', direction: 'ASC' },
    { limit: first + 1, inverted: false },
  );
  const edges = rows.slice(0, first).map((r) => ({
    cursor: encodeCursor(downlineSortKey(r, columns)),
    level: r.level,
    node: {
      id: encodeGlobalId('Distributor', r.id),
      referralCode: r.referral_code,
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      country: r.country,
      status: r.status,
      joinedAt: r.joined_at,
      sponsorDepth: r.sponsor_depth,
      teamSize: r.team_size,
    },
  }));
  return c.json({
    data: {
      downline: {
        edges,
        pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? '' },
      },
    },
  });
}
