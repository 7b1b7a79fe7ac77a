import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { PeriodEngine, type PeriodResult } from '../../src/modules/commissions/engine';
import { loadPeriodMembers } from '../../src/modules/commissions/periods/inputs';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { readVolumeLines } from '../../src/modules/commissions/periods/volumeLines';
import { orderTotalsFor, readVolumeSums } from '../../src/modules/commissions/periods/volumeSums';
import type { CompiledPlan } from '../../src/modules/commissions/plan';
import { compilePlan } from '../../src/modules/commissions/plan';
import type { Plan } from '../../src/modules/commissions/plan/schema';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { adminToken, distributorToken, enroll } from '../helpers';
import { createCustomer, createProduct, order, pay, refund } from '../orders/helpers';

// The close sums each member's paid order lines in SQL (readVolumeSums) instead of reading every line
// (readVolumeLines): both must give the engine the same volumes, fast start around its window edges included.

const TZ = 'Europe/Copenhagen';
const last = previousPeriod(monthInZone(new Date(), TZ));
const DAY = 86_400_000;
const monthStart = Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5)) - 1, 1);
const day = (d: number, h = 12) => new Date(monthStart + (d - 1) * DAY + h * 3_600_000).toISOString();

// Every plan part that reads volume lines: retail profit, customer PV (ranks), fast start, kits without volume.
const plan = compilePlan({
  ...EXAMPLE_PLANS.binaryFastStart,
  retail: true,
  starterKitsCarryVolume: false,
  fastStart: { windowDays: 25, levels: [1000, 500, 250] },
} as Plan);

const members: number[] = [];
const orderIds: { id: number; member: number; paidAt: string }[] = [];

beforeAll(async () => {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  members.push(root);
  for (let i = 0; i < 6; i++) members.push(await enroll(admin, members[Math.floor(i / 2)]));
  const shake = await createProduct(admin, 'SUM-SHAKE', { qv: 120, cv: 10000 });
  const kit = await createProduct(admin, 'SUM-KIT', { qv: 50, cv: 3000, kit: true });
  // Each member: personal orders on days 2, 9 and 20, a customer order on day 15; member 1 also buys a kit.
  for (const [k, member] of members.entries()) {
    const token = await distributorToken(member);
    const customer = await createCustomer(token);
    for (const [d, opts, lines] of [
      [2, {}, [[shake, 1]]],
      [9, {}, [[shake, 2]]],
      [
        20,
        {},
        k === 1
          ? [
              [shake, 1],
              [kit, 1],
            ]
          : [[shake, 1]],
      ],
      [15, { customer }, [[shake, 3]]],
    ] as const) {
      const id = await order(token, lines as unknown as [number, number][], opts);
      await pay(admin, id);
      orderIds.push({ id, member, paidAt: day(d) });
    }
  }
  // One refund of part of an order (a negative line).
  await refund(admin, orderIds[5].id, undefined);
  // Into the closed month, each order on its day; join instants around the 25-day fast-start windows: members 0
  // and 1 long ago and member 6 now (all orders outside), member 2 at the start of day 1 (all inside), member 3
  // on day 10 (days 15 and 20 inside, 2 and 9 before: its groups cross the edge), member 4 twenty days before
  // the month (day 2 inside), member 5 exactly at its first order's instant (the edge itself).
  const stmts = orderIds.map((o) =>
    env.DB.prepare('UPDATE sales_order SET period = ?, paid_at = ? WHERE id = ?').bind(last, o.paidAt, o.id),
  );
  const joined = [
    '2019-01-01T00:00:00.000Z',
    '2019-01-01T00:00:00.000Z',
    day(1, 0),
    day(10),
    day(-20),
    day(2),
  ];
  for (const [k, at] of joined.entries())
    stmts.push(env.DB.prepare('UPDATE distributor SET joined_at = ? WHERE id = ?').bind(at, members[k]));
  stmts.push(env.DB.prepare('UPDATE refund SET period = ?').bind(last));
  await env.DB.batch(stmts);
}, 60_000);

