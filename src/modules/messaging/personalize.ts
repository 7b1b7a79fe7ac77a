// What a template message to one of many recipients needs (broadcasts, follow-up rules): the recipient's
// locale with its fallback, the template of each locale read once, and the shop link of the distributor.
import { type Channel, COUNTRY_LOCALE, LOCALES, type Locale, type PurposeKey } from './model';
import { resolveTemplate } from './people';
import type { MessagingSettingsRow, TemplateRow } from './tables';

/** The person's own locale, else their country's, else the company's default. */
export function localeOf(own: string | null, country: string | null, fallback: Locale): Locale {
  if (own && (LOCALES as readonly string[]).includes(own)) return own as Locale;
  return (country ? COUNTRY_LOCALE[country] : undefined) ?? fallback;
}

/** The company's shop link for a distributor; undefined when none is configured (the variable is missing). */
export function shopUrlOf(settings: MessagingSettingsRow, referralCode: string | null): string | undefined {
  if (!settings.shop_url) return undefined;
  return settings.shop_url.replaceAll('{referralCode}', encodeURIComponent(referralCode ?? ''));
}

/** Templates of one purpose and channel per recipient locale, each read once (falling back to the default). */
export function templatesByLocale(
  db: D1Database,
  key: PurposeKey,
  channel: Channel,
  defaultLocale: Locale,
): (locale: Locale) => Promise<TemplateRow> {
  const cache = new Map<Locale, Promise<TemplateRow>>();
  return (locale) => {
    let t = cache.get(locale);
    if (!t) {
      t = resolveTemplate(db, key, channel, locale, defaultLocale);
      cache.set(locale, t);
    }
    return t;
  };
}
