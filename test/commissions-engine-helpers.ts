// Shared helpers for the commission engine tests: small networks from rows, lines read back as objects.

import {
  bonusName,
  componentKey,
  computePeriod,
  type LineRow,
  linesFrom,
  type MemberRow,
  membersFrom,
  type PeriodResult,
} from '../src/modules/commissions/engine';
import { checkPlan } from '../src/modules/commissions/plan';
import type { Plan } from '../src/modules/commissions/plan/schema';

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

/** A seeded PRNG (mulberry32) so property tests replay exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
