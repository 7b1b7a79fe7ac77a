// Sending an offer with its link by SMS or e-mail: the link is issued (sendOffer) and the message leaves
// through the messaging outbox as a TRANSACTIONAL message to the offer's customer or lead. The message is
// checked first, so an offer whose recipient cannot be reached stays a DRAFT and nothing is written.
import type { Env } from '../../env';
import type { Viewer } from '../auth/viewer';
import { checkSendable, type SendMessageInput, sendMessage } from '../messaging/compose';
import type { Channel } from '../messaging/model';
import { brandOf } from './document';
import type { OfferRow } from './model';
import { offerLinkMessage } from './notify';
import { publicPath, sendOffer } from './offers';
import { requireOffer } from './repository';

/** The address the link is given with: PUBLIC_BASE_URL when set, else the path alone. */
export function offerUrl(env: Pick<Env, 'PUBLIC_BASE_URL'>, token: string): string {
  return `${(env.PUBLIC_BASE_URL ?? '').replace(/\/$/, '')}${publicPath(token)}`;
}

function linkMessage(
  o: OfferRow,
  channel: Channel,
  text: { subject: string; text: string },
): SendMessageInput {
  return {
    recipientType: o.customer_id != null ? 'CUSTOMER' : 'LEAD',
    recipientId: (o.customer_id ?? o.lead_id)!,
    channel,
    purpose: 'TRANSACTIONAL',
    subject: channel === 'EMAIL' ? text.subject : null,
    text: text.text,
  };
}

export async function sendOfferWithLink(
  env: Env,
  viewer: Viewer,
  id: number,
  channel: Channel | null,
): Promise<OfferRow> {
  if (channel == null) return sendOffer(env.DB, viewer, id);
  const draft = await requireOffer(env.DB, viewer, id);
  const company = (await brandOf(env.DB)).company;
  // The same message with a placeholder link: the recipient, the address and the text are checked now.
  await checkSendable(
    env,
    viewer,
    linkMessage(draft, channel, offerLinkMessage(draft, offerUrl(env, 'x'.repeat(43)), company)),
  );
  const sent = await sendOffer(env.DB, viewer, id);
  await sendMessage(
    env,
    viewer,
    linkMessage(sent, channel, offerLinkMessage(sent, offerUrl(env, sent.public_token!), company)),
  );
  return sent;
}
