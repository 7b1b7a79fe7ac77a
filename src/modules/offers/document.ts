// What the page and the PDF show besides the offer row: its lines, the names, the company's brand.
import { loadSettings } from '../company/settings';
import { customersByIds } from '../customers/repository';
import { distributorById } from '../genealogy/reads';
import { leadsByIds } from '../leads/repository';
import type { OfferLineRow, OfferRow } from './model';
import type { Brand } from './page';
import { linesOfOffer, offerSettings } from './repository';

export interface OfferDocument {
  offer: OfferRow;
  lines: OfferLineRow[];
  recipient: string;
  owner: string;
  brand: Brand;
}

export async function brandOf(db: D1Database): Promise<Brand> {
  const [company, s] = await Promise.all([loadSettings(db), offerSettings(db)]);
  return { company: company.name, brandColor: s.brand_color, accentColor: s.accent_color };
}

export async function offerDocument(db: D1Database, offer: OfferRow): Promise<OfferDocument> {
  const [lines, brand, owner, recipient] = await Promise.all([
    linesOfOffer(db, offer.id),
    brandOf(db),
    distributorById(db, offer.owner_id),
    recipientName(db, offer),
  ]);
  return {
    offer,
    lines,
    brand,
    recipient,
    owner: owner ? `${owner.first_name} ${owner.last_name}` : '',
  };
}

async function recipientName(db: D1Database, o: OfferRow): Promise<string> {
  if (o.customer_id != null) {
    const [c] = await customersByIds(db, [o.customer_id]);
    if (c) return `${c.first_name} ${c.last_name}`;
  }
  if (o.lead_id != null) {
    const [l] = await leadsByIds(db, [o.lead_id]);
    if (l) return l.full_name ?? ([l.first_name, l.last_name].filter(Boolean).join(' ') || '');
  }
  return '';
}
