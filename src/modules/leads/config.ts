// Intake configuration kept in D1 and edited by staff: Google forms, Meta pages, generic sources, routing.
import { z } from 'zod';
import { atomic, nowIso } from '../../lib/db';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { ExpiringMap } from '../../lib/expiringMap';
import { parseInput } from '../../lib/validate';
import { sha256Hex } from './crypto';
import type { FieldMapping } from './generic';
import { LEAD_FIELDS, normalizePostal } from './model';
import type { leadGoogleForm, leadMetaPage, leadRoutingRule, leadSource } from './tables';

const idDigits = z
  .string()
  .trim()
  .regex(/^\d{1,20}$/, 'A numeric id (digits only).');
const label = z.string().trim().min(1).max(200).nullish();
const secret = z.string().min(16, 'At least 16 characters.').max(500);

// ---- Google Ads forms ----

export type GoogleFormRow = Omit<typeof leadGoogleForm.$inferSelect, 'key_sha256'>;

/**
 * Per isolate, for a short while: configuration the webhooks read on every delivery, so that a busy intake does
 * not pay a D1 round trip for it each time. Edits through this isolate apply at once; elsewhere within
 * CONFIG_RECHECK_MS. Only found entries are kept: a form or source registered a moment ago is never missed.
 */
const CONFIG_RECHECK_MS = 30_000;
const googleKeys = new ExpiringMap<string, string>(CONFIG_RECHECK_MS);
const sources = new ExpiringMap<string, LeadSourceConfig>(CONFIG_RECHECK_MS);

export async function googleFormKeyHash(db: D1Database, formId: string): Promise<string | null> {
  const cached = googleKeys.get(formId);
  if (cached) return cached;
  const row = await db
    .prepare('SELECT key_sha256 FROM lead_google_form WHERE form_id = ?')
    .bind(formId)
    .first<{ key_sha256: string }>();
  if (row) googleKeys.set(formId, row.key_sha256);
  return row?.key_sha256 ?? null;
}

export async function upsertGoogleForm(db: D1Database, raw: unknown): Promise<GoogleFormRow> {
  const input = parseInput(
    z.object({
      formId: idDigits,
      name: label,
      googleKey: z.string().min(8, 'At least 8 characters.').max(500),
    }),
    raw,
    'Google lead form',
  );
  const now = nowIso();
  return (await db
    .prepare(
      `INSERT INTO lead_google_form (form_id, name, key_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (form_id) DO UPDATE SET name = excluded.name, key_sha256 = excluded.key_sha256, updated_at = excluded.updated_at
       RETURNING form_id, name, created_at, updated_at`,
    )
    .bind(input.formId, input.name ?? null, await sha256Hex(input.googleKey), now, now)
    .first<GoogleFormRow>()
    .finally(() => googleKeys.delete(input.formId)))!;
}

// ---- Meta pages ----

export type MetaPageRow = Omit<typeof leadMetaPage.$inferSelect, 'access_token'>;

export async function upsertMetaPage(db: D1Database, raw: unknown): Promise<MetaPageRow> {
  const input = parseInput(
    z.object({ pageId: idDigits, name: label, accessToken: z.string().trim().min(10).max(1000) }),
    raw,
    'Meta page',
  );
  const now = nowIso();
  return (await db
    .prepare(
      `INSERT INTO lead_meta_page (page_id, name, access_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (page_id) DO UPDATE SET name = excluded.name, access_token = excluded.access_token, updated_at = excluded.updated_at
       RETURNING page_id, name, created_at, updated_at`,
    )
    .bind(input.pageId, input.name ?? null, input.accessToken, now, now)
    .first<MetaPageRow>())!;
}

// ---- Generic sources ----

