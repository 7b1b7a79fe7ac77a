import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ForbiddenError, NotFoundError } from '../../lib/errors';
import { isIsoInstant } from '../../lib/time';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { type ResolvedSubject, requireSubject, type SubjectType } from './subjects';
import type { activity } from './tables';

export const ACTIVITY_KINDS = ['CALL', 'EMAIL', 'SMS', 'MEETING', 'NOTE'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export type ActivityRow = typeof activity.$inferSelect;

const body = z.string().trim().min(1, 'Required.').max(10_000, 'At most 10,000 characters.');
const occurredAt = z
  .string()
  .refine(isIsoInstant, 'Use an ISO-8601 instant.')
  .transform((s) => new Date(s).toISOString())
  .refine((s) => Date.parse(s) <= Date.now() + 86_400_000, 'Not more than a day ahead.');

const recordSchema = z.object({
  kind: z.enum(ACTIVITY_KINDS),
  body,
  occurredAt: occurredAt.nullish(),
});

/**
 * Who reads an activity: staff; its author; and the distributor the subject belongs to (the owner of the
 * customer, prospect or lead). Notes an upline writes about a downline member stay the upline's own.
 */
export function canReadActivity(viewer: Viewer, a: ActivityRow, subjectOwnerId: number | null): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind !== 'DISTRIBUTOR') return false;
  if (a.author_distributor_id === viewer.distributorId) return true;
  return a.subject_type !== 'DISTRIBUTOR' && subjectOwnerId === viewer.distributorId;
}

export async function recordActivity(
  db: D1Database,
  viewer: Viewer,
  subjectRef: { type: SubjectType; id: number },
  raw: unknown,
): Promise<ActivityRow> {
  if (viewer.kind !== 'DISTRIBUTOR' && viewer.kind !== 'ADMIN')
    throw new ForbiddenError('Only distributors and staff record contact history.');
  const input = parseInput(recordSchema, raw, 'activity');
  const subject = await requireSubject(db, viewer, subjectRef);
  const now = nowIso();
  const row = await db
    .prepare(
      `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(
      subject.type,
      subject.id,
      input.kind,
      input.body,
      input.occurredAt ?? now,
      viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null,
      actorOf(viewer),
      now,
    )
    .first<ActivityRow>();
  return row!;
}

export async function activityById(db: D1Database, id: number): Promise<ActivityRow | null> {
  return db.prepare('SELECT * FROM activity WHERE id = ?').bind(id).first<ActivityRow>();
}

/** Only the author (or staff) changes or removes an activity. */
export async function requireOwnActivity(db: D1Database, viewer: Viewer, id: number): Promise<ActivityRow> {
  const a = await activityById(db, id);
  if (!a) throw new NotFoundError('Activity not found.');
  if (viewer.kind === 'ADMIN') return a;
  if (viewer.kind === 'DISTRIBUTOR' && a.author_distributor_id === viewer.distributorId) return a;
  throw new NotFoundError('Activity not found.');
}

const updateSchema = z.object({
  kind: z.enum(ACTIVITY_KINDS).nullish(),
  body: body.nullish(),
  occurredAt: occurredAt.nullish(),
});

export async function updateActivity(
  db: D1Database,
  current: ActivityRow,
  raw: unknown,
): Promise<ActivityRow> {
  const p = parseInput(updateSchema, raw, 'activity');
  const row = await db
    .prepare('UPDATE activity SET kind = ?, body = ?, occurred_at = ? WHERE id = ? RETURNING *')
    .bind(p.kind ?? current.kind, p.body ?? current.body, p.occurredAt ?? current.occurred_at, current.id)
    .first<ActivityRow>();
  return row!;
}

export async function deleteActivity(db: D1Database, current: ActivityRow): Promise<void> {
  await db.prepare('DELETE FROM activity WHERE id = ?').bind(current.id).run();
}

/** A page of a subject's history the viewer may read, newest first (keyset on occurred_at, id). */
export async function activitiesOf(
  db: D1Database,
  viewer: Viewer,
  subject: ResolvedSubject,
  page: { where: string[]; params: (string | number)[]; orderBy: string; limit: number },
): Promise<ActivityRow[]> {
  const where = ['subject_type = ?', 'subject_id = ?', ...page.where];
  const params: (string | number)[] = [subject.type, subject.id, ...page.params];
  const ownsSubject =
    viewer.kind === 'ADMIN' ||
    (viewer.kind === 'DISTRIBUTOR' &&
      subject.type !== 'DISTRIBUTOR' &&
      subject.ownerId === viewer.distributorId);
  if (!ownsSubject) {
    where.push('author_distributor_id = ?');
    params.push(viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : -1);
  }
  const { results } = await db
    .prepare(`SELECT * FROM activity WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ?`)
    .bind(...params, page.limit)
    .all<ActivityRow>();
  return results;
}

/**
 * An activity written by another module's use case inside its own batch (offers: sent, viewed, accepted…):
 * a NOTE by `author` (e.g. 'distributor:5', 'offer:12'). With `onlyIfChanged`, it is written only when the
 * statement just before it in the batch changed a row (SQLite's changes()).
 */
export function activityStatement(
  db: D1Database,
  subject: { type: SubjectType; id: number },
  body: string,
  author: string,
  authorDistributorId: number | null,
  now: string,
  onlyIfChanged = false,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
       SELECT ?, ?, 'NOTE', ?, ?, ?, ?, ? WHERE ? = 0 OR changes() = 1`,
    )
    .bind(subject.type, subject.id, body, now, authorDistributorId, author, now, onlyIfChanged ? 1 : 0);
}
