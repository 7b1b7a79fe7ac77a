// The send step for a whole queue batch (the outbox queue delivers up to 100 at a time). The usual message —
// a first try, due, of a channel with a provider — costs the batch three D1 round trips in all instead of
// several each: one read of the rows, one guarded claim of all of them (QUEUED -> SENDING, not suppressed),
// and one batch recording every accepted send; the sends themselves run together. Everything else (retries,
// recoveries, suppressed addresses, rows someone else claimed) goes through sendOutboxMessage one by one.
// Exactly once holds as on the single path: only rows this claim moved are sent, and a send whose recording
// is lost stays SENDING until its lease ends and the recovery path asks the provider.
import type { Env } from '../../env';
import { atomic } from '../../lib/db';
import { applyEarlyEvents } from './events';
import type { Channel, ProviderName } from './model';
import { adapterFor } from './providers';
import { acceptedStatement, claimMany, messagingSettings, outboxByIds } from './repository';
import {
  type Accepted,
  attempt,
  backoffSeconds,
  SENDING_LEASE_SECONDS,
  type StepResult,
  sendOutboxMessage,
} from './send';
import type { MessagingSettingsRow, OutboxRow } from './tables';

function configured(settings: MessagingSettingsRow): Record<Channel, ProviderName | null> {
  return {
    SMS: settings.sms_provider && settings.sms_sender ? settings.sms_provider : null,
    EMAIL: settings.email_provider && settings.email_from ? settings.email_provider : null,
  };
}

/** Sends the messages of one batch; the result of each id says whether its queue message is done. */
export async function sendOutboxBatch(
  env: Env,
  ids: readonly number[],
  now = new Date(),
): Promise<Map<number, StepResult>> {
  const db = env.DB;
  const t = now.getTime();
  const stamp = now.toISOString();
  const unique = [...new Set(ids)];
  const [rows, settings] = await Promise.all([outboxByIds(db, unique), messagingSettings(db)]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const providers = configured(settings);
  const usual = (r: OutboxRow) =>
    r.status === 'QUEUED' &&
    r.attempts === 0 &&
    (r.not_before === null || Date.parse(r.not_before) <= t) &&
    providers[r.channel] !== null &&
    (r.provider === null || r.provider === providers[r.channel]);
  const claimed = await claimMany(
    db,
    rows.filter(usual).map((r) => r.id),
    { sms: providers.SMS, email: providers.EMAIL },
    stamp,
  );
  const claimedIds = new Set(claimed.map((r) => r.id));
  const results = new Map<number, StepResult>();
  const accepted: Accepted[] = [];
  await Promise.all([
    ...claimed.map(async (row) => {
      try {
        results.set(
          row.id,
          await attempt(env, adapterFor(env, row.provider!), row, settings, t, (a) => accepted.push(a)),
        );
      } catch (e) {
        // Claimed and maybe sent: the redelivery waits out the claim, then asks the provider.
        console.error(`outbox message ${row.id}: send step failed`, e);
        results.set(row.id, { done: false, delaySeconds: SENDING_LEASE_SECONDS });
      }
    }),
    ...unique
      .filter((id) => !claimedIds.has(id))
      .map(async (id) => {
        try {
          results.set(id, await sendOutboxMessage(env, id, now, { row: byId.get(id) ?? null, settings }));
        } catch (e) {
          console.error(`outbox message ${id}: send step failed`, e);
          results.set(id, { done: false, delaySeconds: backoffSeconds(1) });
        }
      }),
  ]);
  await recordAccepted(db, accepted, results, stamp);
  return results;
}

/** Every accepted send of the batch in one D1 batch, then any provider events that were waiting for them. */
async function recordAccepted(
  db: D1Database,
  accepted: Accepted[],
  results: Map<number, StepResult>,
  stamp: string,
): Promise<void> {
  if (accepted.length === 0) return;
  try {
    await atomic(
      db,
      accepted.map((a) =>
        acceptedStatement(db, a.row.id, a.provider, a.providerMessageId, a.providerStatus, stamp),
      ),
    );
  } catch (e) {
    // Sent but not recorded: the rows stay SENDING; after the lease the recovery path finds them.
    console.error('accepted sends not recorded', e);
    for (const a of accepted) results.set(a.row.id, { done: false, delaySeconds: SENDING_LEASE_SECONDS });
    return;
  }
  const { results: early } = await db
    .prepare(
      `SELECT DISTINCT provider, provider_message_id FROM message_event
       WHERE outbox_id IS NULL AND provider_message_id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(accepted.map((a) => a.providerMessageId)))
    .all<{ provider: ProviderName; provider_message_id: string }>();
  for (const e of early) {
    const a = accepted.find(
      (x) => x.provider === e.provider && x.providerMessageId === e.provider_message_id,
    );
    if (a) await applyEarlyEvents(db, a.row.id, a.provider, a.providerMessageId, stamp);
  }
}

/** The outbox queue's consumer: one send step for the batch; a redelivered duplicate in it is acked. */
export async function handleOutboxBatch(messages: readonly Message<unknown>[], env: Env): Promise<void> {
  const sends = messages.filter(
    (m): m is Message<{ kind: 'outbox.send'; outboxId: number }> =>
      typeof m.body === 'object' && m.body !== null && (m.body as { kind?: unknown }).kind === 'outbox.send',
  );
  for (const m of messages) if (!sends.includes(m as (typeof sends)[number])) m.ack();
  let results: Map<number, StepResult>;
  try {
    results = await sendOutboxBatch(
      env,
      sends.map((m) => m.body.outboxId),
    );
  } catch (e) {
    console.error('outbox batch failed', e);
    for (const m of sends) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
    return;
  }
  const retried = new Set<number>();
  for (const m of sends) {
    const r = results.get(m.body.outboxId);
    if (!r || r.done || retried.has(m.body.outboxId)) m.ack();
    else {
      retried.add(m.body.outboxId);
      // Queues cap a retry's delay at 12 hours.
      m.retry({ delaySeconds: Math.min(r.delaySeconds, 43_200) });
    }
  }
}
