import { type CompiledPlan, compilePlan } from '../plan/compile';
import type { Plan } from '../plan/schema';
import { computeBinary } from './binary';
import { componentLines, type EngineState, LEADER_EARNING, LEADER_IDLE, LineBuffer } from './lines';
import { mulDivFloor } from './math';
import { computeRanks } from './ranks';
import { buildTree } from './trees';
import {
  BONUS,
  BONUS_NAMES,
  type BonusName,
  type EngineOptions,
  FORCED_NO_RANK,
  KIND_CUSTOMER,
  type LineChunk,
  type MemberArrays,
  type PeriodBounds,
  type PeriodResult,
  type PeriodTotals,
  STATUS_ACTIVE,
  STATUS_SUSPENDED,
  STATUS_TERMINATED,
  type VolumeLines,
  type Volumes,
} from './types';

/**
 * One period's commission run, pure: members and plan in, volume lines fed in chunks, results out.
 * Order of work (SPEC 3.1): volumes → ranks → each part's components → matching → period cap → totals →
 * balance and payout. Memory is O(members) whatever the number of lines; lines() regenerates the
 * commission lines on demand so they never have to be held all at once.
 */
export class PeriodEngine {
  private readonly plan: CompiledPlan;
  private readonly n: number;
  // Int32 until a value leaves the Int32 range, then Float64 (see Volumes).
  private pv: Volumes;
  private cv: Volumes;
  private fastStartCv: Volumes | null;
  private retail: Volumes | null;
  private customerPv: Volumes | null;
  private ignoredLines = 0;
  private finished = false;

  constructor(
    plan: Plan | CompiledPlan,
    private readonly members: MemberArrays,
    private readonly period: PeriodBounds,
    private readonly options: EngineOptions = {},
  ) {
    this.plan = isCompiled(plan) ? plan : compilePlan(plan);
    this.n = members.count;
    checkMembers(this.plan, members);
    if (!(period.start < period.end)) throw new Error('Period start must be before its end.');
    this.pv = new Int32Array(this.n);
    this.cv = new Int32Array(this.n);
    this.fastStartCv = this.plan.fastStart ? new Int32Array(this.n) : null;
    this.retail = this.plan.retail ? new Int32Array(this.n) : null;
    this.customerPv = this.plan.needsCustomerPv ? new Int32Array(this.n) : null;
  }

  /** Adds a chunk of volume lines (O(lines)); lines outside [start, end) are counted and ignored. */
  addLines(lines: VolumeLines): this {
    if (this.finished) throw new Error('addLines after finish.');
    const { n, plan } = this;
    let { pv, cv, fastStartCv, retail, customerPv } = this;
    const { start, end } = this.period;
    const carryKits = plan.starterKitsCarryVolume;
    const joinedAt = this.members.joinedAt;
    const windowMs = plan.fastStart?.windowMs ?? 0;
    const { member, qv, kind, at, orderAt, retailProfit, starterKit } = lines;
    const lineCv = lines.cv;
    for (let i = 0; i < lines.count; i++) {
      const m = member[i];
      if (!(m >= 0 && m < n)) throw new Error(`Volume line ${i} names member ${m}: out of range.`);
      const t = at[i];
      if (!(t >= start && t < end)) {
        this.ignoredLines++;
        continue;
      }
      const kit = starterKit !== undefined && starterKit[i] === 1 && !carryKits;
      const q = kit ? 0 : qv[i];
      const c = kit ? 0 : lineCv[i];
      if (!Number.isSafeInteger(q) || !Number.isSafeInteger(c))
        throw new Error(`Volume line ${i}: QV and CV must be whole numbers.`);
      pv = addTo(pv, m, q);
      cv = addTo(cv, m, c);
      if (customerPv && q !== 0 && kind[i] === KIND_CUSTOMER) customerPv = addTo(customerPv, m, q);
      if (fastStartCv && c !== 0) {
        const o = orderAt ? orderAt[i] : t;
        const j = joinedAt![m];
        if (o >= j && o < j + windowMs) fastStartCv = addTo(fastStartCv, m, c);
      }
      if (retail && retailProfit && kind[i] === KIND_CUSTOMER) {
        const r = retailProfit[i];
        if (!Number.isSafeInteger(r))
          throw new Error(`Volume line ${i}: retail profit must be a whole number.`);
        retail = addTo(retail, m, r);
      }
    }
    this.pv = pv;
    this.cv = cv;
    this.fastStartCv = fastStartCv;
    this.retail = retail;
    this.customerPv = customerPv;
    return this;
  }

