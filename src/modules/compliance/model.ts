// Words and shapes of the compliance module (issue 15 §1-§2), no I/O.

/** Percentiles of the income disclosure, nearest-rank. */
export const PERCENTILES = [10, 25, 50, 75, 90] as const;

/** Locales of the printable statement (SPEC §1). */
export const DISCLOSURE_LOCALES = ['da', 'pl', 'de', 'en'] as const;
export type DisclosureLocale = (typeof DISCLOSURE_LOCALES)[number];

/** QV and CV of a member, team, market or the company in one period, split by order kind. */
export interface RetailVolume {
  pv: number;
  cv: number;
  /** From CUSTOMER orders (clawbacks with their sign). */
  customerPv: number;
  customerCv: number;
}

/** Customer share in basis points (7000 = 70 %), floored; null when there is no positive volume. */
export function shareBp(part: number, whole: number): number | null {
  return whole > 0 ? Math.floor((10_000 * part) / whole) : null;
}

/** The company's retail thresholds; null = no such threshold. */
export interface Thresholds {
  minCustomerVolumeBp: number | null;
  minRetailCustomers: number | null;
}

/**
 * Whether a member's period falls short of the thresholds. Only members with PV > 0 are checked (one with no
 * volume neither sold nor bought anything to judge); the share test is the rank test's, exact in integers.
 */
export function shortfalls(
  t: Thresholds,
  v: Pick<RetailVolume, 'pv' | 'customerPv'>,
  retailCustomers: number,
): { customerVolume: boolean; retailCustomers: boolean } {
  if (!(v.pv > 0)) return { customerVolume: false, retailCustomers: false };
  return {
    customerVolume: t.minCustomerVolumeBp != null && 10_000 * v.customerPv < t.minCustomerVolumeBp * v.pv,
    retailCustomers: t.minRetailCustomers != null && retailCustomers < t.minRetailCustomers,
  };
}
