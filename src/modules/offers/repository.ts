// Every SQL statement of offers that reads, with the access rule: staff see every offer, a distributor the
// offers they own. Writes live in the use-case files (offers.ts, decisions.ts, expiry.ts, pdfStore.ts).
import { selectByIds } from '../../lib/db';
import { NotFoundError } from '../../lib/errors';
import { type KeysetPage, type PageFilter, selectPage } from '../../lib/keyset';
import type { Viewer } from '../auth/viewer';
import type { OfferLineRow, OfferRow, OfferSettingsRow, OfferStatus } from './model';

export function canViewOffer(viewer: Viewer, o: Pick<OfferRow, 'owner_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === o.owner_id;
}

export async function offerById(db: D1Database, id: number): Promise<OfferRow | null> {
  return db.prepare('SELECT * FROM offer WHERE id = ?').bind(id).first<OfferRow>();
}

export async function offersByIds(db: D1Database, ids: readonly number[]): Promise<OfferRow[]> {
  return selectByIds<OfferRow>(db, 'SELECT * FROM offer WHERE id IN (SELECT value FROM json_each(?))', ids);
}

/** The offer if the viewer may see it; else NotFoundError (its existence is not revealed). */
export async function requireOffer(db: D1Database, viewer: Viewer, id: number): Promise<OfferRow> {
  const row = await offerById(db, id);
  if (!row || !canViewOffer(viewer, row)) throw new NotFoundError('Offer not found.');
  return row;
}

export async function offerByToken(db: D1Database, token: string): Promise<OfferRow | null> {
  return db.prepare('SELECT * FROM offer WHERE public_token = ?').bind(token).first<OfferRow>();
}

export async function linesOfOffer(db: D1Database, offerId: number): Promise<OfferLineRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM offer_line WHERE offer_id = ? ORDER BY position')
    .bind(offerId)
    .all<OfferLineRow>();
  return results;
}

/** The lines of many offers in one query, by offer then position. */
export async function linesOfOffers(db: D1Database, offerIds: readonly number[]): Promise<OfferLineRow[]> {
  return selectByIds<OfferLineRow>(
    db,
    'SELECT * FROM offer_line WHERE offer_id IN (SELECT value FROM json_each(?)) ORDER BY offer_id, position',
    offerIds,
  );
}

export async function offerSettings(db: D1Database): Promise<OfferSettingsRow> {
  return (await db.prepare('SELECT * FROM offer_settings WHERE id = 1').first<OfferSettingsRow>())!;
}

export async function marketOf(
  db: D1Database,
  country: string,
): Promise<{ country: string; currency: string; vat_rate_bp: number } | null> {
  return db
    .prepare('SELECT country, currency, vat_rate_bp FROM market WHERE country = ?')
    .bind(country)
    .first();
}

export interface OfferFilter {
  /** null = every owner (staff). */
  ownerId: number | null;
  status: OfferStatus | null;
  customerId: number | null;
  leadId: number | null;
}

/** Offers newest first, keyset-paged by id. */
export function offersPage(db: D1Database, f: OfferFilter, page: KeysetPage): Promise<OfferRow[]> {
  const filter: PageFilter = { where: [], params: [] };
  const add = (sql: string, v: string | number | null) => {
    if (v == null) return;
    filter.where.push(sql);
    filter.params.push(v);
  };
  add('owner_id = ?', f.ownerId);
  add('status = ?', f.status);
  add('customer_id = ?', f.customerId);
  add('lead_id = ?', f.leadId);
  return selectPage<OfferRow>(db, 'offer', ['id'], 'DESC', filter, page);
}
