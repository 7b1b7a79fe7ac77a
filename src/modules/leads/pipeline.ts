// Lead pipeline: status changes with their history, and conversion into a customer or a distributor.
import { z } from 'zod';
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { enrollDistributor } from '../genealogy/enroll';
import { profileFields } from '../genealogy/validation';
import { leadsByIds } from './repository';
import type { lead, leadStatusChange } from './tables';

export const LEAD_STATUSES = ['NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
const OPEN: readonly LeadStatus[] = ['NEW', 'CONTACTED', 'QUALIFIED'];

export type PipelineLeadRow = typeof lead.$inferSelect;

export type StatusChangeRow = typeof leadStatusChange.$inferSelect;

/** Moves setLeadStatus allows (CONVERTED is reached only through convertLead). */
export function transitionAllowed(from: LeadStatus, to: LeadStatus): boolean {
  if (to === 'LOST') return OPEN.includes(from);
  if (to === 'CONTACTED') return from === 'NEW' || from === 'LOST';
  if (to === 'QUALIFIED') return from === 'CONTACTED';
  return false;
}

/** Leads are worked by people: staff, or the distributor they are assigned to (not integrations). */
function requireWorker(viewer: Viewer): void {
  // SYSTEM: the company's own work, e.g. a lead accepting an offer becomes a customer (offers module).
  if (viewer.kind !== 'ADMIN' && viewer.kind !== 'DISTRIBUTOR' && viewer.kind !== 'SYSTEM')
    throw new ForbiddenError();
}

/** The lead, if the viewer may work on it: staff any lead, a distributor the leads assigned to them. */
async function workableLead(db: D1Database, viewer: Viewer, id: number): Promise<PipelineLeadRow> {
  requireWorker(viewer);
  const [lead] = (await leadsByIds(db, [id])) as PipelineLeadRow[];
  if (!lead) throw new NotFoundError('Lead not found.');
  if (viewer.kind === 'DISTRIBUTOR' && lead.assigned_distributor_id !== viewer.distributorId)
    throw new ForbiddenError('You may work only on the leads assigned to you.');
  return lead;
}

// The history row's lead_id is NULL (NOT NULL fails, the batch rolls back) unless the guarded update
// applied: a concurrent change between our read and our batch is refused, never half-written. The insert
// always directly follows that update, and changes() = 1 says the update applied (a concurrent change
// made in the same millisecond would otherwise pass the status/updated_at check).
const STALE = 'NOT NULL constraint failed: lead_status_change.lead_id';
const stale = () => new ConflictError('The lead changed meanwhile; reload it and try again.', 'STALE');
const staleConflict = (e: unknown): unknown =>
  String((e as Error)?.message ?? e).includes(STALE) ? stale() : e;

/** True when the lead is no longer as we read it (another request changed or converted it). */
async function leadChanged(db: D1Database, lead: PipelineLeadRow): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS same FROM lead WHERE id = ? AND status = ? AND updated_at = ?')
    .bind(lead.id, lead.status, lead.updated_at)
    .first();
  return row == null;
}

