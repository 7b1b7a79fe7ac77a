// Recipient addresses (pure): phone numbers normalised to E.164 with libphonenumber-js (full metadata, so
// that the number's type is known: an SMS needs a mobile number), national numbers read in the person's
// country; e-mail addresses checked and lower-cased.

import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

export type AddressResult = { ok: true; address: string } | { ok: false; reason: string };

const SMS_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** An SMS number in E.164, read in `country` (ISO alpha-2) when written nationally. */
export function smsNumber(raw: string, country: string | null): AddressResult {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'No phone number.' };
  const region =
    country && /^[A-Za-z]{2}$/.test(country) ? (country.toUpperCase() as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed?.isValid())
    return {
      ok: false,
      reason:
        region || text.startsWith('+')
          ? `"${text}" is not a valid phone number.`
          : `"${text}" has no country code and the person has no country.`,
    };
  const type = parsed.getType();
  if (type && !SMS_TYPES.has(type))
    return { ok: false, reason: `"${text}" is not a mobile number (${type.toLowerCase()}).` };
  return { ok: true, address: parsed.number };
}

const email = z.email();

/** An e-mail address, trimmed and lower-cased. */
export function emailAddress(raw: string): AddressResult {
  const text = raw.trim().toLowerCase();
  if (text === '') return { ok: false, reason: 'No e-mail address.' };
  if (text.length > 254 || !email.safeParse(text).success)
    return { ok: false, reason: `"${raw.trim()}" is not a valid e-mail address.` };
  return { ok: true, address: text };
}
