// Example plans shipped with the product (validated by test/commissions/plan.unit.test.ts).
import binaryFastStart from './binary-fast-start.json';
import unilevelRanks from './unilevel-ranks.json';

export const EXAMPLE_PLANS = { unilevelRanks, binaryFastStart } as const;
