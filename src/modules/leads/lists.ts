// The leads list: who may list which leads (a distributor their own, staff the pool or anyone's), one
// keyset page of them, and the failed intakes staff retry.

import type { Env } from '../../env';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { type KeysetPage, keysetClauses, type SortValue } from '../../lib/keyset';
import type { Viewer } from '../auth/viewer';
import { enqueueIntakes } from './intake';
import type { LeadSource } from './model';
import type { LeadRow } from './repository';
import type { leadIntake } from './tables';

export interface LeadListFilter {
  pool?: boolean | null;
  assignedTo?: number | null;
  source?: LeadSource | null;
  includeTest?: boolean | null;
}

interface Scope {
  where: string[];
  params: SortValue[];
}

/** The WHERE of the viewer's leads list; refuses what the viewer may not list. */
export function leadListScope(viewer: Viewer, filter: LeadListFilter): Scope {
  const where: string[] = [];
  const params: SortValue[] = [];
  if (viewer.kind === 'DISTRIBUTOR') {
    if (filter.pool) throw new ForbiddenError('The company pool is for staff.');
    if (filter.assignedTo != null && filter.assignedTo !== viewer.distributorId)
      throw new ForbiddenError('You see only your own leads.');
    where.push('assigned_distributor_id = ?');
    params.push(viewer.distributorId);
  } else if (viewer.kind === 'ADMIN') {
    if (filter.pool && filter.assignedTo != null)
      throw new ValidationError('Ask for the pool or for one distributor, not both.', [
        { path: 'pool', message: 'Conflicts with assignedTo.' },
      ]);
    if (filter.pool) where.push('assigned_distributor_id IS NULL');
    if (filter.assignedTo != null) {
      where.push('assigned_distributor_id = ?');
      params.push(filter.assignedTo);
    }
  } else throw new ForbiddenError();
  if (filter.source) {
    where.push('source = ?');
    params.push(filter.source);
  }
  if (filter.includeTest === false) where.push('is_test = 0');
  return { where, params };
}

/** One page of leads in a scope, newest first. */
export async function leadsPage(db: D1Database, scope: Scope, page: KeysetPage): Promise<LeadRow[]> {
  const k = keysetClauses(['id'], 'DESC', page);
  const all = [...scope.where, ...k.where];
  const sql = `SELECT * FROM lead ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY ${k.orderBy} LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(...scope.params, ...k.params, k.limit)
    .all<LeadRow>();
  return results;
}

export type FailedIntakeRow = Pick<
  typeof leadIntake.$inferSelect,
  'id' | 'source' | 'external_id' | 'attempts' | 'last_error' | 'updated_at'
>;

export async function failedIntakes(db: D1Database, first: number): Promise<FailedIntakeRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, source, external_id, attempts, last_error, updated_at FROM lead_intake
       WHERE status = 'FAILED' ORDER BY id DESC LIMIT ?`,
    )
    .bind(first)
    .all<FailedIntakeRow>();
  return results;
}

/** Queues a FAILED intake again (e.g. after a page token was fixed); returns its id. */
export async function retryFailedIntake(env: Env, intakeId: number): Promise<number> {
  const row = await env.DB.prepare(
    `UPDATE lead_intake SET status = 'PENDING', attempts = 0, updated_at = ? WHERE id = ? AND status = 'FAILED'
     RETURNING id`,
  )
    .bind(new Date().toISOString(), intakeId)
    .first<{ id: number }>();
  if (!row) throw new NotFoundError('No failed intake with that id.');
  await enqueueIntakes(env, [row.id]);
  return row.id;
}
