import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { isValidBic, isValidIban, normalizeIban } from '../../lib/iban';
import { BOUNDS, boundedInt, SEPA_MAX } from '../../lib/limits';
import { LIMITS, nameText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { DISTRIBUTOR_STATUSES } from '../auth/accountStatus';
import { type CompanySettings, companySettings } from './tables';

export type { CompanySettings };

export async function loadSettings(db: D1Database): Promise<CompanySettings> {
  const [row] = await drizzle(db).select().from(companySettings).where(eq(companySettings.id, 1));
  if (!row) throw new Error('company_settings row is missing: migrations not applied?');
  return row;
}

/** Positions under one placement parent: 2 for binary (LEFT = 0, RIGHT = 1), W for a matrix. */
export function placementWidth(s: Pick<CompanySettings, 'placementKind' | 'matrixWidth'>): number {
  return s.placementKind === 'BINARY' ? 2 : s.matrixWidth;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const patchSchema = z.object({
  name: nameText(LIMITS.companyName).nullish(),
  timeZone: z.string().max(64).refine(isValidTimeZone, 'Unknown IANA time zone.').nullish(),
  payoutCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'Use an ISO 4217 code such as EUR.')
    .nullish(),
  terminateRollUp: z.enum(['SPONSOR', 'COMPANY']).nullish(),
  activePv: boundedInt(0, BOUNDS.activePv).nullish(),
  closeGraceDays: z.number().int('0 to 28 days.').min(0, '0 to 28 days.').max(28, '0 to 28 days.').nullish(),
  payoutDebtorName: nameText(SEPA_MAX.name).nullish(),
  payoutDebtorIban: z
    .string()
    .max(64)
    .refine(isValidIban, 'Not a valid IBAN.')
    .transform(normalizeIban)
    .nullish(),
  payoutDebtorBic: z
    .string()
    .max(16)
    .refine(isValidBic, 'Not a valid BIC.')
    .transform((b) => b.trim().toUpperCase())
    .nullish(),
  payoutHeldStatuses: z.array(z.enum(DISTRIBUTOR_STATUSES)).max(3).nullish(),
  signOutOnSuspension: z.boolean().nullish(),
  payoutHoldUnsignedAgreement: z.boolean().nullish(),
});
export type SettingsPatch = z.input<typeof patchSchema>;

/** The placement kind and width are fixed once members are placed; the rest can change. null = unchanged. */
export async function updateSettings(db: D1Database, raw: SettingsPatch): Promise<CompanySettings> {
  const patch = parseInput(patchSchema, raw, 'company settings');
  const set: Partial<CompanySettings> = { updatedAt: nowIso() };
  for (const [key, value] of Object.entries(patch))
    if (value != null) (set as Record<string, unknown>)[key] = value;
  if (patch.payoutHeldStatuses) set.payoutHeldStatuses = [...new Set(patch.payoutHeldStatuses)];
  await drizzle(db).update(companySettings).set(set).where(eq(companySettings.id, 1));
  return loadSettings(db);
}
