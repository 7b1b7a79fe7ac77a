// The text that carries an offer's link to its recipient: `sendOffer(deliverBy: SMS | EMAIL)` sends it through
// the messaging outbox (deliver.ts).
import { wordsFor } from './i18n';
import type { OfferRow } from './model';
import { formatMoney } from './rules';

export interface OfferLinkMessage {
  subject: string;
  text: string;
}

export function offerLinkMessage(
  offer: Pick<OfferRow, 'id' | 'locale' | 'gross' | 'currency' | 'valid_until'>,
  url: string,
  company: string,
): OfferLinkMessage {
  const w = wordsFor(offer.locale);
  const subject = `${w.offerNo} ${offer.id} · ${company}`;
  const text = `${subject}: ${w.gross} ${formatMoney(offer.gross, offer.currency, offer.locale)}. ${w.validUntil} ${offer.valid_until}.\n${url}`;
  return { subject, text };
}
