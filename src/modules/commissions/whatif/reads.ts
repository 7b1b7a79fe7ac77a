// Reads of what-if runs: a run by id and one page of its per-member differences.
import { type KeysetPage, selectPage } from '../../../lib/keyset';
import type { whatifResult, whatifRun } from '../tables';

export type RunRow = Omit<typeof whatifRun.$inferSelect, 'finished_at'>;
export type DiffRow = Omit<typeof whatifResult.$inferSelect, 'run_id'>;

export function whatIfRunById(db: D1Database, id: number): Promise<RunRow | null> {
  return db.prepare('SELECT * FROM whatif_run WHERE id = ?').bind(id).first<RunRow>();
}

/** Differences of a run by change (losses first when ASC), then member. */
export function whatIfDifferences(
  db: D1Database,
  runId: number,
  direction: 'ASC' | 'DESC',
  page: KeysetPage,
): Promise<DiffRow[]> {
  return selectPage<DiffRow>(
    db,
    'whatif_result',
    ['delta', 'distributor_id'],
    direction,
    { where: ['run_id = ?'], params: [runId] },
    page,
  );
}
