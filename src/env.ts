import type { JobMessage } from './jobs/messages';

/** Bindings declared in wrangler.toml. */
export interface Env {
  DB: D1Database;
  JOBS: Queue<JobMessage>;
  JOBS_DLQ: Queue<JobMessage>;
  /** The product's files, one bucket, separated by prefix (dead-letters/, lead-inbox/, …). */
  FILES: R2Bucket;
  ENVIRONMENT: string;
  JWT_SECRET: string;
  /** Login and sign-up attempts, per client address and per account (wrangler.toml [[ratelimits]]). */
  AUTH_ATTEMPT_LIMITER: RateLimit;
  /** Requests authenticated by an API key, per client address and per key. */
  API_KEY_LIMITER: RateLimit;
  /** Meta lead ads: app secret (X-Hub-Signature-256), webhook verify token, Graph API base with version. */
  META_APP_SECRET?: string;
  META_VERIFY_TOKEN?: string;
  GRAPH_API_BASE?: string;
  /** Optional: Graph API requests go through this binding instead of the internet (tests bind a fake). */
  GRAPH_API?: Fetcher;
  /** Optional: the public origin (https://crm.example.com) that offer links are given with. */
  PUBLIC_BASE_URL?: string;
}
