// Automatic messages of the CRM's follow-up rules (issue 12 §5): ORDER_FOLLOW_UP (N days after a paid order),
// REORDER_REMINDER (N days before an expected reorder) and DORMANT_MEMBER (a member dormant for N periods)
// send their template by each channel enabled here, when the CRM rule's action is MESSAGE or BOTH (the task
// is the CRM's part). Each occurrence of a rule (an order, an expected reorder, a dormant spell) sends once
// per channel: the outbox's idempotency key, so a repeated run sends nothing twice. Like every outbox send:
// marketing (reorder, dormant) needs consent for the channel, carries the unsubscribe link, waits out the
// recipient's quiet hours (SMS) and counts toward the owner's daily marketing limit; a suppressed address is
// recorded SUPPRESSED. A person without a usable address, consent or renderable message is skipped.
import type { Env } from '../../env';
import { atomic, selectByIds } from '../../lib/db';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { addDays, dayInZone, startOfDayInZone } from '../../lib/time';
import { archivedOrderLines } from '../archive/periodRows';
import type { Viewer } from '../auth/viewer';
import { loadSettings } from '../company/settings';
import { REORDERS_DUE } from '../crm/rules/reorder';
import { type CrmRuleRow, ruleSettings, sendsMessages } from '../crm/rules/settings';
import { distributorsByIds } from '../genealogy/reads';
import { type Decided, decide, type Recipient } from './audience';
import { withUnsubscribeLine } from './compose';
import { enqueueWritten } from './enqueue';
import { CHANNELS, type Channel, type Locale, MESSAGE_RULES, type MessageRule, PURPOSE_KEYS } from './model';
import { localeOf, shopUrlOf, templatesByLocale } from './personalize';
import { nextAllowedInstant, recipientZone } from './quietHours';
import { messagingSettings } from './repository';
import { checkRendered, type RenderedMessage, renderTemplate } from './templates';
import { unsubscribeToken, unsubscribeUrl } from './unsubscribe';
import { templateVariables, type VariableData } from './variables';

const LOOK_BACK_DAYS = 7;
const MAX_PER_RUN = 200;

/** One firing of a rule for one person. */
interface Occurrence extends Recipient {
  type: 'CUSTOMER' | 'DISTRIBUTOR';
  /** Names the firing ('order:12', 'autoship:3:2026-12-01', 'dormant:CUSTOMER:7:2026-08'). */
  occurrence: string;
  order_id?: number;
  total?: number;
  currency?: string;
  paid_at?: string;
  reorder_day?: string;
  product_names?: string | null;
  product_sku?: string | null;
  /** REORDER_REMINDER from order history: the last paid order (its product when its lines are archived). */
  last_order_id?: number | null;
}

export const occurrenceKey = (rule: MessageRule, channel: Channel, occurrence: string) =>
  `rule:${rule}:${channel}:${occurrence}`;
export const ruleKey = (channel: Channel, orderId: number) =>
  occurrenceKey('ORDER_FOLLOW_UP', channel, `order:${orderId}`);

