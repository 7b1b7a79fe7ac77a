import { z } from 'zod';
import { nowIso, selectByIds } from '../../lib/db';
import { ForbiddenError, NotFoundError } from '../../lib/errors';
import { type KeysetPage, likeContains, type PageFilter, selectPage } from '../../lib/keyset';
import { parseInput } from '../../lib/validate';
import type { Viewer } from '../auth/viewer';
import { profileFields } from '../genealogy/validation';
import type { customer } from './tables';

/** A customer as the customer API reads it (the import's external_id aside). */
export type CustomerRow = Omit<typeof customer.$inferSelect, 'external_id'>;

/** SPEC §5: a distributor sees only their own customers; staff see all; integrations with orders:write too. */
export function canViewCustomer(viewer: Viewer, c: Pick<CustomerRow, 'owner_id'>): boolean {
  if (viewer.kind === 'ADMIN') return true;
  if (viewer.kind === 'INTEGRATION') return viewer.scopes.includes('orders:write');
  return viewer.kind === 'DISTRIBUTOR' && viewer.distributorId === c.owner_id;
}

const consent = z.object({
  email: z.boolean(),
  sms: z.boolean(),
  source: z.string().trim().min(1, 'Say where the consent was given.').max(200),
});

const customerSchema = z.object({
  ...profileFields,
  notes: z.string().max(5000).nullish(),
  consent: consent.nullish(),
});

export async function customersByIds(db: D1Database, ids: readonly number[]): Promise<CustomerRow[]> {
  return selectByIds<CustomerRow>(
    db,
    'SELECT * FROM customer WHERE id IN (SELECT value FROM json_each(?))',
    ids,
  );
}

export async function requireCustomer(db: D1Database, viewer: Viewer, id: number): Promise<CustomerRow> {
  const [row] = await customersByIds(db, [id]);
  if (!row || !canViewCustomer(viewer, row)) throw new NotFoundError('Customer not found.');
  return row;
}

export async function createCustomer(db: D1Database, ownerId: number, raw: unknown): Promise<CustomerRow> {
  const input = parseInput(customerSchema, raw, 'customer');
  const owner = await db
    .prepare('SELECT status FROM distributor WHERE id = ?')
    .bind(ownerId)
    .first<{ status: string }>();
  if (!owner) throw new NotFoundError('Owner not found.');
  if (owner.status === 'TERMINATED')
    throw new ForbiddenError('A terminated distributor cannot add customers.');
  const now = nowIso();
  const row = await db
    .prepare(
      `INSERT INTO customer (owner_id, first_name, last_name, email, phone, country, locale, notes,
         consent_email_at, consent_sms_at, consent_source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(
      ownerId,
      input.firstName,
      input.lastName,
      input.email ?? null,
      input.phone ?? null,
      input.country,
      input.locale,
      input.notes ?? null,
      input.consent?.email ? now : null,
      input.consent?.sms ? now : null,
      input.consent ? input.consent.source : null,
      now,
      now,
    )
    .first<CustomerRow>();
  return row!;
}

const updateSchema = z.object({
  firstName: profileFields.firstName.nullish(),
  lastName: profileFields.lastName.nullish(),
  email: profileFields.email,
  phone: profileFields.phone,
  country: profileFields.country.nullish(),
  locale: profileFields.locale.nullish(),
  notes: z.string().max(5000).nullish(),
  consent: consent.nullish(),
});

export async function updateCustomer(
  db: D1Database,
  current: CustomerRow,
  raw: unknown,
): Promise<CustomerRow> {
  const p = parseInput(updateSchema, raw, 'customer');
  const now = nowIso();
  // Consent keeps the time it was first given; withdrawing clears it.
  const consentEmail = p.consent
    ? p.consent.email
      ? (current.consent_email_at ?? now)
      : null
    : current.consent_email_at;
  const consentSms = p.consent
    ? p.consent.sms
      ? (current.consent_sms_at ?? now)
      : null
    : current.consent_sms_at;
  const row = await db
    .prepare(
      `UPDATE customer SET first_name = ?, last_name = ?, email = ?, phone = ?, country = ?, locale = ?, notes = ?,
         consent_email_at = ?, consent_sms_at = ?, consent_source = ?, updated_at = ? WHERE id = ? RETURNING *`,
    )
    .bind(
      p.firstName ?? current.first_name,
      p.lastName ?? current.last_name,
      p.email === undefined ? current.email : p.email,
      p.phone === undefined ? current.phone : p.phone,
      p.country ?? current.country,
      p.locale ?? current.locale,
      p.notes === undefined ? current.notes : p.notes,
      consentEmail,
      consentSms,
      p.consent ? p.consent.source : current.consent_source,
      now,
      current.id,
    )
    .first<CustomerRow>();
  return row!;
}

/** One page of customers, newest first, optionally of one owner and matching a name or e-mail. */
export function customersPage(
  db: D1Database,
  filter: { owner: number | null; search?: string | null },
  page: KeysetPage,
): Promise<CustomerRow[]> {
  const f: PageFilter = { where: [], params: [] };
  if (filter.owner != null) {
    f.where.push('owner_id = ?');
    f.params.push(filter.owner);
  }
  if (filter.search?.trim()) {
    f.where.push(
      `(lower(first_name || ' ' || last_name) LIKE ? ESCAPE '\\' OR lower(email) LIKE ? ESCAPE '\\')`,
    );
    const p = likeContains(filter.search.trim());
    f.params.push(p, p);
  }
  return selectPage<CustomerRow>(db, 'customer', ['id'], 'DESC', f, page);
}
