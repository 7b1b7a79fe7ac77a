// The queue message of the outbox (type only).

/** Send one outbox message (idempotent: the row's status decides what, if anything, is done). */
export type OutboxJob =
  | { kind: 'outbox.send'; outboxId: number }
  /** The next chunk of a broadcast's recipients (idempotent: the broadcast's cursor decides which). */
  | { kind: 'broadcast.fanout'; broadcastId: number };
