// Staff broadcasts (issue 12 §5): one text, or one template rendered per recipient in their locale, to a segment (customers, distributors or leads, filtered), fanned
// out through the queue in chunks. Each chunk writes one outbox row per recipient — idempotency key
// 'broadcast:<id>:<type>:<recipient>' — with its contact history, advances the cursor in the same batch
// (guarded: a paused, cancelled or already-advanced broadcast writes nothing), then queues the sends and the
// next chunk. A dry run counts recipients, missing addresses, missing consent and suppressions first.
import { z } from 'zod';
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { countryCode as countryRule, freeText, nameText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { loadSettings } from '../company/settings';
import { distributorsByIds } from '../genealogy/reads';
import { decide, type Recipient } from './audience';
import { withUnsubscribeLine } from './compose';
import { enqueueWritten } from './enqueue';
import {
  BROADCAST_TEMPLATES,
  CHANNELS,
  type Channel,
  LOCALES,
  type Locale,
  MESSAGE_LIMITS,
  PURPOSE_KEYS,
  PURPOSES,
  type Purpose,
  type PurposeKey,
  type RecipientType,
} from './model';
import { resolveTemplate } from './people';
import { localeOf, shopUrlOf, templatesByLocale } from './personalize';
import { nextAllowedInstant, recipientZone } from './quietHours';
import { messagingSettings } from './repository';
import { smsInfo } from './sms';
import type { BroadcastRow, MessagingSettingsRow, TemplateRow } from './tables';
import { checkRendered, escapeHtml, htmlOfText, type RenderedMessage, renderTemplate } from './templates';
import { UNSUBSCRIBE_LINE, unsubscribeToken, unsubscribeUrl } from './unsubscribe';
import { sampleData, templateVariables } from './variables';

/** Recipients per fan-out step: one D1 batch of a few set-based statements. */
export const FANOUT_CHUNK = 500;
/** Chunks one queued fan-out step writes at most (the jobs route and consumer run steps of this size). */
export const FANOUT_CHUNKS_PER_STEP = 10;
/** A step starts no further chunk after this long (it stays well inside a consumer's wall-time limit). */
const FANOUT_STEP_MS = 10_000;

const segmentSchema = z.object({
  kind: z.enum(['CUSTOMERS', 'DISTRIBUTORS', 'LEADS']),
  country: countryRule.nullish(),
  /** Customers the nightly dormant scan found. */
  dormant: z.boolean().nullish(),
  /** Distributors whose lifetime rank is at least this. */
  minLifetimeRank: z.number().int().min(0).max(1000).nullish(),
  /** Leads of one campaign. */
  campaignId: z.string().max(64).nullish(),
});
export type Segment = z.infer<typeof segmentSchema>;

const broadcastSchema = z
  .object({
    name: nameText(200),
    channel: z.enum(CHANNELS),
    /** Free text only: a template's purpose is its own. */
    purpose: z.enum(PURPOSES).nullish(),
    subject: nameText(MESSAGE_LIMITS.subject).nullish(),
    text: freeText(MESSAGE_LIMITS.emailText)
      .refine((t) => t.trim() !== '', 'Required.')
      .nullish(),
    templateKey: z.enum(BROADCAST_TEMPLATES).nullish(),
    segment: segmentSchema,
  })
  .superRefine((v, ctx) => {
    if ((v.text == null) === (v.templateKey == null))
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: 'Give either a template or a text, not both.',
      });
    if (v.templateKey != null) {
      if (v.subject != null)
        ctx.addIssue({ code: 'custom', path: ['subject'], message: 'A template has its own subject.' });
      if (v.purpose != null && v.purpose !== PURPOSE_KEYS[v.templateKey].purpose)
        ctx.addIssue({
          code: 'custom',
          path: ['purpose'],
          message: `${v.templateKey} templates are ${PURPOSE_KEYS[v.templateKey].purpose.toLowerCase()}.`,
        });
    } else if (v.purpose == null)
      ctx.addIssue({
        code: 'custom',
        path: ['purpose'],
        message: 'Say whether the text is transactional or marketing.',
        params: { code: 'REQUIRED' },
      });
    if (v.text != null && v.channel === 'EMAIL' && !v.subject)
      ctx.addIssue({
        code: 'custom',
        path: ['subject'],
        message: 'An e-mail needs a subject.',
        params: { code: 'REQUIRED' },
      });
    if (v.channel === 'SMS' && v.subject)
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'An SMS has no subject.' });
    if (v.segment.dormant && v.segment.kind !== 'CUSTOMERS')
      ctx.addIssue({
        code: 'custom',
        path: ['segment', 'dormant'],
        message: 'Only customers are found dormant.',
      });
    if (v.segment.minLifetimeRank != null && v.segment.kind !== 'DISTRIBUTORS')
      ctx.addIssue({
        code: 'custom',
        path: ['segment', 'minLifetimeRank'],
        message: 'Only distributors have ranks.',
      });
    if (v.segment.campaignId != null && v.segment.kind !== 'LEADS')
      ctx.addIssue({
        code: 'custom',
        path: ['segment', 'campaignId'],
        message: 'Only leads come from campaigns.',
      });
  });
