// Use cases of §1: the retail-versus-internal figures of a period for the company, a market, a member and
// their team, what commissions can be attributed to starter kits and own purchases, and the thresholds.
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { isArchived } from '../archive/periodRows';
import { archivedAttribution } from '../archive/summary';
import { isPeriodId } from '../commissions/periods/bounds';
import { periodById } from '../commissions/periods/repository';
import { planOf, planVersionById } from '../commissions/versions/repository';
import type { DistributorRow } from '../genealogy/model';
import { type RetailVolume, shortfalls, type Thresholds } from './model';
import {
  commissionSplit,
  companyVolume,
  loadThresholds,
  marketVolumes,
  memberVolume,
  orderAttribution,
  saveThresholds,
  teamVolume,
} from './repository';

export function requirePeriod(period: string): string {
  if (!isPeriodId(period))
    throw new ValidationError('period must look like 2026-11.', [
      { path: 'period', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT', params: { format: 'YYYY-MM' } },
    ]);
  return period;
}

/**
 * What the period's commissions owe to starter kits and own purchases, as far as the engine lets them be
 * attributed. The engine pays each component on a sum of volumes (unilevel level 3 = Σ CV at that level,
 * floored once; binary on min(L, R) with carries; matching on earnings), so a volume-based line cannot be
 * traced back to single orders. Attributable exactly: retail profit on starter kits (retail is paid per
 * member in full on their customer lines, before any period cap), and the volume-based parts on starter kits
 * when the plan gives kits no volume (then they are 0). Not attributable: volume-based pay on kits when the plan
 * lets them carry volume, and volume-based pay on own purchases; for those the figures give the CV shares.
 */
export interface Attribution {
  /** The period's plan is fixed (its close has started); without it the plan parts below are null. */
  planFixed: boolean;
  /** Retail profit on starter-kit units sold to customers, net of the period's refunds (minor units). */
  starterKitRetailProfit: number;
  /** What of it the plan pays as retail: the profit when the plan has retail, else 0. */
  retailPaidOnStarterKits: number | null;
  /** Volume-based pay on starter kits: 0 when kits carry no volume; null when it cannot be attributed. */
  volumePaidOnStarterKits: number | null;
  /** Retail pays only on CUSTOMER orders: always 0 on own purchases once the plan is fixed. */
  retailPaidOnOwnPurchases: number | null;
  /** CV of own purchases (kits excluded) and its share of all CV in basis points. */
  ownPurchaseCv: number;
  ownPurchaseCvBp: number | null;
  starterKitCv: number;
  /** The period's commission lines: retail and the volume-based parts (0 before the period is computed). */
  retailCommissions: number;
  volumeBasedCommissions: number;
  /** The period cap scaled the lines: the retail figures above are before the cap. */
  capApplied: boolean;
}

export async function attribution(
  db: D1Database,
  period: string,
  distributorId: number | null,
): Promise<Attribution> {
  const row = await periodById(db, period);
  const version = row?.plan_version_id ? await planVersionById(db, row.plan_version_id) : null;
  const plan = version ? planOf(version) : null;
  // An archived period's order and commission lines are in R2: their sums were kept when they moved.
  const archived = (await isArchived(db, period))
    ? await archivedAttribution(db, period, distributorId)
    : null;
  const orders = archived ?? (await orderAttribution(db, period, distributorId));
  const split = archived ?? (await commissionSplit(db, period, distributorId));
  const allCv = orders.personalCv + orders.customerCv + orders.kitCv;
  return {
    planFixed: plan !== null,
    starterKitRetailProfit: orders.kitRetailProfit,
    retailPaidOnStarterKits: plan ? (plan.retail ? orders.kitRetailProfit : 0) : null,
    volumePaidOnStarterKits: plan ? (plan.starterKitsCarryVolume ? null : 0) : null,
    retailPaidOnOwnPurchases: plan ? 0 : null,
    ownPurchaseCv: orders.personalCv,
    ownPurchaseCvBp: allCv > 0 ? Math.floor((10_000 * orders.personalCv) / allCv) : null,
    starterKitCv: orders.kitCv,
    retailCommissions: split.retail,
    volumeBasedCommissions: split.volumeBased,
    capApplied: row?.totals ? JSON.parse(row.totals).capApplied === true : false,
  };
}

export interface CompanyFigures {
  period: string;
  volume: RetailVolume;
  distributors: number;
  retailCustomers: number;
  markets: (RetailVolume & { market: string; distributors: number })[];
}

export async function companyFigures(db: D1Database, period: string): Promise<CompanyFigures> {
  requirePeriod(period);
  const { distributors, retailCustomers, ...volume } = await companyVolume(db, period);
  return { period, volume, distributors, retailCustomers, markets: await marketVolumes(db, period) };
}

export interface MemberFigures {
  period: string;
  distributor: DistributorRow;
  volume: RetailVolume;
  retailCustomers: number;
  thresholds: Thresholds;
  belowCustomerVolume: boolean;
  belowRetailCustomers: boolean;
}

export async function memberFigures(
  db: D1Database,
  distributor: DistributorRow,
  period: string,
): Promise<MemberFigures> {
  requirePeriod(period);
  const [{ retailCustomers, ...volume }, thresholds] = await Promise.all([
    memberVolume(db, distributor.id, period),
    loadThresholds(db),
  ]);
  const short = shortfalls(thresholds, volume, retailCustomers);
  return {
    period,
    distributor,
    volume,
    retailCustomers,
    thresholds,
    belowCustomerVolume: short.customerVolume,
    belowRetailCustomers: short.retailCustomers,
  };
}

export async function memberTeamVolume(db: D1Database, distributor: DistributorRow, period: string) {
  return teamVolume(db, distributor.sponsor_path, period);
}

const thresholdsSchema = z.object({
  minCustomerVolumePercent: z
    .number()
    .min(0)
    .max(100)
    .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9, 'At most two decimals.')
    .nullable(),
  minRetailCustomers: z.number().int().min(1).max(1_000_000).nullable(),
});

/** Sets both thresholds (null clears one). Invalid input writes nothing. */
export async function updateThresholds(
  db: D1Database,
  raw: { minCustomerVolumePercent: number | null; minRetailCustomers: number | null },
): Promise<Thresholds> {
  const input = parseInput(thresholdsSchema, raw, 'compliance thresholds');
  const t: Thresholds = {
    minCustomerVolumeBp:
      input.minCustomerVolumePercent == null ? null : Math.round(input.minCustomerVolumePercent * 100),
    minRetailCustomers: input.minRetailCustomers,
  };
  await saveThresholds(db, t, nowIso()).run();
  return t;
}