  finish(): PeriodResult {
    if (this.finished) throw new Error('finish called twice.');
    this.finished = true;
    const { plan, n, pv, cv, members } = this;
    const { sponsor, status } = members;
    const reuse = this.options.reuseInputs === true;
    if (reuse) members.joinedAt = undefined; // read by addLines only

    let sponsorTree = buildTree(sponsor, n, 'Sponsor');
    const order = sponsorTree.order;

    // Group volumes bottom-up: walking the top-down order backwards finishes every child before its parent.
    // Every partial sum is at most Σ|v| in size, so Int32 is safe when that total fits.
    const gv = sumArray(pv);
    const gcv = sumArray(cv);
    for (let i = n - 1; i >= 0; i--) {
      const x = order[i];
      const p = sponsor[x];
      if (p >= 0) {
        gv[p] += gv[x];
        gcv[p] += gcv[x];
      }
    }

    const active = new Uint8Array(n);
    for (let m = 0; m < n; m++) active[m] = status[m] === STATUS_ACTIVE && pv[m] >= plan.activePv ? 1 : 0;

    const paidAs = new Int8Array(n);
    computeRanks(plan, sponsorTree, pv, gv, members.forcedRank, paidAs, {
      customerPv: this.customerPv,
      retailCustomers: members.retailCustomers,
    });
    const before = members.lifetimeRankBefore;
    const lifetimeRank = reuse && before ? before : new Int8Array(n);
    for (let m = 0; m < n; m++) lifetimeRank[m] = Math.max(before ? before[m] : -1, paidAs[m]);
    if (reuse) {
      members.forcedRank = undefined;
      members.lifetimeRankBefore = undefined;
      members.retailCustomers = undefined;
    }

    const step = this.options.onStep ?? (() => {});
    step('ranks');
    const stairstep = plan.stairstep ? computeStairstep(plan, sponsorTree, sponsor, pv, cv, status) : null;
    // Children lists serve ranks and stairstep only; the level walks need the order alone.
    if (!plan.stairstep) sponsorTree = { order, childStart: NO_INTS, childList: NO_INTS };

    // Two arrays of n for every temporary from here on: binary's roll-ups, then each level walk's pending sums.
    const scratch = { a: new Float64Array(n), b: new Float64Array(n) };
    const placementParent = plan.binary || plan.matrix ? members.placementParent! : null;
    const binary = plan.binary
      ? computeBinary(
          plan,
          n,
          sponsor,
          members.placementParent!,
          members.placementPosition!,
          cv,
          active,
          status,
          members.carryInLeft,
          members.carryInRight,
          scratch,
          reuse,
          step,
        )
      : null;
    const placementOrder = plan.matrix
      ? matrixOrder(plan, n, placementParent!, members.placementPosition!)
      : null;
    if (reuse) {
      members.carryInLeft = undefined;
      members.carryInRight = undefined;
      if (!plan.matrix) {
        members.placementParent = undefined;
        members.placementPosition = undefined;
      }
    }

    const state: EngineState = {
      plan,
      n,
      sponsor,
      sponsorTree,
      placementParent,
      placementOrder,
      status,
      cv,
      active,
      paidAs,
      binary,
      stairstep,
      fastStartCv: this.fastStartCv,
      retail: this.retail,
      unilevelEarned: plan.matching ? new Float64Array(n) : null,
      scratch,
      scratchBusy: false,
    };

    // First pass: amounts before the cap, per member and in all; fills unilevelEarned for matching.
    let total: Volumes = new Int32Array(n); // widens like the volumes
    const byBonusBeforeCap = zeroByBonus();
    let beforeCap = 0;
    let lineCount = 0;
    const uniEarned = state.unilevelEarned;
    let firstBlock = true;
    forEachBlock(state, 4096, (b) => {
      if (firstBlock) step('lines');
      firstBlock = false;
      for (let i = 0; i < b.length; i++) {
        const e = b.earner[i];
        const a = b.amount[i];
        total = addTo(total, e, a);
        beforeCap += a;
        byBonusBeforeCap[BONUS_NAMES[b.bonus[i] - 1]] += a;
        if (uniEarned && b.bonus[i] === BONUS.unilevel) uniEarned[e] += a;
      }
      lineCount += b.length;
    });

    let totalCv = 0;
    for (let m = 0; m < n; m++) totalCv += cv[m];
    const cap = periodCap(plan, totalCv, beforeCap);

    // Second pass only when the cap bites: each line is scaled and floored on its own.
    const byBonus = cap.applied ? zeroByBonus() : { ...byBonusBeforeCap };
    let afterCap = beforeCap;
    if (cap.applied) {
      total.fill(0);
      afterCap = 0;
      forEachBlock(state, 4096, (b) => {
        for (let i = 0; i < b.length; i++) {
          const a = cap.scale(b.amount[i]);
          total = addTo(total, b.earner[i], a);
          afterCap += a;
          byBonus[BONUS_NAMES[b.bonus[i] - 1]] += a;
        }
      });
    }

    // Balance and payout: the whole balance is paid when positive and >= minPayout, else all of it carries;
    // members whose status the company holds (heldStatuses) carry it all.
    // The engine's own passes are over: later lines() iterations take scratch arrays of their own, for the
    // time they run, rather than the result holding 16 bytes a member for them.
    state.scratch = null;
    let payout: Volumes = new Int32Array(n);
    const balanceIn = members.balanceIn;
    // Each member's balance in is read just before its balance out is written: the same array can hold both.
    const balanceOut = reuse && balanceIn ? balanceIn : new Float64Array(n);
    if (reuse) members.balanceIn = undefined;
    let payoutSum = 0;
    let carried = 0;
    const held = new Uint8Array(3);
    for (const s of members.heldStatuses ?? []) held[s] = 1;
    const heldMembers = members.heldMembers;
    for (let m = 0; m < n; m++) {
      const b = (balanceIn ? balanceIn[m] : 0) + total[m];
      const pay = held[status[m]] !== 1 && heldMembers?.[m] !== 1 && b > 0 && b >= plan.minPayout ? b : 0;
      if (pay !== 0) payout = addTo(payout, m, pay);
      balanceOut[m] = b - pay;
      payoutSum += pay;
      carried += b - pay;
    }

    step('done');
    const totals: PeriodTotals = {
      lines: lineCount,
      ignoredLines: this.ignoredLines,
      totalCv,
      beforeCap,
      byBonusBeforeCap,
      capLimit: cap.limit,
      capApplied: cap.applied,
      total: afterCap,
      byBonus,
      payout: payoutSum,
      carried,
    };

    return {
      count: n,
      rankIds: plan.rankIds,
      pv,
      cv,
      gv,
      gcv,
      customerPv: this.customerPv,
      active,
      paidAsRank: paidAs,
      lifetimeRank,
      binary,
      stairstep: stairstep
        ? { groupPv: stairstep.groupPv, groupCv: stairstep.groupCv, bracket: stairstep.bracket }
        : null,
      fastStartCv: this.fastStartCv,
      total,
      payout,
      balanceOut,
      totals,
      *lines(chunkSize = 1000) {
        const buf = new LineBuffer(Math.max(1, Math.floor(chunkSize)));
        for (const _ of componentLines(state, buf)) {
          if (buf.length === 0) continue;
          yield toChunk(buf, cap.applied ? cap.scale : null);
          buf.length = 0;
        }
        if (buf.length > 0) yield toChunk(buf, cap.applied ? cap.scale : null);
      },
    };
  }
}

