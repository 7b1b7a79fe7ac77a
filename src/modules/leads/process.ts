// The queued half of intake: turn a stored delivery into a lead, route it, record the assignment.
import type { Env } from '../../env';
import { nowIso } from '../../lib/db';
import { sourceByName } from './config';
import { normalizeGeneric, parseGenericBody } from './generic';
import { normalizeGoogle, parseGoogleBody } from './google';
import { fetchGraphLead, GraphError, type MetaChange, normalizeMeta } from './meta';
import { countryCode, type NormalizedLead } from './model';
import { routeLead } from './routing';

interface IntakeWithEvent {
  id: number;
  source: 'GOOGLE_ADS' | 'META' | 'GENERIC';
  external_id: string;
  ref: string;
  status: 'PENDING' | 'DONE' | 'FAILED';
  attempts: number;
  body: string;
  content_type: string | null;
  source_name: string | null;
}

/** Cannot succeed by retrying (bad stored data, missing configuration): the intake fails at once. */
export class PermanentIntakeError extends Error {
  override name = 'PermanentIntakeError';
}

export async function processIntake(env: Env, intakeId: number): Promise<void> {
  const db = env.DB;
  const intake = await db
    .prepare(
      `SELECT i.id, i.source, i.external_id, i.ref, i.status, i.attempts, e.body, e.content_type, e.source_name
       FROM lead_intake i JOIN lead_event e ON e.id = i.event_id WHERE i.id = ?`,
    )
    .bind(intakeId)
    .first<IntakeWithEvent>();
  // Done (a redelivered message) or failed (waits for staff to retry it): nothing to do.
  if (intake?.status !== 'PENDING') return;
  await db
    .prepare('UPDATE lead_intake SET attempts = attempts + 1, updated_at = ? WHERE id = ?')
    .bind(nowIso(), intakeId)
    .run();
  try {
    const lead = await buildLead(env, intake);
    await saveLead(db, intake.id, lead);
  } catch (e) {
    const permanent = e instanceof PermanentIntakeError || (e instanceof GraphError && e.permanent);
    const message = (e as Error).message ?? String(e);
    await db
      .prepare(
        `UPDATE lead_intake SET last_error = ?, status = CASE WHEN ? THEN 'FAILED' ELSE status END, updated_at = ?
         WHERE id = ? AND status = 'PENDING'`,
      )
      .bind(message.slice(0, 1000), permanent ? 1 : 0, nowIso(), intakeId)
      .run();
    if (permanent) {
      console.error(`lead intake ${intakeId} failed for good: ${message}`);
      return;
    }
    throw e;
  }
}

async function buildLead(env: Env, intake: IntakeWithEvent): Promise<NormalizedLead> {
  if (intake.source === 'GOOGLE_ADS') {
    const parsed = parseGoogleBody(intake.body);
    if (!parsed.ok) throw new PermanentIntakeError(parsed.reason);
    return normalizeGoogle(parsed.envelope);
  }
  if (intake.source === 'GENERIC') {
    const source = intake.source_name ? await sourceByName(env.DB, intake.source_name) : null;
    if (!source) throw new PermanentIntakeError(`Lead source ${intake.source_name} is no longer configured.`);
    const parsed = parseGenericBody(intake.content_type, intake.body);
    if (!parsed.ok) throw new PermanentIntakeError(parsed.reason);
    return normalizeGeneric(source.name, intake.external_id, parsed.fields, source.mapping);
  }
  const change = JSON.parse(intake.ref) as MetaChange;
  if (!change.pageId) throw new PermanentIntakeError('The notification names no page.');
  const page = await env.DB.prepare('SELECT access_token FROM lead_meta_page WHERE page_id = ?')
    .bind(change.pageId)
    .first<{ access_token: string }>();
  if (!page)
    throw new PermanentIntakeError(`Meta page ${change.pageId} is not configured (no access token).`);
  const graph = await fetchGraphLead(env, change.leadgenId, page.access_token);
  return normalizeMeta(change, graph);
}

/** Lead, first assignment and intake state in one batch; a second run finds the lead and adds nothing. */
async function saveLead(db: D1Database, intakeId: number, lead: NormalizedLead): Promise<void> {
  const route = await routeLead(db, lead);
  const now = nowIso();
  const find = 'SELECT id FROM lead WHERE source = ? AND external_id = ?';
  await db.batch([
    db
      .prepare(
        `INSERT INTO lead (source, source_name, external_id, intake_id, status, is_test, form_id, campaign_id, adgroup_id,
           creative_id, ad_id, asset_group_id, page_id, gcl_id, full_name, first_name, last_name, email, phone,
           street_address, postal_code, city, region, country, country_code, company_name, job_title, referral_code,
           utm, answers, assigned_distributor_id, submitted_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'NEW', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, external_id) DO NOTHING`,
      )
      .bind(
        lead.source,
        lead.sourceName,
        lead.externalId,
        intakeId,
        lead.isTest ? 1 : 0,
        lead.formId,
        lead.campaignId,
        lead.adgroupId,
        lead.creativeId,
        lead.adId,
        lead.assetGroupId,
        lead.pageId,
        lead.gclId,
        lead.fullName,
        lead.firstName,
        lead.lastName,
        lead.email,
        lead.phone,
        lead.streetAddress,
        lead.postalCode,
        lead.city,
        lead.region,
        lead.country,
        countryCode(lead.country),
        lead.companyName,
        lead.jobTitle,
        lead.referralCode,
        JSON.stringify(lead.utm),
        JSON.stringify(lead.answers),
        route.distributorId,
        lead.submittedAt,
        now,
        now,
      ),
    db
      .prepare(
        `INSERT INTO lead_assignment (lead_id, distributor_id, reason, rule_id, detail, assigned_by, created_at)
         SELECT l.id, ?, ?, ?, ?, 'router', ? FROM lead l
         WHERE l.source = ? AND l.external_id = ? AND NOT EXISTS (SELECT 1 FROM lead_assignment a WHERE a.lead_id = l.id)`,
      )
      .bind(route.distributorId, route.reason, route.ruleId, route.detail, now, lead.source, lead.externalId),
    db
      .prepare(
        `UPDATE lead_intake SET status = 'DONE', last_error = NULL, lead_id = (${find}), updated_at = ? WHERE id = ?`,
      )
      .bind(lead.source, lead.externalId, now, intakeId),
  ]);
}

/** Called from the dead-letter queue: the retries are spent. */
export async function giveUpIntake(db: D1Database, intakeId: number, attempts: number): Promise<void> {
  await db
    .prepare(
      `UPDATE lead_intake SET status = 'FAILED',
         last_error = coalesce(last_error, 'unknown error') || ' (gave up after the retries; ' || ? || ' deliveries on the dead-letter queue)',
         updated_at = ? WHERE id = ? AND status = 'PENDING'`,
    )
    .bind(attempts, nowIso(), intakeId)
    .run();
}
