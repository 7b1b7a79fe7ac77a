// Shared helpers for the commission engine tests: small networks from rows, lines read back as objects.

import {
  bonusName,
  componentKey,
  computePeriod,
  type LineRow,
  linesFrom,
  type MemberArrays,
  type MemberRow,
  membersFrom,
  type PeriodResult,
  type VolumeLines,
} from '../../src/modules/commissions/engine';
import { checkPlan } from '../../src/modules/commissions/plan';
import type { Plan } from '../../src/modules/commissions/plan/schema';
import { prng } from '../lib/prng';

/** A seeded PRNG (mulberry32) so property tests replay exactly. */
export { prng };

export const START = Date.UTC(2026, 0, 1);
export const END = Date.UTC(2026, 1, 1);
export const DAY = 86_400_000;
/** An instant inside the default period. */
export const IN = START + 10 * DAY;

export function plan(json: unknown): Plan {
  const check = checkPlan(json);
  if (!check.ok) throw new Error(`bad test plan: ${JSON.stringify(check.issues)}`);
  return check.plan;
}

export function run(
  planJson: unknown,
  members: MemberRow[],
  lines: LineRow[],
  period = { start: START, end: END },
): PeriodResult {
  return computePeriod({
    plan: plan(planJson),
    members: membersFrom(members),
    lines: linesFrom(lines),
    period,
  });
}

export interface Line {
  earner: number;
  bonus: string;
  key: string;
  level: number;
  source: number;
  volume: number;
  bp: number;
  beforeCap: number;
  amount: number;
}

export function allLines(r: PeriodResult, chunkSize = 7): Line[] {
  const out: Line[] = [];
  for (const c of r.lines(chunkSize)) {
    for (let i = 0; i < c.length; i++) {
      out.push({
        earner: c.earner[i],
        bonus: bonusName(c.bonus[i]),
        key: componentKey(c.bonus[i], c.level[i], c.source[i]),
        level: c.level[i],
        source: c.source[i],
        volume: c.volume[i],
        bp: c.bp[i],
        beforeCap: c.beforeCap[i],
        amount: c.amount[i],
      });
    }
  }
  return out;
}

/** earner → { componentKey → amount } for compact assertions. */
export function byEarner(r: PeriodResult): Record<number, Record<string, number>> {
  const out: Record<number, Record<string, number>> = {};
  for (const l of allLines(r)) {
    out[l.earner] ??= {};
    out[l.earner][l.key] = l.amount;
  }
  return out;
}

export interface World {
  plan: Plan;
  members: MemberArrays;
  lines: VolumeLines;
}

