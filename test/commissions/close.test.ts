import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { computeClosingPeriod } from '../../src/modules/commissions/periods/compute';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { EXAMPLE_PLANS } from '../../src/modules/commissions/plans/examples';
import { adminToken, distributorToken, enroll, globalId, gql, gqlOk, localId } from '../helpers';
import { createCustomer, createProduct, order, pay, refund } from '../orders/helpers';
import { moveOrdersToPeriod, planInForce } from './helpers';

const TZ = 'Europe/Copenhagen';
const current = monthInZone(new Date(), TZ);
const last = previousPeriod(current);

let admin: string;
let root: number;
let a: number;
let b: number;
const orderIds: number[] = [];

const PERIOD = `query($p: String!) { commissionPeriod(period: $p) { period status run memberCount progress { step done total }
  totals { totalCv total payout carried capApplied byBonus { bonus amount } } } }`;

async function periodState() {
  return (await gqlOk(PERIOD, { p: last }, admin)).commissionPeriod;
}

async function waitForStatus(status: string) {
  for (let i = 0; i < 100; i++) {
    const p = await periodState();
    if (p?.status === status) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`period never reached ${status}: ${JSON.stringify(await periodState())}`);
}

async function mutatePeriod(name: string) {
  const input = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  return (
    await gqlOk(
      `mutation($input: ${input}!) { ${name}(input: $input) { __typename ... on Error { message } ... on ConflictError { code }
        ... on Mutation${input.replace(/Input$/, 'Success')} { period { status } } } }`,
      { input: { period: last } },
      admin,
    )
  )[name];
}

async function dump() {
  const results = await env.DB.prepare(
    'SELECT * FROM period_result WHERE period_id = ? ORDER BY distributor_id',
  )
    .bind(last)
    .all();
  const lines = await env.DB.prepare(
    'SELECT * FROM commission_line WHERE period_id = ? ORDER BY distributor_id, bonus, level, source_id',
  )
    .bind(last)
    .all();
  return JSON.stringify([results.results, lines.results]);
}

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, a);
  const shake = await createProduct(admin, 'SHAKE', { qv: 120, cv: 10000 });
  // Personal orders of 120 QV / 10,000 CV each; A also sells one unit to a customer (retail 29,900, wholesale 22,400).
  for (const id of [root, a, b]) orderIds.push(await order(await distributorToken(id), [[shake, 1]]));
  const customer = await createCustomer(await distributorToken(a));
  orderIds.push(await order(await distributorToken(a), [[shake, 1]], { customer }));
  for (const id of orderIds) await pay(admin, id);
  // Arrange: these payments belong to last month (the only way to have a period that has ended).
  await moveOrdersToPeriod(last);
  await planInForce(admin, 'Unilevel', EXAMPLE_PLANS.unilevelRanks);
});

