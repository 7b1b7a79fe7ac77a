// The queue message of the outbox (type only).

/** Send one outbox message (idempotent: the row's status decides what, if anything, is done). */
export type OutboxJob = { kind: 'outbox.send'; outboxId: number };