/** Runs a whole period in one call (all lines at hand). */
export function computePeriod(input: {
  plan: Plan | CompiledPlan;
  members: MemberArrays;
  lines: VolumeLines | VolumeLines[];
  period: PeriodBounds;
}): PeriodResult {
  const engine = new PeriodEngine(input.plan, input.members, input.period);
  for (const chunk of Array.isArray(input.lines) ? input.lines : [input.lines]) engine.addLines(chunk);
  return engine.finish();
}

const NO_INTS = new Int32Array(0);
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** a[m] += v; an Int32 array that would overflow comes back as a Float64 copy (the caller keeps the result). */
function addTo(a: Volumes, m: number, v: number): Volumes {
  const s = a[m] + v;
  if (a.BYTES_PER_ELEMENT === 4 && (s > INT32_MAX || s < INT32_MIN)) {
    const wide = new Float64Array(a);
    wide[m] = s;
    return wide;
  }
  a[m] = s;
  return a;
}

/** A copy of v to be rolled up into subtree sums: Int32 when Σ|v| fits (no partial sum can exceed it). */
function sumArray(v: Volumes): Volumes {
  let abs = 0;
  for (let m = 0; m < v.length; m++) abs += Math.abs(v[m]);
  return abs <= INT32_MAX ? Int32Array.from(v) : Float64Array.from(v);
}

