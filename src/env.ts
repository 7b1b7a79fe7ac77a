import type { JobMessage } from './jobs/messages';
import type { LeadJob } from './modules/leads/messages';
import type { OutboxJob } from './modules/messaging/messages';
import type { EmailSendBinding } from './modules/messaging/providers/cloudflare';

/** Bindings declared in wrangler.toml. */
export interface Env {
  DB: D1Database;
  JOBS: Queue<JobMessage>;
  JOBS_DLQ: Queue<JobMessage>;
  /** Lead intake's own queue (consumed in batches of 100; wrangler.toml). */
  LEADS: Queue<LeadJob>;
  /** Outbox sends (messaging/enqueue.ts): their own queue, apart from the jobs. */
  OUTBOX: Queue<OutboxJob>;
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
  /** The public origin of this Worker (https://crm.example.com): status callback URLs, their signatures, offer links. */
  PUBLIC_BASE_URL?: string;
  /** Twilio (SMS): account, auth token (sends and X-Twilio-Signature), API base; a binding replaces the internet. */
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_API_BASE?: string;
  TWILIO_API?: Fetcher;
  /** GatewayAPI (SMS): API token, webhook secret (the HS256 JWT in X-Gwapi-Signature), API base, binding. */
  GATEWAYAPI_TOKEN?: string;
  GATEWAYAPI_WEBHOOK_SECRET?: string;
  GATEWAYAPI_BASE?: string;
  GATEWAYAPI_API?: Fetcher;
  /** Resend-compatible e-mail API: key, webhook signing secret (whsec_...), API base, binding. */
  RESEND_API_KEY?: string;
  RESEND_WEBHOOK_SECRET?: string;
  RESEND_API_BASE?: string;
  RESEND_API?: Fetcher;
  /** Autenti (e-signature, Document Process API v2): OAuth2 client credentials, API base, callback JWKS URL, binding. */
  AUTENTI_CLIENT_ID?: string;
  AUTENTI_CLIENT_SECRET?: string;
  AUTENTI_API_BASE?: string;
  AUTENTI_JWKS_URL?: string;
  AUTENTI_API?: Fetcher;
  /** Documenso (e-signature, API v2): API key (`api_...`), webhook secret, API base, binding. */
  DOCUMENSO_API_KEY?: string;
  DOCUMENSO_WEBHOOK_SECRET?: string;
  DOCUMENSO_API_BASE?: string;
  DOCUMENSO_API?: Fetcher;
  /** Cloudflare Email Service ([[send_email]] binding). */
  EMAIL?: EmailSendBinding;
}
