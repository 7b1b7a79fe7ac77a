// Queue entry point of lead intake: the lead messages of a batch are handled together (a few D1 round trips
// for the whole batch, not a few per lead); handling a message twice changes nothing.
import type { Env } from '../../env';
import type { JobMessage } from '../../jobs/messages';
import { atomic } from '../../lib/db';
import { keepStatements } from './intake';
import type { LeadJob } from './messages';
import { giveUpIntakes, processIntakes } from './process';

export type { LeadJob };

export const isLeadJob = (body: JobMessage): body is LeadJob =>
  body.kind === 'leads.intake' || body.kind === 'leads.process';

/** Intakes processed together at most (one claim, one routing round, one write batch each). */
const PROCESS_CHUNK = 100;

/** The dead-letter queue of the jobs queue (wrangler.toml). */
export const DLQ_NAME = 'mlm-crm-jobs-dlq';

/**
 * On the jobs queue: keep the carried deliveries, process every pending intake, ack each message whose
 * intakes are settled and retry each one with a transient failure (after the last retry Queues moves it to
 * the DLQ). On the DLQ: keep what never was, and mark the still-pending intakes FAILED; the raw event stays
 * for a retry by staff.
 */
export async function handleLeadMessages(
  messages: readonly Message<JobMessage>[],
  env: Env,
  queue: string,
): Promise<void> {
  if (messages.length === 0) return;
  let intakesOf: number[][];
  try {
    intakesOf = await keepAll(env.DB, messages);
  } catch (e) {
    console.error('keeping lead deliveries failed', e);
    // On the DLQ this was the last try: the log keeps the raw deliveries so that staff can replay them.
    if (queue === DLQ_NAME)
      for (const m of messages) console.error('lost lead delivery', JSON.stringify(m.body));
    for (const m of messages) m.retry();
    return;
  }
  if (queue === DLQ_NAME) {
    for (const [k, m] of messages.entries()) {
      await giveUpIntakes(env.DB, intakesOf[k], m.attempts);
      m.ack();
    }
    return;
  }
  const retry = new Set<number>();
  try {
    const all = [...new Set(intakesOf.flat())];
    for (let i = 0; i < all.length; i += PROCESS_CHUNK) {
      const { transient } = await processIntakes(env, all.slice(i, i + PROCESS_CHUNK));
      for (const t of transient) {
        retry.add(t.intakeId);
        console.error(`lead intake ${t.intakeId} will be retried`, t.error);
      }
    }
  } catch (e) {
    console.error('processing lead intakes failed', e);
    for (const m of messages) m.retry();
    return;
  }
  for (const [k, m] of messages.entries()) {
    if (intakesOf[k].some((id) => retry.has(id))) m.retry();
    else m.ack();
  }
}

/** Keeps every carried delivery in one batch; the pending intake ids of each message. */
async function keepAll(db: D1Database, messages: readonly Message<JobMessage>[]): Promise<number[][]> {
  const plans = await Promise.all(
    messages.map(async (m) => {
      const job = m.body as LeadJob;
      if (job.kind === 'leads.process') return { ids: [job.intakeId], statements: [] };
      return { ids: null, statements: await keepStatements(db, job.delivery) };
    }),
  );
  const statements = plans.flatMap((p) => p.statements);
  const results = statements.length > 0 ? await atomic(db, statements) : [];
  let at = 0;
  return plans.map((p) => {
    if (p.ids) return p.ids;
    at += p.statements.length;
    // The last statement of a delivery's plan lists its pending intakes.
    return (results[at - 1].results as { id: number }[]).map((r) => r.id);
  });
}
