import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../lib/errors';
import { encodeCursor, keysetClauses } from '../../lib/keyset';
import { CrmSubject, resolveSubject, subjectFromGlobalId } from '../crm/graphql/common';
import { requireSubject } from '../crm/subjects';
import { LocaleEnum } from '../genealogy/graphql';
import { broadcastById, changeBroadcast, type DryRun, dryRunBroadcast, startBroadcast } from './broadcasts';
import { type MessagePreview, previewMessage, sendMessage } from './compose';
import {
  BROADCAST_TEMPLATES,
  CHANNELS,
  EMAIL_PROVIDERS,
  MESSAGE_RULES,
  OUTBOX_STATUSES,
  PURPOSES,
  SMS_PROVIDERS,
} from './model';
import { canReadMessage, messagesTo, messagingSettings, outboxById } from './repository';
import { type MessageRuleRow, messageRules, setMessageRule } from './rules';
import { updateMessagingSettings } from './settings';
import type { BroadcastRow, MessagingSettingsRow, OutboxRow, TemplateRow } from './tables';
import { messageTemplates, type SavedTemplate, saveMessageTemplate } from './templateAdmin';

const MessageChannel = builder.enumType('MessageChannel', { values: CHANNELS });
const MessagePurpose = builder.enumType('MessagePurpose', { values: PURPOSES });
const MessageStatus = builder.enumType('MessageStatus', { values: OUTBOX_STATUSES });
const SmsEncoding = builder.enumType('SmsEncoding', { values: ['GSM7', 'UCS2'] as const });
const SmsProvider = builder.enumType('SmsProvider', { values: SMS_PROVIDERS });
const EmailProvider = builder.enumType('EmailProvider', { values: EMAIL_PROVIDERS });

export const OutboxMessage = builder.objectRef<OutboxRow>('OutboxMessage');
builder.node(OutboxMessage, {
  description: 'An SMS or e-mail in the outbox: what was sent to whom, and how far it got.',
  id: { resolve: (m) => m.id },
  loadOne: async (id, ctx) => {
    const m = await outboxById(ctx.db, Number(id));
    return m && canReadMessage(ctx.viewer, m) ? m : null;
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'idempotency_key' in o,
  fields: (t) => ({
    channel: t.field({ type: MessageChannel, resolve: (m) => m.channel }),
    purpose: t.field({ type: MessagePurpose, resolve: (m) => m.purpose }),
    status: t.field({ type: MessageStatus, resolve: (m) => m.status }),
    recipient: t.field({
      type: CrmSubject,
      nullable: true,
      resolve: (m, _a, ctx) =>
        m.recipient_type === 'STAFF' ? null : resolveSubject(ctx, m.recipient_type, m.recipient_id),
    }),
    address: t.exposeString('address', { description: 'The E.164 number or e-mail address used.' }),
    templateKey: t.exposeString('template_key', { nullable: true }),
    locale: t.field({ type: LocaleEnum, resolve: (m) => m.locale }),
    subject: t.exposeString('subject', { nullable: true }),
    body: t.exposeString('body', { description: 'The text (the text part of an e-mail).' }),
    smsEncoding: t.field({ type: SmsEncoding, nullable: true, resolve: (m) => m.sms_encoding }),
    smsSegments: t.exposeInt('sms_segments', { nullable: true }),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('last_error', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.created_at }),
    sentAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.sent_at }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.delivered_at }),
  }),
});

builder.queryField('messages', (t) =>
  t.connection({
    type: OutboxMessage,
    authScopes: { admin: true, distributor: true },
    description: 'The messages sent to a person, newest first (their thread).',
    args: { subjectId: t.arg.globalID({ required: true }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: async (_r, args, ctx) => {
      const subject = await requireSubject(ctx.db, ctx.viewer, subjectFromGlobalId(args.subjectId));
      return resolvePage<Promise<OutboxRow[]>>(
        { args, toCursor: (m: OutboxRow) => encodeCursor([m.id]), defaultSize: 20, maxSize: 100 },
        (page) => messagesTo(ctx.db, ctx.viewer, subject, keysetClauses(['id'], 'DESC', page)),
      );
    },
  }),
);

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    recipientId: t.globalID({
      required: true,
      description: 'A customer, lead or prospect (staff: a distributor too).',
    }),
    channel: t.field({ type: MessageChannel, required: true }),
    templateKey: t.string({ required: false, description: 'PERSONAL; or give text instead.' }),
    purpose: t.field({ type: MessagePurpose, required: false, description: 'Required with text.' }),
    subject: t.string({ required: false, description: 'E-mail with text: required.' }),
    text: t.string({ required: false }),
  }),
});

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: OutboxMessage,
    description:
      'Sends an SMS or e-mail through the outbox. Marketing needs the person’s consent for the channel, carries an unsubscribe link, waits out the recipient’s quiet hours (SMS) and counts toward the distributor’s daily limit; a suppressed address is recorded as SUPPRESSED and never sent.',
    errors: {
      types: [ValidationError, NotFoundError, ForbiddenError, RateLimitedError],
      dataField: { name: 'outboxMessage' },
    },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { recipientId, ...rest } = input;
      const ref = subjectFromGlobalId(recipientId, 'recipientId');
      return sendMessage(ctx.env, ctx.viewer, { ...rest, recipientType: ref.type, recipientId: ref.id });
    },
  }),
);

