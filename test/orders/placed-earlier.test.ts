import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMonths, monthInZone } from '../../src/lib/time';
import { adminToken, distributorToken, enroll, globalId, localId } from '../helpers';
import { createProduct, pay, rowCounts, tryOrder } from './helpers';

// Staff enter orders taken earlier (paper, a fair, a shop): placed and paid last month, so that
// last month's volumes exist and the period can be closed (issue 9 §2).
let admin: string;
let member: number;
let product: number;
const thisMonth = monthInZone(new Date(), 'Europe/Copenhagen');
const lastMonth = addMonths(thisMonth, -1);
// The 15th of last month at noon UTC is inside last month in every European time zone.
const midLastMonth = `${lastMonth}-15T12:00:00.000Z`;

beforeAll(async () => {
  admin = await adminToken();
  member = await enroll(admin, null);
  product = await createProduct(admin, 'BACKDATED');
});

const lines = () => [{ productId: globalId('Product', product), quantity: 2 }];

describe('an order placed earlier', () => {
  it('staff place and pay an order last month: its volume is last month’s', async () => {
    const r = await tryOrder(admin, {
      distributorId: globalId('Distributor', member),
      lines: lines(),
      placedAt: midLastMonth,
    });
    expect(r.__typename).toBe('MutationCreateOrderSuccess');
    const id = localId(r.order.id);
    const row = await env.DB.prepare('SELECT created_at FROM sales_order WHERE id = ?')
      .bind(id)
      .first<{ created_at: string }>();
    expect(row!.created_at).toBe(midLastMonth);
    const paid = await pay(admin, id, `${lastMonth}-16T09:00:00.000Z`);
    expect(paid.order).toMatchObject({ status: 'PAID', period: lastMonth });
    const volume = await env.DB.prepare('SELECT pv FROM volume WHERE distributor_id = ? AND period = ?')
      .bind(member, lastMonth)
      .first<{ pv: number }>();
    expect(volume!.pv).toBe(100);
  });

  it('a distributor cannot back-date their own order, and nothing is written', async () => {
    const before = await rowCounts();
    const r = await tryOrder(await distributorToken(member), { lines: lines(), placedAt: midLastMonth });
    expect(r.__typename).toBe('ForbiddenError');
    expect(await rowCounts()).toEqual(before);
  });

  it('an order placed in the future is refused with the field named', async () => {
    const before = await rowCounts();
    const r = await tryOrder(admin, {
      distributorId: globalId('Distributor', member),
      lines: lines(),
      placedAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues).toEqual([{ path: 'placedAt', message: 'In the future.' }]);
    expect(await rowCounts()).toEqual(before);
  });
});
