// The queue message of password reset (type only).

/**
 * Send a reset link to whoever has this e-mail address, if anyone. Queued for every request, so that the
 * request does the same work whether or not the address exists. Idempotent: `requestId` is the outbox row's
 * idempotency key, so a redelivery sends nothing twice.
 */
export type PasswordResetJob = { kind: 'passwordReset.send'; email: string; requestId: string };
