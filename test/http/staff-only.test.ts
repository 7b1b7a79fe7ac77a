import { env, SELF } from 'cloudflare:test';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import { staffOnly } from '../../src/http/staffOnly';
import { adminToken, distributorToken, enroll } from '../helpers';

// The one staff check of the HTTP edge (imports, payout files): a Hono middleware, tested on its own
// and on the routes that use it.

const app = new Hono<{ Bindings: Env }>();
app.get('/probe', staffOnly, (c) => c.text('reached'));
const probe = (authorization?: string) =>
  app.request('/probe', { headers: authorization ? { authorization } : {} }, env);

describe('staffOnly', () => {
  let admin: string;
  let member: string;
  beforeAll(async () => {
    admin = await adminToken();
    member = await distributorToken(await enroll(admin, null));
  });

  it('lets staff through and nobody else', async () => {
    const ok = await probe(`Bearer ${admin}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('reached');
    expect((await probe()).status).toBe(401);
    const forged = await probe('Bearer not.a.token');
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    const distributor = await probe(`Bearer ${member}`);
    expect(distributor.status).toBe(403);
    expect(await distributor.text()).not.toContain('reached');
  });

  it('guards the payout downloads and the import uploads', async () => {
    for (const path of ['/payouts/2026-10/payouts.csv', '/payouts/2026-10/sepa.xml']) {
      expect((await SELF.fetch(`http://localhost${path}`)).status).toBe(401);
      expect(
        (await SELF.fetch(`http://localhost${path}`, { headers: { authorization: `Bearer ${member}` } }))
          .status,
      ).toBe(403);
    }
    const put = await SELF.fetch('http://localhost/imports/orders/1/parts/1', {
      method: 'PUT',
      headers: { authorization: `Bearer ${member}` },
      body: 'externalId,sku,quantity\n',
    });
    expect(put.status).toBe(403);
  });
});
