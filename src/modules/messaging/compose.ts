// Sending a message to a person (issue 12 §5): a distributor to their own customers, leads and prospects
// (staff to anyone), from a template or free text. The message is rendered, checked against consent and
// suppressions, written as an outbox row together with the activity in the person's contact history, and
// handed to the queue. Bad input writes nothing.
import { z } from 'zod';
import type { Env } from '../../env';
import { atomic } from '../../lib/db';
import { ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../../lib/errors';
import { freeText, nameText } from '../../lib/text';
import { addDays, dayInZone, startOfDayInZone } from '../../lib/time';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { loadSettings } from '../company/settings';
import { type ResolvedSubject, visibleSubject } from '../crm/subjects';
import { distributorById } from '../genealogy/reads';
import { countryCode } from '../leads/model';
import { emailAddress, smsNumber } from './addresses';
import { enqueueSends } from './enqueue';
import {
  CHANNELS,
  type Channel,
  COUNTRY_LOCALE,
  isPurposeKey,
  LOCALES,
  type Locale,
  MESSAGE_LIMITS,
  PURPOSE_KEYS,
  PURPOSES,
  type Purpose,
  type PurposeKey,
  RECIPIENT_TYPES,
  type RecipientType,
} from './model';
import { hasMarketingConsent, personExists, resolveTemplate } from './people';
import { nextAllowedInstant, recipientZone } from './quietHours';
import { isSuppressed, messagingSettings } from './repository';
import { type SmsInfo, smsInfo } from './sms';
import type { OutboxRow } from './tables';
import { checkRendered, escapeHtml, htmlOfText, type RenderedMessage, renderTemplate } from './templates';
import { UNSUBSCRIBE_LINE, unsubscribeToken, unsubscribeUrl } from './unsubscribe';
import { templateVariables } from './variables';

/** Templates a person may send by hand: their variables are all known at send time. */
const MANUAL_TEMPLATES = ['PERSONAL'] as const;

const sendSchema = z
  .object({
    recipientType: z.enum(RECIPIENT_TYPES),
    recipientId: z.number().int().positive(),
    channel: z.enum(CHANNELS),
    templateKey: z.string().max(64).nullish(),
    purpose: z.enum(PURPOSES).nullish(),
    subject: nameText(MESSAGE_LIMITS.subject).nullish(),
    text: freeText(MESSAGE_LIMITS.emailText).nullish(),
  })
  .superRefine((v, ctx) => {
    if ((v.templateKey == null) === (v.text == null))
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: 'Give either a template or a text, not both.',
      });
    if (v.text != null && v.purpose == null)
      ctx.addIssue({
        code: 'custom',
        path: ['purpose'],
        message: 'Say whether the text is transactional or marketing.',
        params: { code: 'REQUIRED' },
      });
    if (v.text != null && v.text.trim() === '')
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'Required.', params: { code: 'REQUIRED' } });
    if (v.text != null && v.channel === 'EMAIL' && !v.subject)
      ctx.addIssue({
        code: 'custom',
        path: ['subject'],
        message: 'An e-mail needs a subject.',
        params: { code: 'REQUIRED' },
      });
    if (v.channel === 'SMS' && v.subject)
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'An SMS has no subject.' });
    if (v.templateKey != null && !(MANUAL_TEMPLATES as readonly string[]).includes(v.templateKey))
      ctx.addIssue({
        code: 'custom',
        path: ['templateKey'],
        message: `Only ${MANUAL_TEMPLATES.join(', ')} templates are sent by hand; the others belong to automatic messages.`,
        params: { code: 'INVALID_VALUE', values: MANUAL_TEMPLATES },
      });
  });
export type SendMessageInput = z.input<typeof sendSchema>;

interface Person {
  firstName: string;
  lastName: string | null;
  phone: string | null;
  email: string | null;
  country: string | null;
  locale: Locale | null;
}

