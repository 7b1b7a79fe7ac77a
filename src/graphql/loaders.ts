import DataLoader from 'dataloader';
import type { DistributorRow } from '../modules/genealogy/model';
import { distributorsByIds } from '../modules/genealogy/reads';

/**
 * Per-request batch loaders: nested fields of a page of 50 rows make one query, not 50. No caching across
 * the request, so a mutation never reads a stale row loaded before it.
 */
export function createLoaders(db: D1Database) {
  return {
    distributor: new DataLoader<number, DistributorRow | null>(
      async (ids) => {
        const rows = await distributorsByIds(db, ids);
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { cache: false, maxBatchSize: 500 },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
