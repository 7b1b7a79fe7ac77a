import type { Env } from './env';
import { app } from './http/app';
import { handleScheduled } from './jobs/cron';
import type { JobMessage } from './jobs/messages';
import { handleQueue } from './jobs/queue';

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, JobMessage>;
