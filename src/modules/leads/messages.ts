// The queue messages of lead intake (types only): shared by the webhook side that sends them and the
// consumer, without either importing the other.
import type { LeadSource } from './model';

export interface IntakeItem {
  externalId: string;
  ref: Record<string, unknown>;
}

/** A verified delivery carried whole by a queue message (up to QUEUED_MESSAGE_LIMIT bytes in all). */
export interface QueuedDelivery {
  source: LeadSource;
  sourceName: string | null;
  contentType: string | null;
  body: string;
  items: IntakeItem[];
  receivedAt: string;
}

/** Where the webhook's inbox copy of a carried delivery is: a group object (inbox.ts, groupCommit.ts). */
export interface InboxRef {
  key: string;
  /** The delivery's place in the group (0-based) and how many the group holds. */
  index: number;
  size: number;
}

export type LeadJob =
  /**
   * A verified delivery carried whole: keep it, then process its leads. `inbox` names its group object; a
   * message without it (sent before group commit) has a single-delivery object (inboxKey).
   */
  | { kind: 'leads.intake'; delivery: QueuedDelivery; inbox?: InboxRef }
  /** One intake row already kept in D1. */
  | { kind: 'leads.process'; intakeId: number };