/** The contact data of a subject row, whatever its type. */
function personOf(subject: ResolvedSubject, ownerCountry: string | null): Person {
  const r = subject.row as Record<string, unknown>;
  const str = (k: string) => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : null);
  const locale = str('locale');
  switch (subject.type) {
    case 'LEAD': {
      const country = str('country_code') ?? countryCode(str('country'));
      const first = str('first_name') ?? str('full_name')?.split(/\s+/)[0] ?? '';
      return {
        firstName: first,
        lastName: str('last_name'),
        phone: str('phone'),
        email: str('email'),
        country,
        locale: null,
      };
    }
    case 'PROSPECT':
      // A prospect is the distributor's own contact: national numbers are read in the distributor's country.
      return {
        firstName: str('first_name') ?? '',
        lastName: str('last_name'),
        phone: str('phone'),
        email: str('email'),
        country: ownerCountry,
        locale: null,
      };
    default:
      return {
        firstName: str('first_name') ?? '',
        lastName: str('last_name'),
        phone: str('phone'),
        email: str('email'),
        country: str('country'),
        locale: locale && (LOCALES as readonly string[]).includes(locale) ? (locale as Locale) : null,
      };
  }
}

/** Who may send to whom: staff to anyone; a distributor to their own customers, leads and prospects. */
async function requireRecipient(
  db: D1Database,
  viewer: Viewer,
  type: RecipientType,
  id: number,
): Promise<ResolvedSubject> {
  if (viewer.kind !== 'ADMIN' && viewer.kind !== 'DISTRIBUTOR')
    throw new ForbiddenError('Only distributors and staff send messages.');
  const subject = await visibleSubject(db, viewer, { type, id });
  if (!subject) {
    if (await personExists(db, type, id))
      throw new ForbiddenError(`You may only message your own customers, leads and prospects.`);
    throw new NotFoundError(`${type.toLowerCase()} not found.`);
  }
  if (viewer.kind === 'DISTRIBUTOR' && (type === 'DISTRIBUTOR' || subject.ownerId !== viewer.distributorId))
    throw new ForbiddenError('You may only message your own customers, leads and prospects.');
  return subject;
}

/** Everything a message to a person is made of, before anything is written. */
async function prepareMessage(env: Env, viewer: Viewer, raw: SendMessageInput) {
  const db = env.DB;
  const input = parseInput(sendSchema, raw, 'message');
  const subject = await requireRecipient(db, viewer, input.recipientType, input.recipientId);
  const [company, settings, owner] = await Promise.all([
    loadSettings(db),
    messagingSettings(db),
    subject.ownerId === null ? null : distributorById(db, subject.ownerId),
  ]);
  const person = personOf(subject, owner?.country ?? null);

  const rawAddress = input.channel === 'SMS' ? person.phone : person.email;
  if (!rawAddress)
    throw new ValidationError(
      `The ${subject.type.toLowerCase()} has no ${input.channel === 'SMS' ? 'phone number' : 'e-mail address'}.`,
      [{ path: 'recipientId', message: 'No address for this channel.', code: 'REQUIRED' }],
    );
  const address = input.channel === 'SMS' ? smsNumber(rawAddress, person.country) : emailAddress(rawAddress);
  if (!address.ok)
    throw new ValidationError(address.reason, [
      { path: 'recipientId', message: address.reason, code: 'INVALID_FORMAT' },
    ]);

  const locale =
    person.locale ?? (person.country ? COUNTRY_LOCALE[person.country] : undefined) ?? settings.default_locale;
  const key = input.templateKey ?? null;
  if (key !== null && !isPurposeKey(key))
    throw new ValidationError('Unknown template.', [{ path: 'templateKey', message: 'Unknown template.' }]);
  const purpose: Purpose = key !== null ? PURPOSE_KEYS[key as PurposeKey].purpose : input.purpose!;
  const template =
    key !== null
      ? await resolveTemplate(db, key as PurposeKey, input.channel, locale, settings.default_locale)
      : null;
  const messageLocale: Locale = template?.locale ?? locale;
  // Every marketing message carries its unsubscribe link (a template may place it; otherwise it is appended).
  const unsubscribe =
    purpose === 'MARKETING'
      ? unsubscribeUrl(
          env.PUBLIC_BASE_URL,
          await unsubscribeToken(env.JWT_SECRET, {
            channel: input.channel,
            type: subject.type,
            id: subject.id,
            locale: messageLocale,
          }),
        )
      : undefined;
  let rendered: RenderedMessage;
  if (template) {
    const vars = templateVariables({
      locale: template.locale,
      timeZone: company.timeZone,
      recipient: { firstName: person.firstName, lastName: person.lastName },
      distributor: owner
        ? { firstName: owner.first_name, lastName: owner.last_name, phone: owner.phone, email: owner.email }
        : { firstName: company.name },
      company: { name: company.name },
      unsubscribeUrl: unsubscribe,
    });
    rendered = renderTemplate(input.channel, template, vars);
  } else {
    const text = input.text!.trim();
    rendered =
      input.channel === 'SMS'
        ? { subject: null, text, html: null, sms: smsInfo(text) }
        : { subject: input.subject!, text, html: htmlOfText(text), sms: null };
  }
  if (unsubscribe && !rendered.text.includes(unsubscribe))
    rendered = withUnsubscribeLine(
      rendered,
      input.channel,
      unsubscribe,
      messageLocale,
      template?.html == null,
    );
  checkRendered(input.channel, rendered);
  const [consent, suppressed] = await Promise.all([
    purpose === 'MARKETING' ? hasMarketingConsent(db, subject, input.channel) : Promise.resolve(true),
    isSuppressed(db, input.channel, address.address),
  ]);
  return {
    input,
    subject,
    company,
    settings,
    person,
    address: address.address,
    purpose,
    key,
    messageLocale,
    rendered,
    consent,
    suppressed,
  };
}

