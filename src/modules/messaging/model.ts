// Constants and types of messaging (issue 12): channels, purposes, statuses, providers, the purpose keys of
// the templates and the variables each may use. No I/O.

export const CHANNELS = ['SMS', 'EMAIL'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PURPOSES = ['TRANSACTIONAL', 'MARKETING'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const LOCALES = ['da', 'pl', 'de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const RECIPIENT_TYPES = ['CUSTOMER', 'LEAD', 'PROSPECT', 'DISTRIBUTOR'] as const;
export type RecipientType = (typeof RECIPIENT_TYPES)[number];

/** Who an outbox row may go to: the people above, and staff members (their password reset e-mails). */
export const OUTBOX_RECIPIENT_TYPES = [...RECIPIENT_TYPES, 'STAFF'] as const;

export const SENDER_KINDS = ['DISTRIBUTOR', 'STAFF', 'RULE', 'SYSTEM'] as const;

export const OUTBOX_STATUSES = [
  'QUEUED',
  'SENDING',
  'SENT',
  'DELIVERED',
  'FAILED',
  'BOUNCED',
  'UNDELIVERABLE',
  'SUPPRESSED',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What a provider event can move a message to. */
export const EVENT_STATUSES = ['SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'UNDELIVERABLE'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const PROVIDERS = ['TWILIO', 'GATEWAYAPI', 'RESEND', 'CLOUDFLARE'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const SMS_PROVIDERS = ['TWILIO', 'GATEWAYAPI'] as const;
export const EMAIL_PROVIDERS = ['RESEND', 'CLOUDFLARE'] as const;

export const SUPPRESSION_REASONS = ['HARD_BOUNCE', 'COMPLAINT', 'UNDELIVERABLE', 'OPT_OUT'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const FINAL_STATUSES: readonly OutboxStatus[] = [
  'DELIVERED',
  'FAILED',
  'BOUNCED',
  'UNDELIVERABLE',
  'SUPPRESSED',
];

/**
 * The order statuses move in. A provider event applies only when it moves a message forward: a late `sent`
 * never overwrites `delivered`, and nothing moves a final status (a delivered message that later bounces is
 * the one exception providers report: a bounce after delivery is kept as an event and suppresses the
 * address, the status stays).
 */
export const STATUS_RANK: Record<OutboxStatus, number> = {
  QUEUED: 0,
  SENDING: 1,
  SENT: 2,
  DELIVERED: 3,
  FAILED: 3,
  BOUNCED: 3,
  UNDELIVERABLE: 3,
  SUPPRESSED: 3,
};

/** Whether an event status may replace the current one. */
export function advances(current: OutboxStatus, next: EventStatus): boolean {
  return STATUS_RANK[next] > STATUS_RANK[current];
}

/** Template variables every purpose has. */
const COMMON = [
  'recipient.firstName',
  'recipient.name',
  'distributor.name',
  'distributor.firstName',
  'distributor.phone',
  'distributor.email',
  'company.name',
] as const;

export interface PurposeDefinition {
  purpose: Purpose;
  channels: readonly Channel[];
  /** Variables a template of this purpose may use (dotted paths). */
  variables: readonly string[];
}

/**
 * The purpose keys of templates: the automatic messages and the free templates. Marketing purposes have
 * `unsubscribeUrl`.
 */
export const PURPOSE_KEYS = {
  ORDER_PAID: {
    purpose: 'TRANSACTIONAL',
    channels: CHANNELS,
    variables: [...COMMON, 'order.number', 'order.total', 'order.date', 'order.items'],
  },
  ORDER_FOLLOW_UP: {
    purpose: 'TRANSACTIONAL',
    channels: CHANNELS,
    variables: [...COMMON, 'order.number', 'order.total', 'order.date', 'order.items'],
  },
  REORDER_REMINDER: {
    purpose: 'MARKETING',
    channels: CHANNELS,
    variables: [...COMMON, 'product.name', 'reorder.date', 'shopUrl', 'unsubscribeUrl'],
  },
  DORMANT_MEMBER: {
    purpose: 'MARKETING',
    channels: CHANNELS,
    variables: [...COMMON, 'shopUrl', 'unsubscribeUrl'],
  },
  PASSWORD_RESET: {
    purpose: 'TRANSACTIONAL',
    channels: ['EMAIL'],
    variables: [...COMMON, 'resetUrl', 'expiresInMinutes'],
  },
  /** A distributor's own template for a personal message. */
  PERSONAL: { purpose: 'TRANSACTIONAL', channels: CHANNELS, variables: [...COMMON] },
  /** A distributor's or staff member's marketing message. */
  PROMOTION: {
    purpose: 'MARKETING',
    channels: CHANNELS,
    variables: [...COMMON, 'shopUrl', 'unsubscribeUrl'],
  },
} as const satisfies Record<string, PurposeDefinition>;
export type PurposeKey = keyof typeof PURPOSE_KEYS;

/** Templates a broadcast may use: every variable they have is known for each recipient of a segment. */
export const BROADCAST_TEMPLATES = ['PROMOTION', 'PERSONAL'] as const;

/** The locale a person without one of their own reads, by country. */
export const COUNTRY_LOCALE: Record<string, Locale> = { DK: 'da', PL: 'pl', DE: 'de', AT: 'de', CH: 'de' };

export function isPurposeKey(key: string): key is PurposeKey {
  return Object.hasOwn(PURPOSE_KEYS, key);
}

/** CRM rules that can send their template as a message (the purpose key of each is the rule's name). */
export const MESSAGE_RULES = ['ORDER_FOLLOW_UP', 'REORDER_REMINDER', 'DORMANT_MEMBER'] as const;
export type MessageRule = (typeof MESSAGE_RULES)[number];

/** Limits of what a message may carry. */
export const MESSAGE_LIMITS = {
  /** Ten concatenated segments of UCS-2 (67 each) is far beyond any sane SMS; GSM-7 gets 10 × 153. */
  smsSegments: 10,
  subject: 200,
  emailText: 100_000,
  emailHtml: 500_000,
  templateSource: 100_000,
} as const;
