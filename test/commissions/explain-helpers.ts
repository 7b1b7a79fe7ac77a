// Shared setup of the explain tests: a five-member network (root → a → b → c, and root → d) with paid orders
// moved into last month, a plan in force, and last month closed to REVIEW; plus readers of explained lines.
import { expect } from 'vitest';
import { monthInZone } from '../../src/lib/time';
import { previousPeriod } from '../../src/modules/commissions/periods/lifecycle';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { createCustomer, createProduct, order, pay } from '../orders/helpers';
import { moveOrdersToPeriod, planInForce } from './helpers';

export const last = previousPeriod(monthInZone(new Date(), 'Europe/Copenhagen'));

export interface ExplainNetwork {
  admin: string;
  root: number;
  a: number;
  b: number;
  c: number;
  d: number;
}

export async function periodStatus(admin: string): Promise<string | undefined> {
  const r = await gqlOk(`query($p: String!) { commissionPeriod(period: $p) { status } }`, { p: last }, admin);
  return r.commissionPeriod?.status;
}

/** Runs a period mutation (startPeriodClose, commitPeriod, ...) on last month. */
export async function mutatePeriod(admin: string, name: string): Promise<void> {
  const input = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  await gqlOk(
    `mutation($input: ${input}!) { ${name}(input: $input) { __typename ... on Error { message } } }`,
    { input: { period: last } },
    admin,
  );
}

/** The network, its orders paid in last month, `plan` in force, and last month closed to REVIEW. */
export async function closedNetwork(planName: string, plan: unknown): Promise<ExplainNetwork> {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  const a = await enroll(admin, root);
  const b = await enroll(admin, a);
  const c = await enroll(admin, b);
  const d = await enroll(admin, root);
  const shake = await createProduct(admin, 'SHAKE', { qv: 120, cv: 10000 });
  const orderIds: number[] = [];
  for (const id of [root, a, b, c]) orderIds.push(await order(await distributorToken(id), [[shake, 1]]));
  orderIds.push(await order(await distributorToken(d), [[shake, 2]]));
  const customer = await createCustomer(await distributorToken(a));
  orderIds.push(await order(await distributorToken(a), [[shake, 1]], { customer }));
  for (const id of orderIds) await pay(admin, id);
  await moveOrdersToPeriod(last);
  await planInForce(admin, planName, plan);
  await mutatePeriod(admin, 'startPeriodClose');
  for (let i = 0; i < 100 && (await periodStatus(admin)) !== 'REVIEW'; i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(await periodStatus(admin)).toBe('REVIEW');
  return { admin, root, a, b, c, d };
}

/** A reader of a member's explained statement lines of last month, by component; `extra` adds explain fields. */
export function explainer(admin: string, extra = '') {
  const query = `query($id: ID!, $p: String!, $first: Int, $after: String) { distributor(id: $id) { statement(period: $p) {
  lines { component volume amount explain(first: $first, after: $after) { totalCount volume rateBasisPoints beforeCap matchesLine ${extra}
    pageInfo { hasNextPage endCursor }
    edges { node { distributor { id } pseudonym level leg kind volume rateBasisPoints } } } } } } }`;
  return async (id: number, token = admin, page: { first?: number; after?: string } = {}) => {
    const r = await gqlOk(query, { id: globalId('Distributor', id), p: last, ...page }, token);
    const lines = r.distributor?.statement?.lines ?? null;
    if (!lines) return null;
    return Object.fromEntries(
      lines.map((l: any) => [
        l.component,
        {
          ...l.explain,
          edges: undefined,
          members: l.explain.edges.map((e: any) => ({
            ...e.node,
            distributor: e.node.distributor ? localId(e.node.distributor.id) : null,
          })),
        },
      ]),
    );
  };
}