export type BroadcastInput = z.input<typeof broadcastSchema>;
type ParsedBroadcast = z.infer<typeof broadcastSchema>;

const purposeOf = (input: ParsedBroadcast): Purpose =>
  input.templateKey ? PURPOSE_KEYS[input.templateKey].purpose : input.purpose!;

const TYPE_OF: Record<Segment['kind'], RecipientType> = {
  CUSTOMERS: 'CUSTOMER',
  DISTRIBUTORS: 'DISTRIBUTOR',
  LEADS: 'LEAD',
};

/** A page of the segment's recipients after `cursor`, by id. */
async function segmentPage(db: D1Database, s: Segment, cursor: number, limit: number): Promise<Recipient[]> {
  const country = s.country ?? null;
  const statement =
    s.kind === 'CUSTOMERS'
      ? db
          .prepare(
            `SELECT id, first_name, last_name, phone, email, country, locale, owner_id, consent_sms_at, consent_email_at FROM customer c
             WHERE id > ?1 AND (?2 IS NULL OR country = ?2)
               AND (?3 = 0 OR EXISTS (SELECT 1 FROM dormant_member d WHERE d.member_type = 'CUSTOMER' AND d.member_id = c.id))
             ORDER BY id LIMIT ?4`,
          )
          .bind(cursor, country, s.dormant ? 1 : 0, limit)
      : s.kind === 'DISTRIBUTORS'
        ? db
            .prepare(
              `SELECT id, first_name, last_name, phone, email, country, locale, id AS owner_id, NULL AS consent_sms_at,
                 NULL AS consent_email_at FROM distributor
               WHERE id > ?1 AND status = 'ACTIVE' AND (?2 IS NULL OR country = ?2) AND lifetime_rank >= ?3
               ORDER BY id LIMIT ?4`,
            )
            .bind(cursor, country, s.minLifetimeRank ?? 0, limit)
        : db
            .prepare(
              `SELECT id, coalesce(first_name, full_name) AS first_name, last_name, phone, email, country_code AS country, NULL AS locale,
                 assigned_distributor_id AS owner_id, NULL AS consent_sms_at, NULL AS consent_email_at FROM lead
               WHERE id > ?1 AND is_test = 0 AND (?2 IS NULL OR country_code = ?2) AND (?3 IS NULL OR campaign_id = ?3)
               ORDER BY id LIMIT ?4`,
            )
            .bind(cursor, country, s.campaignId ?? null, limit);
  return (await statement.all<Recipient>()).results;
}

export interface DryRun {
  recipients: number;
  withoutAddress: number;
  withoutConsent: number;
  suppressed: number;
  sendable: number;
}

