// What the compliance figures and the income disclosure read from a period's order and commission lines, kept per
// member in the live database when the archive moves those lines to R2. Written in the batch that makes an
// archive VERIFIED (from the live rows its chunks were just checked against, before any of them is deleted), so
// from the moment readers switch to the archive these sums are there. Every statement runs only while the archive
// is still WRITING: a late duplicate of that batch never recomputes them from rows already being deleted.

const STILL_WRITING = `EXISTS (SELECT 1 FROM period_archive WHERE period_id = ?1 AND status = 'WRITING')`;

/** Statements that (re)write the period's member summaries; for the VERIFIED batch. */
export function summaryStatements(db: D1Database, periodId: string): D1PreparedStatement[] {
  return [
    db.prepare(`DELETE FROM archived_member_costs WHERE period_id = ?1 AND ${STILL_WRITING}`).bind(periodId),
    db
      .prepare(`DELETE FROM archived_member_figures WHERE period_id = ?1 AND ${STILL_WRITING}`)
      .bind(periodId),
    // The disclosure's costs: own (PERSONAL) paid orders of the period, net of refunded units.
    db
      .prepare(
        `INSERT INTO archived_member_costs (period_id, distributor_id, currency, own_purchases, starter_kits)
         SELECT ?1, o.distributor_id, o.currency,
           coalesce(sum(CASE WHEN l.is_starter_kit = 0 THEN (l.quantity - l.refunded_quantity) * l.unit_price END), 0),
           coalesce(sum(CASE WHEN l.is_starter_kit = 1 THEN (l.quantity - l.refunded_quantity) * l.unit_price END), 0)
         FROM sales_order o JOIN order_line l ON l.order_id = o.id
         WHERE o.period = ?1 AND o.kind = 'PERSONAL' AND o.paid_at IS NOT NULL AND ${STILL_WRITING}
         GROUP BY o.distributor_id, o.currency`,
      )
      .bind(periodId),
    // The attribution: the period's paid order lines less the units its refunds took back (as the live read).
    db
      .prepare(
        `INSERT INTO archived_member_figures (period_id, distributor_id, kit_retail_profit, kit_cv, personal_cv, customer_cv)
         SELECT ?1, d,
           coalesce(sum(CASE WHEN kind = 'CUSTOMER' AND kit = 1 THEN q * profit END), 0),
           coalesce(sum(CASE WHEN kit = 1 THEN q * cv END), 0),
           coalesce(sum(CASE WHEN kind = 'PERSONAL' AND kit = 0 THEN q * cv END), 0),
           coalesce(sum(CASE WHEN kind = 'CUSTOMER' AND kit = 0 THEN q * cv END), 0)
         FROM (
           SELECT o.distributor_id AS d, o.kind, ol.is_starter_kit AS kit, ol.quantity AS q,
             ol.unit_retail - ol.unit_wholesale AS profit, ol.unit_cv AS cv
           FROM sales_order o JOIN order_line ol ON ol.order_id = o.id
           WHERE o.period = ?1 AND o.paid_at IS NOT NULL
           UNION ALL
           SELECT o.distributor_id, o.kind, ol.is_starter_kit, -json_extract(e.value, '$.quantity'),
             ol.unit_retail - ol.unit_wholesale, ol.unit_cv
           FROM refund r JOIN sales_order o ON o.id = r.order_id, json_each(r.lines) e
             JOIN order_line ol ON ol.id = json_extract(e.value, '$.lineId')
           WHERE r.period = ?1)
         WHERE ${STILL_WRITING}
         GROUP BY d`,
      )
      .bind(periodId),
    db
      .prepare(
        `INSERT INTO archived_member_figures (period_id, distributor_id, retail_commissions, volume_commissions)
         SELECT ?1, distributor_id,
           coalesce(sum(CASE WHEN bonus = 'retail' THEN amount END), 0),
           coalesce(sum(CASE WHEN bonus != 'retail' THEN amount END), 0)
         FROM commission_line WHERE period_id = ?1 AND ${STILL_WRITING} GROUP BY distributor_id
         ON CONFLICT (period_id, distributor_id) DO UPDATE SET
           retail_commissions = excluded.retail_commissions, volume_commissions = excluded.volume_commissions`,
      )
      .bind(periodId),
  ];
}

/** Order attribution and commission split of an archived period (minor units and CV, as the live reads). */
export interface ArchivedAttribution {
  kitRetailProfit: number;
  kitCv: number;
  personalCv: number;
  customerCv: number;
  retail: number;
  volumeBased: number;
}

/** The archived attribution of a period, for one member or the company (null). */
export async function archivedAttribution(
  db: D1Database,
  periodId: string,
  distributorId: number | null,
): Promise<ArchivedAttribution> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(kit_retail_profit), 0) AS kitRetailProfit, coalesce(sum(kit_cv), 0) AS kitCv,
         coalesce(sum(personal_cv), 0) AS personalCv, coalesce(sum(customer_cv), 0) AS customerCv,
         coalesce(sum(retail_commissions), 0) AS retail, coalesce(sum(volume_commissions), 0) AS volumeBased
       FROM archived_member_figures WHERE period_id = ?1 AND (?2 IS NULL OR distributor_id = ?2)`,
    )
    .bind(periodId, distributorId)
    .first<ArchivedAttribution>();
  return row!;
}
