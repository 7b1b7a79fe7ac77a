// The company's messaging settings: which provider sends each channel, the senders, the fallback locale of
// templates, quiet hours and the daily marketing limit. Staff change them; null leaves a field as it is.
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ForbiddenError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import { emailAddress, smsNumber } from './addresses';
import { EMAIL_PROVIDERS, LOCALES, SMS_PROVIDERS } from './model';
import { minutesOf } from './quietHours';
import { messagingSettings } from './repository';
import type { MessagingSettingsRow } from './tables';

const hhmm = z.string().refine((v) => minutesOf(v) !== null, 'Use HH:MM, 00:00 to 23:59.');

const patchSchema = z.object({
  defaultLocale: z.enum(LOCALES).nullish(),
  smsProvider: z.enum(SMS_PROVIDERS).nullish(),
  emailProvider: z.enum(EMAIL_PROVIDERS).nullish(),
  smsSender: z
    .string()
    .trim()
    .refine(
      (v) => (/^[A-Za-z0-9 ]{1,11}$/.test(v) && /[A-Za-z]/.test(v) ? true : smsNumber(v, null).ok),
      'An international number (+4512345678) or an alphanumeric sender of at most 11 letters, digits and spaces.',
    )
    .transform((v) => (/^\+/.test(v) ? (smsNumber(v, null) as { address: string }).address : v))
    .nullish(),
  emailFrom: z
    .string()
    .trim()
    .max(320)
    .refine((v) => {
      const m = /^(?:"?([^"<>\r\n]{1,100})"?\s*)?<([^<>\s]+)>$/.exec(v);
      return emailAddress(m ? m[2] : v).ok;
    }, 'An address, or Name <address>.')
    .nullish(),
  quietHoursStart: hhmm.nullish(),
  quietHoursEnd: hhmm.nullish(),
  marketingDailyLimit: z.number().int().min(0).max(100_000).nullish(),
  shopUrl: z
    .string()
    .trim()
    .max(500)
    .refine((v) => {
      try {
        return new URL(v.replaceAll('{referralCode}', 'x')).protocol === 'https:';
      } catch {
        return false;
      }
    }, 'An https URL.')
    .nullish(),
});
export type MessagingSettingsPatch = z.input<typeof patchSchema>;

const COLUMN: Record<keyof z.infer<typeof patchSchema>, keyof MessagingSettingsRow> = {
  defaultLocale: 'default_locale',
  smsProvider: 'sms_provider',
  emailProvider: 'email_provider',
  smsSender: 'sms_sender',
  emailFrom: 'email_from',
  quietHoursStart: 'quiet_hours_start',
  quietHoursEnd: 'quiet_hours_end',
  marketingDailyLimit: 'marketing_daily_limit',
  shopUrl: 'shop_url',
};

export async function updateMessagingSettings(
  db: D1Database,
  viewer: Viewer,
  raw: MessagingSettingsPatch,
): Promise<MessagingSettingsRow> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff change messaging settings.');
  const patch = parseInput(patchSchema, raw, 'messaging settings');
  const set: string[] = [];
  const params: (string | number)[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value == null) continue;
    set.push(`${COLUMN[key as keyof typeof COLUMN]} = ?`);
    params.push(value);
  }
  await db
    .prepare(`UPDATE messaging_settings SET ${[...set, 'updated_at = ?'].join(', ')} WHERE id = 1`)
    .bind(...params, nowIso())
    .run();
  return messagingSettings(db);
}
