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

export type LeadJob =
  /** A verified delivery carried whole: keep it, then process its leads. */
  | { kind: 'leads.intake'; delivery: QueuedDelivery }
  /** One intake row already kept in D1. */
  | { kind: 'leads.process'; intakeId: number };
