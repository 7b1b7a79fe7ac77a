import { selectByIds } from '../../lib/db';
import { DISTRIBUTOR_COLUMNS, type DistributorRow } from './model';

export async function distributorsByIds(db: D1Database, ids: readonly number[]): Promise<DistributorRow[]> {
  return selectByIds<DistributorRow>(
    db,
    `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id IN (SELECT value FROM json_each(?))`,
    ids,
  );
}

export async function distributorById(db: D1Database, id: number): Promise<DistributorRow | null> {
  return db
    .prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id = ?`)
    .bind(id)
    .first<DistributorRow>();
}

export async function distributorByReferralCode(
  db: D1Database,
  code: string,
): Promise<DistributorRow | null> {
  return db
    .prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE referral_code = ?`)
    .bind(code)
    .first<DistributorRow>();
}

export async function rootDistributor(db: D1Database): Promise<DistributorRow | null> {
  return db
    .prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE sponsor_id IS NULL ORDER BY id LIMIT 1`)
    .first<DistributorRow>();
}

/** Placement children of a member, by position. */
export async function placementChildren(db: D1Database, parentId: number): Promise<DistributorRow[]> {
  const { results } = await db
    .prepare(
      `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE placement_parent_id = ? ORDER BY placement_position`,
    )
    .bind(parentId)
    .all<DistributorRow>();
  return results;
}

/** Personally sponsored members, oldest first. */
export async function sponsorChildren(db: D1Database, sponsorId: number): Promise<DistributorRow[]> {
  const { results } = await db
    .prepare(`SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE sponsor_id = ? ORDER BY id`)
    .bind(sponsorId)
    .all<DistributorRow>();
  return results;
}
