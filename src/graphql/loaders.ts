import DataLoader from 'dataloader';
import type { ProductRow } from '../modules/catalog/model';
import { productsByIds } from '../modules/catalog/repository';
import { type CompanySettings, loadSettings } from '../modules/company/settings';
import type { ProspectRow } from '../modules/crm/prospects/model';
import { prospectsByIds } from '../modules/crm/prospects/repository';
import { type CustomerRow, customersByIds } from '../modules/customers/repository';
import type { DistributorRow } from '../modules/genealogy/model';
import { distributorsByIds } from '../modules/genealogy/reads';
import { type StatusChangeRow, statusHistories } from '../modules/leads/pipeline';
import { type AssignmentRow, assignmentsOfLeads } from '../modules/leads/repository';
import type { OfferLineRow } from '../modules/offers/model';
import { linesOfOffers } from '../modules/offers/repository';
import type { OrderLineRow } from '../modules/orders/model';
import { linesOfOrders } from '../modules/orders/repository';
import { type VolumeRow, volumesOf } from '../modules/volumes/reads';

/** A loader of rows by id from one `…ByIds` read (missing ids load as null). */
function byIds<T extends { id: number }>(read: (ids: readonly number[]) => Promise<T[]>) {
  return new DataLoader<number, T | null>(
    async (ids) => {
      const byId = new Map((await read(ids)).map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { cache: false, maxBatchSize: 500 },
  );
}

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
    customer: byIds<CustomerRow>((ids) => customersByIds(db, ids)),
    prospect: byIds<ProspectRow>((ids) => prospectsByIds(db, ids)),
    product: byIds<ProductRow>((ids) => productsByIds(db, ids)),
    /** The lines of orders, by order id: a page of orders reads its lines in one query. */
    orderLines: new DataLoader<number, OrderLineRow[]>(
      async (orderIds) => {
        const rows = await linesOfOrders(db, orderIds);
        return orderIds.map((id) => rows.filter((r) => r.order_id === id));
      },
      { cache: false, maxBatchSize: 500 },
    ),
    /** Assignment histories, by lead id. */
    leadAssignments: new DataLoader<number, AssignmentRow[]>(
      async (leadIds) => {
        const rows = await assignmentsOfLeads(db, leadIds);
        return leadIds.map((id) => rows.filter((r) => r.lead_id === id));
      },
      { cache: false, maxBatchSize: 500 },
    ),
    /** Status histories, by lead id. */
    leadStatusHistory: new DataLoader<number, StatusChangeRow[]>(
      async (leadIds) => {
        const rows = await statusHistories(db, leadIds);
        return leadIds.map((id) => rows.filter((r) => r.lead_id === id));
      },
      { cache: false, maxBatchSize: 500 },
    ),
    /** The lines of offers, by offer id: a page of offers reads its lines in one query. */
    offerLines: new DataLoader<number, OfferLineRow[]>(
      async (offerIds) => {
        const rows = await linesOfOffers(db, offerIds);
        return offerIds.map((id) => rows.filter((r) => r.offer_id === id));
      },
      { cache: false, maxBatchSize: 500 },
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