export async function dryRunBroadcast(db: D1Database, viewer: Viewer, raw: BroadcastInput): Promise<DryRun> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff send broadcasts.');
  const input = parseInput(broadcastSchema, raw, 'broadcast');
  const type = TYPE_OF[input.segment.kind];
  const out: DryRun = { recipients: 0, withoutAddress: 0, withoutConsent: 0, suppressed: 0, sendable: 0 };
  for (let cursor = 0; ; ) {
    const page = await segmentPage(db, input.segment, cursor, 1000);
    if (page.length === 0) break;
    for (const d of await decide(db, type, input.channel, purposeOf(input) === 'MARKETING', page)) {
      out.recipients++;
      if (!d.address) out.withoutAddress++;
      else if (!d.consent) out.withoutConsent++;
      else if (d.suppressed) out.suppressed++;
      else out.sendable++;
    }
    cursor = page[page.length - 1].id;
  }
  return out;
}

export async function startBroadcast(env: Env, viewer: Viewer, raw: BroadcastInput): Promise<BroadcastRow> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff send broadcasts.');
  const input = parseInput(broadcastSchema, raw, 'broadcast');
  // The message must be sendable (a template that exists and renders, an SMS within its segments) before
  // anything starts.
  if (input.templateKey) await checkTemplateBroadcast(env.DB, input.templateKey, input.channel);
  else
    checkRendered(
      input.channel,
      render(input.channel, input.subject ?? null, input.text!.trim(), null, 'en'),
    );
  const now = nowIso();
  const row = await env.DB.prepare(
    `INSERT INTO message_broadcast (name, channel, purpose, subject, body, template_key, segment, created_by, created_at,
       updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  )
    .bind(
      input.name,
      input.channel,
      purposeOf(input),
      input.subject ?? null,
      input.text?.trim() ?? null,
      input.templateKey ?? null,
      JSON.stringify(input.segment),
      actorOf(viewer),
      now,
      now,
    )
    .first<BroadcastRow>();
  await env.JOBS.send({ kind: 'broadcast.fanout', broadcastId: row!.id });
  return row!;
}

/** The template in the company's default locale renders with sample people and the real shop link. */
async function checkTemplateBroadcast(db: D1Database, key: PurposeKey, channel: Channel): Promise<void> {
  const [company, settings] = await Promise.all([loadSettings(db), messagingSettings(db)]);
  const locale = settings.default_locale;
  const template = await resolveTemplate(db, key, channel, locale, locale);
  const sample = sampleData(locale, company.timeZone, 'EUR');
  const vars = templateVariables({
    ...sample,
    company: { name: company.name },
    shopUrl: shopUrlOf(settings, 'SAMPLE'),
  });
  checkRendered(channel, renderTemplate(channel, template, vars));
}

function render(
  channel: Channel,
  subject: string | null,
  text: string,
  unsubscribe: string | null,
  locale: Locale,
): RenderedMessage {
  const line = unsubscribe ? `${UNSUBSCRIBE_LINE[locale]}: ${unsubscribe}` : null;
  if (channel === 'SMS') {
    const body = line ? `${text}\n${line}` : text;
    return { subject: null, text: body, html: null, sms: smsInfo(body) };
  }
  const body = line ? `${text}\n\n${line}` : text;
  const html = htmlOfText(text).replace(
    '</body>',
    line
      ? `<p><a href="${escapeHtml(unsubscribe!)}">${escapeHtml(UNSUBSCRIBE_LINE[locale])}</a></p>\n</body>`
      : '</body>',
  );
  return { subject, text: body, html, sms: null };
}

export async function broadcastById(db: D1Database, id: number): Promise<BroadcastRow | null> {
  return db.prepare('SELECT * FROM message_broadcast WHERE id = ?').bind(id).first<BroadcastRow>();
}

/**
 * One step of a running broadcast's fan-out: up to `maxChunks` chunks one after the other (each its own
 * guarded batch), then the next step queued. Several chunks a step because a queued step waits for its
 * queue's batch window (max_batch_timeout) first: one chunk a step spent most of its time waiting.
 * Idempotent: the cursor in each batch's guard decides what is written; a step that dies mid-way is redelivered
 * and goes on from the cursor.
 */
export async function fanOutBroadcast(
  env: Env,
  broadcastId: number,
  chunk = FANOUT_CHUNK,
  now = new Date(),
  maxChunks = 1,
): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < maxChunks; i++) {
    const last = i === maxChunks - 1 || Date.now() - started > FANOUT_STEP_MS;
    const more = await fanOutChunk(env, broadcastId, chunk, i === 0 ? now : new Date(), last);
    if (!more || last) return;
  }
}

/**
 * One chunk. True when it wrote and more may follow (and, when `queueNext`, the next step is queued); false
 * when the broadcast is done, paused, cancelled or moved on by another run.
 */
async function fanOutChunk(
  env: Env,
  broadcastId: number,
  chunk: number,
  now: Date,
  queueNext: boolean,
): Promise<boolean> {
  const db = env.DB;
  const b = await broadcastById(db, broadcastId);
  if (b?.status !== 'RUNNING') return false;
  const segment = segmentSchema.parse(JSON.parse(b.segment));
  const type = TYPE_OF[segment.kind];
  const page = await segmentPage(db, segment, b.cursor, chunk);
  const stamp = now.toISOString();
  if (page.length === 0) {
    await db
      .prepare(
        `UPDATE message_broadcast SET status = 'DONE', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'RUNNING' AND cursor = ?`,
      )
      .bind(stamp, stamp, b.id, b.cursor)
      .run();
    return false;
  }
  const [company, settings] = await Promise.all([loadSettings(db), messagingSettings(db)]);
  const marketing = b.purpose === 'MARKETING';
  const decided = await decide(db, type, b.channel, marketing, page);
  const personal = b.template_key
    ? await personalizer(db, b.template_key as PurposeKey, b.channel, type, page, company, settings)
    : null;
  const guard = `EXISTS (SELECT 1 FROM message_broadcast WHERE id = ${b.id} AND status = 'RUNNING' AND cursor = ${b.cursor})`;
  const rows: OutboxValues[] = [];
  let skipped = 0;
  let suppressed = 0;
  for (const d of decided) {
    if (!d.address || !d.consent) {
      skipped++;
      continue;
    }
    const r = d.recipient;
    // A template is read in the recipient's locale (else the default); free text in the locale the person has.
    const template = personal ? await personal.template(r) : null;
    const locale: Locale = template
      ? template.locale
      : r.locale && (LOCALES as readonly string[]).includes(r.locale)
        ? (r.locale as Locale)
        : settings.default_locale;
    const unsubscribe = marketing
      ? unsubscribeUrl(
          env.PUBLIC_BASE_URL,
          await unsubscribeToken(env.JWT_SECRET, { channel: b.channel, type, id: r.id, locale }),
        )
      : null;
    let m: RenderedMessage;
    if (personal && template) {
      try {
        m = personal.render(r, template, unsubscribe);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        // This recipient's message does not render (a variable without a value): skipped, the rest go.
        console.warn(`broadcast ${b.id}: ${type} ${r.id} skipped: ${e.message}`);
        skipped++;
        continue;
      }
    } else m = render(b.channel, b.subject, b.body!, unsubscribe, locale);
    const notBefore =
      marketing && b.channel === 'SMS' && !d.suppressed
        ? nextAllowedInstant(
            now,
            recipientZone(r.country, company.timeZone),
            settings.quiet_hours_start,
            settings.quiet_hours_end,
          )
        : now;
    if (d.suppressed) suppressed++;
    rows.push({
      id: r.id,
      address: d.address,
      locale,
      subject: m.subject,
      body: m.text,
      html: m.html,
      encoding: m.sms?.encoding ?? null,
      segments: m.sms?.segments ?? null,
      owner: type === 'DISTRIBUTOR' ? null : r.owner_id,
      status: d.suppressed ? 'SUPPRESSED' : 'QUEUED',
      key: `broadcast:${b.id}:${type}:${r.id}`,
      notBefore: notBefore > now ? notBefore.toISOString() : null,
    });
  }
  // Set-based writes: the outbox rows and their contact history from JSON parameters (a few statements per
  // chunk, not two per recipient), the cursor last; every statement guarded by the cursor.
  const statements: D1PreparedStatement[] = [];
  for (const group of bySize(rows, MAX_JSON_PARAMETER))
    statements.push(
      db
        .prepare(
          `INSERT INTO message_outbox (recipient_type, recipient_id, address, channel, purpose, template_key, locale,
             subject, body, html, sms_encoding, sms_segments, sender_kind, sender, owner_distributor_id, status,
             idempotency_key, final_at, last_error, not_before, created_at, updated_at)
           SELECT ?1, j.value ->> '$.id', j.value ->> '$.address', ?2, ?3, ?4, j.value ->> '$.locale',
             j.value ->> '$.subject', j.value ->> '$.body', j.value ->> '$.html', j.value ->> '$.encoding',
             j.value ->> '$.segments', 'STAFF', ?5, j.value ->> '$.owner', j.value ->> '$.status', j.value ->> '$.key',
             CASE j.value ->> '$.status' WHEN 'SUPPRESSED' THEN ?6 END,
             CASE j.value ->> '$.status' WHEN 'SUPPRESSED' THEN 'The address is suppressed.' END,
             j.value ->> '$.notBefore', ?6, ?6
           FROM json_each(?7) j WHERE ${guard}
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status, not_before`,
        )
        .bind(type, b.channel, b.purpose, b.template_key, b.created_by, stamp, JSON.stringify(group)),
      // The contact history of the rows written now (a suppressed message never left: no contact).
      db
        .prepare(
          `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
           SELECT o.recipient_type, o.recipient_id, ?1, substr(?2 || char(10, 10) || o.body, 1, 10000), ?3, NULL, ?4, ?3
           FROM message_outbox o
           WHERE o.idempotency_key IN (SELECT j.value ->> '$.key' FROM json_each(?5) j) AND o.status = 'QUEUED'
             AND o.created_at = ?3 AND ${guard}`,
        )
        .bind(b.channel === 'SMS' ? 'SMS' : 'EMAIL', b.name, stamp, b.created_by, JSON.stringify(group)),
    );
  const last = page[page.length - 1].id;
  const queued = decided.length - skipped - suppressed;
  statements.push(
    db
      .prepare(
        `UPDATE message_broadcast SET cursor = ?, queued = queued + ?, suppressed = suppressed + ?, skipped = skipped + ?,
           updated_at = ? WHERE id = ? AND status = 'RUNNING' AND cursor = ?`,
      )
      .bind(last, queued, suppressed, skipped, stamp, b.id, b.cursor),
  );
  const results = await atomic(db, statements);
  if ((results[results.length - 1].meta.changes ?? 0) === 0) return false; // paused, cancelled or done by another run
  // The next step is queued first: its fan-out overlaps with these sends.
  if (queueNext) await env.JOBS.send({ kind: 'broadcast.fanout', broadcastId: b.id });
  await enqueueWritten(
    env,
    results.filter((_, i) => i % 2 === 0 && i < results.length - 1),
    now,
  );
  return true;
}

/** One recipient's outbox row, as the set-based insert reads it. */
interface OutboxValues {
  id: number;
  address: string;
  locale: Locale;
  subject: string | null;
  body: string;
  html: string | null;
  encoding: string | null;
  segments: number | null;
  owner: number | null;
  status: 'QUEUED' | 'SUPPRESSED';
  key: string;
  notBefore: string | null;
}

/** D1 keeps a value under 2 MB; a JSON parameter of rows stays well below it. */
const MAX_JSON_PARAMETER = 500_000;

/** Consecutive groups of rows whose JSON stays under `limit` characters (one row alone may exceed it). */
function bySize<T>(rows: readonly T[], limit: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const row of rows) {
    const n = JSON.stringify(row).length + 1;
    if (current.length > 0 && size + n > limit) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Per-recipient rendering of a template broadcast: the template in the recipient's locale (fallback: the
 * default), the owner as the distributor the message is from (the company for distributors and unowned
 * people), the owner's shop link, the unsubscribe link placed by the template or appended.
 */
async function personalizer(
  db: D1Database,
  key: PurposeKey,
  channel: Channel,
  type: RecipientType,
  page: Recipient[],
  company: { name: string; timeZone: string },
  settings: MessagingSettingsRow,
) {
  const templateOf = templatesByLocale(db, key, channel, settings.default_locale);
  const ownerIds = type === 'DISTRIBUTOR' ? [] : [...new Set(page.map((r) => r.owner_id ?? 0))];
  const owners = new Map((await distributorsByIds(db, ownerIds)).map((o) => [o.id, o]));
  return {
    template: (r: Recipient) => templateOf(localeOf(r.locale, r.country, settings.default_locale)),
    render(r: Recipient, template: TemplateRow, unsubscribe: string | null): RenderedMessage {
      const owner = r.owner_id === null ? undefined : owners.get(r.owner_id);
      const vars = templateVariables({
        locale: template.locale,
        timeZone: company.timeZone,
        recipient: { firstName: r.first_name ?? '', lastName: r.last_name },
        distributor: owner
          ? { firstName: owner.first_name, lastName: owner.last_name, phone: owner.phone, email: owner.email }
          : { firstName: company.name },
        company: { name: company.name },
        shopUrl: shopUrlOf(settings, owner?.referral_code ?? null),
        unsubscribeUrl: unsubscribe ?? undefined,
      });
      let m = renderTemplate(channel, template, vars);
      if (unsubscribe && !m.text.includes(unsubscribe))
        m = withUnsubscribeLine(m, channel, unsubscribe, template.locale, template.html == null);
      checkRendered(channel, m);
      return m;
    },
  };
}

const TRANSITIONS = {
  pause: { from: ['RUNNING'], to: 'PAUSED' },
  resume: { from: ['PAUSED'], to: 'RUNNING' },
  cancel: { from: ['RUNNING', 'PAUSED'], to: 'CANCELLED' },
} as const;

export async function changeBroadcast(
  env: Env,
  viewer: Viewer,
  id: number,
  action: keyof typeof TRANSITIONS,
): Promise<BroadcastRow> {
  if (viewer.kind !== 'ADMIN') throw new ForbiddenError('Only staff manage broadcasts.');
  const t = TRANSITIONS[action];
  const row = await env.DB.prepare(
    `UPDATE message_broadcast SET status = ?, updated_at = ?, finished_at = CASE WHEN ? = 'CANCELLED' THEN ? ELSE finished_at END
     WHERE id = ? AND status IN (SELECT value FROM json_each(?)) RETURNING *`,
  )
    .bind(t.to, nowIso(), t.to, nowIso(), id, JSON.stringify(t.from))
    .first<BroadcastRow>();
  if (!row) {
    const current = await broadcastById(env.DB, id);
    if (!current) throw new NotFoundError('Broadcast not found.');
    throw new ConflictError(
      `A ${current.status.toLowerCase()} broadcast cannot be ${action}d.`,
      `BROADCAST_${current.status}`,
    );
  }
  if (action === 'resume') await env.JOBS.send({ kind: 'broadcast.fanout', broadcastId: id });
  return row;
}
