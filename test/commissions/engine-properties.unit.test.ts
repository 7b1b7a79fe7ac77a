// Property tests on random networks (seeded, replayable): the linear-time engine against a naive reference
// that walks the trees member by member, plus invariants that must hold for any plan and network.
import { describe, expect, it } from 'vitest';
import {
  BINARY_PAID,
  componentKey,
  computePeriod,
  KIND_CUSTOMER,
  PeriodEngine,
  type PeriodResult,
  STATUS_ACTIVE,
} from '../../src/modules/commissions/engine';
import { binaryPay } from '../../src/modules/commissions/engine/binary';
import { applyBp } from '../../src/modules/commissions/engine/math';
import { compilePlan } from '../../src/modules/commissions/plan';
import { allLines, DAY, END, randomWorld, START, type World } from './engine-helpers';

const PERIOD = { start: START, end: END };

/** The naive reference: every rule written the obvious way, member by member, walking up the trees. */
function reference(w: World) {
  const { plan: p, members: M, lines: Ls } = w;
  const n = M.count;
  const pv = new Array(n).fill(0);
  const cv = new Array(n).fill(0);
  const fs = new Array(n).fill(0);
  const retail = new Array(n).fill(0);
  const customerPv = new Array(n).fill(0);
  const winMs = (p.fastStart?.windowDays ?? 0) * DAY;
  for (let i = 0; i < Ls.count; i++) {
    if (Ls.at[i] < START || Ls.at[i] >= END) continue;
    const m = Ls.member[i];
    const kit = Ls.starterKit![i] === 1 && !p.starterKitsCarryVolume;
    pv[m] += kit ? 0 : Ls.qv[i];
    cv[m] += kit ? 0 : Ls.cv[i];
    const o = Ls.orderAt![i];
    if (!kit && o >= M.joinedAt![m] && o < M.joinedAt![m] + winMs) fs[m] += Ls.cv[i];
    if (Ls.kind[i] === KIND_CUSTOMER) {
      retail[m] += Ls.retailProfit![i];
      customerPv[m] += kit ? 0 : Ls.qv[i];
    }
  }
  const up = (m: number) => M.sponsor[m];
  const ancestors = (m: number, parent: (x: number) => number) => {
    const out: number[] = [];
    for (let a = parent(m); a >= 0; a = parent(a)) out.push(a);
    return out;
  };
  const sponsorChildren: number[][] = Array.from({ length: n }, () => []);
  for (let m = 0; m < n; m++) if (up(m) >= 0) sponsorChildren[up(m)].push(m);
  const gv = new Array(n).fill(0);
  const gcv = new Array(n).fill(0);
  for (let m = 0; m < n; m++) {
    for (const a of [m, ...ancestors(m, up)]) {
      gv[a] += pv[m];
      gcv[a] += cv[m];
    }
  }
  const lines = new Map<string, number>();
  const add = (earner: number, key: string, amount: number) => {
    if (amount === 0) return;
    lines.set(`${earner}/${key}`, (lines.get(`${earner}/${key}`) ?? 0) + amount);
  };
  return { pv, cv, gv, gcv, fs, retail, customerPv, sponsorChildren, ancestors, lines, add };
}

function engineLines(r: PeriodResult) {
  const map = new Map<string, number>();
  for (const l of allLines(r, 13)) map.set(`${l.earner}/${l.key}`, l.beforeCap);
  return map;
}

const SEEDS = Array.from({ length: 60 }, (_, i) => 1000 + i * 7919);

