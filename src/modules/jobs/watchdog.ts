// The watchdog of the hourly cron: a step nobody has run for STALE_AFTER_MS (its consumer was killed, its
// message lost, its redelivery never came) is sent again; after MAX_REDRIVES re-sends without the step
// moving on, the job is FAILED with the reason, for staff to retry or cancel.
import type { Env } from '../../env';
import { nowIso } from '../../lib/db';
import { MAX_REDRIVES, STALE_AFTER_MS } from './model';
import { markFailed, markRedriven, staleJobs } from './repository';
import { type JobKindSpec, settleFailure } from './runner';

export interface WatchdogReport {
  redriven: number;
  failed: number;
}

/** `now` is the cron's scheduled time; `specOf` finds a kind's spec (the job router owns the list). */
export async function redriveStaleJobs(
  env: Env,
  now: Date,
  specOf: (kind: string) => JobKindSpec | undefined,
  limit = 500,
): Promise<WatchdogReport> {
  const before = new Date(now.getTime() - STALE_AFTER_MS).toISOString();
  const report: WatchdogReport = { redriven: 0, failed: 0 };
  for (const row of await staleJobs(env.DB, before, limit)) {
    if (row.redrives >= MAX_REDRIVES) {
      const reason = `Stalled: step ${row.step} was sent again ${row.redrives} times and never finished${
        row.last_error ? ` (last error: ${row.last_error})` : ''
      }.`;
      if (await markFailed(env.DB, row.id, reason.slice(0, 2000))) {
        report.failed++;
        const spec = specOf(row.kind);
        if (spec) await settleFailure(env, spec, JSON.parse(row.message), reason, false);
      }
      continue;
    }
    if (!(await markRedriven(env.DB, row, nowIso()))) continue;
    await env.JOBS.send(JSON.parse(row.message));
    report.redriven++;
  }
  return report;
}
