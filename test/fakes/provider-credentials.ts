// Test-only credentials of the provider fakes: bound to the worker in test/vitest.config.ts and checked by
// the fakes, so that a request with the wrong credentials gets the provider's own refusal.
export const FAKE_PROVIDERS = {
  PUBLIC_BASE_URL: 'https://crm.example.test',
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: 'fake-twilio-auth-token',
  TWILIO_API_BASE: 'https://api.twilio.fake.test',
  GATEWAYAPI_TOKEN: 'fake-gatewayapi-token',
  GATEWAYAPI_WEBHOOK_SECRET: 'fake-gatewayapi-webhook-secret',
  GATEWAYAPI_BASE: 'https://gatewayapi.fake.test',
  RESEND_API_KEY: 're_fake_0123456789',
  // whsec_ + base64 of 24 bytes, as Svix issues them.
  RESEND_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  RESEND_API_BASE: 'https://api.resend.fake.test',
  AUTENTI_CLIENT_ID: 'fake-autenti-client',
  AUTENTI_CLIENT_SECRET: 'fake-autenti-client-secret',
  AUTENTI_API_BASE: 'https://api.autenti.fake.test/api/v2',
  AUTENTI_JWKS_URL: 'https://api.autenti.fake.test/developers/keys/webhook.jwks',
  DOCUMENSO_API_KEY: 'api_fake0123456789documenso',
  DOCUMENSO_WEBHOOK_SECRET: 'fake-documenso-webhook-secret',
  DOCUMENSO_API_BASE: 'https://documenso.fake.test/api/v2',
} as const;