const MessagePreviewType = builder.objectRef<MessagePreview>('MessagePreview').implement({
  description: 'A message rendered for a real recipient, as sendMessage would send it; nothing is written.',
  fields: (t) => ({
    channel: t.field({ type: MessageChannel, resolve: (p) => p.channel }),
    purpose: t.field({ type: MessagePurpose, resolve: (p) => p.purpose }),
    locale: t.field({ type: LocaleEnum, resolve: (p) => p.locale }),
    address: t.exposeString('address'),
    subject: t.exposeString('subject', { nullable: true }),
    text: t.exposeString('text'),
    html: t.exposeString('html', { nullable: true }),
    smsEncoding: t.field({ type: SmsEncoding, nullable: true, resolve: (p) => p.sms?.encoding ?? null }),
    smsSegments: t.int({ nullable: true, resolve: (p) => p.sms?.segments ?? null }),
    smsCharacters: t.int({ nullable: true, resolve: (p) => p.sms?.characters ?? null }),
    smsRemainingInSegment: t.int({ nullable: true, resolve: (p) => p.sms?.remainingInSegment ?? null }),
    smsNonGsmCharacters: t.stringList({
      nullable: true,
      description: 'The characters that force UCS-2 (70 characters a segment instead of 160).',
      resolve: (p) => p.sms?.nonGsmCharacters ?? null,
    }),
    marketingConsent: t.exposeBoolean('marketingConsent'),
    suppressed: t.exposeBoolean('suppressed'),
  }),
});

builder.queryField('previewMessage', (t) =>
  t.field({
    type: MessagePreviewType,
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { recipientId, ...rest } = input;
      const ref = subjectFromGlobalId(recipientId, 'recipientId');
      return previewMessage(ctx.env, ctx.viewer, { ...rest, recipientType: ref.type, recipientId: ref.id });
    },
  }),
);

const MessageTemplate = builder.objectRef<TemplateRow>('MessageTemplate').implement({
  description: 'A Liquid template of one purpose, channel and locale.',
  fields: (t) => ({
    purposeKey: t.exposeString('purpose_key'),
    channel: t.field({ type: MessageChannel, resolve: (r) => r.channel }),
    locale: t.field({ type: LocaleEnum, resolve: (r) => r.locale }),
    purpose: t.field({ type: MessagePurpose, resolve: (r) => r.purpose }),
    subject: t.exposeString('subject', { nullable: true }),
    body: t.exposeString('body'),
    html: t.exposeString('html', { nullable: true }),
    updatedAt: t.field({ type: 'DateTime', resolve: (r) => r.updated_at }),
  }),
});

const SavedMessageTemplate = builder.objectRef<SavedTemplate>('SavedMessageTemplate').implement({
  fields: (t) => ({
    template: t.field({ type: MessageTemplate, resolve: (s) => s.template }),
    sampleSubject: t.string({ nullable: true, resolve: (s) => s.sample.subject }),
    sampleText: t.string({ resolve: (s) => s.sample.text }),
    sampleSmsEncoding: t.field({
      type: SmsEncoding,
      nullable: true,
      resolve: (s) => s.sample.sms?.encoding ?? null,
    }),
    sampleSmsSegments: t.int({ nullable: true, resolve: (s) => s.sample.sms?.segments ?? null }),
  }),
});

builder.queryField('messageTemplates', (t) =>
  t.field({
    type: [MessageTemplate],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => messageTemplates(ctx.db),
  }),
);

const SaveMessageTemplateInput = builder.inputType('SaveMessageTemplateInput', {
  fields: (t) => ({
    purposeKey: t.string({ required: true }),
    channel: t.field({ type: MessageChannel, required: true }),
    locale: t.field({ type: LocaleEnum, required: true }),
    subject: t.string({ required: false }),
    body: t.string({ required: true, description: 'Liquid; the text part of an e-mail.' }),
    html: t.string({
      required: false,
      description: 'Liquid; values are HTML-escaped. Default: the text, escaped.',
    }),
  }),
});

