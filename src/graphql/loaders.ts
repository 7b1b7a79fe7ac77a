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
 * the request, so a mutation never reads a stale row loaded before it. Each loader is made on first use:
 * most requests use one or two of them, and every request builds this object.
 */
export class Loaders {
  #distributor?: DataLoader<number, DistributorRow | null>;
  #volume?: DataLoader<readonly [number, string], VolumeRow | null, string>;
  #customer?: DataLoader<number, CustomerRow | null>;
  #prospect?: DataLoader<number, ProspectRow | null>;
  #product?: DataLoader<number, ProductRow | null>;
  #orderLines?: DataLoader<number, OrderLineRow[]>;
  #leadAssignments?: DataLoader<number, AssignmentRow[]>;
  #leadStatusHistory?: DataLoader<number, StatusChangeRow[]>;
  #offerLines?: DataLoader<number, OfferLineRow[]>;
  #settings?: Promise<CompanySettings>;

  constructor(
    private readonly db: D1Database,
    /** The archive bucket: lines of orders in archived periods are read from it. */
    private readonly files?: R2Bucket,
  ) {}

  get distributor() {
    this.#distributor ??= byIds<DistributorRow>((ids) => distributorsByIds(this.db, ids));
    return this.#distributor;
  }

  /** Volume rows by [distributor id, period]: the legs of a member make one query per period. */
  get volume() {
    this.#volume ??= new DataLoader<readonly [number, string], VolumeRow | null, string>(
      async (keys) => {
        const rows = new Map<string, VolumeRow>();
        for (const period of new Set(keys.map((k) => k[1])))
          for (const r of await volumesOf(
            this.db,
            keys.filter((k) => k[1] === period).map((k) => k[0]),
            period,
          ))
            rows.set(`${r.distributor_id}|${period}`, r);
        return keys.map(([id, period]) => rows.get(`${id}|${period}`) ?? null);
      },
      { cache: false, maxBatchSize: 1000, cacheKeyFn: (k) => `${k[0]}|${k[1]}` },
    );
    return this.#volume;
  }

  get customer() {
    this.#customer ??= byIds<CustomerRow>((ids) => customersByIds(this.db, ids));
    return this.#customer;
  }

  get prospect() {
    this.#prospect ??= byIds<ProspectRow>((ids) => prospectsByIds(this.db, ids));
    return this.#prospect;
  }

  get product() {
    this.#product ??= byIds<ProductRow>((ids) => productsByIds(this.db, ids));
    return this.#product;
  }

  /** The lines of orders, by order id: a page of orders reads its lines in one query. */
  get orderLines() {
    this.#orderLines ??= byParent<OrderLineRow>(
      (ids) => linesOfOrders(this.db, ids, this.files),
      (r) => r.order_id,
    );
    return this.#orderLines;
  }

  /** Assignment histories, by lead id. */
  get leadAssignments() {
    this.#leadAssignments ??= byParent<AssignmentRow>(
      (ids) => assignmentsOfLeads(this.db, ids),
      (r) => r.lead_id,
    );
    return this.#leadAssignments;
  }

  /** Status histories, by lead id. */
  get leadStatusHistory() {
    this.#leadStatusHistory ??= byParent<StatusChangeRow>(
      (ids) => statusHistories(this.db, ids),
      (r) => r.lead_id,
    );
    return this.#leadStatusHistory;
  }

  /** The lines of offers, by offer id: a page of offers reads its lines in one query. */
  get offerLines() {
    this.#offerLines ??= byParent<OfferLineRow>(
      (ids) => linesOfOffers(this.db, ids),
      (r) => r.offer_id,
    );
    return this.#offerLines;
  }

  /** Company settings, read once per request (many fields need the time zone). */
  settings(): Promise<CompanySettings> {
    this.#settings ??= loadSettings(this.db);
    return this.#settings;
  }
}

/** A loader of child rows by parent id from one read of all the parents' rows. */
function byParent<T>(read: (ids: readonly number[]) => Promise<T[]>, parentOf: (row: T) => number) {
  return new DataLoader<number, T[]>(
    async (ids) => {
      const rows = await read(ids);
      return ids.map((id) => rows.filter((r) => parentOf(r) === id));
    },
    { cache: false, maxBatchSize: 500 },
  );
}

export function createLoaders(db: D1Database, files?: R2Bucket): Loaders {
  return new Loaders(db, files);
}

export type { CompanySettings };
