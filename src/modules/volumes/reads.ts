// Reads of the live volume table.
import type { volume } from './tables';

export type VolumeRow = typeof volume.$inferSelect;

/** The volume rows of many members in one period, in one statement. */
export async function volumesOf(
  db: D1Database,
  ids: readonly number[],
  period: string,
): Promise<VolumeRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare('SELECT * FROM volume WHERE period = ?2 AND distributor_id IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(ids), period)
    .all<VolumeRow>();
  return results;
}

/** A member's volumes per period, newest first. */
export async function volumeHistory(
  db: D1Database,
  distributorId: number,
  last: number,
): Promise<VolumeRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM volume WHERE distributor_id = ? ORDER BY period DESC LIMIT ?')
    .bind(distributorId, last)
    .all<VolumeRow>();
  return results;
}
