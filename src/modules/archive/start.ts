// Starting archives: staff ask for one period, the hourly cron starts those older than the company's horizon.
// A period that is not committed, or still within the horizon, is refused and nothing is written.

import { z } from 'zod';
import type { Env } from '../../env';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { recordJob } from '../jobs/repository';
import { sendFirstStep, startNewJobs } from '../jobs/start';
import { archiveJob } from './job';
import { HORIZON_MAX, HORIZON_MIN, locationOf } from './model';
import {
  archiveOf,
  committedPeriods,
  insertArchive,
  loadHorizon,
  type PeriodArchiveRow,
  periodStatusOf,
  saveHorizon,
} from './repository';

const PERIOD_ID = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Committed periods older than the horizon (the newest `horizon` committed periods stay live). */
export async function periodsBeyondHorizon(db: D1Database): Promise<string[]> {
  const horizon = await loadHorizon(db);
  if (horizon == null) return [];
  return (await committedPeriods(db)).slice(horizon).map((p) => p.id);
}

/** Staff archive one period now; answers its archive row (as it is: a repeated request starts nothing twice). */
export async function archivePeriod(
  env: Pick<Env, 'DB' | 'JOBS'>,
  periodId: string,
): Promise<PeriodArchiveRow> {
  const db = env.DB;
  if (!PERIOD_ID.test(periodId))
    throw new ValidationError('Invalid period.', [
      { path: 'period', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT', params: { format: 'YYYY-MM' } },
    ]);
  const period = await periodStatusOf(db, periodId);
  if (!period) throw new NotFoundError(`No commission period ${periodId}.`);
  if (period.status !== 'COMMITTED' && period.status !== 'PAID')
    throw new ConflictError(
      `Period ${periodId} is ${period.status}: only committed periods are archived.`,
      'PERIOD_NOT_COMMITTED',
    );
  const existing = await archiveOf(db, periodId);
  if (existing?.status === 'ARCHIVED') return existing;
  const horizon = await loadHorizon(db);
  if (horizon == null)
    throw new ConflictError('Set the archive horizon first (updateArchiveHorizon).', 'NO_ARCHIVE_HORIZON');
  if (!(await periodsBeyondHorizon(db)).includes(periodId))
    throw new ConflictError(
      `Period ${periodId} is one of the ${horizon} newest committed periods kept live.`,
      'WITHIN_HORIZON',
    );
  const job = archiveJob(periodId);
  const [, recorded] = await db.batch([
    insertArchive(db, periodId, locationOf(periodId)),
    recordJob(db, job),
  ]);
  if ((recorded.meta.changes ?? 0) > 0) await sendFirstStep(env, job);
  return (await archiveOf(db, periodId))!;
}

/** Hourly: starts the archive of every committed period beyond the horizon not archived yet (one job each). */
export async function startDueArchives(env: Pick<Env, 'DB' | 'JOBS'>): Promise<number> {
  const db = env.DB;
  const due: string[] = [];
  for (const id of await periodsBeyondHorizon(db))
    if ((await archiveOf(db, id))?.status !== 'ARCHIVED') due.push(id);
  if (due.length === 0) return 0;
  await db.batch(due.map((id) => insertArchive(db, id, locationOf(id))));
  return startNewJobs(
    env,
    due.map((id) => archiveJob(id)),
  );
}

const horizonInput = z.object({
  periods: z.number().int().min(HORIZON_MIN).max(HORIZON_MAX).nullable(),
});

/** The company's horizon: committed periods kept live (1 to 120), or null to archive nothing. */
export async function updateHorizon(
  db: D1Database,
  input: { periods: number | null },
): Promise<number | null> {
  const { periods } = parseInput(horizonInput, input, 'archive horizon');
  await saveHorizon(db, periods);
  return periods;
}
