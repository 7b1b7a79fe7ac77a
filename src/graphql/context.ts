import type { Env } from '../env';
import type { Viewer } from '../modules/auth/viewer';
import type { JobKindSpec } from '../modules/jobs/runner';
import type { Loaders } from './loaders';

export interface GraphQLContext {
  env: Env;
  db: D1Database;
  viewer: Viewer;
  /** CF-Connecting-IP, for per-address rate limits (null outside Cloudflare). */
  clientAddress: string | null;
  ctx: ExecutionContext;
  loaders: Loaders;
  /** Each job kind's spec (jobs/routes.ts), for the staff actions on jobs and dead letters. */
  jobSpecOf: (kind: string) => JobKindSpec | undefined;
}
