// The job mechanism's words and limits (no I/O). Every queued job but lead intake is a row of `job`: the
// queue carries its steps, the row says where it is, and the hourly watchdog re-sends a step nobody runs.

export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'RETRYING', 'DONE', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses of a job that is not over: the watchdog looks after these. */
export const UNFINISHED: readonly JobStatus[] = ['QUEUED', 'RUNNING', 'RETRYING'];

/**
 * A step whose consumer has said nothing for this long is taken as dead: a queue consumer runs at most
 * 15 minutes of wall time, so a claim older than that plus a margin cannot still be running.
 */
export const STALE_AFTER_MS = 20 * 60_000;

/** Re-sends by the watchdog of one step before the job is given up as FAILED (the step never finishes). */
export const MAX_REDRIVES = 5;

/**
 * Deliveries of one step before the job is FAILED: with backoffSeconds (10 s doubling to a 1 h cap) 12
 * deliveries span about 3.4 hours, so an outage of D1 or a provider that long is ridden out.
 */
export const DEFAULT_MAX_ATTEMPTS = 12;

/** Every tracked queue message names its job. */
export interface Tracked {
  jobId?: string;
}

/** What starts a job: its key, kind, subject and first step. */
export interface NewJob<M extends { kind: string } = { kind: string }> {
  id: string;
  kind: string;
  subject: string;
  message: M;
  maxAttempts?: number;
}

/** The queue message of a job's step, with the job named. */
export function trackedMessage<M extends { kind: string }>(jobId: string, message: M): M & { jobId: string } {
  return { ...message, jobId };
}

/** Why a step failed, as kept on the job (bounded). */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return text.slice(0, 2000);
}