describe('engine against a naive reference (random networks)', () => {
  it.each(SEEDS)('seed %i: volumes, ranks inputs, every component', (seed) => {
    const w = randomWorld(seed);
    const r = computePeriod({ ...w, period: PERIOD });
    const ref = reference(w);
    const n = w.members.count;
    expect([...r.pv]).toEqual(ref.pv);
    expect([...r.cv]).toEqual(ref.cv);
    expect([...r.gv]).toEqual(ref.gv);
    expect([...r.gcv]).toEqual(ref.gcv);
    if (r.customerPv) expect([...r.customerPv]).toEqual(ref.customerPv);
    else expect(w.plan.ranks!.every((k) => k.minCustomerVolumePercent === undefined)).toBe(true);
    const p = w.plan;
    const M = w.members;
    const statusOk = (m: number) => M.status[m] === STATUS_ACTIVE;
    const active = (m: number) => statusOk(m) && ref.pv[m] >= p.activePv;
    expect([...r.active]).toEqual(Array.from({ length: n }, (_, m) => (active(m) ? 1 : 0)));
    const rank = (m: number) => r.paidAsRank[m]; // ranks are checked separately below
    const rankIdx = (id: string | null | undefined) => (id ? p.ranks!.findIndex((x) => x.id === id) : -1);

    // Unilevel: walk up from each buyer.
    const uni = p.unilevel!;
    const uniSums = new Map<string, number>();
    for (let m = 0; m < n; m++) {
      if (ref.cv[m] === 0) continue;
      let k = 1;
      for (const a of ref.ancestors(m, (x) => M.sponsor[x])) {
        if (k > uni.levels.length) break;
        const ok = active(a) && rank(a) >= rankIdx(uni.minRankForLevel?.[k - 1]);
        if (ok) uniSums.set(`${a}/${k}`, (uniSums.get(`${a}/${k}`) ?? 0) + ref.cv[m]);
        if (ok || !uni.compression) k++;
      }
    }
    const uniEarned = new Array(n).fill(0);
    for (const [key, v] of uniSums) {
      const [a, k] = key.split('/').map(Number);
      const amt = applyBp(uni.levels[k - 1], v);
      ref.add(a, `unilevel:L${k}`, amt);
      uniEarned[a] += amt;
    }

    // Binary: leg CV by walking up the placement tree; qualification by walking up from each enrollee.
    const bin = p.binary!;
    const pParent = (x: number) => M.placementParent![x];
    const leg = [new Array(n).fill(0), new Array(n).fill(0)];
    const qual = [new Array(n).fill(false), new Array(n).fill(false)];
    for (let m = 0; m < n; m++) {
      let child = m;
      for (const a of ref.ancestors(m, pParent)) {
        leg[M.placementPosition![child]][a] += ref.cv[m];
        if (a === M.sponsor[m] && active(m)) qual[M.placementPosition![child]][a] = true;
        child = a;
      }
    }
    const ids = (p.ranks ?? []).map((x) => x.id);
    for (let x = 0; x < n; x++) {
      const L = M.carryInLeft![x] + leg[0][x];
      const R = M.carryInRight![x] + leg[1][x];
      expect([r.binary!.legLeft[x], r.binary!.legRight[x]]).toEqual([L, R]);
      const paid = active(x) && qual[0][x] && qual[1][x];
      expect(r.binary!.state[x] === BINARY_PAID).toBe(paid);
      const maxCarry = bin.maxCarry ?? Infinity;
      if (!active(x)) expect([r.binary!.carryOutLeft[x], r.binary!.carryOutRight[x]]).toEqual([0, 0]);
      else {
        const pair = paid ? Math.max(0, Math.min(L, R)) : 0;
        expect(r.binary!.carryOutLeft[x]).toBe(Math.min(L - pair, maxCarry));
        expect(r.binary!.carryOutRight[x]).toBe(Math.min(R - pair, maxCarry));
        if (paid && pair > 0) {
          let cap = bin.capUnranked ?? Infinity;
          for (let q = 0; q <= rank(x); q++) cap = bin.capByRank?.[ids[q]] ?? cap;
          ref.add(x, 'binary:pair', Math.min(applyBp(bin.bp, pair), cap));
        }
      }
    }

    // Matrix: placement depth k above each buyer.
    const mx = p.matrix!;
    const mxSums = new Map<string, number>();
    for (let m = 0; m < n; m++)
      ref.ancestors(m, pParent).forEach((a, i) => {
        if (i < mx.levels.length && active(a) && ref.cv[m] !== 0)
          mxSums.set(`${a}/${i + 1}`, (mxSums.get(`${a}/${i + 1}`) ?? 0) + ref.cv[m]);
      });
    for (const [key, v] of mxSums) {
      const [a, k] = key.split('/').map(Number);
      ref.add(a, `matrix:L${k}`, applyBp(mx.levels[k - 1], v));
    }

    // Stairstep: groups by recursion, breakaway at the top bracket.
    const st = p.stairstep!;
    const top = st.brackets.length - 1;
    const bracketOf = (gpv: number) => {
      let b = -1;
      for (let i = 0; i <= top; i++) if (gpv >= st.brackets[i].minGroupPv) b = i;
      return b;
    };
    const gpv = new Array(n).fill(0);
    const gcvS = new Array(n).fill(0);
    const group = (x: number): void => {
      gpv[x] = ref.pv[x];
      gcvS[x] = ref.cv[x];
      for (const c of ref.sponsorChildren[x]) {
        group(c);
        if (bracketOf(gpv[c]) !== top) {
          gpv[x] += gpv[c];
          gcvS[x] += gcvS[c];
        }
      }
    };
    for (let m = 0; m < n; m++) if (M.sponsor[m] < 0) group(m);
    const bpOf = (x: number) => (bracketOf(gpv[x]) >= 0 ? st.brackets[bracketOf(gpv[x])].bp : 0);
    const leader = (x: number) => bracketOf(gpv[x]) === top;
    for (let x = 0; x < n; x++) {
      if (!statusOk(x)) continue;
      ref.add(x, 'stairstep:own', applyBp(bpOf(x), ref.cv[x]));
      for (const c of ref.sponsorChildren[x])
        if (!leader(c)) ref.add(x, `stairstep:child:${c}`, applyBp(bpOf(x) - bpOf(c), gcvS[c]));
    }
    const leadSums = new Map<string, number>();
    for (let b = 0; b < n; b++) {
      if (!leader(b)) continue;
      let g = 1;
      for (const a of ref.ancestors(b, (x) => M.sponsor[x])) {
        if (!leader(a)) continue;
        if (g <= st.overrides.length && statusOk(a))
          leadSums.set(`${a}/${g}`, (leadSums.get(`${a}/${g}`) ?? 0) + gcvS[b]);
        g++;
      }
    }
    for (const [key, v] of leadSums) {
      const [a, g] = key.split('/').map(Number);
      ref.add(a, `leadership:G${g}`, applyBp(st.overrides[g - 1], v));
    }

    // Fast start and matching: plain levels, no compression.
    const plainLevels = (
      seeds: number[],
      rates: number[],
      prefix: string,
      ok: (a: number, k: number) => boolean,
    ) => {
      const sums = new Map<string, number>();
      for (let m = 0; m < n; m++) {
        if (seeds[m] === 0) continue;
        ref
          .ancestors(m, (x) => M.sponsor[x])
          .forEach((a, i) => {
            if (i < rates.length && ok(a, i + 1))
              sums.set(`${a}/${i + 1}`, (sums.get(`${a}/${i + 1}`) ?? 0) + seeds[m]);
          });
      }
      for (const [key, v] of sums) {
        const [a, k] = key.split('/').map(Number);
        ref.add(a, `${prefix}${k}`, applyBp(rates[k - 1], v));
      }
    };
    plainLevels(ref.fs, p.fastStart!.levels, 'fastStart:L', (a) => active(a));
    const mt = p.matching!;
    plainLevels(
      uniEarned,
      mt.levels,
      'matching:G',
      (a, g) => statusOk(a) && rank(a) >= rankIdx(mt.minRank[g - 1]),
    );
    if (p.retail) for (let m = 0; m < n; m++) if (statusOk(m)) ref.add(m, 'retail', ref.retail[m]);

    for (const [k, v] of [...ref.lines]) if (v === 0) ref.lines.delete(k);
    expect(engineLines(r)).toEqual(ref.lines);
  });

  it.each(SEEDS.slice(0, 30))('seed %i: ranks pass their own tests and nothing higher passes', (seed) => {
    const w = randomWorld(seed);
    const r = computePeriod({ ...w, period: PERIOD });
    const ranks = w.plan.ranks!;
    const n = w.members.count;
    const children: number[][] = Array.from({ length: n }, () => []);
    for (let m = 0; m < n; m++) if (w.members.sponsor[m] >= 0) children[w.members.sponsor[m]].push(m);
    const subtreeMax = (x: number): number => Math.max(r.paidAsRank[x], ...children[x].map(subtreeMax));
    const refCustomer = reference(w).customerPv;
    const passes = (x: number, q: number) => {
      const rk = ranks[q];
      if (r.pv[x] < rk.minPv) return false;
      // Customer share as the spec words it: 100 × customer QV ≥ pct × PV, and PV > 0.
      if (rk.minCustomerVolumePercent !== undefined) {
        const customer = refCustomer[x];
        if (!(r.pv[x] > 0 && 100 * customer >= rk.minCustomerVolumePercent * r.pv[x] - 1e-9)) return false;
      }
      if (rk.minRetailCustomers !== undefined && w.members.retailCustomers![x] < rk.minRetailCustomers)
        return false;
      const capped = rk.maxLegPercent
        ? r.pv[x] +
          children[x].reduce((s, c) => s + Math.min(r.gv[c], (rk.maxLegPercent! * rk.minGv) / 100), 0)
        : r.gv[x];
      if (capped < rk.minGv - 1e-9) return false;
      if (rk.legs) {
        const q2 = ranks.findIndex((k) => k.id === rk.legs!.rank);
        if (children[x].filter((c) => subtreeMax(c) >= q2).length < rk.legs.count) return false;
      }
      return true;
    };
    for (let x = 0; x < n; x++) {
      const forced = w.members.forcedRank![x];
      let expected = -1;
      for (let q = ranks.length - 1; q >= 0 && expected < 0; q--) if (passes(x, q)) expected = q;
      expect(r.paidAsRank[x]).toBe(forced >= 0 ? forced : expected);
      expect(r.lifetimeRank[x]).toBe(Math.max(r.paidAsRank[x], w.members.lifetimeRankBefore![x]));
    }
  });
});

