// Who of a list of people can get a message by a channel: their usable address (E.164 / e-mail), their
// marketing consent (the consent history, else a customer's consent columns) and suppression — read for the
// whole list at once (broadcast chunks, follow-up rules).
import { selectByIds } from '../../lib/db';
import { emailAddress, smsNumber } from './addresses';
import type { Channel, RecipientType } from './model';

export interface Recipient {
  id: number;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  email: string | null;
  country: string | null;
  locale: string | null;
  owner_id: number | null;
  consent_sms_at: string | null;
  consent_email_at: string | null;
}

export interface Decided<R extends Recipient = Recipient> {
  recipient: R;
  address: string | null;
  consent: boolean;
  suppressed: boolean;
}

/** Address, consent (marketing) and suppression of each recipient of a page. */
export async function decide<R extends Recipient>(
  db: D1Database,
  type: RecipientType,
  channel: Channel,
  marketing: boolean,
  page: R[],
) {
  const addresses = page.map((r) => {
    const raw = channel === 'SMS' ? r.phone : r.email;
    if (!raw) return null;
    const a = channel === 'SMS' ? smsNumber(raw, r.country) : emailAddress(raw);
    return a.ok ? a.address : null;
  });
  const [consents, suppressions] = await Promise.all([
    marketing
      ? selectByIds<{ subject_id: number; action: string }>(
          db,
          `SELECT subject_id, action FROM message_consent
           WHERE subject_type = '${type}' AND channel = '${channel}' AND subject_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
          page.map((r) => r.id),
        )
      : [],
    selectByIds<{ address: string }>(
      db,
      `SELECT address FROM message_suppression WHERE channel = '${channel}' AND address IN (SELECT value FROM json_each(?))`,
      addresses.filter((a): a is string => a !== null),
    ),
  ]);
  const latest = new Map<number, string>();
  for (const c of consents) latest.set(c.subject_id, c.action);
  const suppressed = new Set(suppressions.map((s) => s.address));
  return page.map((recipient, i): Decided<R> => {
    const action = latest.get(recipient.id);
    const legacy =
      type === 'CUSTOMER' &&
      (channel === 'SMS' ? recipient.consent_sms_at : recipient.consent_email_at) != null;
    return {
      recipient,
      address: addresses[i],
      consent: !marketing || (action ? action === 'GRANTED' : legacy),
      suppressed: addresses[i] !== null && suppressed.has(addresses[i]!),
    };
  });
}
