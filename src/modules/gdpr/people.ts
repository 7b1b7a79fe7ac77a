// Who a GDPR request is about, and who may make it: staff for anyone, a distributor for themself only.
// Also the person's identities (their own row, and the lead rows they were converted from), which is
// what an erasure scrubs out of free text.
import { ForbiddenError, NotFoundError } from '../../lib/errors';
import type { Viewer } from '../auth/viewer';
import type { PersonRef, PersonType } from './model';

const TABLE: Record<PersonType, string> = {
  CUSTOMER: 'customer',
  LEAD: 'lead',
  PROSPECT: 'prospect',
  DISTRIBUTOR: 'distributor',
};

export interface Identity {
  first: string | null;
  last: string | null;
  full: string | null;
  email: string | null;
  phone: string | null;
}

export interface Person extends PersonRef {
  row: Record<string, unknown>;
  /** Lead rows the person was converted from (a customer's or distributor's earlier self). */
  leadIds: number[];
  identities: Identity[];
}

/**
 * The person a viewer may act for (export, erasure): staff for anyone, a distributor for themself. Someone
 * else is Forbidden (before any read, so a distributor learns nothing of who exists); unknown is NotFound.
 */
export async function requirePersonFor(
  db: D1Database,
  viewer: Viewer,
  ref: PersonRef,
  allowSelf: boolean,
): Promise<Person> {
  const self = viewer.kind === 'DISTRIBUTOR' && ref.type === 'DISTRIBUTOR' && ref.id === viewer.distributorId;
  if (viewer.kind !== 'ADMIN' && !(allowSelf && self))
    throw new ForbiddenError(allowSelf ? 'Only staff, or a distributor for themself.' : 'Staff only.');
  const person = await loadPerson(db, ref);
  if (!person) throw new NotFoundError(`${ref.type.toLowerCase()} ${ref.id} not found.`);
  return person;
}

export async function loadPerson(db: D1Database, ref: PersonRef): Promise<Person | null> {
  const row = await db
    .prepare(`SELECT * FROM ${TABLE[ref.type]} WHERE id = ?`)
    .bind(ref.id)
    .first<Record<string, unknown>>();
  if (!row) return null;
  const leads =
    ref.type === 'CUSTOMER' || ref.type === 'DISTRIBUTOR'
      ? (
          await db
            .prepare(
              `SELECT * FROM lead WHERE ${ref.type === 'CUSTOMER' ? 'converted_customer_id' : 'converted_distributor_id'} = ?`,
            )
            .bind(ref.id)
            .all<Record<string, unknown>>()
        ).results
      : [];
  const identities = [row, ...leads].map(identityOf);
  return {
    ...ref,
    row,
    leadIds: ref.type === 'LEAD' ? [ref.id] : leads.map((l) => l.id as number),
    identities,
  };
}

function identityOf(r: Record<string, unknown>): Identity {
  const s = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null);
  return {
    first: s('first_name'),
    last: s('last_name'),
    full: s('full_name'),
    email: s('email'),
    phone: s('phone'),
  };
}
