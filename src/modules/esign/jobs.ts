// The tracked job kind 'esign': its steps (start at the provider, sync after a callback) and what FAILED and a
// staff retry mean for a signature request.
import type { Env } from '../../env';
import type { JobKindSpec } from '../jobs/runner';
import type { EsignJob } from './messages';
import { ProviderError, ProviderNotConfigured } from './provider';
import { onRetryStart, onStartFailed, runStart, runSync } from './signatures';

export const esignJobSpec: JobKindSpec<EsignJob> = {
  // A refusal no retry mends (a 4xx but 408/429, missing credentials) fails the job at once.
  isPermanent: (e) => (e instanceof ProviderError && e.permanent) || e instanceof ProviderNotConfigured,
  onFailed: (env, message, reason) => onStartFailed(env, message, reason),
  onCancel: (env, message) => onStartFailed(env, message, 'Cancelled by staff.'),
  onRetry: (env, message) => onRetryStart(env, message),
};

export function runEsignStep(env: Env, m: EsignJob): Promise<void> {
  return m.kind === 'esign.start'
    ? runStart(env, m.documentType, m.subjectId)
    : runSync(env, m.requestId, m.expected);
}
