// The team rank counts of a committed period (report_rank, one row per sponsor ancestor × rank) and the team
// rollups of its sales, retention, leads and messages (teamRollup.ts, migration 0031), made after
// the commit by a tracked job: at a million members one statement over every ancestor path runs longer than
// D1 allows a query, so each step counts one range of distributor ids in one batch. The cursor lives in
// report_rank_progress (created by the commit's trigger, migration 0024) and a range is added only while the
// cursor is where the step read it: a redelivered or duplicated step never counts a range twice.
import type { Env } from '../../env';
import { atomic } from '../../lib/db';
import type { NewJob } from '../jobs/model';
import type { JobKindSpec } from '../jobs/runner';
import { teamRollupStatements } from './teamRollup';

export interface TeamRanksJob {
  kind: 'report.teamRanks';
  periodId: string;
  jobId?: string;
}

/** Distributor ids per step: at most this many members' ancestor paths in one statement. */
export const TEAM_RANK_SPAN = 25_000;

/** The job a commit records in its own batch ('report-team-ranks:<period>'). */
export function teamRanksJob(periodId: string): NewJob<TeamRanksJob> {
  return {
    id: `report-team-ranks:${periodId}`,
    kind: 'report.teamRanks',
    subject: `team rank counts and rollups of ${periodId}`,
    message: { kind: 'report.teamRanks', periodId },
  };
}

/** Nothing in another module waits on it: a failed job shows on the staff job list, and a retry resumes. */
export const teamRanksJobSpec: JobKindSpec<TeamRanksJob> = {};

/**
 * One step: counts the next range of the period's ranked members into their ancestors' team counts and
 * hands over to the next step; the step that finds no ranked member left marks the period's counts done.
 */
export async function countTeamRanksStep(env: Pick<Env, 'DB' | 'JOBS'>, periodId: string): Promise<void> {
  const db = env.DB;
  const progress = await db
    .prepare('SELECT after_id, done FROM report_rank_progress WHERE period = ?')
    .bind(periodId)
    .first<{ after_id: number; done: number }>();
  if (!progress || progress.done) return;
  const after = progress.after_id;
  // The range starts at the next member, so gaps in the ids cost no empty step (the team rollups count
  // members without a rank too: their sales, customers, leads and messages).
  const next = await db
    .prepare('SELECT min(id) AS id FROM distributor WHERE id > ?')
    .bind(after)
    .first<{ id: number | null }>();
  if (next?.id == null) {
    await db
      .prepare('UPDATE report_rank_progress SET done = 1 WHERE period = ? AND after_id = ? AND done = 0')
      .bind(periodId, after)
      .run();
    return;
  }
  const upTo = next.id + TEAM_RANK_SPAN - 1;
  const startedAt = Date.now();
  const [counted, ...rolledUp] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO report_rank (scope_id, period, rank, members)
         SELECT a.value, ?1, r.paid_as_rank, count(*)
         FROM report_rank_progress g
         JOIN period_result r ON r.period_id = g.period AND r.distributor_id > g.after_id AND r.distributor_id <= ?2
         JOIN distributor d ON d.id = r.distributor_id,
           json_each('[' || replace(rtrim(d.sponsor_path, '.'), '.', ',') || ']') a
         WHERE g.period = ?1 AND g.after_id = ?3 AND g.done = 0 AND r.paid_as_rank IS NOT NULL
         GROUP BY a.value, r.paid_as_rank
         ON CONFLICT (scope_id, period, rank) DO UPDATE SET members = members + excluded.members`,
      )
      .bind(periodId, upTo, after),
    ...teamRollupStatements(db, periodId, after, upTo),
    db
      .prepare(
        'UPDATE report_rank_progress SET after_id = ?2 WHERE period = ?1 AND after_id = ?3 AND done = 0',
      )
      .bind(periodId, upTo, after),
  ]);
  // Each range's batch against D1's 30 s per query (bench:reports reads these lines).
  console.log(
    `[report.teamRanks] ${periodId} ids ${after + 1}..${upTo} ms=${Date.now() - startedAt} cells=${counted.meta.changes ?? 0} rollup=${rolledUp
      .slice(0, -1)
      .map((r) => r.meta.changes ?? 0)
      .join('/')}`,
  );
  // Sent even when a duplicate got there first: the next step reads the cursor, so it never repeats work.
  await env.JOBS.send({ kind: 'report.teamRanks', periodId });
}

/** The committed periods of the range whose team counts and rollups are not all made yet. */
export async function unfinishedTeamRankPeriods(db: D1Database, from: string, to: string): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT p.id FROM commission_period p LEFT JOIN report_rank_progress g ON g.period = p.id
       WHERE p.id BETWEEN ? AND ? AND p.status IN ('COMMITTED', 'PAID') AND coalesce(g.done, 0) = 0 ORDER BY p.id`,
    )
    .bind(from, to)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * The months of a team report's range that its rollups do not cover: every month that is not a committed
 * period whose job is through (an open month, one never closed, or one whose rollup is still running).
 */
export async function uncoveredTeamMonths(db: D1Database, monthList: readonly string[]): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT m.value AS month FROM json_each(?1) m
       LEFT JOIN commission_period p ON p.id = m.value LEFT JOIN report_rank_progress g ON g.period = m.value
       WHERE NOT (coalesce(p.status IN ('COMMITTED', 'PAID'), 0) AND coalesce(g.done, 0) = 1)
       ORDER BY m.value`,
    )
    .bind(JSON.stringify(monthList))
    .all<{ month: string }>();
  return results.map((r) => r.month);
}
