// Erasure requests: a distributor may not erase themself (an erasure is irreversible, and staff must check
// what the law obliges the company to keep), so they file a request that staff carry out with erasePerson
// (which settles it) or refuse with a note.
import { z } from 'zod';
import { nowIso } from '../../lib/db';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors';
import { requiredText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import type { ErasureRequestRow } from './tables';

const schema = z.object({ reason: requiredText(1000) });

export async function requestOwnErasure(
  db: D1Database,
  viewer: Viewer,
  raw: { reason: string },
): Promise<ErasureRequestRow> {
  if (viewer.kind !== 'DISTRIBUTOR')
    throw new ForbiddenError('Only a distributor files their own erasure request.');
  const p = parseInput(schema, raw, 'input');
  const open = await db
    .prepare("SELECT 1 AS hit FROM gdpr_erasure_request WHERE distributor_id = ? AND status = 'OPEN'")
    .bind(viewer.distributorId)
    .first();
  if (open) throw new ConflictError('An erasure request of yours is already open.', 'ALREADY_REQUESTED');
  return (await db
    .prepare(
      `INSERT INTO gdpr_erasure_request (distributor_id, reason, status, created_at) VALUES (?, ?, 'OPEN', ?) RETURNING *`,
    )
    .bind(viewer.distributorId, p.reason, nowIso())
    .first<ErasureRequestRow>())!;
}

export async function refuseErasureRequest(
  db: D1Database,
  viewer: Viewer,
  id: number,
  raw: { note: string },
): Promise<ErasureRequestRow> {
  const p = parseInput(z.object({ note: requiredText(1000) }), raw, 'input');
  const row = await db
    .prepare(
      `UPDATE gdpr_erasure_request SET status = 'REFUSED', settled_by = ?, settled_at = ?, settle_note = ?
       WHERE id = ? AND status = 'OPEN' RETURNING *`,
    )
    .bind(actorOf(viewer), nowIso(), p.note, id)
    .first<ErasureRequestRow>();
  if (!row) throw new NotFoundError('No open erasure request with this id.');
  return row;
}

export async function erasureRequests(
  db: D1Database,
  viewer: Viewer,
  status: string | null,
): Promise<ErasureRequestRow[]> {
  const own = viewer.kind === 'DISTRIBUTOR' ? viewer.distributorId : null;
  const { results } = await db
    .prepare(
      `SELECT * FROM gdpr_erasure_request WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR distributor_id = ?2)
       ORDER BY id DESC LIMIT 200`,
    )
    .bind(status, own)
    .all<ErasureRequestRow>();
  return results;
}
