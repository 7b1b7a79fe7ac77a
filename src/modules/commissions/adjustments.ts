// Manual ledger adjustments by staff: typed, with a reason; the ledger is only ever appended to.
import { z } from 'zod';
import { atomic, nowIso } from '../../lib/db';
import { NotFoundError } from '../../lib/errors';
import { BOUNDS } from '../../lib/limits';
import { requiredText } from '../../lib/text';
import { parseInput } from '../../lib/validate';

export interface LedgerEntryRow {
  id: number;
  kind: string;
  amount: number;
  currency: string;
  period_id: string | null;
  adjustment_type: string | null;
  reason: string | null;
  created_at: string;
}

export type AdjustmentType = 'BONUS' | 'CORRECTION' | 'CHARGEBACK' | 'OTHER';

/** At most a million in major units either way: anything larger is a typo, not an adjustment. */
export const MAX_ADJUSTMENT = BOUNDS.adjustment;
const adjustmentSchema = z.object({
  amount: z
    .number()
    .int()
    .min(-MAX_ADJUSTMENT, `At least -${MAX_ADJUSTMENT} (minor units).`)
    .max(MAX_ADJUSTMENT, `At most ${MAX_ADJUSTMENT} (minor units).`)
    .refine((a) => a !== 0, 'Not 0.'),
  reason: requiredText(),
});

export async function createAdjustment(
  db: D1Database,
  staffId: number,
  input: { distributorId: number; amount: number; type: AdjustmentType; reason: string; currency: string },
  distributorExists: (id: number) => Promise<boolean>,
): Promise<LedgerEntryRow> {
  const { amount, reason } = parseInput(
    adjustmentSchema,
    { amount: input.amount, reason: input.reason },
    'ledger adjustment',
  );
  if (!(await distributorExists(input.distributorId))) throw new NotFoundError('Distributor not found.');
  const [res] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO ledger_entry (distributor_id, kind, amount, currency, adjustment_type, reason, staff_id, created_at)
         VALUES (?, 'ADJUSTMENT', ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .bind(input.distributorId, amount, input.currency, input.type, reason, staffId, nowIso()),
  ]);
  return res.results[0] as LedgerEntryRow;
}