/** The rule's occurrences that have no message by this channel yet (at most MAX_PER_RUN). */
async function occurrences(
  db: D1Database,
  rule: CrmRuleRow,
  channel: Channel,
  timeZone: string,
  now: Date,
): Promise<Occurrence[]> {
  const prefix = occurrenceKey(rule.rule, channel, '');
  const today = dayInZone(now, timeZone);
  // ?3 is the key prefix of this rule and channel (?1 for the dormant list).
  const notSent = (occurrence: string, prefixParam = '?3') =>
    `NOT EXISTS (SELECT 1 FROM message_outbox WHERE idempotency_key = ${prefixParam} || ${occurrence})`;
  switch (rule.rule) {
    case 'ORDER_FOLLOW_UP': {
      const from = startOfDayInZone(addDays(today, -rule.n - LOOK_BACK_DAYS), timeZone).toISOString();
      const to = startOfDayInZone(addDays(today, -rule.n + 1), timeZone).toISOString();
      return (
        await db
          .prepare(
            `SELECT * FROM (
               SELECT 'CUSTOMER' AS type, 'order:' || o.id AS occurrence, o.id AS order_id, o.total, o.currency,
                 o.paid_at, c.id, c.first_name, c.last_name, c.phone, c.email, c.country, c.locale, c.owner_id,
                 c.consent_sms_at, c.consent_email_at
               FROM sales_order o JOIN customer c ON c.id = o.customer_id
               WHERE o.kind = 'CUSTOMER' AND o.paid_at IS NOT NULL AND o.paid_at >= ?1 AND o.paid_at < ?2
                 AND o.status IN ('PAID', 'PARTIALLY_REFUNDED'))
             WHERE ${notSent('occurrence')} ORDER BY order_id LIMIT ?4`,
          )
          .bind(from, to, prefix, MAX_PER_RUN)
          .all<Occurrence>()
      ).results;
    }
    case 'REORDER_REMINDER':
      return (
        await db
          .prepare(
            `WITH ${REORDERS_DUE}
             SELECT 'CUSTOMER' AS type, due.occurrence, due.reorder_day, p.names AS product_names,
               p.sku AS product_sku, due.last_order_id, c.id, c.first_name, c.last_name, c.phone, c.email, c.country, c.locale,
               c.owner_id, c.consent_sms_at, c.consent_email_at
             FROM due JOIN customer c ON c.id = due.customer_id LEFT JOIN product p ON p.id = due.product_id
             WHERE ${notSent('due.occurrence')} ORDER BY c.id, due.occurrence LIMIT ?4`,
          )
          .bind(today, addDays(today, rule.n), prefix, MAX_PER_RUN)
          .all<Occurrence>()
      ).results;
    case 'DORMANT_MEMBER':
      // The list as the nightly scan left it; the occurrence is the task's dormant spell.
      return (
        await db
          .prepare(
            `SELECT * FROM (
               SELECT m.member_type AS type,
                 'dormant:' || m.member_type || ':' || m.member_id || ':' || coalesce(m.last_active_period, 'never') AS occurrence,
                 m.member_id AS id, coalesce(c.first_name, d.first_name) AS first_name,
                 coalesce(c.last_name, d.last_name) AS last_name, coalesce(c.phone, d.phone) AS phone,
                 coalesce(c.email, d.email) AS email, coalesce(c.country, d.country) AS country,
                 coalesce(c.locale, d.locale) AS locale, m.responsible_id AS owner_id, c.consent_sms_at,
                 c.consent_email_at
               FROM dormant_member m
               LEFT JOIN customer c ON m.member_type = 'CUSTOMER' AND c.id = m.member_id
               LEFT JOIN distributor d ON m.member_type = 'DISTRIBUTOR' AND d.id = m.member_id)
             WHERE ${notSent('occurrence', '?1')} ORDER BY type, id LIMIT ?2`,
          )
          .bind(prefix, MAX_PER_RUN)
          .all<Occurrence>()
      ).results;
  }
}

/**
 * Fills in the product of reorder reminders whose last order's lines are archived (the query's join finds no live
 * line then): its first line (by id) read from the archive, as the live query would have taken it.
 */
async function productsOfArchivedOrders(env: Env, found: Occurrence[]): Promise<void> {
  const missing = found.filter((o) => o.last_order_id != null && o.product_names == null);
  if (missing.length === 0) return;
  const orders = await selectByIds<{ id: number; period: string | null }>(
    env.DB,
    'SELECT id, period FROM sales_order WHERE id IN (SELECT value FROM json_each(?))',
    missing.map((o) => o.last_order_id!),
  );
  const lines = (await archivedOrderLines(env.DB, env.FILES, orders, new Set())) as {
    id: number;
    order_id: number;
    product_id: number;
  }[];
  const firstProduct = new Map<number, number>();
  for (const l of [...lines].sort((a, b) => a.id - b.id))
    if (!firstProduct.has(l.order_id)) firstProduct.set(l.order_id, l.product_id);
  const products = new Map(
    (
      await selectByIds<{ id: number; names: string; sku: string }>(
        env.DB,
        'SELECT id, names, sku FROM product WHERE id IN (SELECT value FROM json_each(?))',
        [...new Set(firstProduct.values())],
      )
    ).map((p) => [p.id, p]),
  );
  for (const o of missing) {
    const p = products.get(firstProduct.get(o.last_order_id!) ?? -1);
    if (p) {
      o.product_names = p.names;
      o.product_sku = p.sku;
    }
  }
}

