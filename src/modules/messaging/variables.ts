// Template variables from plain data (pure): names, money and dates formatted with Intl for the recipient's
// locale, the currency and the company's time zone. Templates see only strings.
import type { Locale } from './model';

/** The Intl locale of each product locale (en: the British conventions of an EU company). */
export const INTL_LOCALE: Record<Locale, string> = { da: 'da-DK', pl: 'pl-PL', de: 'de-DE', en: 'en-GB' };

/** Minor units in an ISO 4217 currency, formatted for the locale ("1.234,50 kr.", "1234,50 zł"). */
export function formatMoney(minor: number, currency: string, locale: Locale): string {
  const format = new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  // Exact for every amount below 2^53 minor units: the division only places the decimal point.
  return format.format(minor / 10 ** digits);
}

/** An instant as a long date in a time zone ("7. december 2026", "7 grudnia 2026"). */
export function formatDate(instant: string | Date, locale: Locale, timeZone: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeZone }).format(d);
}

/** A calendar day 'YYYY-MM-DD' as a long date (no time zone shift). */
export function formatDay(day: string, locale: Locale): string {
  return formatDate(`${day}T12:00:00Z`, locale, 'UTC');
}

/** A list of names joined the locale's way ("A, B og C", "A, B und C"). */
export function formatList(items: readonly string[], locale: Locale): string {
  return new Intl.ListFormat(INTL_LOCALE[locale], { style: 'long', type: 'conjunction' }).format(items);
}

export interface PersonData {
  firstName: string;
  lastName?: string | null;
  phone?: string | null;
  email?: string | null;
}

/** Everything a message about a person may mention; each part present only where the purpose has it. */
export interface VariableData {
  locale: Locale;
  timeZone: string;
  recipient: PersonData;
  /** The distributor the message is from (or the company's sender for company messages). */
  distributor: PersonData;
  company: { name: string };
  order?: { number: string; totalMinor: number; currency: string; paidAt: string; items: string[] };
  product?: { name: string };
  /** 'YYYY-MM-DD'. */
  reorderDay?: string;
  shopUrl?: string;
  unsubscribeUrl?: string;
  resetUrl?: string;
  expiresInMinutes?: number;
}

const fullName = (p: PersonData) => [p.firstName, p.lastName].filter(Boolean).join(' ');

/** The nested object a template renders with (all strings). */
export function templateVariables(data: VariableData): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    recipient: { firstName: data.recipient.firstName, name: fullName(data.recipient) },
    distributor: {
      firstName: data.distributor.firstName,
      name: fullName(data.distributor),
      phone: data.distributor.phone ?? '',
      email: data.distributor.email ?? '',
    },
    company: { name: data.company.name },
  };
  if (data.order)
    vars.order = {
      number: data.order.number,
      total: formatMoney(data.order.totalMinor, data.order.currency, data.locale),
      date: formatDate(data.order.paidAt, data.locale, data.timeZone),
      items: formatList(data.order.items, data.locale),
    };
  if (data.product) vars.product = { name: data.product.name };
  if (data.reorderDay) vars.reorder = { date: formatDay(data.reorderDay, data.locale) };
  if (data.shopUrl !== undefined) vars.shopUrl = data.shopUrl;
  if (data.unsubscribeUrl !== undefined) vars.unsubscribeUrl = data.unsubscribeUrl;
  if (data.resetUrl !== undefined) vars.resetUrl = data.resetUrl;
  if (data.expiresInMinutes !== undefined) vars.expiresInMinutes = String(data.expiresInMinutes);
  return vars;
}

/** Sample data used when a template is saved: it must render with it. */
export function sampleData(locale: Locale, timeZone: string, currency: string): VariableData {
  return {
    locale,
    timeZone,
    recipient: { firstName: 'Anna', lastName: 'Nowak' },
    distributor: { firstName: 'Jens', lastName: 'Hansen', phone: '+4520123456', email: 'jens@example.com' },
    company: { name: 'Example Company' },
    order: {
      number: '10042',
      totalMinor: 123450,
      currency,
      paidAt: '2026-03-14T10:00:00Z',
      items: ['Vitamin C 500', 'Omega-3'],
    },
    product: { name: 'Vitamin C 500' },
    reorderDay: '2026-04-14',
    shopUrl: 'https://shop.example.com/jens',
    unsubscribeUrl: 'https://crm.example.com/u/sample-token',
    resetUrl: 'https://crm.example.com/reset/sample-token',
    expiresInMinutes: 60,
  };
}
