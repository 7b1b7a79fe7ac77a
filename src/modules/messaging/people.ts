// Reads about people that messaging needs: whether a person exists at all, their marketing consent (the
// consent history, or the customer's consent columns where no history exists yet), and templates with the
// locale fallback.
import { NotFoundError } from '../../lib/errors';
import type { ResolvedSubject } from '../crm/subjects';
import type { Channel, Locale, PurposeKey, RecipientType } from './model';
import type { TemplateRow } from './tables';

const TABLE: Record<RecipientType, string> = {
  CUSTOMER: 'customer',
  LEAD: 'lead',
  PROSPECT: 'prospect',
  DISTRIBUTOR: 'distributor',
};

export async function personExists(db: D1Database, type: RecipientType, id: number): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS hit FROM ${TABLE[type]} WHERE id = ?`).bind(id).first()) !== null;
}

export async function hasMarketingConsent(
  db: D1Database,
  subject: ResolvedSubject,
  channel: Channel,
): Promise<boolean> {
  const latest = await db
    .prepare(
      `SELECT action FROM message_consent WHERE subject_type = ? AND subject_id = ? AND channel = ?
       ORDER BY id DESC LIMIT 1`,
    )
    .bind(subject.type, subject.id, channel)
    .first<{ action: 'GRANTED' | 'WITHDRAWN' }>();
  if (latest) return latest.action === 'GRANTED';
  if (subject.type !== 'CUSTOMER') return false;
  const row = subject.row as { consent_email_at: string | null; consent_sms_at: string | null };
  return (channel === 'SMS' ? row.consent_sms_at : row.consent_email_at) != null;
}

/** The template in the locale, else in the company's default locale, else none. */
export async function resolveTemplate(
  db: D1Database,
  key: PurposeKey,
  channel: Channel,
  locale: Locale,
  defaultLocale: Locale,
): Promise<TemplateRow> {
  const row = await db
    .prepare(
      `SELECT * FROM message_template WHERE purpose_key = ? AND channel = ? AND locale IN (?, ?)
       ORDER BY locale = ? DESC LIMIT 1`,
    )
    .bind(key, channel, locale, defaultLocale, locale)
    .first<TemplateRow>();
  if (!row)
    throw new NotFoundError(
      `No ${channel} template ${key} in ${locale} or the default locale ${defaultLocale}.`,
    );
  return row;
}
