// What an explanation is asked (a commission line, and the period's frozen inputs) and what it answers.
import type { MemberArrays, PeriodBounds, VolumeLines } from '../engine/types';
import type { CompiledPlan } from '../plan/compile';
import type { Contributions } from './contributions';

export interface LineRef {
  earner: number;
  bonus: number;
  /** Unilevel/matrix/fast-start level, leadership/matching generation; 0 otherwise. */
  level: number;
  /** The stairstep child of a `stairstep:child` line, else -1. */
  source: number;
}

export interface Explanation extends LineRef {
  /** V of the line as recomputed here, the rate and floor(rate × V / 10000) (binary: after the rank cap). */
  volume: number;
  bp: number;
  beforeCap: number;
  binary: {
    left: number;
    right: number;
    carryInLeft: number;
    carryInRight: number;
    /** The earner's rank cap on binary pay, null when uncapped. */
    cap: number | null;
  } | null;
  stairstep: {
    /** The earner's group PV/CV after breakaways and bracket (-1 below the first), and the child's bracket. */
    groupPv: number;
    groupCv: number;
    bracket: number;
    childBracket: number | null;
  } | null;
  contributions: Contributions;
  /** Members the explanation worked on (the relevant subtree). */
  examined: number;
}

export interface ExplainInput {
  plan: CompiledPlan;
  members: MemberArrays;
  lines: VolumeLines | VolumeLines[];
  period: PeriodBounds;
}