// The same plan without retail (CUSTOMER orders summed from their rows too) and with kits carrying volume (every
// order's lines summed): readVolumeSums reads each one's orders differently (orderTotalsFor).
const noRetail = compilePlan({
  ...EXAMPLE_PLANS.binaryFastStart,
  retail: false,
  starterKitsCarryVolume: false,
  fastStart: { windowDays: 25, levels: [1000, 500, 250] },
} as Plan);
const kitsCarry = compilePlan({
  ...EXAMPLE_PLANS.binaryFastStart,
  retail: true,
  starterKitsCarryVolume: true,
  fastStart: { windowDays: 25, levels: [1000, 500, 250] },
} as Plan);

async function compute(
  read: 'sums' | 'lines',
  p: CompiledPlan = plan,
): Promise<{ r: PeriodResult; lines: string }> {
  const { ids, members: m, bounds } = await loadPeriodMembers(env.DB, last, p);
  const engine = new PeriodEngine(p, m, bounds);
  const feed = (chunk: Parameters<PeriodEngine['addLines']>[0]) => engine.addLines(chunk);
  if (read === 'sums')
    await readVolumeSums(
      env.DB,
      last,
      bounds,
      ids,
      { windowMs: p.fastStart!.windowMs, joinedAt: m.joinedAt! },
      feed,
      orderTotalsFor(p),
    );
  else await readVolumeLines(env.DB, last, bounds, ids, feed);
  const r = engine.finish();
  const lines = [...r.lines(1000)].map((c) => JSON.stringify(c));
  return { r, lines: lines.join('\n') };
}

describe('volume sums', () => {
  it('give the engine what the lines give it: volumes, fast start, retail, kits, refunds', async () => {
    const sums = await compute('sums');
    const lines = await compute('lines');
    expect(sums.r.totals).toEqual(lines.r.totals);
    for (const k of ['pv', 'cv', 'gv', 'customerPv', 'fastStartCv', 'total', 'payout', 'paidAsRank'] as const)
      expect(Array.from((sums.r[k] ?? []) as ArrayLike<number>), k).toEqual(
        Array.from((lines.r[k] ?? []) as ArrayLike<number>),
      );
    expect(sums.lines).toBe(lines.lines);
    // The case is not empty: fast start paid on some members and not on others, retail and a refund counted.
    const fast = [...lines.r.fastStartCv!];
    expect(fast.some((v) => v > 0)).toBe(true);
    expect(fast.some((v, i) => v === 0 && lines.r.cv[i] > 0)).toBe(true);
    expect(lines.r.totals.byBonus.retail).toBeGreaterThan(0);
  });

  it("summed from the orders' own rows where the plan allows it, the same again", async () => {
    expect([orderTotalsFor(plan), orderTotalsFor(noRetail), orderTotalsFor(kitsCarry)]).toEqual([
      'personal',
      'all',
      'none',
    ]);
    for (const p of [noRetail, kitsCarry]) {
      const sums = await compute('sums', p);
      const lines = await compute('lines', p);
      expect(sums.r.totals).toEqual(lines.r.totals);
      for (const k of ['pv', 'cv', 'customerPv', 'fastStartCv', 'total'] as const)
        expect(Array.from((sums.r[k] ?? []) as ArrayLike<number>), k).toEqual(
          Array.from((lines.r[k] ?? []) as ArrayLike<number>),
        );
      expect(sums.lines).toBe(lines.lines);
    }
    // The kit counts under kitsCarry and not under the others: the three cases are not the same case.
    const [a, b] = [await compute('lines', noRetail), await compute('lines', kitsCarry)];
    expect(b.r.totals.totalCv).toBeGreaterThan(a.r.totals.totalCv);
  });

  it('read line by line only the members whose orders cross a fast-start window edge', async () => {
    const { ids, members: m, bounds } = await loadPeriodMembers(env.DB, last, plan);
    const counts = await readVolumeSums(
      env.DB,
      last,
      bounds,
      ids,
      { windowMs: plan.fastStart!.windowMs, joinedAt: m.joinedAt! },
      () => {},
    );
    // Members 3, 4 and 5; the others' groups are all inside or all outside their window (summed).
    expect(counts.detailMembers).toBe(3);
    expect(counts.sums).toBeGreaterThan(0);
    // Without fast start nobody is read line by line; only the refund's lines are.
    const plain = await readVolumeSums(env.DB, last, bounds, ids, null, () => {});
    expect(plain.detailMembers).toBe(0);
    expect(plain.lines).toBe(1);
  });
});