export interface LeadSourceConfig {
  name: string;
  auth: 'TOKEN' | 'HMAC';
  tokenSha256: string | null;
  hmacSecret: string | null;
  signatureHeader: string;
  mapping: FieldMapping[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

type LeadSourceRow = typeof leadSource.$inferSelect;

function toSource(r: LeadSourceRow): LeadSourceConfig {
  return {
    name: r.name,
    auth: r.auth,
    tokenSha256: r.token_sha256,
    hmacSecret: r.hmac_secret,
    signatureHeader: r.signature_header,
    mapping: JSON.parse(r.field_mapping) as FieldMapping[],
    active: r.active === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function sourceByName(db: D1Database, name: string): Promise<LeadSourceConfig | null> {
  const cached = sources.get(name);
  if (cached) return cached;
  const row = await db.prepare('SELECT * FROM lead_source WHERE name = ?').bind(name).first<LeadSourceRow>();
  if (!row) return null;
  const source = toSource(row);
  sources.set(name, source);
  return source;
}

export async function listSources(db: D1Database): Promise<LeadSourceConfig[]> {
  const { results } = await db.prepare('SELECT * FROM lead_source ORDER BY name').all<LeadSourceRow>();
  return results.map(toSource);
}

const sourceSchema = z
  .object({
    name: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'Letters, digits, "-" and "_" (it is part of the URL).'),
    auth: z.enum(['TOKEN', 'HMAC']),
    secret,
    signatureHeader: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{1,100}$/, 'A header name.')
      .nullish(),
    fieldMapping: z
      .array(z.object({ from: z.string().trim().min(1).max(200), to: z.enum(LEAD_FIELDS) }))
      .max(200)
      .default([]),
    active: z.boolean().nullish(),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.fieldMapping.forEach((m, i) => {
      if (seen.has(m.from))
        ctx.addIssue({ code: 'custom', path: ['fieldMapping', i, 'from'], message: 'Mapped twice.' });
      seen.add(m.from);
    });
  });

/** Creates or replaces a source; the secret is required each time (it is never shown back). */
export async function upsertSource(db: D1Database, raw: unknown): Promise<LeadSourceConfig> {
  const input = parseInput(sourceSchema, raw, 'lead source');
  const now = nowIso();
  const row = await db
    .prepare(
      `INSERT INTO lead_source (name, auth, token_sha256, hmac_secret, signature_header, field_mapping, active, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET auth = excluded.auth, token_sha256 = excluded.token_sha256,
         hmac_secret = excluded.hmac_secret, signature_header = excluded.signature_header,
         field_mapping = excluded.field_mapping, active = excluded.active, updated_at = excluded.updated_at
       RETURNING *`,
    )
    .bind(
      input.name,
      input.auth,
      input.auth === 'TOKEN' ? await sha256Hex(input.secret) : null,
      input.auth === 'HMAC' ? input.secret : null,
      input.signatureHeader ?? 'X-Signature',
      JSON.stringify(input.fieldMapping),
      input.active === false ? 0 : 1,
      now,
      now,
    )
    .first<LeadSourceRow>()
    .finally(() => sources.delete(input.name));
  return toSource(row!);
}

// ---- Routing rules ----

export interface RoutingRule {
  id: number;
  name: string;
  priority: number;
  country: string | null;
  postalPrefix: string | null;
  active: boolean;
  distributorIds: number[];
  createdAt: string;
  updatedAt: string;
}

/** A rule with its members as JSON. */
type RuleRow = typeof leadRoutingRule.$inferSelect & { members: string };

const RULE_SELECT = `SELECT r.*, (SELECT json_group_array(distributor_id) FROM
    (SELECT distributor_id FROM lead_routing_member m WHERE m.rule_id = r.id ORDER BY position)) AS members
  FROM lead_routing_rule r`;

function toRule(r: RuleRow): RoutingRule {
  return {
    id: r.id,
    name: r.name,
    priority: r.priority,
    country: r.country,
    postalPrefix: r.postal_prefix,
    active: r.active === 1,
    distributorIds: JSON.parse(r.members) as number[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function listRules(db: D1Database): Promise<RoutingRule[]> {
  const { results } = await db.prepare(`${RULE_SELECT} ORDER BY r.priority, r.id`).all<RuleRow>();
  return results.map(toRule);
}

export async function ruleById(db: D1Database, id: number): Promise<RoutingRule | null> {
  const row = await db.prepare(`${RULE_SELECT} WHERE r.id = ?`).bind(id).first<RuleRow>();
  return row ? toRule(row) : null;
}

const ruleSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    priority: z.number().int().min(0).max(1_000_000).nullish(),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'Use an ISO 3166-1 alpha-2 code such as DK.')
      .nullish(),
    postalCodePrefix: z.string().trim().min(1).max(20).nullish(),
    active: z.boolean().nullish(),
    distributorIds: z.array(z.number().int().positive()).min(1, 'List at least one distributor.').max(90),
  })
  .refine((v) => v.country != null || v.postalCodePrefix != null, {
    message: 'Give a country, a postal-code prefix, or both.',
    path: ['country'],
  })
  .refine((v) => new Set(v.distributorIds).size === v.distributorIds.length, {
    message: 'A distributor is listed twice.',
    path: ['distributorIds'],
  });

/** Creates (id null) or replaces a rule and its member list in one batch. Members keep their turns. */
export async function saveRule(db: D1Database, id: number | null, raw: unknown): Promise<RoutingRule> {
  const input = parseInput(ruleSchema, raw, 'routing rule');
  const ids = JSON.stringify(input.distributorIds);
  const { results: known } = await db
    .prepare('SELECT id FROM distributor WHERE id IN (SELECT value FROM json_each(?))')
    .bind(ids)
    .all<{ id: number }>();
  const missing = input.distributorIds.filter((d) => !known.some((k) => k.id === d));
  if (missing.length)
    throw new ValidationError('Unknown distributor.', [
      {
        path: 'distributorIds',
        message: `Not found: ${missing.join(', ')}`,
        code: 'NOT_FOUND',
        params: { ids: missing },
      },
    ]);
  if (id != null && !(await ruleById(db, id))) throw new NotFoundError('Routing rule not found.');
  const now = nowIso();
  const fields = [
    input.name,
    input.priority ?? 100,
    input.country ?? null,
    normalizePostal(input.postalCodePrefix ?? null),
    input.active === false ? 0 : 1,
  ];
  const members = JSON.stringify(input.distributorIds.map((d, i) => [d, i]));
  const ruleId =
    id ??
    (await db
      .prepare('SELECT coalesce(max(id), 0) + 1 AS next FROM lead_routing_rule')
      .first<{ next: number }>())!.next;
  await atomic(db, [
    id == null
      ? db
          .prepare(
            `INSERT INTO lead_routing_rule (id, name, priority, country, postal_prefix, active, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .bind(ruleId, ...fields, now, now)
      : db
          .prepare(
            'UPDATE lead_routing_rule SET name = ?, priority = ?, country = ?, postal_prefix = ?, active = ?, updated_at = ? WHERE id = ?',
          )
          .bind(...fields, now, ruleId),
    db
      .prepare(
        `DELETE FROM lead_routing_member WHERE rule_id = ?
         AND distributor_id NOT IN (SELECT json_extract(value, '$[0]') FROM json_each(?))`,
      )
      .bind(ruleId, members),
    db
      .prepare(
        `INSERT INTO lead_routing_member (rule_id, distributor_id, position, turn)
         SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
           (SELECT coalesce(min(turn), 0) FROM lead_routing_member WHERE rule_id = ?)
         FROM json_each(?) WHERE true
         ON CONFLICT (rule_id, distributor_id) DO UPDATE SET position = excluded.position`,
      )
      .bind(ruleId, ruleId, members),
  ]);
  return (await ruleById(db, ruleId))!;
}

export async function deleteRule(db: D1Database, id: number): Promise<void> {
  if (!(await ruleById(db, id))) throw new NotFoundError('Routing rule not found.');
  await atomic(db, [
    db.prepare('DELETE FROM lead_routing_member WHERE rule_id = ?').bind(id),
    db.prepare('DELETE FROM lead_routing_rule WHERE id = ?').bind(id),
  ]);
}

/** The configured Google lead forms (never their keys). */
export async function listGoogleForms(db: D1Database): Promise<GoogleFormRow[]> {
  return (
    await db
      .prepare('SELECT form_id, name, created_at, updated_at FROM lead_google_form ORDER BY form_id')
      .all<GoogleFormRow>()
  ).results;
}

/** The configured Meta pages (never their tokens). */
export async function listMetaPages(db: D1Database): Promise<MetaPageRow[]> {
  return (
    await db
      .prepare('SELECT page_id, name, created_at, updated_at FROM lead_meta_page ORDER BY page_id')
      .all<MetaPageRow>()
  ).results;
}
