import { constraintFailure } from '../../lib/conflicts';
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { monthInZone } from '../../lib/time';
import { parseInput } from '../../lib/validate';
import { hashPassword } from '../auth/password';
import { loadSettings, placementWidth } from '../company/settings';
import { isStaleRead, retryWhileBusy, unchangedGuard } from './concurrency';
import {
  addNewMemberHistograms,
  bumpPlacementAncestors,
  bumpPlacementChildren,
  bumpTeamCounters,
} from './counters';
import { DISTRIBUTOR_COLUMNS, type DistributorRow } from './model';
import { sponsorPathIds } from './paths';
import { choosePlacement } from './placement';
import { distributorById, distributorByReferralCode } from './reads';
import { type EnrollInput, enrollSchema } from './validation';

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function newReferralCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

export interface EnrollOptions {
  /** Staff may enroll the very first member (no sponsor) and back-date joins. */
  asAdmin: boolean;
  /**
   * Statements that must commit with the enrollment or not at all (they run last in its batch); they find
   * the new member by its referral code. A guard among them that fails refuses the whole enrollment.
   */
  alsoInBatch?: (referralCode: string) => D1PreparedStatement[];
}

/** Enrolls one distributor under a sponsor, places them, and updates every counter, in one batch. */
export async function enrollDistributor(
  db: D1Database,
  raw: unknown,
  opts: EnrollOptions,
): Promise<DistributorRow> {
  const input = parseInput(enrollSchema, raw, 'enrollment');
  if (input.joinedAt && !opts.asAdmin)
    throw new ValidationError('Only staff may set a join date.', [
      { path: 'joinedAt', message: 'Not allowed.' },
    ]);
  if (input.externalId && !opts.asAdmin)
    throw new ValidationError('Only staff may set an external id.', [
      { path: 'externalId', message: 'Not allowed.' },
    ]);
  // Hashed once: the slow KDF should not run again on every retry.
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  // A concurrent write may take the same slot or code, or move the sponsor, between our reads and our
  // batch: the unique indexes or the guard refuse the batch, and we try again from fresh reads.
  try {
    return await retryWhileBusy(
      () => tryEnroll(db, input, opts, passwordHash),
      (e) =>
        isStaleRead(e) ||
        /UNIQUE constraint failed: distributor\.(referral_code|placement_parent_id|id|sponsor_path)/.test(
          String((e as Error)?.message ?? e),
        ),
    );
  } catch (e) {
    throw translateUnique(e);
  }
}

function translateUnique(e: unknown): unknown {
  const msg = String((e as Error)?.message ?? e);
  if (msg.includes('UNIQUE constraint failed: distributor.email'))
    return new ValidationError('That e-mail address is already in use.', [
      { path: 'email', message: 'Already in use.', code: 'ALREADY_IN_USE' },
    ]);
  if (msg.includes('UNIQUE constraint failed: distributor.external_id'))
    return new ValidationError('That external id is already in use.', [
      { path: 'externalId', message: 'Already in use.', code: 'ALREADY_IN_USE' },
    ]);
  // Lost a race the retries did not resolve, e.g. two enrollments of the root at once.
  const failure = constraintFailure(e);
  if (failure?.kind === 'UNIQUE' && failure.on.startsWith('distributor.'))
    return new ConflictError(
      'A concurrent enrollment took the same place in the tree; reload and try again.',
      'CONCURRENT_ENROLLMENT',
    );
  return e;
}

async function resolveSponsor(db: D1Database, input: EnrollInput): Promise<DistributorRow | null> {
  if (input.sponsorId != null && input.sponsorReferralCode != null)
    throw new ValidationError('Give the sponsor by id or by referral code, not both.', [
      { path: 'sponsor', message: 'Ambiguous.' },
    ]);
  if (input.sponsorId != null) {
    const s = await distributorById(db, input.sponsorId);
    if (!s) throw new NotFoundError('Sponsor not found.');
    return s;
  }
  if (input.sponsorReferralCode != null) {
    const s = await distributorByReferralCode(db, input.sponsorReferralCode);
    if (!s) throw new NotFoundError(`No distributor has the referral code "${input.sponsorReferralCode}".`);
    return s;
  }
  return null;
}

