import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import type { Env } from '../src/env';
import worker from '../src/index';
import type { JobMessage } from '../src/jobs/messages';

// Batches handed to the worker's real queue handler, and a D1 that is down.

/** A D1 that is down: every statement and batch fails as D1 does when locked or unreachable. */
export function downD1(): D1Database {
  const fail = async () => {
    throw new Error('D1_ERROR: database is unavailable (test outage)');
  };
  const statement: Record<string, unknown> = { first: fail, run: fail, all: fail, raw: fail };
  statement.bind = () => statement;
  return { prepare: () => statement, batch: fail, exec: fail, dump: fail } as unknown as D1Database;
}

/**
 * Hands a batch to the worker's queue handler. getQueueResult does not report the delay a retry asks for, so
 * each message's retry() is wrapped to note its options on the way through.
 */
export async function deliver(
  queue: string,
  messages: { id: string; body: JobMessage; attempts: number; timestamp?: Date }[],
  withEnv: Env = env,
) {
  const batch = createMessageBatch<JobMessage>(
    queue,
    messages.map((m) => ({ timestamp: new Date(), ...m })),
  );
  const asked = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    Object.defineProperty(m, 'retry', {
      value: (options?: QueueRetryOptions) => {
        asked.set(m.id, options?.delaySeconds);
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, withEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryMessages: result.retryMessages.map((r) => ({ msgId: r.msgId, delaySeconds: asked.get(r.msgId) })),
  };
}
