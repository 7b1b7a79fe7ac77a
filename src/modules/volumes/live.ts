// Live volumes of the not-yet-committed periods, kept current in the same batch as the change that moves
// them (a payment, a refund, a tree change), so dashboards read them without scanning the tree.

export interface VolumeChange {
  distributorId: number;
  /** Sponsor ancestors of the distributor, root first (the distributor not included). */
  ancestors: readonly number[];
  period: string;
  qv: number;
  cv: number;
  /** The part of qv/cv that comes from customer orders. */
  customerQv: number;
  customerCv: number;
  /** PV at which a member counts as qualified (active) in a period. */
  activePv: number;
}

/** Statements that apply a volume change to the member and every sponsor ancestor. */
export function applyVolumeChange(db: D1Database, c: VolumeChange): D1PreparedStatement[] {
  const ancestors = JSON.stringify(c.ancestors);
  return [
    // Before the member's PV changes: did it cross the qualification threshold? Tell every ancestor.
    db
      .prepare(
        `INSERT INTO volume (distributor_id, period, qualified_downline)
         SELECT a.value, ?2, d.delta FROM json_each(?1) a,
           (SELECT ((o.pv + ?4) >= ?5) - (o.pv >= ?5) AS delta
              FROM (SELECT coalesce((SELECT pv FROM volume WHERE distributor_id = ?3 AND period = ?2), 0) AS pv) o) d
         WHERE d.delta != 0
         ON CONFLICT (distributor_id, period) DO UPDATE SET qualified_downline = qualified_downline + excluded.qualified_downline`,
      )
      .bind(ancestors, c.period, c.distributorId, c.qv, c.activePv),
    db
      .prepare(
        `INSERT INTO volume (distributor_id, period, pv, cv, customer_pv, customer_cv, gv, gcv)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?3, ?4)
         ON CONFLICT (distributor_id, period) DO UPDATE SET pv = pv + excluded.pv, cv = cv + excluded.cv,
           customer_pv = customer_pv + excluded.customer_pv, customer_cv = customer_cv + excluded.customer_cv,
           gv = gv + excluded.gv, gcv = gcv + excluded.gcv`,
      )
      .bind(c.distributorId, c.period, c.qv, c.cv, c.customerQv, c.customerCv),
    db
      .prepare(
        `INSERT INTO volume (distributor_id, period, gv, gcv)
         SELECT value, ?2, ?3, ?4 FROM json_each(?1) WHERE true
         ON CONFLICT (distributor_id, period) DO UPDATE SET gv = gv + excluded.gv, gcv = gcv + excluded.gcv`,
      )
      .bind(ancestors, c.period, c.qv, c.cv),
  ];
}

// Periods whose close has started are frozen: their snapshot fixed the tree, so tree changes leave them be.
const OPEN_PERIODS = `period NOT IN (SELECT id FROM commission_period WHERE status != 'OPEN')`;

/**
 * Moves a member's group volume (their own and their whole downline's) of every open period
 * off (sign -1) or onto (sign 1) the given ancestors. With `downlineOnly`, the member's own volume stays.
 */
export function shiftGroupVolume(
  db: D1Database,
  memberId: number,
  ancestors: readonly number[],
  sign: 1 | -1,
  activePv: number,
  downlineOnly = false,
): D1PreparedStatement[] {
  if (ancestors.length === 0) return [];
  const own = downlineOnly ? 1 : 0;
  return [
    db
      .prepare(
        `INSERT INTO volume (distributor_id, period, gv, gcv, qualified_downline)
         SELECT a.value, v.period, ?3 * (v.gv - ?5 * v.pv), ?3 * (v.gcv - ?5 * v.cv),
                ?3 * (v.qualified_downline + (1 - ?5) * (v.pv >= ?4))
         FROM json_each(?1) a, volume v WHERE v.distributor_id = ?2 AND v.${OPEN_PERIODS}
         ON CONFLICT (distributor_id, period) DO UPDATE SET gv = gv + excluded.gv, gcv = gcv + excluded.gcv,
           qualified_downline = qualified_downline + excluded.qualified_downline`,
      )
      .bind(JSON.stringify(ancestors), memberId, sign, activePv, own),
  ];
}

/** After a member's downline left them (termination roll-up): their group volume is their own again. */
export function resetGroupVolume(db: D1Database, memberId: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE volume SET gv = pv, gcv = cv, qualified_downline = 0 WHERE distributor_id = ? AND ${OPEN_PERIODS}`,
    )
    .bind(memberId);
}
