import type { Plan } from './schema';

/** Rank index in plan order (0 = first/lowest listed rank); NO_RANK when a member holds none. */
export const NO_RANK = -1;

/**
 * A validated plan with rank ids resolved to indices and defaults made explicit: what the engine reads.
 * Rank minimums of -1 mean "no minimum".
 */
export interface CompiledPlan {
  activePv: number;
  starterKitsCarryVolume: boolean;
  rankIds: string[];
  ranks: {
    minPv: number;
    minGv: number;
    /** Percent of minGv one leg may contribute, or 0 for no limit. */
    maxLegPercent: number;
    legCount: number;
    legRank: number;
    /** Customer share of PV in basis points (percent × 100), or -1 for no customer-volume test. */
    minCustomerBp: number;
    /** Distinct retail customers needed, or 0 for no such test. */
    minRetailCustomers: number;
  }[];
  /** Some rank counts retail customers: the members must carry `retailCustomers`. */
  needsRetailCustomers: boolean;
  /** Some rank tests the customer share of PV: the engine sums customer QV. */
  needsCustomerPv: boolean;
  unilevel: { levels: number[]; minRank: number[]; compression: boolean } | null;
  binary: { bp: number; capByRank: number[]; maxCarry: number } | null;
  matrix: { width: number; depth: number; levels: number[] } | null;
  stairstep: { minGroupPv: number[]; bp: number[]; overrides: number[] } | null;
  fastStart: { windowMs: number; levels: number[] } | null;
  matching: { levels: number[]; minRank: number[] } | null;
  retail: boolean;
  minPayout: number;
  /** Cap in basis points of total CV (percent × 100), or 0 when there is no cap. */
  capBpOfCv: number;
}

const DAY_MS = 86_400_000;

/** Resolves a plan that passed checkPlan/parsePlan. Throws on references that checkPlan would refuse. */
export function compilePlan(plan: Plan): CompiledPlan {
  const rankIds = (plan.ranks ?? []).map((r) => r.id);
  const idx = (id: string | null | undefined): number => {
    if (id == null) return NO_RANK;
    const i = rankIds.indexOf(id);
    if (i < 0) throw new Error(`Plan references unknown rank "${id}"; validate it with checkPlan first.`);
    return i;
  };
  const bin = plan.binary;
  let capByRank: number[] = [];
  if (bin) {
    // capByRank[r + 1] is the cap for paid-as rank r (index 0: no rank); Infinity = uncapped.
    capByRank = new Array(rankIds.length + 1).fill(Infinity);
    let current = bin.capUnranked ?? Infinity;
    capByRank[0] = current;
    rankIds.forEach((id, r) => {
      const listed = bin.capByRank?.[id];
      if (listed !== undefined) current = listed;
      capByRank[r + 1] = current;
    });
  }
  const uni = plan.unilevel;
  return {
    activePv: plan.activePv,
    starterKitsCarryVolume: plan.starterKitsCarryVolume,
    rankIds,
    ranks: (plan.ranks ?? []).map((r) => ({
      minPv: r.minPv,
      minGv: r.minGv,
      maxLegPercent: r.maxLegPercent ?? 0,
      legCount: r.legs?.count ?? 0,
      legRank: r.legs ? idx(r.legs.rank) : NO_RANK,
      minCustomerBp:
        r.minCustomerVolumePercent === undefined ? -1 : Math.round(r.minCustomerVolumePercent * 100),
      minRetailCustomers: r.minRetailCustomers ?? 0,
    })),
    needsRetailCustomers: (plan.ranks ?? []).some((r) => (r.minRetailCustomers ?? 0) > 0),
    needsCustomerPv: (plan.ranks ?? []).some((r) => r.minCustomerVolumePercent !== undefined),
    unilevel: uni
      ? {
          levels: [...uni.levels],
          minRank: uni.levels.map((_, k) => idx(uni.minRankForLevel?.[k])),
          compression: uni.compression,
        }
      : null,
    binary: bin ? { bp: bin.bp, capByRank, maxCarry: bin.maxCarry ?? Infinity } : null,
    matrix: plan.matrix
      ? {
          width: plan.matrix.width,
          depth: plan.matrix.depth,
          levels: plan.matrix.levels.slice(0, plan.matrix.depth),
        }
      : null,
    stairstep: plan.stairstep
      ? {
          minGroupPv: plan.stairstep.brackets.map((b) => b.minGroupPv),
          bp: plan.stairstep.brackets.map((b) => b.bp),
          overrides: [...plan.stairstep.overrides],
        }
      : null,
    fastStart: plan.fastStart
      ? { windowMs: plan.fastStart.windowDays * DAY_MS, levels: [...plan.fastStart.levels] }
      : null,
    matching: plan.matching
      ? { levels: [...plan.matching.levels], minRank: plan.matching.minRank.map((id) => idx(id)) }
      : null,
    retail: plan.retail,
    minPayout: plan.payout.minPayout,
    capBpOfCv: plan.payout.capPercentOfCv === undefined ? 0 : Math.round(plan.payout.capPercentOfCv * 100),
  };
}
