import type { Env } from '../../../env';
import { requireChanged } from '../../../lib/conflicts';
import { atomic } from '../../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../../lib/errors';
import { addMonths, monthInZone } from '../../../lib/time';
import { loadSettings } from '../../company/settings';
import { recordJob } from '../../jobs/repository';
import { firstMessage, sendFirstStep } from '../../jobs/start';
import { notificationsFromSelect } from '../../notifications/statements';
import { teamRanksJob } from '../../reports/teamRanks';
import { versionInForce } from '../versions/repository';
import { isPeriodId, periodBounds } from './bounds';
import { closeJob } from './jobKind';
import { type PeriodRow, periodById, progress } from './repository';
import { readMemberChunk } from './snapshot';

export type PeriodJob =
  | { kind: 'period.snapshot'; periodId: string; run: number; jobId?: string }
  | { kind: 'period.compute'; periodId: string; run: number; jobId?: string };

/** Where a close's queue messages go (a step's next step; the first step of a job recorded here). */
export interface JobSink {
  send(job: PeriodJob): Promise<void>;
}

export function previousPeriod(period: string): string {
  return addMonths(period, -1);
}

async function requirePeriod(db: D1Database, id: string): Promise<PeriodRow> {
  if (!isPeriodId(id))
    throw new ValidationError('Invalid period.', [
      { path: 'period', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT', params: { format: 'YYYY-MM' } },
    ]);
  const row = await periodById(db, id);
  if (!row) throw new NotFoundError(`Period ${id} has not been closed yet.`);
  return row;
}

/**
 * OPEN → CLOSING: freezes the plan version and starts the queued close. From now on payments and refunds
 * that would touch this period enter the next open one, so nothing that arrives meanwhile is lost.
 */
export async function startClose(
  db: D1Database,
  jobs: JobSink,
  periodId: string,
  now: Date,
): Promise<PeriodRow> {
  if (!isPeriodId(periodId))
    throw new ValidationError('Invalid period.', [
      { path: 'period', message: 'Use YYYY-MM.', code: 'INVALID_FORMAT', params: { format: 'YYYY-MM' } },
    ]);
  const settings = await loadSettings(db);
  const bounds = periodBounds(periodId, settings.timeZone);
  if (now.getTime() < bounds.end)
    throw new ConflictError(`Period ${periodId} has not ended yet.`, 'NOT_ENDED');
  const existing = await periodById(db, periodId);
  if (existing && existing.status !== 'OPEN')
    throw new ConflictError(
      `Period ${periodId} is already ${existing.status.toLowerCase()}.`,
      'ALREADY_CLOSING',
    );
  const unclosed = await db
    .prepare(
      "SELECT id FROM commission_period WHERE id < ? AND status IN ('CLOSING', 'REVIEW') ORDER BY id LIMIT 1",
    )
    .bind(periodId)
    .first<{ id: string }>();
  if (unclosed)
    throw new ConflictError(
      `Commit period ${unclosed.id} first: carries and balances flow from it.`,
      'EARLIER_PERIOD_OPEN',
    );
  const version = await versionInForce(db, periodId);
  if (!version) throw new ConflictError(`No plan version is in force for ${periodId}.`, 'NO_PLAN');
  const job = closeJob(periodId, 1, 'period.snapshot');
  const [started] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO commission_period (id, status, plan_version_id, starts_at, ends_at, run, closing_started_at, step, step_done, step_total)
         VALUES (?1, 'CLOSING', ?2, ?3, ?4, 1, ?5, 'snapshot', 0, 0)
         ON CONFLICT (id) DO UPDATE SET status = 'CLOSING', plan_version_id = ?2, starts_at = ?3, ends_at = ?4, run = 1,
           closing_started_at = ?5, step = 'snapshot', step_done = 0, step_total = 0 WHERE commission_period.status = 'OPEN'`,
      )
      .bind(
        periodId,
        version.id,
        new Date(bounds.start).toISOString(),
        new Date(bounds.end).toISOString(),
        now.toISOString(),
      ),
    db.prepare('UPDATE plan_version SET used = 1 WHERE id = ?').bind(version.id),
    // The job in the same batch: a CLOSING period always has a job the watchdog looks after.
    recordJob(db, job),
  ]);
  // A concurrent close got there first (the upsert changed no row): that caller sends the job.
  requireChanged(started, () => changedMeanwhile(periodId, 'ALREADY_CLOSING'));
  await jobs.send(firstMessage(job) as PeriodJob);
  return (await periodById(db, periodId))!;
}

/** Queue step: copies the members into the period's snapshot (once), then asks for the computation. */
export async function takeSnapshot(
  db: D1Database,
  jobs: JobSink,
  periodId: string,
  run: number,
): Promise<void> {
  const period = await periodById(db, periodId);
  if (period?.status !== 'CLOSING' || period.run !== run) return;
  if (period.member_count == null) {
    // A crashed earlier attempt may have left some chunks: start over, deterministically.
    const { n } = (await db.prepare('SELECT count(*) AS n FROM distributor').first<{ n: number }>())!;
    await atomic(db, [
      db.prepare('DELETE FROM period_snapshot_chunk WHERE period_id = ?').bind(periodId),
      progress(db, periodId, 'snapshot', 0, n),
    ]);
    const previous = previousPeriod(periodId);
    let after = 0;
    let count = 0;
    for (let chunkNo = 0; ; chunkNo++) {
      const chunk = await readMemberChunk(db, periodId, previous, after);
      if (chunk.ids.length === 0) break;
      count += chunk.ids.length;
      after = chunk.ids[chunk.ids.length - 1];
      await atomic(db, [
        db
          .prepare('INSERT OR REPLACE INTO period_snapshot_chunk (period_id, chunk, data) VALUES (?, ?, ?)')
          .bind(periodId, chunkNo, JSON.stringify(chunk)),
        progress(db, periodId, 'snapshot', count, Math.max(n, count)),
      ]);
    }
    await db
      .prepare('UPDATE commission_period SET member_count = ? WHERE id = ? AND run = ?')
      .bind(count, periodId, run)
      .run();
  }
  await jobs.send({ kind: 'period.compute', periodId, run });
}

/** REVIEW → CLOSING (run + 1) → REVIEW: any number of times, from the same snapshot. */
export async function recompute(db: D1Database, jobs: JobSink, periodId: string): Promise<PeriodRow> {
  const period = await requirePeriod(db, periodId);
  if (period.status !== 'REVIEW')
    throw new ConflictError(
      `Only a period in review can be recomputed (it is ${period.status}).`,
      'NOT_IN_REVIEW',
    );
  const run = period.run + 1;
  const job = closeJob(periodId, run, 'period.compute');
  const [result] = await atomic(db, [
    db
      .prepare(
        "UPDATE commission_period SET status = 'CLOSING', run = ?, step = 'compute', step_done = 0, step_total = 0, error = NULL WHERE id = ? AND status = 'REVIEW'",
      )
      .bind(run, periodId),
    recordJob(db, job),
  ]);
  requireChanged(result, () => changedMeanwhile(periodId, 'NOT_IN_REVIEW'));
  await jobs.send(firstMessage(job) as PeriodJob);
  return (await periodById(db, periodId))!;
}

/**
 * REVIEW → COMMITTED: every non-zero total enters the ledger (append-only, one entry per distributor and
 * period, keyed so that a repeated commit writes nothing twice) and lifetime ranks are kept. The company's
 * rank counts are written by the commit (trigger of migration 0024); the teams' by the job report.teamRanks
 * it starts.
 */
export async function commit(
  db: D1Database,
  queue: Pick<Env, 'JOBS'>,
  periodId: string,
  now: Date,
): Promise<PeriodRow> {
  const period = await requirePeriod(db, periodId);
  if (period.status !== 'REVIEW')
    throw new ConflictError(
      `Only a period in review can be committed (it is ${period.status}).`,
      'NOT_IN_REVIEW',
    );
  const settings = await loadSettings(db);
  const committed = await atomic(db, [
    db
      .prepare(
        `INSERT OR IGNORE INTO ledger_entry (distributor_id, kind, amount, currency, period_id, created_at, dedupe_key)
         SELECT distributor_id, 'COMMISSION', total, ?2, ?1, ?3, 'commission:' || ?1 || ':' || distributor_id
         FROM period_result WHERE period_id = ?1 AND total != 0`,
      )
      .bind(periodId, settings.payoutCurrency, now.toISOString()),
    // A member whose lifetime rank rises with this period: their sponsor hears of it (read before the
    // lifetime ranks are kept below; only while this commit is the one that wins).
    notificationsFromSelect(
      db,
      'RANK_ADVANCED',
      `SELECT d.sponsor_id AS distributor_id, 'DISTRIBUTOR' AS subject_type, CAST(d.id AS TEXT) AS subject_id,
         json_object('memberName', d.first_name || ' ' || d.last_name, 'rankId', r.lifetime_rank,
                     'previousRankId', d.lifetime_rank_id, 'periodId', r.period_id) AS payload,
         'rank:' || r.period_id || ':' || d.id AS dedupe_key
       FROM period_result r JOIN distributor d ON d.id = r.distributor_id
       WHERE r.period_id = ? AND r.lifetime_rank IS NOT NULL AND d.lifetime_rank_id IS NOT r.lifetime_rank
         AND d.sponsor_id IS NOT NULL
         AND EXISTS (SELECT 1 FROM commission_period p WHERE p.id = r.period_id AND p.status = 'REVIEW')`,
      [periodId],
      now.toISOString(),
    ),
    db
      .prepare(
        `UPDATE distributor SET lifetime_rank_id = r.lifetime_rank FROM period_result r
         WHERE r.period_id = ? AND r.distributor_id = distributor.id AND r.lifetime_rank IS NOT NULL
           AND distributor.lifetime_rank_id IS NOT r.lifetime_rank`,
      )
      .bind(periodId),
    db
      .prepare(
        "UPDATE commission_period SET status = 'COMMITTED', committed_at = ? WHERE id = ? AND status = 'REVIEW'",
      )
      .bind(now.toISOString(), periodId),
    // Every member with a non-zero statement (the ledger's entries) hears that it is ready.
    notificationsFromSelect(
      db,
      'STATEMENT_READY',
      `SELECT r.distributor_id, 'PERIOD' AS subject_type, r.period_id AS subject_id,
         json_object('periodId', r.period_id, 'total', r.total, 'currency', ?) AS payload,
         'statement:' || r.period_id || ':' || r.distributor_id AS dedupe_key
       FROM period_result r JOIN commission_period p ON p.id = r.period_id
       WHERE r.period_id = ? AND r.total != 0 AND p.status = 'COMMITTED' AND p.committed_at = ?`,
      [settings.payoutCurrency, periodId, now.toISOString()],
      now.toISOString(),
    ),
    // The teams' rank counts of the period (too much for this batch at scale), in the commit's batch so a
    // committed period always has them coming. Never restarted: a period is committed once.
    recordJob(db, teamRanksJob(periodId), now.toISOString(), false),
  ]);
  // The ledger rows are keyed, so a second commit wrote nothing; its caller lost the race.
  requireChanged(committed[3], () => changedMeanwhile(periodId, 'NOT_IN_REVIEW'));
  try {
    await sendFirstStep(queue, teamRanksJob(periodId));
  } catch (e) {
    // The period is committed: the watchdog re-sends the recorded job's first step.
    console.error(`period ${periodId}: the team rank job's first step was not sent`, e);
  }
  return (await periodById(db, periodId))!;
}

