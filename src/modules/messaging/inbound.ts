// Inbound SMS, whichever provider brought it (Twilio's messaging webhook, GatewayAPI's MO webhook): STOP and
// its local equivalents suppress the number and withdraw the SMS marketing consent of everyone we texted at
// it; START lifts the opt-out and records the consent; anything else is a reply, kept in the contact history
// of the person last texted at that number, and their owner is notified in the same batch. Each inbound
// message acts once: its provider id is kept as an event, and every effect is conditional on that event not
// being applied yet.
import { atomic, nowIso } from '../../lib/db';
import { notificationsFromSelect } from '../notifications/statements';
import type { ProviderName } from './model';

/** Twilio's own opt-out words and the local ones (da AFMELD, de STOPP/ABMELDEN, pl WYPISZ). */
export const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'CANCEL',
  'AFMELD',
  'STOPP',
  'ABMELDEN',
  'WYPISZ',
]);
export const START_WORDS = new Set(['START', 'UNSTOP', 'YES', 'TILMELD', 'ANMELDEN']);

export function smsKeyword(body: string): 'STOP' | 'START' | null {
  const word = body
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
  return STOP_WORDS.has(word) ? 'STOP' : START_WORDS.has(word) ? 'START' : null;
}

export interface InboundSms {
  provider: Extract<ProviderName, 'TWILIO' | 'GATEWAYAPI'>;
  /** The provider's id of the inbound message (Twilio's MessageSid, GatewayAPI's MO id). */
  messageId: string;
  /** E.164. */
  from: string;
  body: string;
  /** The raw callback, kept with the event. */
  payload: string;
}

export async function applyInboundSms(db: D1Database, sms: InboundSms): Promise<void> {
  const { provider, messageId, from, body } = sms;
  const keyword = smsKeyword(body);
  const now = nowIso();
  const key = `inbound:${messageId}`;
  // Each effect runs only while this inbound message is not yet applied (provider and key bound last).
  const fresh = `(SELECT applied FROM message_event WHERE provider = ? AND dedupe_key = ?) = 0`;
  const people = `SELECT DISTINCT recipient_type, recipient_id FROM message_outbox WHERE channel = 'SMS' AND address = ?`;
  const statements = [
    db
      .prepare(
        `INSERT INTO message_event (provider, dedupe_key, provider_message_id, raw_status, applied, payload, received_at)
         VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (provider, dedupe_key) DO NOTHING`,
      )
      .bind(provider, key, messageId, keyword ? `inbound:${keyword}` : 'inbound', sms.payload, now),
  ];
  if (keyword === 'STOP')
    statements.push(
      db
        .prepare(
          `INSERT INTO message_suppression (channel, address, reason, detail, created_at)
           SELECT 'SMS', ?, 'OPT_OUT', ?, ? WHERE ${fresh}
           ON CONFLICT (channel, address) DO UPDATE SET reason = 'OPT_OUT', detail = excluded.detail`,
        )
        .bind(from, `SMS "${body.trim().slice(0, 20)}"`, now, provider, key),
    );
  if (keyword === 'START')
    statements.push(
      db
        .prepare(
          `DELETE FROM message_suppression WHERE channel = 'SMS' AND address = ? AND reason = 'OPT_OUT' AND ${fresh}`,
        )
        .bind(from, provider, key),
    );
  if (keyword)
    statements.push(
      db
        .prepare(
          `INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at,
             purpose, text_shown)
           SELECT recipient_type, recipient_id, 'SMS', ?, ?, 'recipient', ?, 'MARKETING', ? FROM (${people}) WHERE ${fresh}`,
        )
        .bind(
          keyword === 'STOP' ? 'WITHDRAWN' : 'GRANTED',
          `sms:${body.trim().toUpperCase().slice(0, 20)}`,
          now,
          // What the person wrote (no text was shown: the keyword is their whole statement).
          body.trim().slice(0, 160),
          from,
          provider,
          key,
        ),
    );
  else
    statements.push(
      db
        .prepare(
          `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
           SELECT recipient_type, recipient_id, 'SMS', ?, ?, NULL, 'inbound:sms', ? FROM message_outbox
           WHERE channel = 'SMS' AND address = ? AND ${fresh} ORDER BY id DESC LIMIT 1`,
        )
        .bind(`Reply from ${from}:\n\n${body}`.slice(0, 10_000), now, now, from, provider, key),
      // The owner of that person's thread hears of the reply in the same batch.
      notificationsFromSelect(
        db,
        'REPLY_RECEIVED',
        `SELECT owner_distributor_id AS distributor_id, recipient_type AS subject_type,
           CAST(recipient_id AS TEXT) AS subject_id,
           json_object('from', ?, 'text', substr(?, 1, 200), 'outboxId', id) AS payload,
           'reply:' || ? AS dedupe_key
         FROM message_outbox WHERE channel = 'SMS' AND address = ? AND recipient_type != 'STAFF' AND ${fresh}
         ORDER BY id DESC LIMIT 1`,
        [from, body, messageId, from, provider, key],
        now,
      ),
    );
  statements.push(
    db
      .prepare('UPDATE message_event SET applied = 1 WHERE provider = ? AND dedupe_key = ?')
      .bind(provider, key),
  );
  await atomic(db, statements);
}