describe('invariants (random networks)', () => {
  it.each(SEEDS)(
    'seed %i: components sum to totals; inactive members earn nothing; money adds up',
    (seed) => {
      const w = randomWorld(seed);
      const r = computePeriod({ ...w, period: PERIOD });
      const n = w.members.count;
      const perMember = new Array(n).fill(0);
      const perMemberBefore = new Array(n).fill(0);
      let count = 0;
      const byBonus: Record<string, number> = {};
      for (const l of allLines(r, 17)) {
        perMember[l.earner] += l.amount;
        perMemberBefore[l.earner] += l.beforeCap;
        byBonus[l.bonus] = (byBonus[l.bonus] ?? 0) + l.amount;
        count++;
        expect(w.members.status[l.earner]).toBe(STATUS_ACTIVE);
        if (['unilevel', 'binary', 'matrix', 'fastStart'].includes(l.bonus))
          expect(r.active[l.earner]).toBe(1);
        expect(l.beforeCap).toBe(
          l.bonus === 'retail' ? l.volume : l.bonus === 'binary' ? l.beforeCap : applyBp(l.bp, l.volume),
        );
        if (r.totals.capApplied) expect(Math.abs(l.amount)).toBeLessThanOrEqual(Math.abs(l.beforeCap));
        else expect(l.amount).toBe(l.beforeCap);
      }
      expect(count).toBe(r.totals.lines);
      expect([...r.total]).toEqual(perMember);
      expect(perMemberBefore.reduce((a, b) => a + b, 0)).toBe(r.totals.beforeCap);
      expect(perMember.reduce((a, b) => a + b, 0)).toBe(r.totals.total);
      for (const [b, v] of Object.entries(r.totals.byBonus)) expect(v).toBe(byBonus[b] ?? 0);
      if (r.totals.capApplied) expect(r.totals.total).toBeLessThanOrEqual(r.totals.capLimit!);
      // GV = PV + Σ children's GV.
      const childGv = new Array(n).fill(0);
      for (let m = 0; m < n; m++) if (w.members.sponsor[m] >= 0) childGv[w.members.sponsor[m]] += r.gv[m];
      for (let m = 0; m < n; m++) expect(r.gv[m]).toBe(r.pv[m] + childGv[m]);
      // Balance: in + total = payout + out; payouts only to ACTIVE members with >= minPayout.
      for (let m = 0; m < n; m++) {
        expect(r.payout[m] + r.balanceOut[m]).toBe(w.members.balanceIn![m] + r.total[m]);
        if (r.payout[m] !== 0)
          expect(r.payout[m]).toBeGreaterThanOrEqual(Math.max(1, w.plan.payout.minPayout));
      }
    },
  );

  it.each(SEEDS.slice(0, 20))('seed %i: a plan with all rates zero pays nothing', (seed) => {
    const w = randomWorld(seed, { zeroRates: true });
    const r = computePeriod({ ...w, period: PERIOD });
    expect(r.totals.lines).toBe(0);
    expect([...r.total].every((t) => t === 0)).toBe(true);
  });

  it.each(SEEDS.slice(0, 20))(
    'seed %i: lines fed in chunks and read in any chunk size give the same result',
    (seed) => {
      const w = randomWorld(seed);
      const whole = computePeriod({ ...w, period: PERIOD });
      const engine = new PeriodEngine(w.plan, w.members, PERIOD);
      const L = w.lines;
      for (let s = 0; s < L.count; s += 37) {
        const e = Math.min(L.count, s + 37);
        engine.addLines({
          count: e - s,
          member: L.member.subarray(s, e),
          qv: L.qv.subarray(s, e),
          cv: L.cv.subarray(s, e),
          kind: L.kind.subarray(s, e),
          at: L.at.subarray(s, e),
          orderAt: L.orderAt!.subarray(s, e),
          retailProfit: L.retailProfit!.subarray(s, e),
          starterKit: L.starterKit!.subarray(s, e),
        });
      }
      const chunked = engine.finish();
      expect([...chunked.total]).toEqual([...whole.total]);
      expect(allLines(chunked, 1)).toEqual(allLines(whole, 100_000));
      expect(chunked.totals).toEqual(whole.totals);
    },
  );

  it.each(SEEDS.slice(0, 20))(
    'seed %i: moving volume between legs changes binary pay as the weak-leg rule says',
    (seed) => {
      const w = randomWorld(seed);
      const base = computePeriod({ ...w, period: PERIOD });
      // Find a paid earner x and one in-period volume line in each leg.
      const M = w.members;
      const inLeg = (m: number, x: number) => {
        let child = m;
        for (let a = M.placementParent![m]; a >= 0; a = M.placementParent![a]) {
          if (a === x) return M.placementPosition![child];
          child = a;
        }
        return -1;
      };
      const L = w.lines;
      const compiled = compilePlan(w.plan);
      let checked = 0;
      for (let x = 0; x < M.count; x++) {
        if (base.binary!.state[x] !== BINARY_PAID) continue;
        const iLine = [-1, -1];
        for (let i = 0; i < L.count; i++) {
          if (L.at[i] < START || L.at[i] >= END || L.starterKit![i] === 1) continue;
          const side = inLeg(L.member[i], x);
          if (side >= 0 && iLine[side] < 0) iLine[side] = i;
        }
        if (iLine[0] < 0 || iLine[1] < 0) continue;
        // Move δ CV from the left line to the right line (QV unchanged: ranks and activity stay the same).
        const delta = 777;
        const moved = { ...L, cv: L.cv.slice() };
        moved.cv[iLine[0]] -= delta;
        moved.cv[iLine[1]] += delta;
        const r = computePeriod({ ...w, lines: moved, period: PERIOD });
        const Lb = base.binary!.legLeft[x];
        const Rb = base.binary!.legRight[x];
        expect([r.binary!.legLeft[x], r.binary!.legRight[x]]).toEqual([Lb - delta, Rb + delta]);
        expect(r.paidAsRank[x]).toBe(base.paidAsRank[x]);
        // Weak-leg rule: the pair is the weaker leg after the move; it grows by δ while the left leg stays the
        // stronger one, and follows the (now weaker) left leg otherwise.
        const pair = Math.max(0, Math.min(Lb - delta, Rb + delta));
        if (Lb - delta >= Rb + delta) expect(pair).toBe(Math.max(0, Rb + delta));
        const pay = (res: PeriodResult) =>
          allLines(res).find((l) => l.earner === x && l.bonus === 'binary')?.beforeCap ?? 0;
        expect(pay(r)).toBe(binaryPay(compiled, pair, r.paidAsRank[x]));
        expect(pay(base)).toBe(binaryPay(compiled, Math.max(0, Math.min(Lb, Rb)), base.paidAsRank[x]));
        if (++checked === 5) break;
      }
    },
  );

  it('component keys name each part', () => {
    const w = randomWorld(42);
    const keys = new Set(allLines(computePeriod({ ...w, period: PERIOD })).map((l) => l.key.split(':')[0]));
    expect(keys.size).toBeGreaterThan(3);
    expect(componentKey(4, 0, 12)).toBe('stairstep:child:12');
  });
});