/** A random network (sponsor and binary placement trees), lines and plan using every part, from a seed. */
export function randomWorld(seed: number, opts: { zeroRates?: boolean } = {}): World {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const n = int(60, 300);
  // Build with parents before children, then relabel by a random permutation so index order means nothing.
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const sponsor = new Int32Array(n).fill(-1);
  const pParent = new Int32Array(n).fill(-1);
  const pPos = new Uint8Array(n);
  const free: [number, number][] = [
    [perm[0], 0],
    [perm[0], 1],
  ];
  for (let i = 1; i < n; i++) {
    const s = perm[Math.floor(rnd() * rnd() * i)]; // skewed toward early members: deeper, bushier trees
    sponsor[perm[i]] = s;
    const k = Math.floor(rnd() * free.length);
    const [p, pos] = free[k];
    free.splice(k, 1);
    pParent[perm[i]] = p;
    pPos[perm[i]] = pos;
    free.push([perm[i], 0], [perm[i], 1]);
  }
  const R = 4;
  const status = Uint8Array.from({ length: n }, () => (rnd() < 0.85 ? 0 : rnd() < 0.6 ? 1 : 2));
  const members: MemberArrays = {
    count: n,
    sponsor,
    placementParent: pParent,
    placementPosition: pPos,
    status,
    joinedAt: Float64Array.from({ length: n }, () => START - 40 * DAY + Math.floor(rnd() * 70 * DAY)),
    forcedRank: Int8Array.from({ length: n }, () => (rnd() < 0.05 ? int(0, R - 1) : -1)),
    lifetimeRankBefore: Int8Array.from({ length: n }, () => int(-1, R - 1)),
    carryInLeft: Float64Array.from({ length: n }, () => (rnd() < 0.3 ? int(-2000, 20000) : 0)),
    carryInRight: Float64Array.from({ length: n }, () => (rnd() < 0.3 ? int(-2000, 20000) : 0)),
    balanceIn: Float64Array.from({ length: n }, () => (rnd() < 0.2 ? int(-5000, 5000) : 0)),
  };
  const rows: number[][] = [];
  for (let m = 0; m < n; m++) {
    for (let j = int(0, 4); j > 0; j--) {
      const sign = rnd() < 0.1 ? -1 : 1;
      const at = START - 3 * DAY + Math.floor(rnd() * 37 * DAY);
      const orderAt = rnd() < 0.8 ? at : at - int(0, 40) * DAY;
      rows.push([
        m,
        sign * int(0, 300),
        sign * int(0, 20000),
        rnd() < 0.4 ? 1 : 0,
        at,
        orderAt,
        sign * int(0, 3000),
        rnd() < 0.05 ? 1 : 0,
      ]);
    }
  }
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  const lines: VolumeLines = {
    count: rows.length,
    member: Int32Array.from(rows, (r) => r[0]),
    qv: col(1),
    cv: col(2),
    kind: Uint8Array.from(rows, (r) => r[3]),
    at: col(4),
    orderAt: col(5),
    retailProfit: col(6),
    starterKit: Uint8Array.from(rows, (r) => r[7]),
  };
  const rate = () => (opts.zeroRates ? 0 : pick([0, 100, 250, 500, 1000, 1250]));
  const ids = ['R1', 'R2', 'R3', 'R4'];
  const maybeRank = () => (rnd() < 0.5 ? null : pick(ids));
  const uniLevels = Array.from({ length: int(1, 8) }, rate);
  const json = {
    schemaVersion: 1,
    activePv: pick([0, 50, 100]),
    starterKitsCarryVolume: rnd() < 0.5,
    ranks: [
      { id: 'R1', minPv: 50, minGv: 0 },
      { id: 'R2', minPv: 100, minGv: 1000, maxLegPercent: pick([40, 60, 33.33]) },
      { id: 'R3', minPv: 100, minGv: 3000, legs: { count: 2, rank: 'R2' } },
      { id: 'R4', minPv: 0, minGv: 8000, maxLegPercent: 50, legs: { count: 1, rank: 'R3' } },
    ],
    unilevel: {
      levels: uniLevels,
      minRankForLevel: uniLevels.map(maybeRank),
      compression: rnd() < 0.5,
    },
    binary: {
      bp: rate(),
      capByRank: rnd() < 0.5 ? { R2: int(0, 3000), R4: int(3000, 20000) } : undefined,
      capUnranked: rnd() < 0.5 ? int(0, 2000) : undefined,
      maxCarry: rnd() < 0.5 ? int(0, 30000) : undefined,
    },
    matrix: { width: 2, depth: 4, levels: Array.from({ length: int(1, 4) }, rate) },
    stairstep: {
      brackets: [
        { minGroupPv: 100, bp: 300 },
        { minGroupPv: 500, bp: 600 },
        { minGroupPv: 1500, bp: 900 },
        { minGroupPv: 3000, bp: 1200 },
      ].map((b) => ({ ...b, bp: opts.zeroRates ? 0 : b.bp })),
      overrides: Array.from({ length: int(0, 3) }, rate),
    },
    fastStart: { windowDays: int(1, 30), levels: Array.from({ length: int(1, 3) }, rate) },
    matching: { levels: [rate(), rate()], minRank: [maybeRank(), maybeRank()] },
    retail: !opts.zeroRates && rnd() < 0.7,
    payout: { minPayout: int(0, 2000), capPercentOfCv: rnd() < 0.5 ? pick([10, 35, 55.5, 100]) : undefined },
  };
  // Customer-volume rank tests, drawn last so that the worlds above stay those of earlier seeds.
  members.retailCustomers = Int32Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : int(0, 4)));
  const ranks = json.ranks as Record<string, unknown>[];
  if (rnd() < 0.7) ranks[1].minCustomerVolumePercent = pick([0, 25, 40, 33.33, 100]);
  if (rnd() < 0.7) ranks[2].minRetailCustomers = int(1, 3);
  if (rnd() < 0.3) ranks[0].minCustomerVolumePercent = pick([10, 50]);
  return { plan: plan(json), members, lines };
}
