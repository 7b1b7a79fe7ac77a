import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { gqlOk } from '../helpers';

// Arranging a period that can be closed: the orders paid so far moved into it, and a plan in force.

/** Every order and volume so far belongs to `period` (paid mid-month): the only way to have an ended period. */
export async function moveOrdersToPeriod(period: string): Promise<void> {
  const paidAt = new Date(
    Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5)) - 1, 15, 12),
  ).toISOString();
  await env.DB.batch([
    env.DB.prepare('UPDATE sales_order SET period = ?, paid_at = ?').bind(period, paidAt),
    env.DB.prepare('UPDATE volume SET period = ?').bind(period),
  ]);
}

/** Creates a plan version and schedules it from `effectiveFrom`; answers its global id. */
export async function planInForce(
  admin: string,
  name: string,
  plan: unknown,
  effectiveFrom = '2020-01',
): Promise<string> {
  const created = await gqlOk(
    `mutation($input: CreatePlanVersionInput!) { createPlanVersion(input: $input) {
      ... on MutationCreatePlanVersionSuccess { planVersion { id } } } }`,
    { input: { name, plan } },
    admin,
  );
  const id = created.createPlanVersion.planVersion.id;
  const scheduled = await gqlOk(
    `mutation($input: SchedulePlanVersionInput!) { schedulePlanVersion(input: $input) { __typename ... on Error { message } } }`,
    { input: { id, effectiveFrom } },
    admin,
  );
  expect(scheduled.schedulePlanVersion.__typename).toBe('MutationSchedulePlanVersionSuccess');
  return id;
}