async function tryEnroll(
  db: D1Database,
  input: EnrollInput,
  opts: EnrollOptions,
  passwordHash: string | null,
): Promise<DistributorRow> {
  // Independent reads go out together (D1 calls overlap): one round trip instead of two.
  const [settings, sponsor] = await Promise.all([loadSettings(db), resolveSponsor(db, input)]);
  const now = nowIso();
  const joinedAt = input.joinedAt ? new Date(input.joinedAt).toISOString() : now;
  const code = newReferralCode();
  const common = [
    input.externalId ?? null,
    code,
    input.firstName,
    input.lastName,
    `${input.firstName} ${input.lastName}`.toLowerCase(),
    input.email ?? null,
    input.phone ?? null,
    input.country,
    input.locale,
    joinedAt,
    passwordHash,
    now,
  ];
  const columns = `id, external_id, referral_code, first_name, last_name, search_name, email, phone, country, locale,
    status, joined_at, password_hash, created_at, updated_at, sponsor_id, sponsor_path, sponsor_depth,
    placement_parent_id, placement_position, placement_path, placement_depth`;
  const values = `n.id, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'ACTIVE', ?10, ?11, ?12, ?12`;

  if (!sponsor) {
    if (!opts.asAdmin)
      throw new ValidationError('A sponsor is required.', [
        { path: 'sponsor', message: 'Required.', code: 'REQUIRED' },
      ]);
    const existing = await db.prepare('SELECT 1 FROM distributor LIMIT 1').first();
    if (existing)
      throw new ValidationError('A sponsor is required: the company already has its root member.', [
        { path: 'sponsor', message: 'Required.', code: 'REQUIRED' },
      ]);
    const [res] = await atomic(db, [
      db
        .prepare(
          `INSERT INTO distributor (${columns})
           SELECT ${values}, NULL, n.id || '.', 0, NULL, NULL, '', 0
           FROM (SELECT coalesce(max(id), 0) + 1 AS id FROM distributor) n RETURNING id`,
        )
        .bind(...common),
      ...(opts.alsoInBatch?.(code) ?? []),
    ]);
    return (await distributorById(db, (res.results[0] as { id: number }).id))!;
  }

  if (sponsor.status !== 'ACTIVE')
    throw new ConflictError(
      `The sponsor is ${sponsor.status.toLowerCase()} and cannot enroll.`,
      'SPONSOR_NOT_ACTIVE',
    );
  const slot = await choosePlacement(db, settings, sponsor, {
    parentId: input.placementParentId,
    position: input.placementPosition,
    leg: input.leg,
  });
  const ancestors = sponsorPathIds(sponsor.sponsor_path);
  const depth = sponsor.sponsor_depth + 1;
  const [inserted] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO distributor (${columns})
         SELECT ${values}, ?13, ?14 || n.id || '.', ?15, ?16, ?17, ?18, ?19
         FROM (SELECT coalesce(max(id), 0) + 1 AS id FROM distributor) n RETURNING ${DISTRIBUTOR_COLUMNS}`,
      )
      .bind(
        ...common,
        sponsor.id,
        sponsor.sponsor_path,
        depth,
        slot.parentId,
        slot.position,
        slot.path,
        slot.depth,
      ),
    // The sponsor and the placement parent are still where we read them (guard after the insert: the
    // insert fails first on a taken slot, which is retried the same way).
    unchangedGuard(db, [sponsor], ['sponsor_path', 'status']),
    unchangedGuard(db, [{ id: slot.parentId, placement_path: slot.parentPath }], ['placement_path']),
    bumpTeamCounters(db, ancestors, 1, 1),
    ...addNewMemberHistograms(db, ancestors, depth, monthInZone(new Date(joinedAt), settings.timeZone)),
    bumpPlacementAncestors(db, slot.path, 1),
    bumpPlacementChildren(db, slot.parentId, 1, placementWidth(settings)),
    ...(opts.alsoInBatch?.(code) ?? []),
  ]);
  // A new member's counters are all zero, so the inserted row is already the answer.
  return inserted.results[0] as DistributorRow;
}
