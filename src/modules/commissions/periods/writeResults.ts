// Writing a close's results and commission lines. What made it slow at 1M was not the rows but where they land:
// rows inserted in random key order dirty pages all over the table's B-tree, and every transaction writes every
// page it dirtied again, so a batch of 10,000 rows cost more the bigger the table (×14–19 time for ×10 data).
// So: the lines go in primary-key order (a pass over the engine's lines per range of earners, each range
// sorted), and several INSERTs share one batch (one transaction) so a page is written once per batch, not per
// statement. The rows travel as one JSON parameter per INSERT, converted to jsonb once (jsonb_each(jsonb(?))): a
// text JSON value is parsed again by every ->> on it (15 per result row), jsonb is read in place: about 45 % off
// the inserts' SQL time (node:sqlite, 1M results). The results page's index holds only the rows with a total
// (migration 0035).
import { atomic } from '../../../lib/db';
import { grown } from '../../../lib/typedArrays';
import { BONUS_NAMES, type PeriodResult } from '../engine';
import { progress } from './repository';

// Rows per INSERT: the JSON parameter stays well under D1's limits (about 0.7 MB).
const RESULT_ROWS = 10_000;
const LINE_ROWS = 12_000;
/** INSERTs per batch (one transaction): a few MB per call. */
const INSERTS_PER_BATCH = 5;
/** Lines held at once for sorting (about 30 bytes each); more lines take more passes over the engine's lines. */
const LINES_PER_PASS = 250_000;

const INSERT_RESULTS = `INSERT INTO period_result (period_id, distributor_id, pv, cv, gv, gcv, active, paid_as_rank, lifetime_rank,
    total, payout, balance_in, balance_out, carry_left, carry_right, hold_reason)
  SELECT ?1, v->>0, v->>1, v->>2, v->>3, v->>4, v->>5, v->>6, v->>7, v->>8, v->>9, v->>10, v->>11, v->>12, v->>13, v->>14
  FROM (SELECT value AS v FROM jsonb_each(jsonb(?2)))`;
const INSERT_LINES = `INSERT INTO commission_line (period_id, distributor_id, bonus, level, source_id, volume, bp, before_cap, amount)
  SELECT ?1, v->>0, v->>1, v->>2, v->>3, v->>4, v->>5, v->>6, v->>7 FROM (SELECT value AS v FROM jsonb_each(jsonb(?2)))`;

/** Replaces the period's results and lines with this run's. */
export async function writeResults(
  db: D1Database,
  periodId: string,
  ids: Int32Array,
  rankIds: string[],
  r: PeriodResult,
  heldMembers?: Uint8Array,
): Promise<void> {
  const totalRows = r.count + r.totals.lines;
  let written = 0;
  await atomic(db, [
    db.prepare('DELETE FROM period_result WHERE period_id = ?').bind(periodId),
    db.prepare('DELETE FROM commission_line WHERE period_id = ?').bind(periodId),
    progress(db, periodId, 'write', 0, totalRows),
  ]);
  let batch: D1PreparedStatement[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await atomic(db, [...batch, progress(db, periodId, 'write', written, totalRows)]);
    batch = [];
  };
  const insert = async (sql: string, rows: unknown[]) => {
    batch.push(db.prepare(sql).bind(periodId, JSON.stringify(rows)));
    written += rows.length;
    if (batch.length >= INSERTS_PER_BATCH) await flush();
  };

  const rank = (i: number) => (i < 0 ? null : rankIds[i]);
  for (let start = 0; start < r.count; start += RESULT_ROWS) {
    const end = Math.min(r.count, start + RESULT_ROWS);
    const rows: unknown[] = [];
    for (let i = start; i < end; i++) {
      rows.push([
        ids[i],
        r.pv[i],
        r.cv[i],
        r.gv[i],
        r.gcv[i],
        r.active[i],
        rank(r.paidAsRank[i]),
        rank(r.lifetimeRank[i]),
        r.total[i],
        r.payout[i],
        r.balanceOut[i] - r.total[i] + r.payout[i],
        r.balanceOut[i],
        r.binary ? r.binary.carryOutLeft[i] : 0,
        r.binary ? r.binary.carryOutRight[i] : 0,
        heldMembers?.[i] === 1 && r.balanceOut[i] > 0 ? 'AGREEMENT_UNSIGNED' : null,
      ]);
    }
    await insert(INSERT_RESULTS, rows);
  }

  for (const { lines, order } of linesInKeyOrder(r)) {
    for (let start = 0; start < lines.count; start += LINE_ROWS) {
      const end = Math.min(lines.count, start + LINE_ROWS);
      const rows: unknown[] = [];
      for (let j = start; j < end; j++) {
        const k = order[j];
        rows.push([
          ids[lines.earner[k]],
          BONUS_NAMES[lines.bonus[k] - 1],
          lines.level[k],
          lines.source[k] >= 0 ? ids[lines.source[k]] : 0,
          lines.volume[k],
          lines.bp[k],
          lines.beforeCap[k],
          lines.amount[k],
        ]);
      }
      await insert(INSERT_LINES, rows);
    }
  }
  await flush();
}

