import { z } from 'zod';
import { isValidBic, isValidIban, normalizeIban } from '../../lib/iban';
import { countryCode, nameText } from '../../lib/text';
import { DISTRIBUTOR_STATUSES } from '../auth/accountStatus';
import { passwordRule } from '../auth/password';
import { LOCALES } from './model';

const name = nameText();
const email = z.string().trim().toLowerCase().email('Not a valid e-mail address.').max(254);
// E.164: "+" then 8–15 digits; spaces and dashes are tolerated on input.
const phone = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, 'Use international format, e.g. +45 12345678.'));
const country = countryCode;
export const password = passwordRule;

export const profileFields = {
  firstName: name,
  lastName: name,
  email: email.nullish(),
  phone: phone.nullish(),
  country,
  locale: z.enum(LOCALES),
};

export const enrollSchema = z.object({
  ...profileFields,
  sponsorId: z.number().int().positive().nullish(),
  sponsorReferralCode: z.string().trim().min(1).max(32).nullish(),
  placementParentId: z.number().int().positive().nullish(),
  placementPosition: z.number().int().min(0).max(35).nullish(),
  leg: z.enum(['LEFT', 'RIGHT']).nullish(),
  password: password.nullish(),
  externalId: z.string().trim().min(1).max(64).nullish(),
  joinedAt: z.iso.datetime({ offset: true }).nullish(),
});
export type EnrollInput = z.infer<typeof enrollSchema>;

const iban = z.string().transform(normalizeIban).refine(isValidIban, 'Not a valid IBAN.');
const bic = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine(isValidBic, 'Not a valid BIC.');

export const updateProfileSchema = z.object({
  iban: iban.nullish(),
  bic: bic.nullish(),
  firstName: name.nullish(),
  lastName: name.nullish(),
  email: email.nullish(),
  phone: phone.nullish(),
  country: country.nullish(),
  locale: z.enum(LOCALES).nullish(),
});
export type UpdateProfileInput = z.infer<typeof updateProfileSchema>;

export const statusSchema = z.enum(DISTRIBUTOR_STATUSES);
