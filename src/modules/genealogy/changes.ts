import { z } from 'zod';
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { requiredText } from '../../lib/text';
import { monthInZone } from '../../lib/time';
import { parseInput } from '../../lib/validate';
import { loadSettings, placementWidth } from '../company/settings';
import { placementMoveIndexStatement } from '../people/indexing';
import { resetGroupVolume, shiftGroupVolume } from '../volumes/live';
import { retryWhileBusy, unchangedGuard } from './concurrency';
import {
  ancestorDistances,
  bumpPlacementAncestors,
  bumpPlacementChildren,
  bumpTeamCounters,
  shiftJoinHistogram,
  shiftLevelHistogram,
} from './counters';
import type { DistributorRow, TreeKind } from './model';
import {
  childPlacementPath,
  isInPlacementSubtree,
  isInSponsorSubtree,
  placementSubtreeRange,
  sponsorPathIds,
  sponsorSubtreeRange,
} from './paths';
import { distributorById, rootDistributor } from './reads';
import { type UpdateProfileInput, updateProfileSchema } from './validation';

function event(db: D1Database, id: number, kind: string, detail: unknown): D1PreparedStatement {
  return db
    .prepare('INSERT INTO genealogy_event (distributor_id, kind, detail, created_at) VALUES (?, ?, ?, ?)')
    .bind(id, kind, JSON.stringify(detail), nowIso());
}

async function requireMember(db: D1Database, id: number, what = 'Distributor'): Promise<DistributorRow> {
  const row = await distributorById(db, id);
  if (!row) throw new NotFoundError(`${what} not found.`);
  return row;
}

export async function updateProfile(db: D1Database, id: number, raw: unknown): Promise<DistributorRow> {
  const patch: UpdateProfileInput = parseInput(updateProfileSchema, raw, 'profile');
  const current = await requireMember(db, id);
  const bank = await db
    .prepare('SELECT iban, bic FROM distributor WHERE id = ?')
    .bind(id)
    .first<{ iban: string | null; bic: string | null }>();
  const next = {
    first_name: patch.firstName ?? current.first_name,
    last_name: patch.lastName ?? current.last_name,
    email: patch.email === undefined ? current.email : patch.email,
    phone: patch.phone === undefined ? current.phone : patch.phone,
    country: patch.country ?? current.country,
    locale: patch.locale ?? current.locale,
  };
  try {
    await atomic(db, [
      db
        .prepare(
          `UPDATE distributor SET first_name = ?, last_name = ?, search_name = ?, email = ?, phone = ?, country = ?,
           locale = ?, updated_at = ? WHERE id = ?`,
        )
        .bind(
          next.first_name,
          next.last_name,
          `${next.first_name} ${next.last_name}`.toLowerCase(),
          next.email,
          next.phone,
          next.country,
          next.locale,
          nowIso(),
          id,
        ),
      ...(patch.iban !== undefined || patch.bic !== undefined
        ? [
            db
              .prepare('UPDATE distributor SET iban = ?, bic = ? WHERE id = ?')
              .bind(
                patch.iban === undefined ? bank?.iban : patch.iban,
                patch.bic === undefined ? bank?.bic : patch.bic,
                id,
              ),
          ]
        : []),
      event(db, id, 'PROFILE', {
        fields: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined),
      }),
    ]);
  } catch (e) {
    if (String(e).includes('UNIQUE constraint failed: distributor.email'))
      throw new ValidationError('That e-mail address is already in use.', [
        { path: 'email', message: 'Already in use.', code: 'ALREADY_IN_USE' },
      ]);
    throw e;
  }
  return (await distributorById(db, id))!;
}

/** Staff move of a member with their subtree; retried from fresh reads if the tree changes meanwhile. */
export function moveDistributor(
  db: D1Database,
  id: number,
  tree: TreeKind,
  newParentId: number,
  position: number | null,
): Promise<DistributorRow> {
  return retryWhileBusy(() => moveOnce(db, id, tree, newParentId, position));
}

async function moveOnce(
  db: D1Database,
  id: number,
  tree: TreeKind,
  newParentId: number,
  position: number | null,
): Promise<DistributorRow> {
  const member = await requireMember(db, id);
  const parent = await requireMember(
    db,
    newParentId,
    tree === 'SPONSOR' ? 'New sponsor' : 'New placement parent',
  );
  if (member.sponsor_id == null)
    throw new ConflictError('The root member cannot be moved.', 'ROOT_CANNOT_MOVE');
  if (parent.status === 'TERMINATED')
    throw new ConflictError('A terminated member cannot receive a downline.', 'PARENT_TERMINATED');
  return tree === 'SPONSOR' ? moveSponsor(db, member, parent) : movePlacement(db, member, parent, position);
}