describe('period close', () => {
  it('refuses an invalid plan with every issue and its path', async () => {
    const bad = { ...EXAMPLE_PLANS.unilevelRanks, unilevel: { levels: [500, -1], compression: 'yes' } };
    const r = await gqlOk(
      `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { __typename
        ... on ValidationError { issues { path message } } } }`,
      { input: { name: 'Bad', plan: bad } },
      admin,
    );
    expect(r.createPlanVersion.__typename).toBe('ValidationError');
    expect(r.createPlanVersion.issues.map((i: any) => i.path).sort()).toEqual([
      'unilevel.compression',
      'unilevel.levels.1',
    ]);
  });

  it('runs OPEN → CLOSING → REVIEW through the real queue, with the results worked by hand', async () => {
    expect(await mutatePeriod('startPeriodClose')).toMatchObject({ period: { status: 'CLOSING' } });
    expect(await mutatePeriod('startPeriodClose')).toMatchObject({
      __typename: 'ConflictError',
      code: 'ALREADY_CLOSING',
    });
    const p = await waitForStatus('REVIEW');
    expect(p).toMatchObject({ memberCount: 3, progress: { step: 'done' } });
    // CV: root 10,000; A 10,000 personal + 10,000 customer = 20,000; B 10,000. Total 40,000.
    // Unilevel (5 % on levels 1-2; level 3+ needs SENIOR, which nobody reaches with GV 240-360 < 1,000):
    //   A earns 5 % of B's 10,000 = 500; root earns 5 % of A's 20,000 = 1,000 + 5 % of B's 10,000 = 500 → 1,500.
    // Retail: A's customer unit, 29,900 − 22,400 = 7,500 to A. Matching needs MANAGER: nobody.
    // Totals: A 8,000 (≥ minPayout 2,000: paid), root 1,500 (< 2,000: carried), B 0. Cap 55 % of 40,000 = 22,000: not hit.
    expect(p.totals).toMatchObject({
      totalCv: 40000,
      total: 9500,
      payout: 8000,
      carried: 1500,
      capApplied: false,
    });
    const stmt = async (id: number, token = admin) =>
      (
        await gqlOk(
          `query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) { total payout balanceOut paidAsRank
            lines { component volume rateBasisPoints amount } } } }`,
          { id: globalId('Distributor', id), p: last },
          token,
        )
      ).distributor.statement;
    expect(await stmt(a)).toEqual({
      total: 8000,
      payout: 8000,
      balanceOut: 0,
      paidAsRank: 'CONSULTANT',
      lines: [
        { component: 'retail', volume: 7500, rateBasisPoints: 10000, amount: 7500 },
        { component: 'unilevel:L1', volume: 10000, rateBasisPoints: 500, amount: 500 },
      ],
    });
    expect((await stmt(root)).lines).toEqual([
      { component: 'unilevel:L1', volume: 20000, rateBasisPoints: 500, amount: 1000 },
      { component: 'unilevel:L2', volume: 10000, rateBasisPoints: 500, amount: 500 },
    ]);
    // A distributor does not see statements before the commit, and never anyone else's.
    expect(await stmt(a, await distributorToken(a))).toBeNull();
  });

  it('a refund of a frozen period’s order is a clawback in the open period; the snapshot does not change', async () => {
    const before = await dump();
    const r = await refund(admin, orderIds[2]);
    expect(r.order.refunds[0]).toMatchObject({ clawback: true, period: current });
    expect(await dump()).toBe(before);
  });

  it('computing again — a redelivered message, or a crash halfway — gives byte-identical results', async () => {
    const first = await dump();
    const { run } = (await env.DB.prepare('SELECT run FROM commission_period WHERE id = ?')
      .bind(last)
      .first<{ run: number }>())!;
    // As if the compute message were in flight: a crashed attempt left half of the rows behind.
    await env.DB.batch([
      env.DB.prepare("UPDATE commission_period SET status = 'CLOSING' WHERE id = ?").bind(last),
      env.DB.prepare('DELETE FROM commission_line WHERE period_id = ? AND distributor_id = ?').bind(
        last,
        root,
      ),
    ]);
    expect(await computeClosingPeriod(env.DB, last, run)).toBe(true);
    expect(await dump()).toBe(first);
    // Delivered again after it finished: nothing happens.
    expect(await computeClosingPeriod(env.DB, last, run)).toBe(false);
    // A recompute through the API is a new run over the same snapshot, with the same results.
    expect(await mutatePeriod('recomputePeriod')).toMatchObject({ period: { status: 'CLOSING' } });
    const p = await waitForStatus('REVIEW');
    expect(p.run).toBe(run + 1);
    expect(await dump()).toBe(first);
  });

  it('commits into the append-only ledger once, then pays', async () => {
    expect(await mutatePeriod('markPeriodPaid')).toMatchObject({
      __typename: 'ConflictError',
      code: 'NOT_COMMITTED',
    });
    expect(await mutatePeriod('commitPeriod')).toMatchObject({ period: { status: 'COMMITTED' } });
    expect(await mutatePeriod('commitPeriod')).toMatchObject({
      __typename: 'ConflictError',
      code: 'NOT_IN_REVIEW',
    });
    expect(await mutatePeriod('recomputePeriod')).toMatchObject({ __typename: 'ConflictError' });
    const ledger = await env.DB.prepare(
      "SELECT distributor_id, amount FROM ledger_entry WHERE kind = 'COMMISSION' ORDER BY distributor_id",
    ).all();
    expect(ledger.results).toEqual([
      { distributor_id: root, amount: 1500 },
      { distributor_id: a, amount: 8000 },
    ]);
    // Now the distributor sees their own statement.
    const own = await gqlOk(
      `query($id: ID!, $p: String!) { distributor(id: $id) { statement(period: $p) { total } balance } }`,
      { id: globalId('Distributor', a), p: last },
      await distributorToken(a),
    );
    expect(own.distributor).toEqual({ statement: { total: 8000 }, balance: 8000 });
    expect(await mutatePeriod('markPeriodPaid')).toMatchObject({ period: { status: 'PAID' } });
    const balances = await env.DB.prepare(
      'SELECT distributor_id, sum(amount) AS b FROM ledger_entry GROUP BY distributor_id ORDER BY distributor_id',
    ).all();
    // A was paid out in full; root's 1,500 stays as balance for the next period.
    expect(balances.results).toEqual([
      { distributor_id: root, b: 1500 },
      { distributor_id: a, b: 0 },
    ]);
  });

  it('exports the payout batch as CSV and as a SEPA pain.001 file', async () => {
    const profile = await gqlOk(
      `mutation($input: UpdateDistributorProfileInput!) { updateDistributorProfile(input: $input) { __typename
        ... on ValidationError { issues { path } } } }`,
      {
        input: {
          id: globalId('Distributor', a),
          firstName: 'Łukasz',
          lastName: 'Wiśniewski',
          iban: 'DE89 3704 0044 0532 0130 01',
        },
      },
      admin,
    );
    expect(profile.updateDistributorProfile).toEqual({
      __typename: 'ValidationError',
      issues: [{ path: 'iban' }],
    });
    await gqlOk(
      `mutation($input: UpdateDistributorProfileInput!) { updateDistributorProfile(input: $input) { __typename } }`,
      {
        input: {
          id: globalId('Distributor', a),
          firstName: 'Łukasz',
          lastName: 'Wiśniewski',
          iban: 'DE89 3704 0044 0532 0130 00',
          bic: 'COBADEFFXXX',
        },
      },
      admin,
    );
    const download = (path: string, token = admin) =>
      SELF.fetch(`http://localhost/payouts/${last}/${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await download('sepa.xml')).status).toBe(409); // no company account yet
    await gqlOk(
      `mutation { updateCompanySettings(input: { payoutDebtorName: "Demo Company ApS", payoutDebtorIban: "DK5000400440116243" }) { __typename } }`,
      {},
      admin,
    );
    const csv = await (await download('payouts.csv')).text();
    expect(csv.split('\r\n')[1]).toBe(
      `${last},${a},Łukasz Wiśniewski,${(await env.DB.prepare('SELECT email FROM distributor WHERE id = ?').bind(a).first<{ email: string }>())!.email},DE89370400440532013000,COBADEFFXXX,80.00,EUR`,
    );
    const res = await download('sepa.xml');
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('<NbOfTxs>1</NbOfTxs>');
    expect(xml).toContain('<CtrlSum>80.00</CtrlSum>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">80.00</InstdAmt>');
    expect(xml).toContain('<Nm>Lukasz Wisniewski</Nm>');
    expect(xml).toContain('<IBAN>DK5000400440116243</IBAN>');
    expect((await download('sepa.xml', await distributorToken(a))).status).toBe(403);
  });

  it('the payout files stay safe with hostile names (issue 9 §8)', async () => {
    await gqlOk(
      `mutation($input: UpdateDistributorProfileInput!) { updateDistributorProfile(input: $input) { __typename } }`,
      { input: { id: globalId('Distributor', a), firstName: '=HYPERLINK("http://x")', lastName: 'Ærø 😀' } },
      admin,
    );
    await gqlOk(
      `mutation($input: UpdateCompanySettingsInput!) { updateCompanySettings(input: $input) { __typename } }`,
      { input: { payoutDebtorName: `<&>"' Łódź` } },
      admin,
    );
    const download = (path: string) =>
      SELF.fetch(`http://localhost/payouts/${last}/${path}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
    const csv = await (await download('payouts.csv')).text();
    expect(csv.split('\r\n')[1]).toContain(`,${a},"'=HYPERLINK(""http://x"") Ærø 😀",`);
    const xml = await (await download('sepa.xml')).text();
    expect(xml).toContain('<Nm>HYPERLINK( http://x ) AEro</Nm>');
    expect(xml).toContain('<Nm>&apos; Lodz</Nm>');
    expect(xml).not.toContain('<&>');
  });

  it('what-if: the same period under a draft plan, compared per distributor and by rank, outside the ledger', async () => {
    const draftPlan = {
      ...EXAMPLE_PLANS.unilevelRanks,
      unilevel: {
        ...EXAMPLE_PLANS.unilevelRanks.unilevel,
        levels: [1000, 500, 400, 300, 300, 200, 100, 100],
      },
    };
    const created = await gqlOk(
      `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { ... on MutationCreatePlanVersionSuccess { planVersion { id } } } }`,
      { input: { name: 'Level 1 at 10 %', plan: draftPlan } },
      admin,
    );
    const ledgerBefore = await env.DB.prepare(
      'SELECT count(*) AS n, sum(amount) AS s FROM ledger_entry',
    ).first();
    const started = await gqlOk(
      `mutation($input: RunWhatIfInput!) { runWhatIf(input: $input) { __typename ... on MutationRunWhatIfSuccess { run { id status } } } }`,
      { input: { period: last, planVersionId: created.createPlanVersion.planVersion.id } },
      admin,
    );
    const runId = started.runWhatIf.run.id;
    let run: any;
    for (let i = 0; i < 100; i++) {
      run = (
        await gqlOk(
          `query($id: ID!) { node(id: $id) { ... on WhatIfRun { status error summary { baseTotal newTotal change winners losers
            totalCv basePercentOfCv newPercentOfCv byRank { rank members winners losers change } }
            differences(first: 10, direction: "DESC") { edges { node { distributor { id } baseTotal newTotal change } } } } } }`,
          { id: runId },
          admin,
        )
      ).node;
      if (run.status !== 'QUEUED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(run.status).toBe('DONE');
    // Level 1 doubles from 5 % to 10 %: A's 500 (from B's 10,000) → 1,000; root's 1,000 (from A's 20,000) → 2,000.
    expect(run.summary).toMatchObject({
      baseTotal: 9500,
      newTotal: 11000,
      change: 1500,
      winners: 2,
      losers: 0,
      totalCv: 40000,
    });
    expect(run.summary.byRank).toEqual([
      { rank: 'CONSULTANT', members: 3, winners: 2, losers: 0, change: 1500 },
    ]);
    expect(run.differences.edges.map((e: any) => [localId(e.node.distributor.id), e.node.change])).toEqual([
      [root, 1000],
      [a, 500],
    ]);
    expect(await env.DB.prepare('SELECT count(*) AS n, sum(amount) AS s FROM ledger_entry').first()).toEqual(
      ledgerBefore,
    );
  });

  it('is staff only', async () => {
    const r = await gql(PERIOD, { p: last }, await distributorToken(a));
    expect(r.errors?.[0].message).toMatch(/Not authorized/);
    void localId;
  });
});