builder.mutationField('saveMessageTemplate', (t) =>
  t.field({
    type: SavedMessageTemplate,
    description:
      'Staff: creates or replaces a template after checking that it compiles and renders a sample.',
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'saved' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: SaveMessageTemplateInput, required: true }) },
    resolve: (_r, { input }, ctx) => saveMessageTemplate(ctx.db, ctx.viewer, input),
  }),
);

const MessagingSettings = builder.objectRef<MessagingSettingsRow>('MessagingSettings').implement({
  description: 'Providers per channel, senders, the fallback locale of templates, quiet hours, limits.',
  fields: (t) => ({
    defaultLocale: t.field({ type: LocaleEnum, resolve: (s) => s.default_locale }),
    smsProvider: t.field({ type: SmsProvider, nullable: true, resolve: (s) => s.sms_provider }),
    emailProvider: t.field({ type: EmailProvider, nullable: true, resolve: (s) => s.email_provider }),
    smsSender: t.exposeString('sms_sender', { nullable: true }),
    emailFrom: t.exposeString('email_from', { nullable: true }),
    quietHoursStart: t.exposeString('quiet_hours_start', { description: "Recipient's local time, HH:MM." }),
    quietHoursEnd: t.exposeString('quiet_hours_end'),
    marketingDailyLimit: t.exposeInt('marketing_daily_limit'),
    shopUrl: t.exposeString('shop_url', {
      nullable: true,
      description: 'The {{ shopUrl }} of templates; {referralCode} becomes the distributor’s referral code.',
    }),
  }),
});

builder.queryField('messagingSettings', (t) =>
  t.field({
    type: MessagingSettings,
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => messagingSettings(ctx.db),
  }),
);

const UpdateMessagingSettingsInput = builder.inputType('UpdateMessagingSettingsInput', {
  fields: (t) => ({
    defaultLocale: t.field({ type: LocaleEnum, required: false }),
    smsProvider: t.field({ type: SmsProvider, required: false }),
    emailProvider: t.field({ type: EmailProvider, required: false }),
    smsSender: t.string({
      required: false,
      description: 'An E.164 number or an alphanumeric sender (≤ 11).',
    }),
    emailFrom: t.string({ required: false, description: 'An address, or Name <address>.' }),
    quietHoursStart: t.string({ required: false }),
    quietHoursEnd: t.string({ required: false }),
    marketingDailyLimit: t.int({ required: false }),
    shopUrl: t.string({
      required: false,
      description: 'An https URL; {referralCode} in it becomes the sending distributor’s referral code.',
    }),
  }),
});

builder.mutationField('updateMessagingSettings', (t) =>
  t.field({
    type: MessagingSettings,
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'settings' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: UpdateMessagingSettingsInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateMessagingSettings(ctx.db, ctx.viewer, input),
  }),
);

const MessageRuleName = builder.enumType('MessageRuleName', { values: MESSAGE_RULES });
const MessageRule = builder.objectRef<MessageRuleRow>('MessageRule').implement({
  description: 'A CRM follow-up rule that also sends its template by a channel (timing: the CRM rule’s N).',
  fields: (t) => ({
    rule: t.field({ type: MessageRuleName, resolve: (r) => r.rule }),
    channel: t.field({ type: MessageChannel, resolve: (r) => r.channel }),
    enabled: t.boolean({ resolve: (r) => r.enabled === 1 }),
  }),
});

builder.queryField('messageRules', (t) =>
  t.field({
    type: [MessageRule],
    authScopes: { admin: true },
    resolve: (_r, _a, ctx) => messageRules(ctx.db),
  }),
);

const SetMessageRuleInput = builder.inputType('SetMessageRuleInput', {
  fields: (t) => ({
    rule: t.field({ type: MessageRuleName, required: true }),
    channel: t.field({ type: MessageChannel, required: true }),
    enabled: t.boolean({ required: true }),
  }),
});

builder.mutationField('setMessageRule', (t) =>
  t.field({
    type: MessageRule,
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'rule' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: SetMessageRuleInput, required: true }) },
    resolve: (_r, { input }, ctx) => setMessageRule(ctx.db, ctx.viewer, input),
  }),
);

const BroadcastStatus = builder.enumType('BroadcastStatus', {
  values: ['RUNNING', 'PAUSED', 'CANCELLED', 'DONE'] as const,
});
const SegmentKind = builder.enumType('BroadcastSegmentKind', {
  values: ['CUSTOMERS', 'DISTRIBUTORS', 'LEADS'] as const,
});

