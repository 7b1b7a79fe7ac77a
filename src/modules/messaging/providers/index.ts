// The adapter of a provider.
import type { Env } from '../../../env';
import type { ProviderName } from '../model';
import { cloudflareEmailAdapter } from './cloudflare';
import { gatewayApiAdapter } from './gatewayapi';
import { resendAdapter } from './resend';
import { twilioAdapter } from './twilio';
import type { ProviderAdapter } from './types';

export function adapterFor(env: Env, provider: ProviderName): ProviderAdapter {
  switch (provider) {
    case 'TWILIO':
      return twilioAdapter(env);
    case 'GATEWAYAPI':
      return gatewayApiAdapter(env);
    case 'RESEND':
      return resendAdapter(env);
    case 'CLOUDFLARE':
      return cloudflareEmailAdapter(env);
  }
}

/**
 * Providers that can settle a message whose send was interrupted (Twilio by lookup, Resend by its
 * idempotency key). The others cannot tell, so such a message is never handed to the send step again.
 */
export const RECOVERABLE_PROVIDERS: readonly ProviderName[] = ['TWILIO', 'RESEND'];
