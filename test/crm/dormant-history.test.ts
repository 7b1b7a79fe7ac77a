import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runDormantMembers } from '../../src/modules/crm/rules/dormant';
import { adminToken, distributorToken, enroll, globalId } from '../helpers';
import { createCustomer, createProduct, pay, tryOrder } from '../orders/helpers';

// A customer entered today whose order history (placed earlier by staff or an import) ends months ago is
// dormant: they existed from their first order, not from the day their record was typed in.

describe('dormant customers with history entered later', () => {
  it('counts from the first order when it is older than the customer record', async () => {
    const admin = await adminToken();
    const root = await enroll(admin, null, { joinedAt: '2025-01-01T00:00:00Z' });
    const owner = await enroll(admin, root, { joinedAt: '2025-01-01T00:00:00Z' });
    const ownerToken = await distributorToken(owner);
    const product = await createProduct(admin, 'DORMANT-HIST');
    const now = new Date();
    const monthsAgo = (n: number) =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 10, 10)).toISOString();
    const historic = await createCustomer(ownerToken, { firstName: 'Historic' });
    const fresh = await createCustomer(ownerToken, { firstName: 'Fresh' });
    const placed = await tryOrder(admin, {
      customerId: globalId('Customer', historic),
      lines: [{ productId: globalId('Product', product), quantity: 1 }],
      placedAt: monthsAgo(5),
    });
    expect(placed.__typename, JSON.stringify(placed)).toBe('MutationCreateOrderSuccess');
    expect((await pay(admin, Number(atob(placed.order.id).split(':')[1]), monthsAgo(5))).__typename).toMatch(
      /Success/,
    );

    await runDormantMembers(env.DB, now);
    const { results } = await env.DB.prepare(
      "SELECT member_id, periods FROM dormant_member WHERE member_type = 'CUSTOMER' ORDER BY member_id",
    ).all<{ member_id: number; periods: number }>();
    expect(results.map((r) => r.member_id)).toEqual([historic]);
    expect(results[0].periods).toBe(4);
    void fresh;
  });
});