/** COMMITTED → PAID: a payout batch records what is paid; each payout is a negative ledger entry. */
export async function markPaid(db: D1Database, periodId: string, now: Date): Promise<PeriodRow> {
  const period = await requirePeriod(db, periodId);
  if (period.status !== 'COMMITTED')
    throw new ConflictError(`Only a committed period can be paid (it is ${period.status}).`, 'NOT_COMMITTED');
  const settings = await loadSettings(db);
  const paid = await atomic(db, [
    db
      .prepare(
        `INSERT OR IGNORE INTO payout_batch (period_id, currency, count, total, created_at)
         SELECT ?1, ?2, count(*), coalesce(sum(payout), 0), ?3 FROM period_result WHERE period_id = ?1 AND payout > 0`,
      )
      .bind(periodId, settings.payoutCurrency, now.toISOString()),
    db
      .prepare(
        `INSERT OR IGNORE INTO ledger_entry (distributor_id, kind, amount, currency, period_id, payout_batch_id, created_at, dedupe_key)
         SELECT distributor_id, 'PAYOUT', -payout, ?2, ?1, (SELECT id FROM payout_batch WHERE period_id = ?1), ?3,
           'payout:' || ?1 || ':' || distributor_id
         FROM period_result WHERE period_id = ?1 AND payout > 0`,
      )
      .bind(periodId, settings.payoutCurrency, now.toISOString()),
    db
      .prepare(
        "UPDATE commission_period SET status = 'PAID', paid_at = ? WHERE id = ? AND status = 'COMMITTED'",
      )
      .bind(now.toISOString(), periodId),
  ]);
  requireChanged(paid[2], () => changedMeanwhile(periodId, 'NOT_COMMITTED'));
  return (await periodById(db, periodId))!;
}

/** The loser of a race between two transitions of one period. */
function changedMeanwhile(periodId: string, code: string): ConflictError {
  return new ConflictError(`Period ${periodId} changed meanwhile (a concurrent request); reload it.`, code);
}

/** Cron: starts the close of last month once its grace days (late payments) have passed. */
export async function closeDuePeriod(db: D1Database, jobs: JobSink, now: Date): Promise<string | null> {
  const settings = await loadSettings(db);
  const due = previousPeriod(monthInZone(now, settings.timeZone));
  const { end } = periodBounds(due, settings.timeZone);
  if (now.getTime() < end + settings.closeGraceDays * 86_400_000) return null;
  const existing = await periodById(db, due);
  if (existing && existing.status !== 'OPEN') return null;
  if (!(await versionInForce(db, due))) return null;
  try {
    await startClose(db, jobs, due, now);
    return due;
  } catch (e) {
    if (e instanceof ConflictError) return null;
    throw e;
  }
}
