// Automatic messages of the CRM's follow-up rules (issue 12 §5): ORDER_FOLLOW_UP sends its template to the
// customer N days after a paid order (N and the look-back of the CRM rule), by each enabled channel, as well
// as the task the CRM creates. One message per order and channel — the outbox's idempotency key — so a
// repeated run sends nothing twice. A customer without a usable address for the channel is skipped.
import type { Env } from '../../env';
import { atomic, selectByIds } from '../../lib/db';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { addDays, dayInZone, startOfDayInZone } from '../../lib/time';
import type { Viewer } from '../auth/viewer';
import { loadSettings } from '../company/settings';
import { ruleSettings } from '../crm/rules/settings';
import { distributorsByIds } from '../genealogy/reads';
import { emailAddress, smsNumber } from './addresses';
import { CHANNELS, type Channel, LOCALES, type Locale, MESSAGE_RULES } from './model';
import { resolveTemplate } from './people';
import { messagingSettings } from './repository';
import { checkRendered, renderTemplate } from './templates';
import { templateVariables } from './variables';

const LOOK_BACK_DAYS = 7;
const MAX_PER_RUN = 200;
const RULE = 'ORDER_FOLLOW_UP';

interface Candidate {
  order_id: number;
  total: number;
  currency: string;
  paid_at: string;
  customer_id: number;
  owner_id: number;
  first_name: string;
  last_name: string;
  phone: string | null;
  email: string | null;
  country: string;
  locale: Locale;
}

export const ruleKey = (channel: Channel, orderId: number) => `rule:${RULE}:${channel}:order:${orderId}`;

