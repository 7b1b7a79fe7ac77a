// Reading and marking a distributor's notifications. A distributor sees only their own: every statement here
// is bound to the viewer's distributor id.
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ForbiddenError } from '../../lib/errors';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import { MARK_READ_MAX_IDS } from './model';
import type { NotificationRow } from './tables';

/** The distributor whose notifications the viewer reads: only a signed-in distributor has any. */
export function notificationOwner(viewer: Viewer): number {
  if (viewer.kind !== 'DISTRIBUTOR')
    throw new ForbiddenError('Notifications belong to a signed-in distributor.');
  return viewer.distributorId;
}

/** A page of the viewer's notifications, newest first. */
export async function notificationsPage(
  db: D1Database,
  viewer: Viewer,
  page: { where: string[]; params: (string | number)[]; orderBy: string; limit: number },
  unreadOnly: boolean,
): Promise<NotificationRow[]> {
  const where = ['distributor_id = ?', ...(unreadOnly ? ['read_at IS NULL'] : []), ...page.where];
  const { results } = await db
    .prepare(`SELECT * FROM notification WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ?`)
    .bind(notificationOwner(viewer), ...page.params, page.limit)
    .all<NotificationRow>();
  return results;
}

export async function unreadCount(db: D1Database, viewer: Viewer): Promise<number> {
  const row = await db
    .prepare('SELECT count(*) AS n FROM notification WHERE distributor_id = ? AND read_at IS NULL')
    .bind(notificationOwner(viewer))
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** One notification of the viewer's, or null (someone else's is null too). */
export async function notificationById(
  db: D1Database,
  viewer: Viewer,
  id: number,
): Promise<NotificationRow | null> {
  if (viewer.kind !== 'DISTRIBUTOR') return null;
  return db
    .prepare('SELECT * FROM notification WHERE id = ? AND distributor_id = ?')
    .bind(id, viewer.distributorId)
    .first<NotificationRow>();
}

const markSchema = z
  .object({
    ids: z.array(z.number().int().positive()).max(MARK_READ_MAX_IDS).nullish(),
    all: z.boolean().nullish(),
  })
  .superRefine((v, ctx) => {
    const byIds = v.ids != null;
    const all = v.all === true;
    if (byIds === all)
      ctx.addIssue({
        code: 'custom',
        path: ['ids'],
        message: 'Give either ids or all: true.',
        params: { code: 'REQUIRED' },
      });
    if (v.all === false)
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'all must be true when given.' });
  });
export type MarkReadInput = z.input<typeof markSchema>;

/**
 * Marks the viewer's notifications read (some by id, or all); ids of someone else's notifications change
 * nothing. Returns how many were unread and are read now, and the unread count after.
 */
export async function markNotificationsRead(
  db: D1Database,
  viewer: Viewer,
  raw: MarkReadInput,
): Promise<{ marked: number; unreadCount: number }> {
  const owner = notificationOwner(viewer);
  const input = parseInput(markSchema, raw, 'notifications');
  const now = nowIso();
  const r =
    input.all === true
      ? await db
          .prepare('UPDATE notification SET read_at = ? WHERE distributor_id = ? AND read_at IS NULL')
          .bind(now, owner)
          .run()
      : await db
          .prepare(
            `UPDATE notification SET read_at = ? WHERE distributor_id = ? AND read_at IS NULL
               AND id IN (SELECT value FROM json_each(?))`,
          )
          .bind(now, owner, JSON.stringify(input.ids ?? []))
          .run();
  return { marked: r.meta.changes ?? 0, unreadCount: await unreadCount(db, viewer) };
}
