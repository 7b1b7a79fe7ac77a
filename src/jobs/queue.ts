import type { Env } from '../env';
import { handleAutoshipJob } from '../modules/autoship/jobs';
import { handlePeriodJob } from '../modules/commissions/periods/jobs';
import { runWhatIf } from '../modules/commissions/whatif/run';
import { genealogyImports } from '../modules/genealogy/import/kind';
import { handleImportJob } from '../modules/imports/jobs';
import { handleLeadMessages, isLeadJob } from '../modules/leads/jobs';
import { handleOutboxJob } from '../modules/messaging/jobs';
import { orderImports } from '../modules/orders/import/kind';
import type { JobMessage } from './messages';

/** Routes each queue message to its module; a failure retries that message alone. */
export async function handleQueue(
  batch: MessageBatch<JobMessage>,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  // Lead messages are handled together (a few D1 round trips for the whole batch); they ack or retry
  // themselves.
  await handleLeadMessages(
    batch.messages.filter((m) => isLeadJob(m.body)),
    env,
    batch.queue,
  );
  for (const message of batch.messages) {
    if (isLeadJob(message.body)) continue;
    try {
      switch (message.body.kind) {
        case 'noop':
          break;
        case 'genealogyImport.validate':
        case 'genealogyImport.apply':
        case 'genealogyImport.cleanup':
          await handleImportJob(genealogyImports, message, message.body, env);
          break;
        case 'orderImport.validate':
        case 'orderImport.apply':
        case 'orderImport.cleanup':
          await handleImportJob(orderImports, message, message.body, env);
          break;
        case 'whatif.run':
          await runWhatIf(env.DB, message.body.runId);
          break;
        case 'period.snapshot':
        case 'period.compute':
          await handlePeriodJob(message.body, env);
          break;
        case 'autoship.generate':
          await handleAutoshipJob(message.body, env, new Date());
          break;
        case 'outbox.send':
        case 'broadcast.fanout':
          // Acks, or retries with the delay the send step asks for (Retry-After, backoff, a claim's lease).
          await handleOutboxJob(message, message.body, env, batch.queue);
          continue;
        default: {
          // Every kind of JobMessage has a case above: a new kind without one fails the typecheck here.
          const unrouted: never = message.body;
          console.error('unknown job', unrouted);
        }
      }
      message.ack();
    } catch (e) {
      console.error('job failed', message.body, e);
      message.retry();
    }
  }
}