export async function runOrderFollowUpMessages(env: Env, now: Date): Promise<number> {
  const db = env.DB;
  const { results: enabled } = await db
    .prepare('SELECT channel FROM message_rule WHERE rule = ? AND enabled = 1 ORDER BY channel')
    .bind(RULE)
    .all<{ channel: Channel }>();
  if (enabled.length === 0) return 0;
  const [rule, company, settings] = await Promise.all([
    ruleSettings(db, RULE),
    loadSettings(db),
    messagingSettings(db),
  ]);
  const today = dayInZone(now, company.timeZone);
  const from = startOfDayInZone(addDays(today, -rule.n - LOOK_BACK_DAYS), company.timeZone).toISOString();
  const to = startOfDayInZone(addDays(today, -rule.n + 1), company.timeZone).toISOString();
  let queued = 0;
  for (const { channel } of enabled) {
    const { results: candidates } = await db
      .prepare(
        `SELECT o.id AS order_id, o.total, o.currency, o.paid_at, c.id AS customer_id, c.owner_id, c.first_name,
           c.last_name, c.phone, c.email, c.country, c.locale
         FROM sales_order o JOIN customer c ON c.id = o.customer_id
         WHERE o.kind = 'CUSTOMER' AND o.paid_at IS NOT NULL AND o.paid_at >= ?1 AND o.paid_at < ?2
           AND o.status IN ('PAID', 'PARTIALLY_REFUNDED')
           AND NOT EXISTS (SELECT 1 FROM message_outbox WHERE idempotency_key = 'rule:${RULE}:' || ?3 || ':order:' || o.id)
         ORDER BY o.id LIMIT ?4`,
      )
      .bind(from, to, channel, MAX_PER_RUN)
      .all<Candidate>();
    if (candidates.length === 0) continue;
    const [lines, owners, suppressed] = await Promise.all([
      selectByIds<{ order_id: number; names: string; sku: string }>(
        db,
        `SELECT l.order_id, p.names, p.sku FROM order_line l JOIN product p ON p.id = l.product_id
         WHERE l.order_id IN (SELECT value FROM json_each(?)) ORDER BY l.id`,
        candidates.map((c) => c.order_id),
      ),
      distributorsByIds(db, [...new Set(candidates.map((c) => c.owner_id))]),
      db
        .prepare('SELECT address FROM message_suppression WHERE channel = ?')
        .bind(channel)
        .all<{ address: string }>()
        .then((r) => new Set(r.results.map((x) => x.address))),
    ]);
    const statements: D1PreparedStatement[] = [];
    const stamp = now.toISOString();
    for (const c of candidates) {
      const address =
        channel === 'SMS'
          ? c.phone
            ? smsNumber(c.phone, c.country)
            : null
          : c.email
            ? emailAddress(c.email)
            : null;
      if (!address?.ok) continue;
      const owner = owners.find((d) => d.id === c.owner_id);
      const locale = (LOCALES as readonly string[]).includes(c.locale) ? c.locale : settings.default_locale;
      let rendered: ReturnType<typeof renderTemplate>;
      let templateLocale: Locale;
      try {
        const template = await resolveTemplate(db, RULE, channel, locale, settings.default_locale);
        templateLocale = template.locale;
        const items = lines
          .filter((l) => l.order_id === c.order_id)
          .map((l) => {
            const names = JSON.parse(l.names) as Partial<Record<Locale, string>>;
            return names[template.locale] ?? names.en ?? l.sku;
          });
        rendered = renderTemplate(
          channel,
          template,
          templateVariables({
            locale: template.locale,
            timeZone: company.timeZone,
            recipient: { firstName: c.first_name, lastName: c.last_name },
            distributor: owner
              ? {
                  firstName: owner.first_name,
                  lastName: owner.last_name,
                  phone: owner.phone,
                  email: owner.email,
                }
              : { firstName: company.name },
            company: { name: company.name },
            order: {
              number: String(c.order_id),
              totalMinor: c.total,
              currency: c.currency,
              paidAt: c.paid_at,
              items,
            },
          }),
        );
        checkRendered(channel, rendered);
      } catch (e) {
        if (!(e instanceof ValidationError) && !(e instanceof NotFoundError)) throw e;
        console.warn(`${RULE} message for order ${c.order_id} not sent: ${(e as Error).message}`);
        continue;
      }
      const isSuppressed = suppressed.has(address.address);
      statements.push(
        db
          .prepare(
            `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, subject,
               body, html, sms_encoding, sms_segments, sender_kind, sender, owner_distributor_id, status, idempotency_key,
               final_at, last_error, created_at, updated_at)
             VALUES ('CUSTOMER', ?, ?, ?, 'TRANSACTIONAL', ?, ?, ?, ?, ?, ?, ?, 'RULE', ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status`,
          )
          .bind(
            c.customer_id,
            address.address,
            channel,
            RULE,
            templateLocale,
            rendered.subject,
            rendered.text,
            rendered.html,
            rendered.sms?.encoding ?? null,
            rendered.sms?.segments ?? null,
            `rule:${RULE}`,
            c.owner_id,
            isSuppressed ? 'SUPPRESSED' : 'QUEUED',
            ruleKey(channel, c.order_id),
            isSuppressed ? stamp : null,
            isSuppressed ? 'The address is suppressed.' : null,
            stamp,
            stamp,
          ),
        // The contact history, only for a message that was written now and will be sent.
        db
          .prepare(
            `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
             SELECT 'CUSTOMER', ?, ?, ?, ?, NULL, ?, ? WHERE changes() = 1 AND ? = 0`,
          )
          .bind(
            c.customer_id,
            channel === 'SMS' ? 'SMS' : 'EMAIL',
            `${channel === 'SMS' ? `SMS to ${address.address}` : `E-mail to ${address.address}: ${rendered.subject ?? ''}`}\n\n${rendered.text}`.slice(
              0,
              10_000,
            ),
            stamp,
            `rule:${RULE}`,
            stamp,
            isSuppressed ? 1 : 0,
          ),
      );
    }
    if (statements.length === 0) continue;
    const results = await atomic(db, statements);
    const ids = results
      .filter((_, i) => i % 2 === 0)
      .flatMap((r) => r.results as { id: number; status: string }[])
      .filter((r) => r.status === 'QUEUED')
      .map((r) => r.id);
    for (let i = 0; i < ids.length; i += 100)
      await env.JOBS.sendBatch(
        ids.slice(i, i + 100).map((id) => ({ body: { kind: 'outbox.send' as const, outboxId: id } })),
      );
    queued += ids.length;
  }
  return queued;
}

export interface MessageRuleRow {
  rule: (typeof MESSAGE_RULES)[number];
  channel: Channel;
  enabled: number;
  updated_at: string;
}

export async function messageRules(db: D1Database): Promise<MessageRuleRow[]> {
  return (await db.prepare('SELECT * FROM message_rule ORDER BY rule, channel').all<MessageRuleRow>())
    .results;
}

/** Staff turn an automatic message on or off per channel. */
export async function setMessageRule(
  db: D1Database,
  viewer: Viewer,
  input: { rule: string; channel: string; enabled: boolean },
): Promise<MessageRuleRow> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff change automatic messages.');
  if (
    !(MESSAGE_RULES as readonly string[]).includes(input.rule) ||
    !(CHANNELS as readonly string[]).includes(input.channel)
  )
    throw new ValidationError('Unknown rule or channel.', [
      { path: 'rule', message: 'Unknown rule or channel.', code: 'INVALID_VALUE' },
    ]);
  const row = await db
    .prepare('UPDATE message_rule SET enabled = ?, updated_at = ? WHERE rule = ? AND channel = ? RETURNING *')
    .bind(input.enabled ? 1 : 0, new Date().toISOString(), input.rule, input.channel)
    .first<MessageRuleRow>();
  return row!;
}
