// In-app notifications of a distributor (issue 12 §7): the kinds of event they tell about. No I/O.

export const NOTIFICATION_KINDS = [
  /** A lead was assigned to the distributor (routing, or staff reassignment). */
  'LEAD_ASSIGNED',
  /** An order of one of the distributor's customers was paid. */
  'ORDER_PAID',
  /** A member of the distributor's downline reached a higher rank than before (written at period commit). */
  'RANK_ADVANCED',
  /** One of the distributor's customers has gone dormant (the CRM rule's task day). */
  'CUSTOMER_DORMANT',
  /** The distributor's statement of a committed period is ready. */
  'STATEMENT_READY',
  /** A reply (inbound SMS) came from someone the distributor texted. */
  'REPLY_RECEIVED',
  /** The recipient opened one of the distributor's offers for the first time. */
  'OFFER_VIEWED',
  /** The recipient accepted an offer (with a signature to follow when the company requires one). */
  'OFFER_ACCEPTED',
  /** The recipient declined an offer, or refused to sign it. */
  'OFFER_DECLINED',
  /** The recipient signed an accepted offer (its order was created). */
  'OFFER_SIGNED',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a notification is about: the type of the row its subject id names. */
export const NOTIFICATION_SUBJECTS = [
  'LEAD',
  'ORDER',
  'CUSTOMER',
  'PROSPECT',
  'DISTRIBUTOR',
  'PERIOD',
  'MESSAGE',
  'OFFER',
] as const;
export type NotificationSubject = (typeof NOTIFICATION_SUBJECTS)[number];

/** At most this many ids per markNotificationsRead. */
export const MARK_READ_MAX_IDS = 100;
