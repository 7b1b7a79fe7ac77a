// Erasing a person (GDPR art. 17): staff only, confirmed by typing the person's id, refused while a
// commission period that involves them is closing. One D1 batch: the erasure record (who, when, why, the
// documents kept and why — never the erased data) as its guard, then every pseudonymizing statement. The
// deletable R2 objects go after the batch, and the dead letters kept in R2 (message bodies: raw lead deliveries)
// are rewritten with the same replacements as the tables; `files_deleted` says when both are done.
import { z } from 'zod';
import { orConflict } from '../../lib/conflicts';
import { atomic, nowIso } from '../../lib/db';
import { ConflictError, ValidationError } from '../../lib/errors';
import { requiredText } from '../../lib/text';
import { parseInput } from '../../lib/validate';
import { archivedLeadEventsOf, rewriteArchivedLeadEvents } from '../archive/rewrite';
import { actorOf } from '../auth/actor';
import type { Viewer } from '../auth/viewer';
import { rewriteDeadLetters } from '../deadLetters/repository';
import { settleInboxGroupsOf } from '../leads/inboxErasure';
import { erasureStatements, Scrubber } from './erasureStatements';
import { deleteObjects, type KeptDocument, personFiles, unlinkOfferPdfs } from './files';
import { type Needle, needlesOf, type PersonRef, pseudonymOf, scrubJson, scrubText } from './model';
import { type Person, requirePersonFor } from './people';
import type { ErasureRow } from './tables';

const inputSchema = z.object({ reason: requiredText(500), confirmId: z.string().trim().min(1, 'Required.') });

export interface ErasureInput {
  person: PersonRef;
  /** The id as the caller typed it to confirm: the person's global id or their number. */
  confirmId: string;
  /** The global id the person was named by (accepted as confirmation too). */
  personGlobalId?: string;
  reason: string;
}

/** SQL that is true while a CLOSING period involves the person (every member is in a close's snapshot). */
function closingSql(type: PersonRef['type']): string {
  if (type === 'DISTRIBUTOR') return "EXISTS (SELECT 1 FROM commission_period WHERE status = 'CLOSING')";
  if (type === 'CUSTOMER')
    return `EXISTS (SELECT 1 FROM commission_period cp WHERE cp.status = 'CLOSING'
              AND EXISTS (SELECT 1 FROM sales_order o WHERE o.customer_id = ?2 AND o.period = cp.id))`;
  return '0';
}

const closingConflict = () =>
  new ConflictError(
    'A commission period that involves this person is closing; erase them once it is committed.',
    'PERIOD_CLOSING',
  );

export async function erasePerson(
  env: { DB: D1Database; FILES: R2Bucket },
  viewer: Viewer,
  input: ErasureInput,
): Promise<ErasureRow> {
  const db = env.DB;
  // Staff only: a distributor files an erasure request instead (requests.ts), which staff carry out.
  const person = await requirePersonFor(db, viewer, input.person, false);
  const p = parseInput(inputSchema, { reason: input.reason, confirmId: input.confirmId }, 'input');
  if (p.confirmId !== String(person.id) && p.confirmId !== input.personGlobalId)
    throw new ValidationError('Type the person’s id to confirm the erasure.', [
      { path: 'confirmId', message: 'Does not match the person’s id.', code: 'INVALID' },
    ]);
  const done = await db
    .prepare('SELECT 1 AS hit FROM gdpr_erasure WHERE subject_type = ? AND subject_id = ?')
    .bind(person.type, person.id)
    .first();
  if (done) throw new ConflictError('This person is already erased.', 'ALREADY_ERASED');
  const closing = await db
    .prepare(`SELECT ?1 AS t, ?2 AS i, ${closingSql(person.type)} AS c`)
    .bind(person.type, person.id)
    .first<{ c: number }>();
  if (closing?.c) throw closingConflict();

  return carryOutErasure(env, person, p.reason, actorOf(viewer));
}

/** The erasure itself (checked by the caller, or a retention policy's own decision). */
export async function carryOutErasure(
  env: { DB: D1Database; FILES: R2Bucket },
  person: Person,
  reason: string,
  by: string,
): Promise<ErasureRow> {
  const db = env.DB;
  const now = nowIso();
  const files = await personFiles(db, person);
  // Their raw deliveries still in a lead-inbox group object (shared with other senders' deliveries).
  await settleInboxGroupsOf(env, person.leadIds);
  // Read before the batch: it wipes the archive marker of the deliveries that carried this person alone.
  const archivedEvents = await archivedLeadEventsOf(db, person.leadIds);
  const scrubber = new Scrubber(db, needlesOf(person.identities, pseudonymOf(person)));
  const statements = [
    guard(db, person, reason, by, now, files.kept),
    ...unlinkOfferPdfs(db, files.offerPdfs),
    ...erasureStatements(db, scrubber, person, now, by),
  ];
  await orConflict(
    () => atomic(db, statements),
    [{ kind: 'NOT NULL', on: 'gdpr_erasure.pseudonym' }],
    closingConflict,
  ).catch((e) => {
    if (String(e?.message ?? e).includes('UNIQUE constraint failed: gdpr_erasure'))
      throw new ConflictError('This person is already erased.', 'ALREADY_ERASED');
    throw e;
  });
  return finishFiles(env, person, files.deletable, scrubber.needles, archivedEvents);
}

/** The record, and the batch's guard: a CLOSING period makes the pseudonym NULL, which aborts the batch. */
function guard(
  db: D1Database,
  person: Person,
  reason: string,
  by: string,
  now: string,
  kept: KeptDocument[],
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO gdpr_erasure (subject_type, subject_id, pseudonym, reason, erased_by, erased_at, kept)
       SELECT ?1, ?2, CASE WHEN ${closingSql(person.type)} THEN NULL ELSE ?3 END, ?4, ?5, ?6, ?7`,
    )
    .bind(person.type, person.id, pseudonymOf(person).full, reason, by, now, JSON.stringify(kept));
}

async function finishFiles(
  env: { DB: D1Database; FILES: R2Bucket },
  person: PersonRef,
  keys: string[],
  needles: readonly Needle[],
  archivedEvents: readonly { id: number; period: string; shared: number }[] = [],
): Promise<ErasureRow> {
  await deleteObjects(env.FILES, keys);
  if (needles.length > 0) await rewriteDeadLetters(env.FILES, (json) => scrubJson(json, needles));
  // Archived raw deliveries live only in their archive chunk: wiped or scrubbed there, as the live rows are.
  const shared = new Map(archivedEvents.map((e) => [e.id, e.shared > 0]));
  await rewriteArchivedLeadEvents(env.DB, env.FILES, archivedEvents, (row) =>
    shared.get(Number(row.id))
      ? { ...row, body: scrubText(String(row.body), needles) }
      : { ...row, body: '{"erased":"gdpr"}', content_type: 'application/json' },
  );
  return (await env.DB.prepare(
    `UPDATE gdpr_erasure SET files_deleted = 1 WHERE subject_type = ? AND subject_id = ? RETURNING *`,
  )
    .bind(person.type, person.id)
    .first<ErasureRow>())!;
}

export function erasureOf(db: D1Database, ref: PersonRef): Promise<ErasureRow | null> {
  return db
    .prepare('SELECT * FROM gdpr_erasure WHERE subject_type = ? AND subject_id = ?')
    .bind(ref.type, ref.id)
    .first<ErasureRow>();
}
