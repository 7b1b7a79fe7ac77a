import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { z } from 'zod';
import { ValidationError } from '../../graphql/errors';
import { nowIso } from '../../lib/db';
import { boundedInt, LIMITS } from '../../lib/limits';
import { parseInput } from '../../lib/validate';
import { isValidBic, isValidIban, normalizeIban } from '../commissions/payouts/iban';
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

export interface SettingsPatch {
  name?: string | null;
  timeZone?: string | null;
  payoutCurrency?: string | null;
  terminateRollUp?: 'SPONSOR' | 'COMPANY' | null;
  activePv?: number | null;
  closeGraceDays?: number | null;
  payoutDebtorName?: string | null;
  payoutDebtorIban?: string | null;
  payoutDebtorBic?: string | null;
}

/** The numbers of a patch (zod); the other fields are checked below. */
const boundsSchema = z.object({ activePv: boundedInt(0, LIMITS.activePv).nullish() });

/** The placement kind and width are fixed once members are placed; the rest can change. */
export async function updateSettings(db: D1Database, patch: SettingsPatch): Promise<CompanySettings> {
  parseInput(boundsSchema, patch, 'company settings');
  const issues = [];
  if (patch.name != null && !patch.name.trim()) issues.push({ path: 'name', message: 'Name is required.' });
  if (patch.timeZone != null && !isValidTimeZone(patch.timeZone))
    issues.push({ path: 'timeZone', message: `Unknown IANA time zone "${patch.timeZone}".` });
  if (patch.payoutCurrency != null && !/^[A-Z]{3}$/.test(patch.payoutCurrency))
    issues.push({ path: 'payoutCurrency', message: 'Use an ISO 4217 code such as EUR.' });
  if (
    patch.closeGraceDays != null &&
    (!Number.isInteger(patch.closeGraceDays) || patch.closeGraceDays < 0 || patch.closeGraceDays > 28)
  )
    issues.push({ path: 'closeGraceDays', message: '0 to 28 days.' });
  if (patch.payoutDebtorIban != null && !isValidIban(patch.payoutDebtorIban))
    issues.push({ path: 'payoutDebtorIban', message: 'Not a valid IBAN.' });
  if (patch.payoutDebtorBic != null && !isValidBic(patch.payoutDebtorBic))
    issues.push({ path: 'payoutDebtorBic', message: 'Not a valid BIC.' });
  if (issues.length) throw new ValidationError('Invalid company settings.', issues);
  const set: Partial<CompanySettings> = { updatedAt: nowIso() };
  if (patch.name != null) set.name = patch.name.trim();
  if (patch.timeZone != null) set.timeZone = patch.timeZone;
  if (patch.payoutCurrency != null) set.payoutCurrency = patch.payoutCurrency;
  if (patch.terminateRollUp != null) set.terminateRollUp = patch.terminateRollUp;
  if (patch.activePv != null) set.activePv = patch.activePv;
  if (patch.closeGraceDays != null) set.closeGraceDays = patch.closeGraceDays;
  if (patch.payoutDebtorName != null) set.payoutDebtorName = patch.payoutDebtorName.trim();
  if (patch.payoutDebtorIban != null) set.payoutDebtorIban = normalizeIban(patch.payoutDebtorIban);
  if (patch.payoutDebtorBic != null) set.payoutDebtorBic = patch.payoutDebtorBic.trim().toUpperCase();
  await drizzle(db).update(companySettings).set(set).where(eq(companySettings.id, 1));
  return loadSettings(db);
}
