// Compliance test helpers: plans, closing and committing real periods through the queue.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { gqlOk } from '../helpers';

export async function schedulePlan(admin: string, plan: unknown, effectiveFrom = '2020-01'): Promise<void> {
  const created = await gqlOk(
    `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) { __typename
      ... on MutationCreatePlanVersionSuccess { planVersion { id } } ... on Error { message } } }`,
    { input: { name: 'Compliance test plan', plan } },
    admin,
  );
  expect(created.createPlanVersion.__typename).toBe('MutationCreatePlanVersionSuccess');
  const scheduled = await gqlOk(
    `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) { __typename ... on Error { message } } }`,
    { input: { id: created.createPlanVersion.planVersion.id, effectiveFrom } },
    admin,
  );
  expect(scheduled.schedulePlanVersion.__typename).toBe('MutationSchedulePlanVersionSuccess');
}

async function mutatePeriod(admin: string, name: string, period: string) {
  const input = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  return (
    await gqlOk(
      `mutation($input: ${input}!) { ${name}(input: $input) { __typename ... on Error { message } }}`,
      { input: { period } },
      admin,
    )
  )[name];
}

async function waitForStatus(admin: string, period: string, status: string) {
  for (let i = 0; i < 150; i++) {
    const p = (
      await gqlOk(
        `query($p: String!) { commissionPeriod(period: $p) { status error } }`,
        { p: period },
        admin,
      )
    ).commissionPeriod;
    if (p?.status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`period ${period} never reached ${status}`);
}

/** Closes a period through the real queue (OPEN → CLOSING → REVIEW), and commits it when asked. */
export async function closePeriod(admin: string, period: string, commit: boolean): Promise<void> {
  expect(await mutatePeriod(admin, 'startPeriodClose', period)).toMatchObject({
    __typename: 'MutationStartPeriodCloseSuccess',
  });
  await waitForStatus(admin, period, 'REVIEW');
  if (commit)
    expect(await mutatePeriod(admin, 'commitPeriod', period)).toMatchObject({
      __typename: 'MutationCommitPeriodSuccess',
    });
}

/** Moves orders (and their volumes) into a period, paid in its middle. */
export async function moveOrders(orderIds: number[], period: string): Promise<void> {
  const paidAt = new Date(
    Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5)) - 1, 15, 12),
  ).toISOString();
  await env.DB.prepare(
    'UPDATE sales_order SET period = ?1, paid_at = ?2 WHERE id IN (SELECT value FROM json_each(?3))',
  )
    .bind(period, paidAt, JSON.stringify(orderIds))
    .run();
}
