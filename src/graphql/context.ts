import type { Env } from '../env';
import type { Viewer } from '../modules/auth/viewer';

export interface GraphQLContext {
  env: Env;
  db: D1Database;
  viewer: Viewer;
  ctx: ExecutionContext;
}
