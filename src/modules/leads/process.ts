// The queued half of intake: turn a stored delivery into a lead, route it, record the assignment.
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { notificationsFromSelect } from '../notifications/statements';
import { sourceByName } from './config';
import { normalizeGeneric, parseGenericBody } from './generic';
import { normalizeGoogle, parseGoogleBody } from './google';
import { fetchGraphLead, GraphError, type MetaChange, normalizeMeta } from './meta';
import { countryCode, type NormalizedLead } from './model';
import { type RouteDecision, routeLeads } from './routing';
import type { leadEvent, leadIntake } from './tables';

/** An intake joined with its raw event. */
type IntakeWithEvent = Pick<
  typeof leadIntake.$inferSelect,
  'id' | 'source' | 'external_id' | 'ref' | 'status' | 'attempts'
> &
  Pick<typeof leadEvent.$inferSelect, 'body' | 'content_type' | 'source_name'>;

/** Cannot succeed by retrying (bad stored data, missing configuration): the intake fails at once. */
export class PermanentIntakeError extends Error {
  override name = 'PermanentIntakeError';
}

export interface ProcessOutcome {
  /** Intakes left PENDING by a failure worth retrying, with that failure. */
  transient: { intakeId: number; error: unknown }[];
}

/**
 * Processes intakes together in a handful of round trips: claim and read them, fetch what Meta leads need,
 * route them all, then write every lead, assignment and intake state in one batch. DONE and FAILED intakes
 * (a redelivered message, or one waiting for staff) are skipped; a permanent failure marks its intake FAILED;
 * a transient one records the error and leaves it PENDING for the caller to retry.
 */
export async function processIntakes(env: Env, intakeIds: number[]): Promise<ProcessOutcome> {
  const db = env.DB;
  if (intakeIds.length === 0) return { transient: [] };
  const ids = JSON.stringify(intakeIds);
  // Count the attempt and read the intakes in one round trip; the count only moves while PENDING.
  const [, read] = await atomic(db, [
    db
      .prepare(
        `UPDATE lead_intake SET attempts = attempts + 1, updated_at = ?
         WHERE id IN (SELECT value FROM json_each(?)) AND status = 'PENDING'`,
      )
      .bind(nowIso(), ids),
    db
      .prepare(
        `SELECT i.id, i.source, i.external_id, i.ref, i.status, i.attempts, e.body, e.content_type, e.source_name
         FROM lead_intake i JOIN lead_event e ON e.id = i.event_id
         WHERE i.id IN (SELECT value FROM json_each(?)) AND i.status = 'PENDING' ORDER BY i.id`,
      )
      .bind(ids),
  ]);
  const intakes = read.results as IntakeWithEvent[];
  if (intakes.length === 0) return { transient: [] };

  const tokens = await metaPageTokens(db, intakes);
  const built = await Promise.all(
    intakes.map(async (intake) => {
      try {
        return { intake, lead: await buildLead(env, intake, tokens) };
      } catch (error) {
        return { intake, error };
      }
    }),
  );
  const ok = built.filter((b): b is { intake: IntakeWithEvent; lead: NormalizedLead } => 'lead' in b);
  const failed = built.filter((b): b is { intake: IntakeWithEvent; error: unknown } => 'error' in b);
  const routes = await routeLeads(
    db,
    ok.map((b) => b.lead),
  );
  const now = nowIso();
  const transient: ProcessOutcome['transient'] = [];
  const statements = ok.flatMap((b, k) => saveStatements(db, b.intake.id, b.lead, routes[k], now));
  for (const { intake, error } of failed) {
    const permanent =
      error instanceof PermanentIntakeError || (error instanceof GraphError && error.permanent);
    const message = (error as Error)?.message ?? String(error);
    statements.push(
      db
        .prepare(
          `UPDATE lead_intake SET last_error = ?, status = CASE WHEN ? THEN 'FAILED' ELSE status END, updated_at = ?
           WHERE id = ? AND status = 'PENDING'`,
        )
        .bind(message.slice(0, 1000), permanent ? 1 : 0, now, intake.id),
    );
    if (permanent) console.error(`lead intake ${intake.id} failed for good: ${message}`);
    else transient.push({ intakeId: intake.id, error });
  }
  if (statements.length > 0) await atomic(db, statements);
  return { transient };
}