function isCompiled(plan: Plan | CompiledPlan): plan is CompiledPlan {
  return Array.isArray((plan as CompiledPlan).rankIds);
}

function zeroByBonus(): Record<BonusName, number> {
  return Object.fromEntries(BONUS_NAMES.map((b) => [b, 0])) as Record<BonusName, number>;
}

function forEachBlock(state: EngineState, size: number, consume: (b: LineBuffer) => void): void {
  const buf = new LineBuffer(size);
  for (const _ of componentLines(state, buf)) {
    consume(buf);
    buf.length = 0;
  }
  consume(buf);
  buf.length = 0;
}

function toChunk(buf: LineBuffer, scale: ((a: number) => number) | null): LineChunk {
  const len = buf.length;
  const beforeCap = buf.amount.slice(0, len);
  const amount = scale ? beforeCap.map(scale) : beforeCap.slice();
  return {
    length: len,
    earner: buf.earner.slice(0, len),
    bonus: buf.bonus.slice(0, len),
    level: buf.level.slice(0, len),
    source: buf.source.slice(0, len),
    volume: buf.volume.slice(0, len),
    bp: buf.bp.slice(0, len),
    beforeCap,
    amount,
  };
}

/**
 * capPercentOfCv: when the period's net total of all lines is strictly above pct % of total CV, every line
 * becomes floor(amount × limit / total). Exact: limit = capBp × totalCv / 10000 is kept as a fraction.
 * A negative total CV gives a limit of 0 (nothing is paid rather than negative scaling).
 */
function periodCap(plan: CompiledPlan, totalCv: number, total: number) {
  if (plan.capBpOfCv === 0) return { limit: null, applied: false, scale: (a: number) => a };
  const bigNum = BigInt(plan.capBpOfCv) * BigInt(Math.max(0, totalCv)); // limit × 10000
  const bigDen = BigInt(total) * 10_000n;
  const limit = Number(bigNum) / 10_000;
  const applied = bigDen > bigNum;
  const num = Number(bigNum);
  const den = Number(bigDen);
  const fast = Number.isSafeInteger(num) && Number.isSafeInteger(den);
  const scale = (a: number): number => {
    if (fast) return mulDivFloor(a, num, den);
    const p = BigInt(a) * bigNum;
    let q = p / bigDen;
    if (p % bigDen !== 0n && p < 0n) q -= 1n;
    return Number(q);
  };
  return { limit, applied, scale };
}

