// The members (and carry-ins, and retail lines) behind a commission line, with what each contributed.
import { grown } from '../../../lib/typedArrays';

/** What a contribution is. */
export const CONTRIBUTION = {
  /** A member's CV this period (unilevel, matrix, a binary leg, stairstep own). */
  cv: 0,
  /** A binary leg's carry from the previous period (member -1). */
  carryIn: 1,
  /** A member's stairstep group CV (stairstep child, leadership). */
  groupCv: 2,
  /** A member's in-window fast-start CV. */
  fastStartCv: 3,
  /** A member's unilevel earnings (matching). */
  unilevelEarnings: 4,
  /** Retail profit of one customer volume line of the earner (line = its index in the lines fed). */
  retailProfit: 5,
} as const;

/** Parallel arrays, sorted by leg then member index (carry-ins first in their leg). */
export interface Contributions {
  length: number;
  /** Engine member index; -1 for a carry-in. */
  member: Int32Array;
  /** Levels below the earner in the rule's tree (sponsor or placement); 0 for the earner or a carry-in. */
  level: Int32Array;
  /** LEFT or RIGHT for binary, else -1. */
  leg: Int8Array;
  kind: Uint8Array;
  volume: Float64Array;
  /** Retail: index of the volume line (counting across the chunks fed, in order), else -1. */
  line: Int32Array;
}

/** Contributions as an explanation finds them, in any order. */
export class Collector {
  private n = 0;
  private member = new Int32Array(16);
  private level = new Int32Array(16);
  private leg = new Int8Array(16);
  private kind = new Uint8Array(16);
  private volume = new Float64Array(16);
  private line = new Int32Array(16);

  push(member: number, level: number, leg: number, kind: number, volume: number, line: number) {
    if (this.n === this.member.length) {
      this.member = grown(this.member);
      this.level = grown(this.level);
      this.leg = grown(this.leg);
      this.kind = grown(this.kind);
      this.volume = grown(this.volume);
      this.line = grown(this.line);
    }
    const i = this.n++;
    this.member[i] = member;
    this.level[i] = level;
    this.leg[i] = leg;
    this.kind[i] = kind;
    this.volume[i] = volume;
    this.line[i] = line;
  }

  /** By leg, then member index (a carry-in, member -1, first), then line. */
  sorted(): Contributions {
    const n = this.n;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => this.leg[a] - this.leg[b] || this.member[a] - this.member[b] || this.line[a] - this.line[b],
    );
    const pick = <T extends Int32Array | Int8Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      for (let i = 0; i < n; i++) b[i] = a[order[i]];
      return b;
    };
    return {
      length: n,
      member: pick(this.member),
      level: pick(this.level),
      leg: pick(this.leg),
      kind: pick(this.kind),
      volume: pick(this.volume),
      line: pick(this.line),
    };
  }
}