/** The access tokens of the Meta pages the intakes name, in one read. */
async function metaPageTokens(db: D1Database, intakes: IntakeWithEvent[]): Promise<Map<string, string>> {
  const pages = new Set<string>();
  for (const i of intakes)
    if (i.source === 'META') {
      const pageId = (JSON.parse(i.ref) as MetaChange).pageId;
      if (pageId) pages.add(pageId);
    }
  if (pages.size === 0) return new Map();
  const { results } = await db
    .prepare(
      'SELECT page_id, access_token FROM lead_meta_page WHERE page_id IN (SELECT value FROM json_each(?))',
    )
    .bind(JSON.stringify([...pages]))
    .all<{ page_id: string; access_token: string }>();
  return new Map(results.map((r) => [r.page_id, r.access_token]));
}

async function buildLead(
  env: Env,
  intake: IntakeWithEvent,
  pageTokens: Map<string, string>,
): Promise<NormalizedLead> {
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
  const token = pageTokens.get(change.pageId);
  if (!token)
    throw new PermanentIntakeError(`Meta page ${change.pageId} is not configured (no access token).`);
  const graph = await fetchGraphLead(env, change.leadgenId, token);
  return normalizeMeta(change, graph);
}

/** Lead, first assignment and intake state; run again, they find the lead and add nothing. */
function saveStatements(
  db: D1Database,
  intakeId: number,
  lead: NormalizedLead,
  route: RouteDecision,
  now: string,
): D1PreparedStatement[] {
  const find = 'SELECT id FROM lead WHERE source = ? AND external_id = ?';
  return [
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
    // The distributor the router chose hears of the lead in the same batch (once per assignment).
    notificationsFromSelect(
      db,
      'LEAD_ASSIGNED',
      `SELECT a.distributor_id, 'LEAD' AS subject_type, CAST(l.id AS TEXT) AS subject_id,
         json_object('name', coalesce(l.full_name, trim(coalesce(l.first_name, '') || ' ' || coalesce(l.last_name, ''))),
                     'source', l.source, 'reason', a.reason) AS payload,
         'lead-assigned:' || a.id AS dedupe_key
       FROM lead l JOIN lead_assignment a ON a.lead_id = l.id AND a.assigned_by = 'router'
       WHERE l.source = ? AND l.external_id = ?`,
      [lead.source, lead.externalId],
      now,
    ),
    db
      .prepare(
        `UPDATE lead_intake SET status = 'DONE', last_error = NULL, lead_id = (${find}), updated_at = ? WHERE id = ?`,
      )
      .bind(lead.source, lead.externalId, now, intakeId),
  ];
}

/**
 * Called from the dead-letter queue: the retries are spent. Marks the still-PENDING intakes FAILED and returns
 * their last errors (what made the retries fail, when one was recorded).
 */
export async function giveUpIntakes(
  db: D1Database,
  intakeIds: number[],
  attempts: number,
): Promise<string[]> {
  if (intakeIds.length === 0) return [];
  // The count is cast: a JS number is bound as REAL, which printed as "1.0 deliveries".
  const { results } = await db
    .prepare(
      `UPDATE lead_intake SET status = 'FAILED',
         last_error = coalesce(last_error, 'unknown error') || ' (gave up after the retries; ' || CAST(? AS INTEGER) || ' deliveries on the dead-letter queue)',
         updated_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = 'PENDING'
       RETURNING last_error`,
    )
    .bind(Math.trunc(attempts), nowIso(), JSON.stringify(intakeIds))
    .all<{ last_error: string }>();
  return results.map((r) => r.last_error);
}
