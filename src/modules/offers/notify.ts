// The text that carries an offer's link to its recipient, for the messaging outbox (issue 13 builds on it):
// the integrator calls `offerLinkMessage` after `sendOffer` and queues the result as an SMS or e-mail to the
// offer's customer or lead. Until then, sending an offer issues the link and records it in the person's
// history; nothing leaves the system.
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
