import { z } from 'zod';

// Upper bounds of the numbers the API accepts, so that no accepted value can overflow what it returns:
// 100 lines × 10,000 units × 100,000,000 minor units = 10^14, far inside SafeInt (2^53 ≈ 9 × 10^15).

export const BOUNDS = {
  /** Units of one product on one order, autoship or refund line. */
  quantity: 10_000,
  /** A unit price (retail, wholesale, an imported order's price), minor units: 1,000,000.00. */
  unitPrice: 100_000_000,
  /** QV per unit, points. */
  unitQv: 1_000_000,
  /** CV per unit, minor units (at most a unit price). */
  unitCv: 100_000_000,
  /** A ledger adjustment, either sign, minor units: 1,000,000.00 (MAX_ADJUSTMENT in commissions). */
  adjustment: 100_000_000,
  /** The company's active-PV threshold, points. */
  activePv: 1_000_000,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** A whole number from `min` to `max`, with messages that name both bounds. */
export function boundedInt(min: number, max: number) {
  return z
    .number()
    .int('A whole number.')
    .min(min, min === 1 ? 'At least 1.' : `At least ${fmt(min)}.`)
    .max(max, `At most ${fmt(max)}.`);
}

export const quantity = () => boundedInt(1, BOUNDS.quantity);
export const unitPrice = () => boundedInt(0, BOUNDS.unitPrice);
export const unitQv = () => boundedInt(0, BOUNDS.unitQv);
export const unitCv = () => boundedInt(0, BOUNDS.unitCv);

/** ISO 20022 (pain.001) field lengths the SEPA file keeps: names, remittance text, message/payment ids. */
export const SEPA_MAX = { name: 70, remittance: 140, id: 35 } as const;
