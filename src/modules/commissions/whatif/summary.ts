// Pure comparison of two computations of one period, per distributor and by rank.

export interface RankSummary {
  rank: string | null;
  members: number;
  winners: number;
  losers: number;
  baseTotal: number;
  newTotal: number;
  change: number;
}

export interface WhatIfSummary {
  members: number;
  totalCv: number;
  baseTotal: number;
  newTotal: number;
  change: number;
  basePercentOfCv: number;
  newPercentOfCv: number;
  winners: number;
  losers: number;
  byRank: RankSummary[];
}

/** Compares base and new totals (parallel arrays over the same members), grouped by the new paid-as rank. */
export function summarize(
  base: ArrayLike<number>,
  next: ArrayLike<number>,
  newRank: ArrayLike<number>,
  rankIds: string[],
  totalCv: number,
): WhatIfSummary {
  const groups = new Map<number, RankSummary>();
  let baseTotal = 0;
  let newTotal = 0;
  let winners = 0;
  let losers = 0;
  for (let i = 0; i < base.length; i++) {
    const r = newRank[i];
    let g = groups.get(r);
    if (!g) {
      g = {
        rank: r < 0 ? null : rankIds[r],
        members: 0,
        winners: 0,
        losers: 0,
        baseTotal: 0,
        newTotal: 0,
        change: 0,
      };
      groups.set(r, g);
    }
    g.members++;
    g.baseTotal += base[i];
    g.newTotal += next[i];
    if (next[i] > base[i]) {
      g.winners++;
      winners++;
    } else if (next[i] < base[i]) {
      g.losers++;
      losers++;
    }
    baseTotal += base[i];
    newTotal += next[i];
  }
  const byRank = [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, g]) => ({ ...g, change: g.newTotal - g.baseTotal }));
  const pct = (x: number) => (totalCv > 0 ? Math.round((10000 * x) / totalCv) / 100 : 0);
  return {
    members: base.length,
    totalCv,
    baseTotal,
    newTotal,
    change: newTotal - baseTotal,
    basePercentOfCv: pct(baseTotal),
    newPercentOfCv: pct(newTotal),
    winners,
    losers,
    byRank,
  };
}
