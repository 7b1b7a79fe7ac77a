// The externalIds a file repeats, found without holding the ids: a 53-bit hash per order in one typed array
// (24 MB for 3M orders), sorted; only when two hashes are equal are the staged packs read again, for the ids
// of those hashes alone, to tell true repeats (with the line of their first occurrence) from collisions.
import { LINE_KEY } from '../../imports/limits';
import type { StagedOrder } from './parse';
import { packsAfter } from './repository';

/** Two FNV-1a hashes of the UTF-16 units, as one integer below 2^53. */
function hash53(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x00000193 + 0x01000000 + 0x2f);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

export class DuplicateIds {
  private readonly hashes: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.hashes = new Float64Array(capacity);
  }

  /** One staged order's externalId, in file order. */
  add(externalId: string) {
    this.hashes[this.n++] = hash53(externalId);
  }

  /**
   * The orders that repeat an earlier order's externalId, in file order, at most `limit`:
   * [key, key of the first occurrence, externalId].
   */
  async repeats(db: D1Database, importId: number, limit: number): Promise<[number, number, string][]> {
    const sorted = this.hashes.subarray(0, this.n).sort();
    const suspects = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) suspects.add(sorted[i]);
    if (suspects.size === 0) return [];
    const first = new Map<string, number>();
    const out: [number, number, string][] = [];
    let after: [number, number] = [-1, -1];
    for (;;) {
      const packs = await packsAfter(db, importId, after, 2);
      if (packs.length === 0) break;
      for (const p of packs)
        for (const r of JSON.parse(p.orders) as StagedOrder[]) {
          if (!suspects.has(hash53(r[1]))) continue;
          const key = p.part_no * LINE_KEY + r[0];
          const f = first.get(r[1]);
          if (f === undefined) first.set(r[1], key);
          else if (out.length < limit) out.push([key, f, r[1]]);
        }
      after = [packs[packs.length - 1].part_no, packs[packs.length - 1].pack];
    }
    return out;
  }
}