async function moveSponsor(
  db: D1Database,
  member: DistributorRow,
  sponsor: DistributorRow,
): Promise<DistributorRow> {
  if (isInSponsorSubtree(member.sponsor_path, sponsor.sponsor_path))
    throw new ConflictError('That move would put the member under their own downline.', 'CYCLE');
  if (member.sponsor_id === sponsor.id) return member;
  const settings = await loadSettings(db);
  const month = monthInZone(new Date(member.joined_at), settings.timeZone);
  const oldAncestors = sponsorPathIds(member.sponsor_path).slice(0, -1);
  const newAncestors = sponsorPathIds(sponsor.sponsor_path);
  const newDepth = sponsor.sponsor_depth + 1;
  const size = member.team_size + 1;
  const active = member.team_active + (member.status === 'ACTIVE' ? 1 : 0);
  const [lo, hi] = sponsorSubtreeRange(member.sponsor_path);
  await atomic(db, [
    unchangedGuard(db, [member], ['sponsor_path', 'team_size', 'team_active', 'status']),
    unchangedGuard(db, [sponsor], ['sponsor_path', 'status']),
    ...shiftLevelHistogram(db, member.id, ancestorDistances(oldAncestors, member.sponsor_depth), -1),
    ...shiftLevelHistogram(db, member.id, ancestorDistances(newAncestors, newDepth), 1),
    ...shiftJoinHistogram(db, member.id, month, oldAncestors, -1),
    ...shiftJoinHistogram(db, member.id, month, newAncestors, 1),
    // Live group volumes of open periods follow the subtree.
    ...shiftGroupVolume(db, member.id, oldAncestors, -1, settings.activePv),
    ...shiftGroupVolume(db, member.id, newAncestors, 1, settings.activePv),
    bumpTeamCounters(db, oldAncestors, -size, -active),
    bumpTeamCounters(db, newAncestors, size, active),
    db
      .prepare(
        `UPDATE distributor SET sponsor_path = ?1 || substr(sponsor_path, length(?2) + 1), sponsor_depth = sponsor_depth + ?3
         WHERE sponsor_path >= ?2 AND sponsor_path < ?4`,
      )
      .bind(`${sponsor.sponsor_path}${member.id}.`, lo, newDepth - member.sponsor_depth, hi),
    db
      .prepare('UPDATE distributor SET sponsor_id = ?, updated_at = ? WHERE id = ?')
      .bind(sponsor.id, nowIso(), member.id),
    event(db, member.id, 'MOVE_SPONSOR', { from: member.sponsor_id, to: sponsor.id }),
  ]);
  return (await distributorById(db, member.id))!;
}

async function movePlacement(
  db: D1Database,
  member: DistributorRow,
  parent: DistributorRow,
  position: number | null,
): Promise<DistributorRow> {
  if (isInPlacementSubtree(member.placement_path, parent.placement_path))
    throw new ConflictError('That move would put the member under their own placement downline.', 'CYCLE');
  const width = placementWidth(await loadSettings(db));
  const { results } = await db
    .prepare('SELECT placement_position AS pos FROM distributor WHERE placement_parent_id = ?')
    .bind(parent.id)
    .all<{ pos: number }>();
  const taken = new Set(results.map((r) => r.pos));
  let pos = position;
  if (pos == null) {
    pos = 0;
    while (taken.has(pos)) pos++;
    // No position was asked for, so a full parent is a conflict with the tree, not an out-of-range input.
    if (pos >= width)
      throw new ConflictError('The new placement parent has no free position.', 'PARENT_FULL');
  }
  if (pos < 0 || pos >= width)
    throw new ValidationError('Placement position out of range.', [
      {
        path: 'position',
        message: `Use 0 to ${width - 1}.`,
        code: 'INVALID_VALUE',
        params: { min: 0, max: width - 1 },
      },
    ]);
  if (parent.id === member.placement_parent_id && pos === member.placement_position) return member;
  if (taken.has(pos)) throw new ConflictError('That placement position is taken.', 'POSITION_TAKEN');
  const newPath = childPlacementPath(parent.placement_path, pos);
  const [lo, hi] = placementSubtreeRange(member.placement_path);
  const size = member.placement_team_size + 1;
  await atomic(db, [
    unchangedGuard(db, [member], ['placement_path', 'placement_team_size']),
    unchangedGuard(db, [parent], ['placement_path', 'status']),
    bumpPlacementAncestors(db, member.placement_path, -size),
    bumpPlacementChildren(db, member.placement_parent_id!, -1, width),
    db
      .prepare(
        `UPDATE distributor SET placement_path = ?1 || substr(placement_path, length(?2) + 1),
         placement_depth = placement_depth + ?3 WHERE placement_path >= ?2 AND placement_path < ?4`,
      )
      .bind(newPath, lo, parent.placement_depth + 1 - member.placement_depth, hi),
    bumpPlacementAncestors(db, newPath, size),
    bumpPlacementChildren(db, parent.id, 1, width),
    db
      .prepare(
        'UPDATE distributor SET placement_parent_id = ?, placement_position = ?, updated_at = ? WHERE id = ?',
      )
      .bind(parent.id, pos, nowIso(), member.id),
    // People search: the moved subtree's placement-ancestor tokens follow (sponsor moves are done by triggers).
    placementMoveIndexStatement(db, member.id, parent.id),
    event(db, member.id, 'MOVE_PLACEMENT', {
      from: { parent: member.placement_parent_id, position: member.placement_position },
      to: { parent: parent.id, position: pos },
    }),
  ]);
  return (await distributorById(db, member.id))!;
}