export interface MessagePreview {
  channel: Channel;
  purpose: Purpose;
  locale: Locale;
  address: string;
  subject: string | null;
  text: string;
  html: string | null;
  sms: SmsInfo | null;
  /** False for a marketing message to someone without consent for the channel: sendMessage would refuse it. */
  marketingConsent: boolean;
  /** The address is suppressed: sendMessage would record it SUPPRESSED and send nothing. */
  suppressed: boolean;
}

/** Renders a message for a real recipient without writing anything (same rules as sendMessage). */
export async function previewMessage(
  env: Env,
  viewer: Viewer,
  raw: SendMessageInput,
): Promise<MessagePreview> {
  const p = await prepareMessage(env, viewer, raw);
  return {
    channel: p.input.channel,
    purpose: p.purpose,
    locale: p.messageLocale,
    address: p.address,
    subject: p.rendered.subject,
    text: p.rendered.text,
    html: p.rendered.html,
    sms: p.rendered.sms,
    marketingConsent: p.consent,
    suppressed: p.suppressed,
  };
}

/**
 * Checks that a message could be sent (recipient visible, address usable, consent where needed) and writes
 * nothing: a caller that must change something else first (an offer's status) checks before it does.
 */
export async function checkSendable(env: Env, viewer: Viewer, raw: SendMessageInput): Promise<void> {
  const prepared = await prepareMessage(env, viewer, raw);
  if (!prepared.consent)
    throw new ForbiddenError(
      `The ${prepared.subject.type.toLowerCase()} has not consented to marketing by ${prepared.input.channel === 'SMS' ? 'SMS' : 'e-mail'}.`,
    );
}

