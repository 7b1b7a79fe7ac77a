// Runs one delivery of a tracked job's step: claim the step, run it, then DONE, the next step, a retry
// with backoff, or FAILED where staff see it. Steps are idempotent, so a duplicate or a re-drive is safe.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { backoffSeconds } from '../../lib/backoff';
import { errorText, trackedMessage } from './model';
import { claimStep, markDone, markFailed, markRetrying, moveOn } from './repository';

/** What a job kind adds to the mechanism: which failures are final, and how its domain shows the outcome. */
export interface JobKindSpec<M = JobMessage> {
  /** Failures no retry will mend (the job is FAILED at once). */
  isPermanent?(e: unknown): boolean;
  /** After the job became FAILED (retries spent, a permanent failure, stalled, dead-lettered). */
  onFailed?(env: Env, message: M, reason: string, permanent: boolean): Promise<void>;
  /** Staff cancelled it: stop or undo what it did. */
  onCancel?(env: Env, message: M): Promise<void>;
  /** Staff retry a FAILED job: make its domain ready for the step again. */
  onRetry?(env: Env, message: M): Promise<void>;
}

/** A step handler: runs with an env whose JOBS queue turns its one `send` into the job's next step. */
export type StepHandler = (env: Env) => Promise<void>;

export async function runTrackedStep<M extends JobMessage>(
  env: Env,
  message: Message<M>,
  spec: JobKindSpec<M>,
  handle: StepHandler,
): Promise<void> {
  const body = message.body as M & { jobId: string };
  const redeliver = () => message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  let row: Awaited<ReturnType<typeof claimStep>>;
  try {
    row = await claimStep(env.DB, body.jobId, body.kind, message.id);
  } catch (e) {
    // D1 is failing: the queue keeps the message (after its own retries, the dead-letter queue does).
    console.error(`job ${body.jobId}: could not claim ${body.kind}`, e);
    return redeliver();
  }
  // The job is over, or has moved on to another step: a duplicate delivery, nothing to do.
  if (!row) return message.ack();
  const next = nextStepQueue(env, body.jobId);
  try {
    await handle({ ...env, JOBS: next.queue });
  } catch (e) {
    const reason = errorText(e);
    const permanent = spec.isPermanent?.(e) ?? false;
    try {
      if (permanent || row.attempts >= row.max_attempts) {
        console.error(`job ${body.jobId} failed for good at ${body.kind} (attempt ${row.attempts})`, e);
        if (await markFailed(env.DB, body.jobId, reason))
          await settleFailure(env, spec, body, reason, permanent);
        return message.ack();
      }
      const delaySeconds = backoffSeconds(row.attempts);
      console.error(
        `job ${body.jobId}: ${body.kind} failed (attempt ${row.attempts}), retry in ${delaySeconds} s`,
        e,
      );
      await markRetrying(env.DB, body.jobId, message.id, reason, delaySeconds);
      return message.retry({ delaySeconds });
    } catch (recording) {
      console.error(`job ${body.jobId}: could not record the failure`, recording);
      return redeliver();
    }
  }
  try {
    if (!next.movedOn) await markDone(env.DB, body.jobId, message.id);
    message.ack();
  } catch (e) {
    // The step's writes stand; a redelivery runs the idempotent step again and records DONE then.
    console.error(`job ${body.jobId}: could not record the end of ${body.kind}`, e);
    redeliver();
  }
}

/** Tells the kind a job is FAILED; a fault here is logged, the FAILED row already says what happened. */
export async function settleFailure<M>(
  env: Env,
  spec: JobKindSpec<M>,
  message: M,
  reason: string,
  permanent: boolean,
): Promise<void> {
  try {
    await spec.onFailed?.(env, message, reason, permanent);
  } catch (e) {
    console.error('recording a failed job in its domain failed', e);
  }
}

/** The queue a step sees: its one `send` becomes the job's next step (recorded first, then sent). */
function nextStepQueue(env: Env, jobId: string) {
  const state = { movedOn: false };
  const queue = {
    async send(body: JobMessage, options?: QueueSendOptions) {
      if (state.movedOn) throw new Error(`job ${jobId}: a step hands over to one next step only`);
      state.movedOn = true;
      const { jobId: _own, ...step } = body as JobMessage & { jobId?: string };
      // Cancelled or failed meanwhile: the next step is not sent.
      if (await moveOn(env.DB, jobId, step))
        await env.JOBS.send(trackedMessage(jobId, step) as JobMessage, options);
    },
    async sendBatch() {
      throw new Error(`job ${jobId}: a step hands over with send(), not sendBatch()`);
    },
  };
  return {
    queue: queue as unknown as Queue<JobMessage>,
    get movedOn() {
      return state.movedOn;
    },
  };
}