export function setDistributorStatus(
  db: D1Database,
  id: number,
  status: 'ACTIVE' | 'SUSPENDED',
): Promise<DistributorRow> {
  return retryWhileBusy(() => setStatusOnce(db, id, status));
}

async function setStatusOnce(
  db: D1Database,
  id: number,
  status: 'ACTIVE' | 'SUSPENDED',
): Promise<DistributorRow> {
  const member = await requireMember(db, id);
  if (member.status === 'TERMINATED')
    throw new ConflictError('A terminated member cannot change status.', 'TERMINATED');
  if (member.status === status) return member;
  const ancestors = sponsorPathIds(member.sponsor_path).slice(0, -1);
  // A suspension also ends the member's sessions (token version + 1) when the company setting says so.
  const signOut = status === 'SUSPENDED' && (await loadSettings(db)).signOutOnSuspension ? 1 : 0;
  await atomic(db, [
    unchangedGuard(db, [member], ['sponsor_path', 'status']),
    db
      .prepare(
        'UPDATE distributor SET status = ?, updated_at = ?, token_version = token_version + ? WHERE id = ?',
      )
      .bind(status, nowIso(), signOut, id),
    bumpTeamCounters(db, ancestors, 0, status === 'ACTIVE' ? 1 : -1),
    event(db, id, 'STATUS', { from: member.status, to: status }),
  ]);
  return (await distributorById(db, id))!;
}

/**
 * Terminates a member. Their sponsor downline moves up to the member's sponsor (or to the root, as the
 * company setting says), one level shallower; the member stays in the tree as a leaf, and keeps their
 * placement position so that the placement tree and its volume flow do not change.
 */
export function terminateDistributor(db: D1Database, id: number, reason: string): Promise<DistributorRow> {
  return retryWhileBusy(() => terminateOnce(db, id, reason));
}

async function terminateOnce(db: D1Database, id: number, reason: string): Promise<DistributorRow> {
  reason = parseInput(z.object({ reason: requiredText() }), { reason }, 'termination').reason;
  const member = await requireMember(db, id);
  if (member.sponsor_id == null) throw new ConflictError('The root member cannot be terminated.', 'ROOT');
  if (member.status === 'TERMINATED') throw new ConflictError('Already terminated.', 'TERMINATED');
  const settings = await loadSettings(db);
  const target =
    settings.terminateRollUp === 'COMPANY'
      ? (await rootDistributor(db))!
      : (await distributorById(db, member.sponsor_id))!;
  const chain = sponsorPathIds(member.sponsor_path); // root .. member
  const ancestors = chain.slice(0, -1);
  const d = member.sponsor_depth - target.sponsor_depth; // levels the downline rises
  const between = chain.slice(target.sponsor_depth + 1); // below the target, down to the member
  const month = monthInZone(new Date(member.joined_at), settings.timeZone);
  const [lo, hi] = sponsorSubtreeRange(member.sponsor_path);
  await atomic(db, [
    unchangedGuard(db, [member], ['sponsor_path', 'team_size', 'team_active', 'status']),
    unchangedGuard(db, [target], ['sponsor_path', 'status']),
    ...shiftLevelHistogram(db, member.id, ancestorDistances(ancestors, member.sponsor_depth), -1, false),
    ...shiftLevelHistogram(
      db,
      member.id,
      ancestorDistances(chain.slice(0, target.sponsor_depth + 1), member.sponsor_depth).map(
        ([a, k]) => [a, k - d] as [number, number],
      ),
      1,
      false,
    ),
    ...shiftJoinHistogram(db, member.id, month, between.slice(0, -1), -1, false),
    // The downline's group volume leaves the members between the roll-up target and the terminated member.
    ...shiftGroupVolume(db, member.id, between.slice(0, -1), -1, settings.activePv, true),
    resetGroupVolume(db, member.id),
    db.prepare('DELETE FROM downline_level WHERE ancestor_id = ?').bind(member.id),
    db.prepare('DELETE FROM downline_joins WHERE ancestor_id = ?').bind(member.id),
    bumpTeamCounters(db, between, -member.team_size, -member.team_active),
    bumpTeamCounters(db, ancestors, 0, member.status === 'ACTIVE' ? -1 : 0),
    db
      .prepare(
        `UPDATE distributor SET sponsor_path = ?1 || substr(sponsor_path, length(?2) + 1), sponsor_depth = sponsor_depth - ?3
         WHERE sponsor_path > ?2 AND sponsor_path < ?4`,
      )
      .bind(target.sponsor_path, lo, d, hi),
    db.prepare('UPDATE distributor SET sponsor_id = ? WHERE sponsor_id = ?').bind(target.id, member.id),
    db
      .prepare("UPDATE distributor SET status = 'TERMINATED', updated_at = ? WHERE id = ?")
      .bind(nowIso(), member.id),
    event(db, member.id, 'TERMINATE', {
      reason,
      downlineTo: target.id,
      moved: member.team_size,
    }),
  ]);
  return (await distributorById(db, member.id))!;
}
