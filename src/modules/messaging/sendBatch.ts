// The send step for a whole queue batch (the outbox queue delivers up to 100 at a time) in two D1 round trips
// whatever the batch holds: one D1 batch reads the settings and the rows and claims every row that can go
// now (due QUEUED rows, first tries and retries alike, and SENDING rows whose consumer's lease ran out), then
// the requests run together (a status check at the provider first where a resend could duplicate), and one D1
// batch records every outcome (accepted, retry, refused, uncertain) with the lookup of provider events that
// came before their send. A batch is as slow as its slowest message, so a retry costs the batch no more round
// trips than a first try. Whatever the claim did not take (a suppressed address, no provider configured, a
// row bound to another provider) goes through sendOutboxMessage one by one.
// Exactly once holds as on the single path: only rows this claim moved are sent, and a send whose recording
// is lost stays SENDING until its lease ends and the recovery path asks the provider.
import type { Env } from '../../env';
import { backoffSeconds as jobBackoffSeconds } from '../../lib/backoff';
import { atomic } from '../../lib/db';
import { applyEarlyEvents } from './events';
import type { Channel, ProviderName } from './model';
import { adapterFor } from './providers';
import { acceptedManyStatement, claimStatements } from './repository';
import {
  type Accepted,
  SENDING_LEASE_SECONDS,
  type StepResult,
  sendBackoffSeconds,
  sendClaimed,
  sendOutboxMessage,
} from './send';
import type { MessagingSettingsRow, OutboxRow } from './tables';

const FINAL = new Set(['SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'UNDELIVERABLE', 'SUPPRESSED']);

function configured(settings: MessagingSettingsRow, channel: Channel): ProviderName | null {
  return channel === 'SMS' ? settings.sms_provider : settings.email_provider;
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
  const claims = claimStatements(db, unique, stamp, new Date(t - SENDING_LEASE_SECONDS * 1000).toISOString());
  const [settingsResult, beforeResult, claimResult, reclaimResult] = await db.batch([
    db.prepare('SELECT * FROM messaging_settings WHERE id = 1'),
    claims.before,
    claims.claim,
    claims.reclaim,
  ]);
  const settings = (settingsResult.results as MessagingSettingsRow[])[0];
  if (!settings) throw new Error('messaging_settings row is missing: migrations not applied?');
  const before = new Map((beforeResult.results as OutboxRow[]).map((r) => [r.id, r]));
  const claimed = new Set((claimResult.results as { id: number }[]).map((r) => r.id));
  const reclaimed = new Set((reclaimResult.results as { id: number }[]).map((r) => r.id));

  const results = new Map<number, StepResult>();
  const accepted: Accepted[] = [];
  const writes: D1PreparedStatement[] = [];
  const sink = {
    accepted: (a: Accepted) => accepted.push(a),
    write: (s: D1PreparedStatement[]) => writes.push(...s),
  };
  const mine: number[] = [];
  await Promise.all(
    unique.map(async (id) => {
      const was = before.get(id) ?? null;
      try {
        if (was && (claimed.has(id) || reclaimed.has(id))) {
          mine.push(id);
          // The row as the claim left it (the UPDATE's own effects, without reading it again).
          const row: OutboxRow = {
            ...was,
            status: 'SENDING',
            provider: was.provider ?? configured(settings, was.channel),
            claimed_at: stamp,
            attempts: was.attempts + 1,
            updated_at: stamp,
          };
          const from = reclaimed.has(id) ? (was.claimed_at ?? was.created_at) : null;
          results.set(
            id,
            await sendClaimed(env, adapterFor(env, row.provider!), row, settings, t, from, sink),
          );
        } else results.set(id, await unclaimed(env, id, was, settings, now));
      } catch (e) {
        // Claimed and maybe sent: the redelivery waits out the claim, then asks the provider.
        console.error(`outbox message ${id}: send step failed`, e);
        results.set(id, {
          done: false,
          delaySeconds: mine.includes(id) ? SENDING_LEASE_SECONDS : sendBackoffSeconds(1),
        });
      }
    }),
  );
  await record(db, accepted, writes, mine, results, stamp);
  return results;
}

/** A row the batch claim did not take: final, waiting, claimed by a live consumer, or for the single path. */
function unclaimed(
  env: Env,
  id: number,
  row: OutboxRow | null,
  settings: MessagingSettingsRow,
  now: Date,
): Promise<StepResult> | StepResult {
  const t = now.getTime();
  if (!row) {
    console.error(`outbox message ${id} does not exist`);
    return { done: true, status: null };
  }
  if (FINAL.has(row.status)) return { done: true, status: row.status };
  if (row.status === 'QUEUED' && row.not_before && Date.parse(row.not_before) > t)
    return { done: false, delaySeconds: Math.ceil((Date.parse(row.not_before) - t) / 1000) };
  if (row.status === 'SENDING') {
    const leaseEnds = Date.parse(row.claimed_at ?? '1970-01-01T00:00:00Z') + SENDING_LEASE_SECONDS * 1000;
    if (leaseEnds > t) return { done: false, delaySeconds: Math.ceil((leaseEnds - t) / 1000) };
  }
  return sendOutboxMessage(env, id, now, { row, settings });
}

/**
 * Every outcome of the batch in one D1 batch, then any provider events that were waiting for an accepted send.
 * If it fails, the claimed rows stay SENDING: after the lease the recovery path asks the provider.
 */
async function record(
  db: D1Database,
  accepted: Accepted[],
  writes: D1PreparedStatement[],
  mine: number[],
  results: Map<number, StepResult>,
  stamp: string,
): Promise<void> {
  const statements = [
    ...(accepted.length > 0
      ? [
          acceptedManyStatement(
            db,
            accepted.map((a) => ({ ...a, id: a.row.id })),
            stamp,
          ),
        ]
      : []),
    ...writes,
  ];
  if (statements.length === 0) return;
  if (accepted.length > 0)
    statements.push(
      db
        .prepare(
          `SELECT DISTINCT provider, provider_message_id FROM message_event
           WHERE outbox_id IS NULL AND provider_message_id IN (SELECT value FROM json_each(?))`,
        )
        .bind(JSON.stringify(accepted.map((a) => a.providerMessageId))),
    );
  let outcome: D1Result[];
  try {
    outcome = await atomic(db, statements);
  } catch (e) {
    console.error('outcomes of the batch not recorded', e);
    for (const id of mine) results.set(id, { done: false, delaySeconds: SENDING_LEASE_SECONDS });
    return;
  }
  if (accepted.length === 0) return;
  const early = outcome[outcome.length - 1].results as {
    provider: ProviderName;
    provider_message_id: string;
  }[];
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
    for (const m of sends) m.retry({ delaySeconds: jobBackoffSeconds(m.attempts) });
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
