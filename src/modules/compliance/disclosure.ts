// The income disclosure statement's arithmetic, pure: participants in, groups by highest paid-as rank out.
// Money is integer minor units of the payout currency; shares are basis points.
import { PERCENTILES } from './model';

export interface Participant {
  distributorId: number;
  /** Highest paid-as rank in the range as an order (higher = better), -1 for none. */
  rankOrder: number;
  rankId: string | null;
  /** Ledger earnings in the range (commissions of the committed periods + adjustments), minor units. */
  earnings: number;
  /** Costs in the payout currency: own purchases (starter kits excluded) and starter kits, minor units. */
  ownPurchases: number;
  starterKits: number;
}

export interface EarningsStats {
  count: number;
  /** Share of all participants, basis points, rounded half up. */
  shareBp: number;
  total: number;
  /** floor(total / count). */
  mean: number;
  median: number;
  lowest: number;
  highest: number;
  percentiles: { p: number; value: number }[];
  /** Participants who earned nothing (earnings ≤ 0), and their share of the group in basis points. */
  earnedNothing: number;
  earnedNothingBp: number;
  /** Mean costs per participant of the group (floor). */
  meanOwnPurchases: number;
  meanStarterKits: number;
  totalOwnPurchases: number;
  totalStarterKits: number;
}

export interface DisclosureGroup extends EarningsStats {
  rankId: string | null;
  rankOrder: number;
}

/** floor(a / b) for integers, toward −∞. */
function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Nearest-rank percentile of ascending values: the value at 1-based rank ceil(p × N / 100). */
export function nearestRank(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('no values');
  const rank = Math.max(1, Math.ceil((p * n) / 100));
  return sorted[Math.min(n, rank) - 1];
}

export function statsOf(group: readonly Participant[], all: number): EarningsStats {
  const values = group.map((x) => x.earnings).sort((a, b) => a - b);
  const n = values.length;
  const total = values.reduce((s, v) => s + v, 0);
  const ownTotal = group.reduce((s, x) => s + x.ownPurchases, 0);
  const kitTotal = group.reduce((s, x) => s + x.starterKits, 0);
  const nothing = values.filter((v) => v <= 0).length;
  return {
    count: n,
    shareBp: all > 0 ? floorDiv(20_000 * n + all, 2 * all) : 0,
    total,
    mean: floorDiv(total, n),
    median: nearestRank(values, 50),
    lowest: values[0],
    highest: values[n - 1],
    percentiles: PERCENTILES.map((p) => ({ p, value: nearestRank(values, p) })),
    earnedNothing: nothing,
    earnedNothingBp: floorDiv(20_000 * nothing + n, 2 * n),
    meanOwnPurchases: floorDiv(ownTotal, n),
    meanStarterKits: floorDiv(kitTotal, n),
    totalOwnPurchases: ownTotal,
    totalStarterKits: kitTotal,
  };
}

/** All participants, and one group per highest paid-as rank held by someone (highest rank first, "none" last). */
export function disclose(participants: readonly Participant[]): {
  all: EarningsStats | null;
  groups: DisclosureGroup[];
} {
  const n = participants.length;
  if (n === 0) return { all: null, groups: [] };
  const byRank = new Map<number, Participant[]>();
  for (const x of participants) {
    const g = byRank.get(x.rankOrder);
    if (g) g.push(x);
    else byRank.set(x.rankOrder, [x]);
  }
  const groups = [...byRank.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([rankOrder, g]) => ({ rankOrder, rankId: g[0].rankId, ...statsOf(g, n) }));
  return { all: statsOf(participants, n), groups };
}

/** Histogram buckets of the chart, lower bounds in minor units (two-decimal currencies): 0 = "nothing". */
export const BUCKETS = [
  { label: '0', lo: -Infinity, hi: 1 },
  { label: '< 10', lo: 1, hi: 1_000 },
  { label: '10 – 100', lo: 1_000, hi: 10_000 },
  { label: '100 – 1 000', lo: 10_000, hi: 100_000 },
  { label: '1 000 – 10 000', lo: 100_000, hi: 1_000_000 },
  { label: '≥ 10 000', lo: 1_000_000, hi: Infinity },
] as const;

/** How many participants fall in each bucket (earnings ≤ 0 in the first). */
export function histogram(participants: readonly Participant[]): number[] {
  const counts = BUCKETS.map(() => 0);
  for (const x of participants) {
    const i = BUCKETS.findIndex((b) => x.earnings >= b.lo && x.earnings < b.hi);
    counts[i]++;
  }
  return counts;
}
