import DataLoader from 'dataloader';
import { type CompanySettings, loadSettings } from '../modules/company/settings';
import type { DistributorRow } from '../modules/genealogy/model';
import { distributorsByIds } from '../modules/genealogy/reads';
import { type VolumeRow, volumesOf } from '../modules/volumes/reads';

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
    /** Volume rows by [distributor id, period]: the legs of a member make one query per period. */
    volume: new DataLoader<readonly [number, string], VolumeRow | null, string>(
      async (keys) => {
        const rows = new Map<string, VolumeRow>();
        for (const period of new Set(keys.map((k) => k[1])))
          for (const r of await volumesOf(
            db,
            keys.filter((k) => k[1] === period).map((k) => k[0]),
            period,
          ))
            rows.set(`${r.distributor_id}|${period}`, r);
        return keys.map(([id, period]) => rows.get(`${id}|${period}`) ?? null);
      },
      { cache: false, maxBatchSize: 1000, cacheKeyFn: (k) => `${k[0]}|${k[1]}` },
    ),
    /** Company settings, read once per request (many fields need the time zone). */
    settings: once(() => loadSettings(db)),
  };
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => {
    p ??= load();
    return p;
  };
}

export type { CompanySettings };

export type Loaders = ReturnType<typeof createLoaders>;
