import { ConflictError } from '../../lib/errors';
import type { DistributorRow } from './model';

// Genealogy writes read rows (paths, counters, status), build their statements from what they read, and
// write them as one batch. A concurrent write landing between the read and the batch would make the batch
// apply stale numbers (a sponsor move subtracting a team size that an enrollment has since grown). So each
// batch starts with a guard that fails — aborting the whole batch — when a row it read has changed, and
// the write is retried from fresh reads.

type GuardedColumn =
  | 'sponsor_path'
  | 'placement_path'
  | 'status'
  | 'team_size'
  | 'team_active'
  | 'placement_team_size';

// The guard fails by inserting a NULL into a NOT NULL column: plain SQL has no other way to abort a batch.
const GUARD_FAILED = 'NOT NULL constraint failed: genealogy_event.distributor_id';

/** A statement that aborts its batch unless each row still has the values read for `columns`. */
export function unchangedGuard(
  db: D1Database,
  rows: (Pick<DistributorRow, 'id'> & Partial<Pick<DistributorRow, GuardedColumn>>)[],
  columns: GuardedColumn[],
): D1PreparedStatement {
  const expected = rows.map((r) => [r.id, ...columns.map((c) => r[c])]);
  const match = columns.map((c, i) => `d.${c} IS json_extract(e.value, '$[${i + 1}]')`).join(' AND ');
  return db
    .prepare(
      `INSERT INTO genealogy_event (distributor_id, kind, detail, created_at)
       SELECT NULL, 'STATUS', 'stale read', '' WHERE (SELECT count(*) FROM json_each(?1) e
         JOIN distributor d ON d.id = json_extract(e.value, '$[0]') AND ${match}) < json_array_length(?1)`,
    )
    .bind(JSON.stringify(expected));
}

export function isStaleRead(e: unknown): boolean {
  return String((e as Error)?.message ?? e).includes(GUARD_FAILED);
}

const MAX_ATTEMPTS = 12;

/**
 * Runs a write, running it again after a random, growing pause while it fails in a retryable way (a
 * guard, or a unique slot taken meanwhile), so that a burst of writes spreads out instead of colliding on
 * every attempt. Running out of attempts is a ConflictError BUSY.
 */
export async function retryWhileBusy<T>(
  run: () => Promise<T>,
  retryable: (e: unknown) => boolean = isStaleRead,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!retryable(e)) throw e;
      if (attempt >= MAX_ATTEMPTS - 1)
        throw new ConflictError('Too many changes at the same moment; please try again.', 'BUSY');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** Math.min(attempt, 5)));
    }
  }
}
