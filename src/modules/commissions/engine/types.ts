// Engine input and output: plain typed arrays indexed by member (0..count-1), so a 1M-member period fits the
// Worker's memory and can be read from / written to D1 in chunks. The I/O layer maps distributor ids to
// indices and back; the engine never sees ids, clocks or storage.

export const STATUS_ACTIVE = 0;
export const STATUS_SUSPENDED = 1;
export const STATUS_TERMINATED = 2;

/** forcedRank values besides a rank index: not forced (the computed rank stands), or forced to no rank. */
export const NOT_FORCED = -1;
export const FORCED_NO_RANK = -2;

export const KIND_PERSONAL = 0;
export const KIND_CUSTOMER = 1;

/**
 * Per-member volumes and sums: Int32 while every value fits (4 bytes a member instead of 8, which is what lets
 * 1M members fit the Worker's 128 MB), Float64 otherwise. Values are whole numbers either way; read them as
 * numbers and never assume which one you got.
 */
export type Volumes = Int32Array | Float64Array;

/** Binary position under the placement parent; a matrix uses 0..width-1 left to right. */
export const LEFT = 0;
export const RIGHT = 1;

/** The members of the period snapshot. Optional arrays default to zeros / "none". */
export interface MemberArrays {
  count: number;
  /** Sponsor's index, -1 for a root. */
  sponsor: Int32Array;
  /** Placement parent's index, -1 for a root or a member outside the placement tree. Binary/matrix only. */
  placementParent?: Int32Array;
  /** Position under the placement parent (binary: LEFT/RIGHT; matrix: 0..width-1). */
  placementPosition?: Uint8Array;
  /** STATUS_ACTIVE | STATUS_SUSPENDED | STATUS_TERMINATED. */
  status: Uint8Array;
  /** Join instant (epoch ms). Needed by fastStart. */
  joinedAt?: Float64Array;
  /** Staff-forced paid-as rank index; NOT_FORCED (-1), or FORCED_NO_RANK (-2) to pay as no rank at all. */
  forcedRank?: Int8Array;
  /** Lifetime rank index before this period, -1 for none. */
  lifetimeRankBefore?: Int8Array;
  /** Binary carry from the previous period per leg (may be negative after clawbacks). */
  carryInLeft?: Float64Array;
  carryInRight?: Float64Array;
  /** Ledger balance carried in (minor units; may be negative). */
  balanceIn?: Float64Array;
  /**
   * Distinct retail customers of the member this period: customers with at least one CUSTOMER order attributed
   * to the member that counts in the period (SPEC §3.1). Needed by a rank with `minRetailCustomers`.
   */
  retailCustomers?: Int32Array;
  /**
   * Statuses (STATUS_*) whose balance is held rather than paid out (a company setting). Default none: SPEC §3.1
   * minPayout has no status condition.
   */
  heldStatuses?: readonly number[];
  /** Members (1) whose balance is held whatever their status (an unsigned agreement, a company setting). */
  heldMembers?: Uint8Array;
}

/**
 * Order volume lines attributed to members. QV/CV are the line totals (quantity × unit values copied onto
 * the line); clawbacks arrive as negative lines. Lines may be fed in any number of chunks.
 */
export interface VolumeLines {
  count: number;
  member: Int32Array;
  qv: Float64Array;
  cv: Float64Array;
  /** KIND_PERSONAL | KIND_CUSTOMER. */
  kind: Uint8Array;
  /** Commission instant (epoch ms) that places the line in a period: payment, or refund for a clawback. */
  at: Float64Array;
  /** The order's own commission instant, for the fast-start window (a clawback keeps its order's); default: at. */
  orderAt?: Float64Array;
  /** (retail − wholesale) × quantity; negative on a clawback line. */
  retailProfit?: Float64Array;
  /** 1 when the line is a starter kit. */
  starterKit?: Uint8Array;
}

/**
 * reuseInputs: the caller hands the member arrays over and keeps no other reference to them. The engine then
 * writes results into input arrays it no longer needs (carry-out over carry-in, balance out over balance in,
 * lifetime rank over lifetime rank before) and drops the arrays it is done with from `members` (joinedAt
 * after the volumes, forcedRank after the ranks, placement after binary unless a matrix needs it). That is
 * what lets a 1M-member period fit 128 MB; tests that compare inputs with results leave it off.
 */
export interface EngineOptions {
  reuseInputs?: boolean;
  /**
   * Called at the points of finish() where the most memory is live (benchmarks sample memory there): 'ranks',
   * 'binary' (before its temporaries go), 'lines' (first block of the first pass: walk scratch in use), 'done'.
   */
  onStep?: (step: string) => void;
}