export async function sendMessage(env: Env, viewer: Viewer, raw: SendMessageInput): Promise<OutboxRow> {
  const db = env.DB;
  const prepared = await prepareMessage(env, viewer, raw);
  const { input, subject, company, settings, person, purpose, key, messageLocale, rendered, suppressed } =
    prepared;
  const address = { address: prepared.address };
  if (!prepared.consent)
    throw new ForbiddenError(
      `The ${subject.type.toLowerCase()} has not consented to marketing by ${input.channel === 'SMS' ? 'SMS' : 'e-mail'}.`,
    );
  const nowDate = new Date();
  const now = nowDate.toISOString();
  const sender = actorOf(viewer);
  // Marketing SMS wait for the end of the recipient's quiet hours.
  const notBefore =
    purpose === 'MARKETING' && input.channel === 'SMS' && !suppressed
      ? nextAllowedInstant(
          nowDate,
          recipientZone(person.country, company.timeZone),
          settings.quiet_hours_start,
          settings.quiet_hours_end,
        )
      : nowDate;
  // A distributor's marketing messages per company day are limited; the count is a condition of the insert.
  const limited = purpose === 'MARKETING' && viewer.kind === 'DISTRIBUTOR';
  const dayStart = startOfDayInZone(dayInZone(nowDate, company.timeZone), company.timeZone);
  const statements = [
    db
      .prepare(
        `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, subject,
           body, html, sms_encoding, sms_segments, sender_kind, sender, owner_distributor_id, status, idempotency_key,
           final_at, last_error, not_before, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
         WHERE ?23 = 0 OR (SELECT count(*) FROM message_outbox WHERE owner_distributor_id = ?15 AND sender = ?14
                           AND purpose = 'MARKETING' AND created_at >= ?24) < ?25
         RETURNING *`,
      )
      .bind(
        subject.type,
        subject.id,
        address.address,
        input.channel,
        purpose,
        key,
        messageLocale,
        rendered.subject,
        rendered.text,
        rendered.html,
        rendered.sms?.encoding ?? null,
        rendered.sms?.segments ?? null,
        viewer.kind === 'ADMIN' ? 'STAFF' : 'DISTRIBUTOR',
        sender,
        subject.ownerId,
        suppressed ? 'SUPPRESSED' : 'QUEUED',
        `outbox-${crypto.randomUUID()}`,
        suppressed ? now : null,
        suppressed ? 'The address is suppressed.' : null,
        notBefore > nowDate ? notBefore.toISOString() : null,
        now,
        now,
        limited ? 1 : 0,
        dayStart.toISOString(),
        settings.marketing_daily_limit,
      ),
  ];
  // The contact history shows what was sent; a suppressed message never left, so it is no contact.
  if (!suppressed)
    statements.push(
      db
        .prepare(
          `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
           SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
        )
        .bind(
          subject.type,
          subject.id,
          input.channel === 'SMS' ? 'SMS' : 'EMAIL',
          activityBody(input.channel, address.address, rendered),
          now,
          viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null,
          sender,
          now,
        ),
    );
  const [inserted] = await atomic(db, statements);
  const row = (inserted.results as OutboxRow[])[0];
  if (!row) {
    const tomorrow = startOfDayInZone(addDays(dayInZone(nowDate, company.timeZone), 1), company.timeZone);
    throw new RateLimitedError(Math.ceil((tomorrow.getTime() - nowDate.getTime()) / 1000));
  }
  if (!suppressed) {
    const delay = Math.ceil((notBefore.getTime() - nowDate.getTime()) / 1000);
    await enqueueSends(env, [{ outboxId: row.id, delaySeconds: delay }]);
  }
  return row;
}

/** Appends "Unsubscribe: <url>" in the message's language (to the HTML part too). */
export function withUnsubscribeLine(
  m: RenderedMessage,
  channel: Channel,
  url: string,
  locale: Locale,
  htmlFromText: boolean,
): RenderedMessage {
  const line = `${UNSUBSCRIBE_LINE[locale]}: ${url}`;
  if (channel === 'SMS') {
    const text = `${m.text}\n${line}`;
    return { ...m, text, sms: smsInfo(text) };
  }
  const text = `${m.text}\n\n${line}`;
  const link = `<p><a href="${escapeHtml(url)}">${escapeHtml(UNSUBSCRIBE_LINE[locale])}</a></p>`;
  const base = htmlFromText ? htmlOfText(m.text) : (m.html ?? '');
  const html = base.includes('</body>') ? base.replace('</body>', `${link}\n</body>`) : `${base}\n${link}`;
  return { ...m, text, html };
}

function activityBody(channel: Channel, address: string, m: RenderedMessage): string {
  const head = channel === 'SMS' ? `SMS to ${address}` : `E-mail to ${address}: ${m.subject ?? ''}`;
  return `${head}\n\n${m.text}`.slice(0, 10_000);
}
