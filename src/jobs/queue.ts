import type { Env } from '../env';
import { handleAutoshipJob } from '../modules/autoship/jobs';
import { handlePeriodJob } from '../modules/commissions/periods/jobs';
import { runWhatIf } from '../modules/commissions/whatif/run';
import { handleImportJob } from '../modules/genealogy/import/jobs';
import { handleLeadJob } from '../modules/leads/jobs';
import { handleOrderImportJob } from '../modules/orders/import/jobs';
import type { JobMessage } from './messages';

/** Routes each queue message to its module; a failure retries that message alone. */
export async function handleQueue(
  batch: MessageBatch<JobMessage>,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  for (const message of batch.messages) {
    try {
      switch (message.body.kind) {
        case 'noop':
          break;
        case 'genealogyImport.validate':
        case 'genealogyImport.apply':
        case 'genealogyImport.cleanup':
          await handleImportJob(message, message.body, env);
          break;
        case 'orderImport.validate':
        case 'orderImport.apply':
        case 'orderImport.cleanup':
          await handleOrderImportJob(message, message.body, env);
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
        case 'leads.process':
          await handleLeadJob(message, message.body, env, batch.queue);
          break;
        default:
          console.error('unknown job', message.body);
      }
      message.ack();
    } catch (e) {
      console.error('job failed', message.body, e);
      message.retry();
    }
  }
}