function historyInsert(
  db: D1Database,
  lead: PipelineLeadRow,
  to: LeadStatus,
  reason: string | null,
  actor: string,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO lead_status_change (lead_id, from_status, to_status, reason, actor, created_at)
       VALUES ((SELECT id FROM lead WHERE id = ?1 AND status = ?3 AND updated_at = ?6 AND changes() = 1),
         ?2, ?3, ?4, ?5, ?6)`,
    )
    .bind(lead.id, lead.status, to, reason, actor, now);
}

const statusSchema = z.object({
  status: z.enum(LEAD_STATUSES),
  reason: z.string().trim().max(1000, 'At most 1000 characters.').nullish(),
});

export async function setLeadStatus(
  db: D1Database,
  viewer: Viewer,
  leadId: number,
  raw: { status: string; reason?: string | null },
): Promise<PipelineLeadRow> {
  const input = parseInput(statusSchema, raw, 'status change');
  const reason = input.reason || null;
  const lead = await workableLead(db, viewer, leadId);
  const from = lead.status as LeadStatus;
  if (input.status === 'CONVERTED')
    throw new ValidationError('A lead becomes CONVERTED only by converting it.', [
      { path: 'status', message: 'Use convertLead.' },
    ]);
  if (input.status === 'LOST' && !reason)
    throw new ValidationError('Say why the lead was lost.', [
      { path: 'reason', message: 'Required.', code: 'REQUIRED' },
    ]);
  if (!transitionAllowed(from, input.status))
    throw new ConflictError(`A ${from} lead cannot become ${input.status}.`, 'TRANSITION_NOT_ALLOWED');
  const now = nowIso();
  try {
    const [updated] = await atomic(db, [
      db
        .prepare(
          `UPDATE lead SET status = ?, lost_reason = ?, updated_at = ? WHERE id = ? AND status = ?
             AND assigned_distributor_id IS ? RETURNING *`,
        )
        .bind(
          input.status,
          input.status === 'LOST' ? reason : null,
          now,
          lead.id,
          from,
          lead.assigned_distributor_id,
        ),
      historyInsert(db, lead, input.status, reason, actorOf(viewer), now),
    ]);
    return (updated.results as PipelineLeadRow[])[0];
  } catch (e) {
    throw staleConflict(e);
  }
}

/** The status histories of many leads in one query, by lead then id. */
export async function statusHistories(
  db: D1Database,
  leadIds: readonly number[],
): Promise<StatusChangeRow[]> {
  const { results } = await db
    .prepare(
      'SELECT * FROM lead_status_change WHERE lead_id IN (SELECT value FROM json_each(?)) ORDER BY lead_id, id',
    )
    .bind(JSON.stringify(leadIds))
    .all<StatusChangeRow>();
  return results;
}

export async function statusHistory(db: D1Database, leadId: number): Promise<StatusChangeRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM lead_status_change WHERE lead_id = ? ORDER BY id')
    .bind(leadId)
    .all<StatusChangeRow>();
  return results;
}

export interface ConvertInput {
  to: 'CUSTOMER' | 'DISTRIBUTOR';
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  country?: string | null;
  locale?: string | null;
  notes?: string | null;
  placementParentId?: number | null;
  leg?: 'LEFT' | 'RIGHT' | null;
}

/** The person's details: what the caller gave, else what the lead carries. */
function personFrom(lead: PipelineLeadRow, input: ConvertInput) {
  const parts = (lead.full_name ?? '').trim().split(/\s+/).filter(Boolean);
  return {
    firstName: input.firstName ?? lead.first_name ?? parts[0] ?? null,
    lastName: input.lastName ?? lead.last_name ?? (parts.length > 1 ? parts.slice(1).join(' ') : null),
    email: input.email ?? lead.email,
    phone: input.phone ?? lead.phone,
    country: input.country ?? lead.country_code,
    locale: input.locale ?? 'en',
  };
}

const customerSchema = z.object({ ...profileFields, notes: z.string().max(5000).nullish() });

async function openAssignedLead(db: D1Database, viewer: Viewer, leadId: number) {
  const lead = await workableLead(db, viewer, leadId);
  if (lead.status === 'CONVERTED')
    throw new ConflictError('The lead is already converted.', 'ALREADY_CONVERTED');
  if (!OPEN.includes(lead.status as LeadStatus))
    throw new ConflictError(`A ${lead.status} lead cannot be converted; reopen it first.`, 'LEAD_NOT_OPEN');
  if (lead.assigned_distributor_id == null)
    throw new ConflictError('Assign the lead to a distributor before converting it.', 'LEAD_UNASSIGNED');
  return lead;
}

const convertUpdate = (column: 'converted_customer_id' | 'converted_distributor_id', idSql: string) =>
  `UPDATE lead SET status = 'CONVERTED', ${column} = ${idSql}, converted_at = ?1, updated_at = ?1, lost_reason = NULL
   WHERE id = ?2 AND status = ?3 AND assigned_distributor_id IS ?4 RETURNING *`;

export async function convertLead(
  db: D1Database,
  viewer: Viewer,
  leadId: number,
  input: ConvertInput,
): Promise<PipelineLeadRow> {
  const lead = await openAssignedLead(db, viewer, leadId);
  const owner = lead.assigned_distributor_id!;
  const person = personFrom(lead, input);
  const actor = actorOf(viewer);
  const now = nowIso();
  const guard = [now, lead.id, lead.status, owner] as const;
  if (input.to === 'CUSTOMER') {
    const c = parseInput(customerSchema, { ...person, notes: input.notes }, 'customer');
    const o = await db
      .prepare('SELECT status FROM distributor WHERE id = ?')
      .bind(owner)
      .first<{ status: string }>();
    if (!o || o.status === 'TERMINATED')
      throw new ConflictError('The assigned distributor cannot take customers.', 'OWNER_TERMINATED');
    // One batch: the customer, the link (the customer just inserted is the highest id) and the history.
    try {
      const [, updated] = await atomic(db, [
        db
          .prepare(
            `INSERT INTO customer (owner_id, first_name, last_name, email, phone, country, locale, notes,
               created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .bind(
            owner,
            c.firstName,
            c.lastName,
            c.email ?? null,
            c.phone ?? null,
            c.country,
            c.locale,
            c.notes ?? null,
            now,
            now,
          ),
        db.prepare(convertUpdate('converted_customer_id', '(SELECT max(id) FROM customer)')).bind(...guard),
        historyInsert(db, lead, 'CONVERTED', 'CUSTOMER', actor, now),
      ]);
      return (updated.results as PipelineLeadRow[])[0];
    } catch (e) {
      throw staleConflict(e);
    }
  }
  if (input.notes != null)
    throw new ValidationError('Notes belong to customers.', [{ path: 'notes', message: 'Not allowed.' }]);
  // The link and its history commit in the enrollment's own batch: a concurrent change to this lead fails
  // the history guard and nobody is enrolled.
  try {
    await enrollDistributor(
      db,
      { ...person, sponsorId: owner, placementParentId: input.placementParentId, leg: input.leg },
      {
        asAdmin: viewer.kind === 'ADMIN',
        alsoInBatch: (referralCode) => [
          db
            .prepare(
              convertUpdate(
                'converted_distributor_id',
                '(SELECT id FROM distributor WHERE referral_code = ?5)',
              ),
            )
            .bind(...guard, referralCode),
          historyInsert(db, lead, 'CONVERTED', 'DISTRIBUTOR', actor, now),
        ],
      },
    );
    return (await db.prepare('SELECT * FROM lead WHERE id = ?').bind(lead.id).first<PipelineLeadRow>())!;
  } catch (e) {
    // A concurrent conversion enrolled the same person first, so the enrollment fails on the e-mail before
    // the history guard is reached: the loser of that race gets the conflict, not "e-mail in use".
    if (e instanceof ValidationError && (await leadChanged(db, lead))) throw stale();
    throw staleConflict(e);
  }
}
