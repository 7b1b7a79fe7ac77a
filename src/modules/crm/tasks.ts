import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { type KeysetPage, type PageFilter, selectPage } from '../../lib/keyset';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { isDay } from './dates';
import { requireSubject, type SubjectRef, type SubjectType } from './subjects';
import type { task } from './tables';

export const TASK_KINDS = ['GENERAL', 'CALL', 'FOLLOW_UP', 'REORDER', 'DORMANT'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export type TaskRow = typeof task.$inferSelect;

const title = z.string().trim().min(1, 'Required.').max(300, 'At most 300 characters.');
const notes = z.string().max(5000, 'At most 5,000 characters.');
const day = z.string().refine(isDay, 'Use a date, YYYY-MM-DD.');

const createSchema = z.object({
  title,
  kind: z.enum(TASK_KINDS).nullish(),
  notes: notes.nullish(),
  dueDate: day,
});

const updateSchema = z.object({
  title: title.nullish(),
  kind: z.enum(TASK_KINDS).nullish(),
  notes: notes.nullish(),
  dueDate: day.nullish(),
});

/** A task is its owner's (and staff's): nobody else reads or changes it. */
export function canUseTask(viewer: Viewer, t: Pick<TaskRow, 'owner_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === t.owner_id;
}

export async function tasksByIds(db: D1Database, ids: readonly number[]): Promise<TaskRow[]> {
  if (!ids.length) return [];
  const { results } = await db
    .prepare('SELECT * FROM task WHERE id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<TaskRow>();
  return results;
}

export async function requireTask(db: D1Database, viewer: Viewer, id: number): Promise<TaskRow> {
  const [t] = await tasksByIds(db, [id]);
  if (!t || !canUseTask(viewer, t)) throw new NotFoundError('Task not found.');
  return t;
}

export async function createTask(
  db: D1Database,
  viewer: Viewer,
  ownerId: number | null,
  subject: SubjectRef | null,
  raw: unknown,
): Promise<TaskRow> {
  const input = parseInput(createSchema, raw, 'task');
  let owner: number;
  if (viewer.kind === 'DISTRIBUTOR') {
    if (ownerId != null && ownerId !== viewer.distributorId)
      throw new ForbiddenError('You create tasks for yourself.');
    owner = viewer.distributorId;
  } else if (viewer.kind === 'ADMIN') {
    if (ownerId == null)
      throw new ValidationError('Say whose task it is.', [
        { path: 'ownerId', message: 'Required.', code: 'REQUIRED' },
      ]);
    owner = ownerId;
    const exists = await db.prepare('SELECT 1 FROM distributor WHERE id = ?').bind(owner).first();
    if (!exists) throw new NotFoundError('Owner not found.');
  } else throw new ForbiddenError();
  // The subject must be someone the creator may see.
  const s = subject ? await requireSubject(db, viewer, subject) : null;
  const now = nowIso();
  const row = await db
    .prepare(
      `INSERT INTO task (owner_id, kind, title, notes, subject_type, subject_id, due_date, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(
      owner,
      input.kind ?? 'GENERAL',
      input.title,
      input.notes ?? null,
      s?.type ?? null,
      s?.id ?? null,
      input.dueDate,
      actorOf(viewer),
      now,
      now,
    )
    .first<TaskRow>();
  return row!;
}

export async function updateTask(db: D1Database, current: TaskRow, raw: unknown): Promise<TaskRow> {
  const p = parseInput(updateSchema, raw, 'task');
  const row = await db
    .prepare(
      'UPDATE task SET title = ?, kind = ?, notes = ?, due_date = ?, updated_at = ? WHERE id = ? RETURNING *',
    )
    .bind(
      p.title ?? current.title,
      p.kind ?? current.kind,
      p.notes === undefined ? current.notes : p.notes,
      p.dueDate ?? current.due_date,
      nowIso(),
      current.id,
    )
    .first<TaskRow>();
  return row!;
}

/** Done / undone. Marking done twice keeps the first time it was done. */
export async function setTaskDone(db: D1Database, current: TaskRow, done: boolean): Promise<TaskRow> {
  const now = nowIso();
  const row = await db
    .prepare(
      `UPDATE task SET done_at = CASE WHEN ?1 THEN coalesce(done_at, ?2) ELSE NULL END, updated_at = ?2
       WHERE id = ?3 RETURNING *`,
    )
    .bind(done ? 1 : 0, now, current.id)
    .first<TaskRow>();
  return row!;
}

export async function deleteTask(db: D1Database, current: TaskRow): Promise<void> {
  await db.prepare('DELETE FROM task WHERE id = ?').bind(current.id).run();
}

/** Open tasks of an owner due on or before a day (today and overdue), oldest first. */
export async function openTasksDue(
  db: D1Database,
  ownerId: number,
  day: string,
  limit: number,
  kinds?: readonly TaskKind[],
  subjectType?: SubjectType,
): Promise<TaskRow[]> {
  const where = ['owner_id = ?', 'done_at IS NULL', 'due_date <= ?'];
  const params: (string | number)[] = [ownerId, day];
  if (kinds) {
    where.push('kind IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(kinds));
  }
  if (subjectType) {
    where.push('subject_type = ?');
    params.push(subjectType);
  }
  const { results } = await db
    .prepare(`SELECT * FROM task WHERE ${where.join(' AND ')} ORDER BY due_date, id LIMIT ?`)
    .bind(...params, limit)
    .all<TaskRow>();
  return results;
}

export interface TaskListFilter {
  owner: number | null;
  status?: 'OPEN' | 'DONE' | 'ALL' | null;
  kind?: string | null;
  dueOnOrBefore?: string | null;
  subject?: { type: string; id: number } | null;
}

/** One page of tasks by due day, then id. */
export function tasksPage(db: D1Database, filter: TaskListFilter, page: KeysetPage): Promise<TaskRow[]> {
  const f: PageFilter = { where: [], params: [] };
  if (filter.owner != null) {
    f.where.push('owner_id = ?');
    f.params.push(filter.owner);
  }
  if (filter.status === 'OPEN') f.where.push('done_at IS NULL');
  if (filter.status === 'DONE') f.where.push('done_at IS NOT NULL');
  if (filter.kind) {
    f.where.push('kind = ?');
    f.params.push(filter.kind);
  }
  if (filter.dueOnOrBefore) {
    f.where.push('due_date <= ?');
    f.params.push(filter.dueOnOrBefore);
  }
  if (filter.subject) {
    f.where.push('subject_type = ? AND subject_id = ?');
    f.params.push(filter.subject.type, filter.subject.id);
  }
  return selectPage<TaskRow>(db, 'task', ['due_date', 'id'], 'ASC', f, page);
}
