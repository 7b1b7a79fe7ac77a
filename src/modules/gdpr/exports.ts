// Personal-data exports (GDPR art. 15/20): staff for anyone, a distributor for themself. The request
// records the export and its job in one batch; the job reads every table about the person, writes one
// archive to R2 (gdpr-exports/) and marks it READY with an expiry; the requester or staff download it.
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import type { NewJob } from '../jobs/model';
import { recordJob } from '../jobs/repository';
import type { JobKindSpec } from '../jobs/runner';
import { sendFirstStep } from '../jobs/start';
import { buildArchive } from './archive';
import { personTables } from './exportData';
import type { GdprExportJob } from './messages';
import { EXPORT_PREFIX, EXPORT_TTL_DAYS, type PersonRef } from './model';
import { loadPerson, requirePersonFor } from './people';
import type { ExportRow } from './tables';

export function exportJob(exportId: number): NewJob<GdprExportJob> {
  return {
    id: `gdpr.export:${exportId}`,
    kind: 'gdpr.export',
    subject: `personal data export ${exportId}`,
    message: { kind: 'gdpr.export', exportId },
  };
}

export async function requestExport(
  env: { DB: D1Database; JOBS: Queue },
  viewer: Viewer,
  ref: PersonRef,
): Promise<ExportRow> {
  const db = env.DB;
  await requirePersonFor(db, viewer, ref, true);
  const now = nowIso();
  // The id is taken here so the job can name it in the same batch; a concurrent request taking the same id
  // fails the primary key and tries the next one.
  for (let attempt = 0; ; attempt++) {
    const next = await db
      .prepare('SELECT coalesce(max(id), 0) + 1 AS id FROM gdpr_export')
      .first<{ id: number }>();
    const id = next!.id;
    const job = exportJob(id);
    try {
      await atomic(db, [
        db
          .prepare(
            `INSERT INTO gdpr_export (id, subject_type, subject_id, status, requested_by, created_at)
             VALUES (?, ?, ?, 'QUEUED', ?, ?)`,
          )
          .bind(id, ref.type, ref.id, actorOf(viewer), now),
        recordJob(db, job, now),
      ]);
    } catch (e) {
      if (attempt < 3 && String((e as Error)?.message).includes('UNIQUE constraint failed')) continue;
      throw e;
    }
    await sendFirstStep(env, job);
    return (await exportById(db, id))!;
  }
}

export function exportById(db: D1Database, id: number): Promise<ExportRow | null> {
  return db.prepare('SELECT * FROM gdpr_export WHERE id = ?').bind(id).first<ExportRow>();
}

/** The job's step: idempotent (a READY export is left alone; a redelivery overwrites the same key). */
export async function runExport(env: { DB: D1Database; FILES: R2Bucket }, exportId: number): Promise<void> {
  const row = await exportById(env.DB, exportId);
  if (row?.status !== 'QUEUED') return;
  const person = await loadPerson(env.DB, { type: row.subject_type, id: row.subject_id });
  if (!person) throw new NotFoundError(`The person of export ${exportId} no longer exists.`);
  const generatedAt = nowIso();
  const tables = await personTables(env.DB, person, env.FILES);
  const archive = buildArchive(
    { person: { type: person.type, id: person.id }, exportId, generatedAt, requestedBy: row.requested_by },
    tables,
  );
  const key = `${EXPORT_PREFIX}${exportId}-${crypto.randomUUID()}.zip`;
  await env.FILES.put(key, archive.bytes, { httpMetadata: { contentType: 'application/zip' } });
  const expires = new Date(Date.parse(generatedAt) + EXPORT_TTL_DAYS * 86_400_000).toISOString();
  const r = await env.DB.prepare(
    `UPDATE gdpr_export SET status = 'READY', file_key = ?2, size = ?3, row_count = ?4, ready_at = ?5, expires_at = ?6
     WHERE id = ?1 AND status = 'QUEUED'`,
  )
    .bind(exportId, key, archive.bytes.length, archive.rows, generatedAt, expires)
    .run();
  // Marked meanwhile (an erasure expired it): the archive just written must not stay.
  if ((r.meta.changes ?? 0) === 0) await env.FILES.delete(key);
}

export const exportJobSpec: JobKindSpec<GdprExportJob> = {
  isPermanent: (e) => e instanceof NotFoundError,
  async onFailed(env, m, reason) {
    await env.DB.prepare(
      "UPDATE gdpr_export SET status = 'FAILED', error = ? WHERE id = ? AND status = 'QUEUED'",
    )
      .bind(reason.slice(0, 2000), m.exportId)
      .run();
  },
  async onCancel(env, m) {
    await env.DB.prepare(
      "UPDATE gdpr_export SET status = 'FAILED', error = 'Cancelled by staff.' WHERE id = ? AND status = 'QUEUED'",
    )
      .bind(m.exportId)
      .run();
  },
  async onRetry(env, m) {
    await env.DB.prepare(
      "UPDATE gdpr_export SET status = 'QUEUED', error = NULL WHERE id = ? AND status = 'FAILED'",
    )
      .bind(m.exportId)
      .run();
  },
};

/** Who may see an export: staff, or whoever requested it. Others learn nothing (NotFound). */
export function canSeeExport(viewer: Viewer, row: ExportRow): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind === 'ANONYMOUS') return false;
  try {
    return actorOf(viewer) === row.requested_by;
  } catch {
    return false;
  }
}

export async function visibleExport(db: D1Database, viewer: Viewer, id: number): Promise<ExportRow> {
  const row = await exportById(db, id);
  if (!row || !canSeeExport(viewer, row)) throw new NotFoundError('Export not found.');
  return row;
}

/** The archive of a READY, unexpired export the viewer may download. */
export async function exportArchive(
  env: { DB: D1Database; FILES: R2Bucket },
  viewer: Viewer,
  id: number,
  now = new Date(),
): Promise<{ row: ExportRow; body: ReadableStream; size: number }> {
  const row = await visibleExport(env.DB, viewer, id);
  if (row.status === 'QUEUED') throw new ConflictError('The export is not ready yet.', 'NOT_READY');
  if (row.status !== 'READY' || !row.file_key || (row.expires_at && row.expires_at <= now.toISOString()))
    throw new ForbiddenError('The export is no longer available.');
  const obj = await env.FILES.get(row.file_key);
  if (!obj) throw new NotFoundError('The export archive is gone.');
  return { row, body: obj.body, size: obj.size };
}

/** Nightly: archives past their expiry are deleted and their exports EXPIRED (bounded per run). */
export async function expireExports(
  env: { DB: D1Database; FILES: R2Bucket },
  now: Date,
  limit = 200,
): Promise<number> {
  const { results } = await env.DB.prepare(
    "SELECT id, file_key FROM gdpr_export WHERE status = 'READY' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
  )
    .bind(now.toISOString(), limit)
    .all<{ id: number; file_key: string | null }>();
  if (results.length === 0) return 0;
  const keys = results.map((r) => r.file_key).filter((k): k is string => !!k);
  if (keys.length) await env.FILES.delete(keys);
  await env.DB.prepare(
    "UPDATE gdpr_export SET status = 'EXPIRED', file_key = NULL WHERE id IN (SELECT value FROM json_each(?)) AND status = 'READY'",
  )
    .bind(JSON.stringify(results.map((r) => r.id)))
    .run();
  return results.length;
}
