import type { JobMessage } from './jobs/messages';

/** Bindings declared in wrangler.toml. */
export interface Env {
  DB: D1Database;
  JOBS: Queue<JobMessage>;
  JOBS_DLQ: Queue<JobMessage>;
  ENVIRONMENT: string;
  JWT_SECRET: string;
}
