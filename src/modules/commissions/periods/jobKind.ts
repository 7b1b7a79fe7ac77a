// The close of a period as a tracked job: one job per run ('period-close:<period>:<run>'), steps snapshot →
// compute. A close that cannot finish stays CLOSING with its error shown; staff retry the job (the steps
// are deterministic, so the rerun is byte-identical) or cancel it (the period is OPEN again).
import type { NewJob } from '../../jobs/model';
import type { JobKindSpec } from '../../jobs/runner';
import type { PeriodJob } from './lifecycle';

export function closeJob(periodId: string, run: number, step: PeriodJob['kind']): NewJob<PeriodJob> {
  return {
    id: `period-close:${periodId}:${run}`,
    kind: 'period.close',
    subject: run === 1 ? `close of ${periodId}` : `close of ${periodId} (run ${run})`,
    message: { kind: step, periodId, run },
  };
}

export const periodCloseJobSpec: JobKindSpec<PeriodJob> = {
  async onFailed(env, m, reason) {
    await env.DB.prepare(
      "UPDATE commission_period SET error = ? WHERE id = ? AND run = ? AND status = 'CLOSING'",
    )
      .bind(reason, m.periodId, m.run)
      .run();
  },
  async onRetry(env, m) {
    await env.DB.prepare(
      "UPDATE commission_period SET error = NULL WHERE id = ? AND run = ? AND status = 'CLOSING'",
    )
      .bind(m.periodId, m.run)
      .run();
  },
  // Back to OPEN with no snapshot: a later close starts from the members and orders as they are then.
  async onCancel(env, m) {
    await env.DB.prepare(
      `UPDATE commission_period SET status = 'OPEN', member_count = NULL, step = NULL, step_done = 0, step_total = 0,
         error = NULL, closing_started_at = NULL WHERE id = ? AND run = ? AND status = 'CLOSING'`,
    )
      .bind(m.periodId, m.run)
      .run();
  },
};