/** The period as instants, half-open: start <= at < end. */
export interface PeriodBounds {
  start: number;
  end: number;
}

export const BONUS = {
  unilevel: 1,
  binary: 2,
  matrix: 3,
  stairstep: 4,
  leadership: 5,
  fastStart: 6,
  matching: 7,
  retail: 8,
} as const;
export type BonusName = keyof typeof BONUS;
export const BONUS_NAMES: BonusName[] = [
  'unilevel',
  'binary',
  'matrix',
  'stairstep',
  'leadership',
  'fastStart',
  'matching',
  'retail',
];
export function bonusName(code: number): BonusName {
  return BONUS_NAMES[code - 1];
}

/** Binary outcome of a member this period. */
export const BINARY_FLUSHED = 0; // not active: both carries flushed to 0
export const BINARY_UNQUALIFIED = 1; // active but no active personal enrollee in each leg: legs carry, no pay
export const BINARY_PAID = 2; // paired (the pay itself may be 0)

/**
 * One chunk of commission lines: one line per (earner, bonus type, component), parallel arrays of `length`.
 * `level` is the unilevel/matrix/fast-start level or the leadership/matching generation (0 otherwise);
 * `source` is the member a component is about (the child of a `stairstep:child:<i>` line), else -1.
 * `bp` is the rate applied (for a stairstep child: bp(earner) − bp(child)); `volume` is V of the spec.
 * `beforeCap` = floor(bp × volume / 10000) (binary: after the rank cap; retail: the profit in full);
 * `amount` is what the earner gets after the period cap (equal to beforeCap when no cap applied).
 */
export interface LineChunk {
  length: number;
  earner: Int32Array;
  bonus: Uint8Array;
  level: Int32Array;
  source: Int32Array;
  volume: Float64Array;
  bp: Int32Array;
  beforeCap: Float64Array;
  amount: Float64Array;
}

export interface PeriodTotals {
  /** Number of commission lines (lines() yields exactly these). */
  lines: number;
  /** Volume lines outside [start, end), ignored. */
  ignoredLines: number;
  /** Σ CV of all members this period (the cap's basis). */
  totalCv: number;
  /** Σ of all lines before the period cap, and per bonus type. */
  beforeCap: number;
  byBonusBeforeCap: Record<BonusName, number>;
  /** The cap (capPercentOfCv × totalCv / 100, never below 0), or null when the plan has none. */
  capLimit: number | null;
  capApplied: boolean;
  /** Σ of all lines after the period cap, and per bonus type. */
  total: number;
  byBonus: Record<BonusName, number>;
  /** Σ payout and Σ balance carried out. */
  payout: number;
  carried: number;
}

/**
 * Per-member results (arrays of `count`) plus totals; `lines()` regenerates the commission lines in chunks
 * (one lines() iteration at a time shares the engine's scratch memory; a second one running alongside gets its
 * own).
 */
export interface PeriodResult {
  count: number;
  rankIds: string[];
  pv: Volumes;
  cv: Volumes;
  /** Group volume (PV of self + whole sponsor downline) and its CV counterpart. */
  gv: Volumes;
  gcv: Volumes;
  /** The part of PV from CUSTOMER orders (clawbacks with their sign); null unless a rank tests it. */
  customerPv: Volumes | null;
  /** 1 when status is ACTIVE and PV >= activePv. */
  active: Uint8Array;
  /** Rank indices, -1 = none. */
  paidAsRank: Int8Array;
  lifetimeRank: Int8Array;
  /** Binary: leg volumes before pairing (carry-in + leg CV), outcome, and carry-out; null without binary. */
  binary: {
    legLeft: Float64Array;
    legRight: Float64Array;
    state: Uint8Array;
    carryOutLeft: Float64Array;
    carryOutRight: Float64Array;
  } | null;
  /** Stairstep: group PV/CV after breakaways, bracket index (-1 below the first); null without stairstep. */
  stairstep: { groupPv: Float64Array; groupCv: Float64Array; bracket: Int8Array } | null;
  /** Fast-start CV (volume inside each member's own window); null without fastStart. */
  fastStartCv: Volumes | null;
  /** Period total per member after the period cap (sum of the member's lines). */
  total: Volumes;
  /** Paid this period, and the balance carried to the next (balanceIn + total − payout). */
  payout: Volumes;
  balanceOut: Float64Array;
  totals: PeriodTotals;
  /** Commission lines in chunks of at most chunkSize (fresh arrays per chunk). */
  lines(chunkSize?: number): Generator<LineChunk>;
}
