import { z } from 'zod';

// The plan JSON (schemaVersion 1). Shapes only; cross-references and ordering are checked in validate.ts so
// that every problem is reported with its own path.

/** A rate in basis points: 100 bp = 1 %. Rates above 100 % are refused as typos. */
const bp = z.number().int('rates are whole basis points').min(0, 'rates cannot be negative').max(10_000);
/** An amount in minor units of the payout currency, or a volume in points. */
const amount = z
  .number()
  .int('must be a whole number')
  .min(0, 'cannot be negative')
  .max(Number.MAX_SAFE_INTEGER);
/** A reference to a rank by its id; null where the plan allows "no minimum". */
const rankRef = z.string().min(1);
/** A percent with at most two decimals (so that the tests can be exact in integers). */
const twoDecimals = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9;

export const RankSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'rank ids are 1-40 letters, digits, "_" or "-"'),
  name: z.string().min(1).max(80).optional(),
  minPv: amount,
  minGv: amount,
  /** In the GV test one sponsor leg counts for at most this percent of minGv. */
  maxLegPercent: z.number().gt(0, 'must be above 0').max(100).optional(),
  /** At least `count` sponsor legs each holding someone of paid-as rank >= `rank` this period. */
  legs: z.strictObject({ count: z.number().int().min(1).max(1000), rank: rankRef }).optional(),
  /** At least this percent (0.01 steps) of the member's PV comes from CUSTOMER orders, and PV > 0. */
  minCustomerVolumePercent: z
    .number()
    .min(0, 'cannot be negative')
    .max(100)
    .refine(twoDecimals, { message: 'at most two decimals' })
    .optional(),
  /** At least this many distinct customers bought from the member this period. */
  minRetailCustomers: z.number().int('must be a whole number').min(1).max(1_000_000).optional(),
});

export const UnilevelSchema = z.strictObject({
  levels: z.array(bp).min(1).max(50),
  /** Per level (same index as levels): the rank an earner needs for that level; null = none. */
  minRankForLevel: z.array(rankRef.nullable()).optional(),
  compression: z.boolean(),
});

export const BinarySchema = z.strictObject({
  bp,
  /** Per-period cap on binary pay by paid-as rank: the entry of the highest listed rank <= the earner's. */
  capByRank: z.record(z.string(), amount).optional(),
  /** Cap for an earner below every rank listed in capByRank (absent: no cap for them). */
  capUnranked: amount.optional(),
  /** Largest carry per leg into the next period (absent: unlimited). */
  maxCarry: amount.optional(),
});

export const MatrixSchema = z.strictObject({
  width: z.number().int().min(1).max(36),
  depth: z.number().int().min(1).max(50),
  levels: z.array(bp).min(1).max(50),
});

export const StairstepSchema = z.strictObject({
  brackets: z
    .array(z.strictObject({ minGroupPv: amount, bp }))
    .min(1)
    .max(50),
  /** Leadership override per breakaway generation (index 0 = generation 1). */
  overrides: z.array(bp).max(50).default([]),
});

export const FastStartSchema = z.strictObject({
  windowDays: z.number().int().min(1).max(366),
  levels: z.array(bp).min(1).max(20),
});

export const MatchingSchema = z.strictObject({
  levels: z.array(bp).min(1).max(20),
  /** Per generation (same index as levels): the rank the earner needs; null = none. */
  minRank: z.array(rankRef.nullable()),
});

export const PayoutSchema = z.strictObject({
  minPayout: amount.default(0),
  /** Percent (0.01 steps) of the period's total CV that all commissions together may not exceed. */
  capPercentOfCv: z
    .number()
    .gt(0, 'must be above 0')
    .max(100)
    .refine(twoDecimals, { message: 'at most two decimals' })
    .optional(),
});

export const PlanSchema = z.strictObject({
  schemaVersion: z.literal(1),
  name: z.string().min(1).max(200).optional(),
  /** PV a distributor needs in the period to be active (status must also be ACTIVE). */
  activePv: amount.default(0),
  starterKitsCarryVolume: z.boolean().default(false),
  ranks: z.array(RankSchema).max(100).optional(),
  unilevel: UnilevelSchema.optional(),
  binary: BinarySchema.optional(),
  matrix: MatrixSchema.optional(),
  stairstep: StairstepSchema.optional(),
  fastStart: FastStartSchema.optional(),
  matching: MatchingSchema.optional(),
  /** Retail profit on CUSTOMER orders goes to the attributed distributor. */
  retail: z.boolean().default(false),
  payout: PayoutSchema.default({ minPayout: 0 }),
});

/** A plan as written (before defaults). */
export type PlanInput = z.input<typeof PlanSchema>;
/** A plan after parsing: defaults filled in. Only trust it when it came from parsePlan/checkPlan. */
export type Plan = z.output<typeof PlanSchema>;
