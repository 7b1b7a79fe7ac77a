import { atomic, nowIso, selectByIds } from '../../../lib/db';
import { NotFoundError } from '../../../lib/errors';
import { type KeysetPage, type PageFilter, selectPage } from '../../../lib/keyset';
import { parseInput } from '../../../lib/validate';
import type { Viewer } from '../../auth/viewer';
import { jsonChunks } from '../../imports/limits';
import { type CreateProspect, createProspectSchema, type ProspectRow, updateProspectSchema } from './model';

/** Prospects are private to their owner: not even the upline sees them. Staff do (support, GDPR requests). */
export function canViewProspect(viewer: Viewer, p: Pick<ProspectRow, 'owner_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === p.owner_id;
}

export async function prospectsByIds(db: D1Database, ids: readonly number[]): Promise<ProspectRow[]> {
  return selectByIds<ProspectRow>(
    db,
    'SELECT * FROM prospect WHERE id IN (SELECT value FROM json_each(?))',
    ids,
  );
}

export async function requireProspect(db: D1Database, viewer: Viewer, id: number): Promise<ProspectRow> {
  const [row] = await prospectsByIds(db, [id]);
  if (!row || !canViewProspect(viewer, row)) throw new NotFoundError('Prospect not found.');
  return row;
}

export async function createProspect(db: D1Database, ownerId: number, raw: unknown): Promise<ProspectRow> {
  const p = parseInput(createProspectSchema, raw, 'prospect');
  await requireOwner(db, ownerId);
  const [res] = await atomic(db, insertStatements(db, ownerId, [p], 'MANUAL'));
  return res.results[0] as ProspectRow;
}

export async function requireOwner(db: D1Database, ownerId: number): Promise<void> {
  const owner = await db.prepare('SELECT status FROM distributor WHERE id = ?').bind(ownerId).first();
  if (!owner) throw new NotFoundError('Owner not found.');
}

/**
 * INSERTs of any number of prospects, in order (one JSON parameter each, split under D1's parameter size),
 * for one batch: an import is all or nothing. Each returns the rows it wrote.
 */
export function insertStatements(
  db: D1Database,
  ownerId: number,
  rows: readonly CreateProspect[],
  source: ProspectRow['source'],
  importId: number | null = null,
): D1PreparedStatement[] {
  const now = nowIso();
  const payload = rows.map((r) => [
    r.firstName,
    r.lastName ?? '',
    r.email ?? null,
    r.phone ?? null,
    r.notes ?? null,
    r.status ?? 'NEW',
    r.nextStep ?? null,
    r.nextStepDate ?? null,
  ]);
  const insert = db.prepare(
    `INSERT INTO prospect (owner_id, first_name, last_name, email, phone, notes, status, next_step, next_step_date,
       source, created_at, updated_at, import_id)
     SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6,
       j.value->>7, ?2, ?3, ?3, ?5
     FROM json_each(?4) j ORDER BY j.key RETURNING *`,
  );
  return jsonChunks(payload).map((json) => insert.bind(ownerId, source, now, json, importId));
}

export async function updateProspect(
  db: D1Database,
  current: ProspectRow,
  raw: unknown,
): Promise<ProspectRow> {
  const p = parseInput(updateProspectSchema, raw, 'prospect');
  const keep = <T>(v: T | null | undefined, old: T | null): T | null => (v === undefined ? old : v);
  const row = await db
    .prepare(
      `UPDATE prospect SET first_name = ?, last_name = ?, email = ?, phone = ?, notes = ?, status = ?, next_step = ?,
         next_step_date = ?, updated_at = ? WHERE id = ? RETURNING *`,
    )
    .bind(
      p.firstName ?? current.first_name,
      p.lastName === undefined ? current.last_name : (p.lastName ?? ''),
      keep(p.email, current.email),
      keep(p.phone, current.phone),
      keep(p.notes, current.notes),
      p.status ?? current.status,
      keep(p.nextStep, current.next_step),
      keep(p.nextStepDate, current.next_step_date),
      nowIso(),
      current.id,
    )
    .first<ProspectRow>();
  return row!;
}

/** Deletes a prospect with its contact history and open tasks (a contact list entry the owner removes). */
export async function deleteProspect(db: D1Database, current: ProspectRow): Promise<void> {
  await atomic(db, [
    db.prepare("DELETE FROM activity WHERE subject_type = 'PROSPECT' AND subject_id = ?").bind(current.id),
    db.prepare("DELETE FROM task WHERE subject_type = 'PROSPECT' AND subject_id = ?").bind(current.id),
    db.prepare('DELETE FROM prospect WHERE id = ?').bind(current.id),
  ]);
}

/** One page of prospects, newest first, optionally of one owner and one status. */
export function prospectsPage(
  db: D1Database,
  filter: { owner: number | null; status?: string | null },
  page: KeysetPage,
): Promise<ProspectRow[]> {
  const f: PageFilter = { where: [], params: [] };
  if (filter.owner != null) {
    f.where.push('owner_id = ?');
    f.params.push(filter.owner);
  }
  if (filter.status) {
    f.where.push('status = ?');
    f.params.push(filter.status);
  }
  return selectPage<ProspectRow>(db, 'prospect', ['id'], 'DESC', f, page);
}
