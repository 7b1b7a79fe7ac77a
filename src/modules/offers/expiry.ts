// The hourly cron: open offers past their validity date (company time zone) become EXPIRED, each recorded in
// the person's history. Idempotent: a second run finds nothing to expire.
import { atomic, nowIso } from '../../lib/db';
import { dayInZone } from '../../lib/time';
import { loadSettings } from '../company/settings';

export async function expireOffers(db: D1Database, now: Date): Promise<number> {
  const today = dayInZone(now, (await loadSettings(db)).timeZone);
  const at = nowIso();
  const due = `status IN ('SENT', 'VIEWED') AND valid_until < ?`;
  // The history first (it selects the offers still open), then the status: one batch, all or nothing.
  const [, updated] = await atomic(db, [
    db
      .prepare(
        `INSERT INTO activity (subject_type, subject_id, kind, body, occurred_at, author_distributor_id, author, created_at)
         SELECT CASE WHEN customer_id IS NOT NULL THEN 'CUSTOMER' ELSE 'LEAD' END, coalesce(customer_id, lead_id), 'NOTE',
           'Offer ' || id || ' expired (valid until ' || valid_until || ').', ?, NULL, 'offer:' || id, ?
         FROM offer WHERE ${due}`,
      )
      .bind(at, at, today),
    db.prepare(`UPDATE offer SET status = 'EXPIRED', updated_at = ? WHERE ${due}`).bind(at, today),
  ]);
  return updated.meta?.changes ?? 0;
}
