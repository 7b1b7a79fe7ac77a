import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { browseUpline } from '../../src/modules/genealogy/browse';
import { DISTRIBUTOR_COLUMNS, type DistributorRow } from '../../src/modules/genealogy/model';
import { adminToken, enroll } from '../helpers';

// The sponsor upline is read without sponsor_path (team.ts rebuilds it from the member's path): every row
// must come back exactly as stored, for staff (to the root) and for a distributor (up to themself).

async function stored(id: number): Promise<DistributorRow> {
  return (await env.DB.prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id = ?`)
    .bind(id)
    .first<DistributorRow>())!;
}

describe('upline rows', () => {
  it('equal the stored rows, sponsor_path included, in both trees', async () => {
    const admin = await adminToken();
    const chain: number[] = [await enroll(admin, null)];
    for (let i = 0; i < 12; i++) chain.push(await enroll(admin, chain[chain.length - 1]));
    const deepest = chain[chain.length - 1];
    const expected = await Promise.all(chain.slice(0, -1).reverse().map(stored));

    const staff = await browseUpline(env.DB, { kind: 'ADMIN', staffId: 1 }, deepest, 'SPONSOR');
    // The chain's root may have been placed under an earlier member of this file's network: compare our part.
    expect(staff.slice(0, expected.length)).toEqual(expected);
    for (const r of staff) expect(r.sponsor_path).toBe((await stored(r.id)).sponsor_path);

    const mid = await stored(chain[4]);
    const asMember = await browseUpline(
      env.DB,
      {
        kind: 'DISTRIBUTOR',
        distributorId: mid.id,
        sponsorId: mid.sponsor_id,
        sponsorPath: mid.sponsor_path,
        placementPath: mid.placement_path,
      },
      deepest,
      'SPONSOR',
    );
    expect(asMember).toEqual(expected.slice(0, chain.length - 1 - 4));

    const placement = await browseUpline(env.DB, { kind: 'ADMIN', staffId: 1 }, deepest, 'PLACEMENT');
    expect(placement.length).toBeGreaterThan(0);
    for (const r of placement) expect(r).toEqual(await stored(r.id));
  });
});