/**
 * The period's commission lines in primary-key order, one range of earners at a time (at most about
 * `maxHeld` lines held): each range is a pass over the engine's lines, kept and sorted.
 */
export function* linesInKeyOrder(
  r: PeriodResult,
  maxHeld = LINES_PER_PASS,
): Generator<{ lines: HeldLines; order: Uint32Array }> {
  const passes = Math.max(1, Math.ceil(r.totals.lines / maxHeld));
  const perPass = Math.ceil(r.count / passes);
  for (let lo = 0; lo < r.count; lo += perPass) {
    const lines = linesOfEarners(r, lo, Math.min(r.count, lo + perPass));
    yield { lines, order: lines.keyOrder() };
  }
}

/** Bonus codes in the order of their names (the key's text column sorts by name). */
const BONUS_BY_NAME = (() => {
  const byName = [...BONUS_NAMES].sort();
  return Uint8Array.from(BONUS_NAMES, (name) => byName.indexOf(name));
})();

/** The lines of earners lo ≤ e < hi, in typed columns. */
function linesOfEarners(r: PeriodResult, lo: number, hi: number): HeldLines {
  const held = new HeldLines();
  for (const c of r.lines(LINE_ROWS))
    for (let k = 0; k < c.length; k++) {
      const e = c.earner[k];
      if (e >= lo && e < hi)
        held.push(e, c.bonus[k], c.level[k], c.source[k], c.volume[k], c.bp[k], c.beforeCap[k], c.amount[k]);
    }
  return held;
}

export class HeldLines {
  count = 0;
  earner = new Int32Array(1024);
  bonus = new Uint8Array(1024);
  level = new Int32Array(1024);
  source = new Int32Array(1024);
  volume = new Float64Array(1024);
  bp = new Int32Array(1024);
  beforeCap = new Float64Array(1024);
  amount = new Float64Array(1024);

  push(e: number, b: number, l: number, s: number, v: number, bp: number, before: number, a: number) {
    if (this.count === this.earner.length) {
      this.earner = grown(this.earner);
      this.bonus = grown(this.bonus);
      this.level = grown(this.level);
      this.source = grown(this.source);
      this.volume = grown(this.volume);
      this.bp = grown(this.bp);
      this.beforeCap = grown(this.beforeCap);
      this.amount = grown(this.amount);
    }
    const i = this.count++;
    this.earner[i] = e;
    this.bonus[i] = b;
    this.level[i] = l;
    this.source[i] = s;
    this.volume[i] = v;
    this.bp[i] = bp;
    this.beforeCap[i] = before;
    this.amount[i] = a;
  }

  /**
   * Positions in primary-key order: earner (ids ascend with the index), bonus name, level, source (none first).
   * A counting sort by earner (a pass holds a contiguous range of earners), then each earner's few lines by the
   * rest of the key: linear, where one comparison sort of all the held lines cost about a second at 1M members.
   */
  keyOrder(): Uint32Array {
    const { count, earner, bonus, level, source } = this;
    const order = new Uint32Array(count);
    if (count === 0) return order;
    let lo = earner[0];
    let hi = earner[0];
    for (let i = 1; i < count; i++) {
      const e = earner[i];
      if (e < lo) lo = e;
      else if (e > hi) hi = e;
    }
    // end[g] = where earner lo + g's lines end once placed (a cursor while placing them).
    const end = new Uint32Array(hi - lo + 1);
    for (let i = 0; i < count; i++) end[earner[i] - lo]++;
    for (let g = 1; g < end.length; g++) end[g] += end[g - 1];
    for (let i = count - 1; i >= 0; i--) order[--end[earner[i] - lo]] = i;
    // end[g] is now where group g starts.
    const before = (a: number, b: number) =>
      BONUS_BY_NAME[bonus[a] - 1] - BONUS_BY_NAME[bonus[b] - 1] ||
      level[a] - level[b] ||
      source[a] - source[b];
    for (let g = 0; g < end.length; g++) {
      const from = end[g];
      const to = g + 1 < end.length ? end[g + 1] : count;
      if (to - from > 32) {
        order.subarray(from, to).sort(before);
        continue;
      }
      for (let j = from + 1; j < to; j++) {
        const x = order[j];
        let k = j - 1;
        while (k >= from && before(order[k], x) > 0) {
          order[k + 1] = order[k];
          k--;
        }
        order[k + 1] = x;
      }
    }
    return order;
  }
}
