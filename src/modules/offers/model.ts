// Offers: statuses and the types of the domain (no I/O).
import type { offer, offerLine, offerSettings } from './tables';

/**
 * DRAFT → SENT → VIEWED → ACCEPTED | DECLINED | EXPIRED; SIGNED when a signature lands (issue 13 §4);
 * SUPERSEDED when a revision of it is sent.
 */
export const OFFER_STATUSES = [
  'DRAFT',
  'SENT',
  'VIEWED',
  'ACCEPTED',
  'DECLINED',
  'EXPIRED',
  'SIGNED',
  'SUPERSEDED',
] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

/** Statuses in which the recipient can still accept or decline. */
export const OPEN_STATUSES: readonly OfferStatus[] = ['SENT', 'VIEWED'];

export type OfferRow = typeof offer.$inferSelect;
export type OfferLineRow = typeof offerLine.$inferSelect;
export type OfferSettingsRow = typeof offerSettings.$inferSelect;

export type OfferLocale = 'da' | 'pl' | 'de' | 'en';

/** R2 prefix of offer PDFs. */
export const PDF_PREFIX = 'offers/';

/** The person whose history records the offer's changes: its customer, else its lead. */
export function subjectOf(o: Pick<OfferRow, 'customer_id' | 'lead_id'>) {
  return o.customer_id != null
    ? { type: 'CUSTOMER' as const, id: o.customer_id }
    : { type: 'LEAD' as const, id: o.lead_id as number };
}