/** Sends the rule's messages by every enabled channel; returns how many were queued. */
export async function runRuleMessages(env: Env, ruleName: MessageRule, now: Date): Promise<number> {
  const db = env.DB;
  const rule = await ruleSettings(db, ruleName);
  if (!sendsMessages(rule)) return 0;
  const { results: enabled } = await db
    .prepare('SELECT channel FROM message_rule WHERE rule = ? AND enabled = 1 ORDER BY channel')
    .bind(ruleName)
    .all<{ channel: Channel }>();
  if (enabled.length === 0) return 0;
  const [company, settings] = await Promise.all([loadSettings(db), messagingSettings(db)]);
  const purpose = PURPOSE_KEYS[ruleName].purpose;
  const marketing = purpose === 'MARKETING';
  const stamp = now.toISOString();
  const dayStart = startOfDayInZone(dayInZone(now, company.timeZone), company.timeZone).toISOString();
  const sender = `rule:${ruleName}`;
  let queued = 0;
  for (const { channel } of enabled) {
    const found = await occurrences(db, rule, channel, company.timeZone, now);
    if (found.length === 0) continue;
    await productsOfArchivedOrders(env, found);
    const decided = [
      ...(await decide(
        db,
        'CUSTOMER',
        channel,
        marketing,
        found.filter((o) => o.type === 'CUSTOMER'),
      )),
      ...(await decide(
        db,
        'DISTRIBUTOR',
        channel,
        marketing,
        found.filter((o) => o.type === 'DISTRIBUTOR'),
      )),
    ];
    const ownerIds = [...new Set(found.map((o) => o.owner_id ?? 0))];
    const orderIds = found.flatMap((o) => (o.order_id ? [o.order_id] : []));
    const [owners, lines] = await Promise.all([
      distributorsByIds(db, ownerIds).then((rows) => new Map(rows.map((d) => [d.id, d]))),
      selectByIds<{ order_id: number; names: string; sku: string }>(
        db,
        `SELECT l.order_id, p.names, p.sku FROM order_line l JOIN product p ON p.id = l.product_id
         WHERE l.order_id IN (SELECT value FROM json_each(?)) ORDER BY l.id`,
        orderIds,
      ),
    ]);
    const templateOf = templatesByLocale(db, ruleName, channel, settings.default_locale);
    const statements: D1PreparedStatement[] = [];
    for (const d of decided) {
      const o = d.recipient;
      if (!d.address || !d.consent) continue;
      const owner = o.owner_id === null ? undefined : owners.get(o.owner_id);
      let m: RenderedMessage;
      let locale: Locale;
      try {
        const template = await templateOf(localeOf(o.locale, o.country, settings.default_locale));
        locale = template.locale;
        const unsubscribe = marketing
          ? unsubscribeUrl(
              env.PUBLIC_BASE_URL,
              await unsubscribeToken(env.JWT_SECRET, { channel, type: o.type, id: o.id, locale }),
            )
          : undefined;
        const nameIn = (names: string | null | undefined, sku: string | null | undefined) => {
          const all = names ? (JSON.parse(names) as Partial<Record<Locale, string>>) : {};
          return all[locale] ?? all.en ?? sku ?? undefined;
        };
        const data: VariableData = {
          locale,
          timeZone: company.timeZone,
          recipient: { firstName: o.first_name ?? '', lastName: o.last_name },
          distributor: owner
            ? {
                firstName: owner.first_name,
                lastName: owner.last_name,
                phone: owner.phone,
                email: owner.email,
              }
            : { firstName: company.name },
          company: { name: company.name },
          unsubscribeUrl: unsubscribe,
        };
        if (o.order_id)
          data.order = {
            number: String(o.order_id),
            totalMinor: o.total!,
            currency: o.currency!,
            paidAt: o.paid_at!,
            items: lines.filter((l) => l.order_id === o.order_id).map((l) => nameIn(l.names, l.sku)!),
          };
        const product = nameIn(o.product_names, o.product_sku);
        if (product) data.product = { name: product };
        if (o.reorder_day) data.reorderDay = o.reorder_day;
        if (marketing) data.shopUrl = shopUrlOf(settings, owner?.referral_code ?? null);
        m = renderTemplate(channel, template, templateVariables(data));
        if (unsubscribe && !m.text.includes(unsubscribe))
          m = withUnsubscribeLine(m, channel, unsubscribe, locale, template.html == null);
        checkRendered(channel, m);
      } catch (e) {
        if (!(e instanceof ValidationError) && !(e instanceof NotFoundError)) throw e;
        console.warn(`${ruleName} ${channel} message for ${o.occurrence} not sent: ${(e as Error).message}`);
        continue;
      }
      statements.push(...messageStatements(db, ruleName, channel, d as Decided<Occurrence>, m, locale));
    }
    if (statements.length === 0) continue;
    const results = await atomic(db, statements);
    queued += await enqueueWritten(
      env,
      results.filter((_, i) => i % 2 === 0),
      now,
    );
  }
  return queued;

  /** The outbox row (guarded by the owner's daily marketing limit) and its contact history. */
  function messageStatements(
    db: D1Database,
    rule: MessageRule,
    channel: Channel,
    d: Decided<Occurrence>,
    m: RenderedMessage,
    locale: Locale,
  ): D1PreparedStatement[] {
    const o = d.recipient;
    const suppressed = d.suppressed;
    const notBefore =
      marketing && channel === 'SMS' && !suppressed
        ? nextAllowedInstant(
            now,
            recipientZone(o.country, company.timeZone),
            settings.quiet_hours_start,
            settings.quiet_hours_end,
          )
        : now;
    return [
      db
        .prepare(
          `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale, subject,
             body, html, sms_encoding, sms_segments, sender_kind, sender, owner_distributor_id, status, idempotency_key,
             final_at, last_error, not_before, created_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'RULE', ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20
           WHERE ?21 = 0 OR ?14 IS NULL
             OR (SELECT count(*) FROM message_outbox WHERE owner_distributor_id = ?14 AND purpose = 'MARKETING'
                 AND sender_kind IN ('DISTRIBUTOR', 'RULE') AND created_at >= ?22) < ?23
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status, not_before`,
        )
        .bind(
          o.type,
          o.id,
          d.address,
          channel,
          purpose,
          rule,
          locale,
          m.subject,
          m.text,
          m.html,
          m.sms?.encoding ?? null,
          m.sms?.segments ?? null,
          sender,
          o.owner_id,
          suppressed ? 'SUPPRESSED' : 'QUEUED',
          occurrenceKey(rule, channel, o.occurrence),
          suppressed ? stamp : null,
          suppressed ? 'The address is suppressed.' : null,
          notBefore > now ? notBefore.toISOString() : null,
          stamp,
          marketing ? 1 : 0,
          dayStart,
          settings.marketing_daily_limit,
        ),
      // The contact history, only for a message written now that will be sent.
      db
        .prepare(
          `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
           SELECT ?, ?, ?, ?, ?, NULL, ?, ? WHERE changes() = 1 AND ? = 0`,
        )
        .bind(
          o.type,
          o.id,
          channel === 'SMS' ? 'SMS' : 'EMAIL',
          `${channel === 'SMS' ? `SMS to ${d.address}` : `E-mail to ${d.address}: ${m.subject ?? ''}`}\n\n${m.text}`.slice(
            0,
            10_000,
          ),
          stamp,
          sender,
          stamp,
          suppressed ? 1 : 0,
        ),
    ];
  }
}

/** ORDER_FOLLOW_UP's messages (the hourly cron). */
export const runOrderFollowUpMessages = (env: Env, now: Date) => runRuleMessages(env, 'ORDER_FOLLOW_UP', now);

export interface MessageRuleRow {
  rule: MessageRule;
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
