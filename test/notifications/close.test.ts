import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { moveOrdersToPeriod, planInForce } from '../commissions/helpers';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { createCustomer, createProduct, order, pay } from '../orders/helpers';
import { notificationsOf, rows } from './helpers';

// Issue 12 §7 at the period close: the statement-ready and rank-advancement notifications are written by the
// commit, in its batch (not before: a period in review notifies no one; a refused second commit adds none).

const last = previousPeriod(monthInZone(new Date(), 'Europe/Copenhagen'));
let admin: string;
let root: number;
let a: number;
let b: number;

async function periodMutation(name: string) {
  const input = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  return (
    await gqlOk(
      `mutation($input: ${input}!) { ${name}(input: $input) { __typename ... on ConflictError { code } } }`,
      { input: { period: last } },
      admin,
    )
  )[name];
}

async function waitForReview() {
  for (let i = 0; i < 150; i++) {
    const s = await env.DB.prepare('SELECT status FROM commission_period WHERE id = ?')
      .bind(last)
      .first<string>('status');
    if (s === 'REVIEW') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the period never reached REVIEW');
}

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, a);
  const shake = await createProduct(admin, 'SHAKE-N', { qv: 120, cv: 10000 });
  const ids: number[] = [];
  for (const id of [root, a, b]) ids.push(await order(await distributorToken(id), [[shake, 1]]));
  const customer = await createCustomer(await distributorToken(a));
  ids.push(await order(await distributorToken(a), [[shake, 1]], { customer }));
  for (const id of ids) await pay(admin, id);
  await moveOrdersToPeriod(last);
  await planInForce(admin, 'Unilevel', EXAMPLE_PLANS.unilevelRanks);
});

describe('period commit', () => {
  it('statement ready for each member with a statement, rank advancement for each sponsor, once', async () => {
    expect((await periodMutation('startPeriodClose')).__typename).toBe('MutationStartPeriodCloseSuccess');
    await waitForReview();
    // In review: nothing yet.
    expect(await rows("kind IN ('STATEMENT_READY', 'RANK_ADVANCED')")).toEqual([]);
    // Who advances: everyone reaches CONSULTANT (120 PV), a first lifetime rank.
    const advancing = (
      await env.DB.prepare(
        `SELECT r.distributor_id, d.sponsor_id FROM period_result r JOIN distributor d ON d.id = r.distributor_id
         WHERE r.period_id = ? AND r.lifetime_rank IS NOT NULL AND d.lifetime_rank_id IS NOT r.lifetime_rank
         ORDER BY r.distributor_id`,
      )
        .bind(last)
        .all<{ distributor_id: number; sponsor_id: number | null }>()
    ).results;
    expect(advancing.map((x) => x.distributor_id)).toEqual([root, a, b]);

    expect((await periodMutation('commitPeriod')).__typename).toBe('MutationCommitPeriodSuccess');
    const statements = (await rows("kind = 'STATEMENT_READY'")).sort(
      (x, y) => x.distributor_id - y.distributor_id,
    );
    expect(statements.map((n) => [n.distributor_id, n.subject_id, JSON.parse(n.payload).total])).toEqual([
      [root, last, 1500],
      [a, last, 8000],
    ]);
    // The root has no sponsor: a hears of b, the root of a.
    const ranks = (await rows("kind = 'RANK_ADVANCED'")).sort(
      (x, y) => Number(x.subject_id) - Number(y.subject_id),
    );
    expect(ranks.map((n) => [n.distributor_id, Number(n.subject_id), JSON.parse(n.payload).rankId])).toEqual(
      [
        [root, a, 'CONSULTANT'],
        [a, b, 'CONSULTANT'],
      ].sort((x, y) => (x[1] as number) - (y[1] as number)),
    );

    // A second commit is refused and writes nothing.
    expect(await periodMutation('commitPeriod')).toMatchObject({
      __typename: 'ConflictError',
      code: 'NOT_IN_REVIEW',
    });
    expect(await rows("kind IN ('STATEMENT_READY', 'RANK_ADVANCED')")).toHaveLength(4);

    // Through the API: a sees the statement (its period's global id) and b's advancement.
    const seen = (await notificationsOf(await distributorToken(a))).edges.map((e) => e.node);
    expect(seen).toContainEqual(
      expect.objectContaining({ kind: 'STATEMENT_READY', subjectId: globalId('CommissionPeriod', last) }),
    );
    expect(seen).toContainEqual(
      expect.objectContaining({ kind: 'RANK_ADVANCED', subjectId: globalId('Distributor', b) }),
    );
  });
});