const BroadcastTemplate = builder.enumType('BroadcastTemplate', { values: BROADCAST_TEMPLATES });

export const Broadcast = builder.objectRef<BroadcastRow>('Broadcast');
builder.node(Broadcast, {
  description:
    'A staff message to a segment, fanned out in chunks; queued + suppressed + skipped is the progress.',
  id: { resolve: (b) => b.id },
  loadOne: async (id, ctx) => (ctx.viewer.kind === 'ADMIN' ? broadcastById(ctx.db, Number(id)) : null),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'segment' in o && 'cursor' in o,
  fields: (t) => ({
    name: t.exposeString('name'),
    channel: t.field({ type: MessageChannel, resolve: (b) => b.channel }),
    purpose: t.field({ type: MessagePurpose, resolve: (b) => b.purpose }),
    status: t.field({ type: BroadcastStatus, resolve: (b) => b.status }),
    subject: t.exposeString('subject', { nullable: true }),
    text: t.exposeString('body', { nullable: true, description: 'The free text; null for a template.' }),
    templateKey: t.field({
      type: BroadcastTemplate,
      nullable: true,
      description: 'The template rendered per recipient, in their locale.',
      resolve: (b) => b.template_key as (typeof BROADCAST_TEMPLATES)[number] | null,
    }),
    segment: t.field({ type: 'JSON', resolve: (b) => JSON.parse(b.segment) }),
    queued: t.exposeInt('queued'),
    suppressed: t.exposeInt('suppressed'),
    skipped: t.exposeInt('skipped', { description: 'No usable address, or no consent for marketing.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (b) => b.created_at }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (b) => b.finished_at }),
  }),
});

const BroadcastSegmentInput = builder.inputType('BroadcastSegmentInput', {
  fields: (t) => ({
    kind: t.field({ type: SegmentKind, required: true }),
    country: t.string({ required: false }),
    dormant: t.boolean({ required: false, description: 'Customers: only those found dormant.' }),
    minLifetimeRank: t.int({ required: false, description: 'Distributors: lifetime rank at least this.' }),
    campaignId: t.string({ required: false, description: 'Leads: of this campaign.' }),
  }),
});

const BroadcastInput = builder.inputType('BroadcastInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    channel: t.field({ type: MessageChannel, required: true }),
    purpose: t.field({
      type: MessagePurpose,
      required: false,
      description: 'Required with a text; a template has its own purpose.',
    }),
    subject: t.string({ required: false, description: 'E-mail with a text; a template has its own.' }),
    text: t.string({ required: false, description: 'A free text, or else templateKey.' }),
    templateKey: t.field({
      type: BroadcastTemplate,
      required: false,
      description: 'A template rendered per recipient in their locale (fallback: the default locale).',
    }),
    segment: t.field({ type: BroadcastSegmentInput, required: true }),
  }),
});

const BroadcastDryRun = builder.objectRef<DryRun>('BroadcastDryRun').implement({
  fields: (t) => ({
    recipients: t.exposeInt('recipients'),
    withoutAddress: t.exposeInt('withoutAddress'),
    withoutConsent: t.exposeInt('withoutConsent'),
    suppressed: t.exposeInt('suppressed'),
    sendable: t.exposeInt('sendable'),
  }),
});

builder.queryField('broadcastDryRun', (t) =>
  t.field({
    type: BroadcastDryRun,
    description:
      'Counts a broadcast’s recipients, missing addresses, missing consent and suppressions; sends nothing.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: BroadcastInput, required: true }) },
    resolve: (_r, { input }, ctx) => dryRunBroadcast(ctx.db, ctx.viewer, input),
  }),
);

builder.mutationField('startBroadcast', (t) =>
  t.field({
    type: Broadcast,
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'broadcast' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: BroadcastInput, required: true }) },
    resolve: (_r, { input }, ctx) => startBroadcast(ctx.env, ctx.viewer, input),
  }),
);

const BroadcastIdInput = builder.inputType('BroadcastIdInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: Broadcast }) }),
});

for (const [field, action] of [
  ['pauseBroadcast', 'pause'],
  ['resumeBroadcast', 'resume'],
  ['cancelBroadcast', 'cancel'],
] as const)
  builder.mutationField(field, (t) =>
    t.field({
      type: Broadcast,
      errors: { types: [NotFoundError, ConflictError, ForbiddenError], dataField: { name: 'broadcast' } },
      authScopes: { admin: true },
      args: { input: t.arg({ type: BroadcastIdInput, required: true }) },
      resolve: (_r, { input }, ctx) => changeBroadcast(ctx.env, ctx.viewer, Number(input.id.id), action),
    }),
  );
