// Reads of the live volume table.

export interface VolumeRow {
  distributor_id: number;
  period: string;
  pv: number;
  cv: number;
  customer_pv: number;
  customer_cv: number;
  gv: number;
  gcv: number;
  qualified_downline: number;
}

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