function matrixOrder(plan: CompiledPlan, n: number, parent: Int32Array, position: Uint8Array): Int32Array {
  const width = plan.matrix!.width;
  for (let m = 0; m < n; m++)
    if (parent[m] >= 0 && position[m] >= width)
      throw new Error(`Member ${m} has matrix position ${position[m]}; the matrix is ${width} wide.`);
  return buildTree(parent, n, 'Placement').order;
}

/**
 * Stairstep groups bottom-up: a member's group is their PV/CV plus the groups of children that did not break
 * away; a member breaks away when their group PV reaches the top bracket. Brackets test group PV.
 */
function computeStairstep(
  plan: CompiledPlan,
  tree: { order: Int32Array },
  sponsor: Int32Array,
  pv: Volumes,
  cv: Volumes,
  status: Uint8Array,
) {
  const n = pv.length;
  const { minGroupPv } = plan.stairstep!;
  const top = minGroupPv.length - 1;
  const groupPv = new Float64Array(pv);
  const groupCv = new Float64Array(cv);
  const bracket = new Int8Array(n);
  const leader = new Uint8Array(n);
  const order = tree.order;
  for (let i = n - 1; i >= 0; i--) {
    const x = order[i];
    let b = -1;
    while (b < top && groupPv[x] >= minGroupPv[b + 1]) b++;
    bracket[x] = b;
    if (b === top) {
      leader[x] = status[x] === STATUS_ACTIVE ? LEADER_EARNING : LEADER_IDLE;
      continue;
    }
    const p = sponsor[x];
    if (p >= 0) {
      groupPv[p] += groupPv[x];
      groupCv[p] += groupCv[x];
    }
  }
  return { groupPv, groupCv, bracket, leader };
}

function checkMembers(plan: CompiledPlan, m: MemberArrays): void {
  const n = m.count;
  if (!Number.isInteger(n) || n < 0) throw new Error('Member count must be a whole number.');
  const need = (name: string, arr: { length: number } | undefined, required: boolean) => {
    if (!arr) {
      if (required) throw new Error(`Members: ${name} is required by this plan.`);
      return;
    }
    if (arr.length < n) throw new Error(`Members: ${name} has ${arr.length} entries, expected ${n}.`);
  };
  need('sponsor', m.sponsor, true);
  need('status', m.status, true);
  const placed = plan.binary !== null || plan.matrix !== null;
  need('placementParent', m.placementParent, placed);
  need('placementPosition', m.placementPosition, placed);
  need('joinedAt', m.joinedAt, plan.fastStart !== null);
  need('forcedRank', m.forcedRank, false);
  need('lifetimeRankBefore', m.lifetimeRankBefore, false);
  need('carryInLeft', m.carryInLeft, false);
  need('carryInRight', m.carryInRight, false);
  need('balanceIn', m.balanceIn, false);
  need('retailCustomers', m.retailCustomers, plan.needsRetailCustomers);
  for (const s of m.heldStatuses ?? [])
    if (![STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_TERMINATED].includes(s))
      throw new Error(`Members: heldStatuses has ${s}, not a status.`);
  const R = plan.ranks.length;
  for (const [name, arr, min] of [
    ['forcedRank', m.forcedRank, FORCED_NO_RANK],
    ['lifetimeRankBefore', m.lifetimeRankBefore, -1],
  ] as const) {
    if (!arr) continue;
    for (let i = 0; i < n; i++)
      if (arr[i] < min || arr[i] >= R)
        throw new Error(`Members: ${name} of member ${i} is ${arr[i]}; plan has ${R} ranks.`);
  }
}
