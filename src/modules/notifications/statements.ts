// The statements that write notifications. The module that knows an event calls these and puts the result in
// the batch that records the event, so a notification exists exactly when its event does (a failed event
// writes none, a redelivered one none twice: the dedupe key).
import type { NotificationKind, NotificationSubject } from './model';

export interface NotificationInput {
  distributorId: number;
  kind: NotificationKind;
  subjectType?: NotificationSubject | null;
  subjectId?: string | number | null;
  /** What the notification shows (names, amounts); kept as JSON. */
  payload?: Record<string, unknown>;
  /** One notification per key: the same event seen twice notifies once. */
  dedupeKey?: string | null;
  /** When the event happened (ISO instant); default now. */
  at?: string;
  /**
   * Write only when the statement just before it in the batch changed a row (`changes() > 0`): the event
   * is a guarded write that may do nothing (a lost race, a redelivery).
   */
  afterChange?: boolean;
}

/** One notification (INSERT … SELECT, so that it can be conditional on the batch's previous statement). */
export function notificationStatement(db: D1Database, n: NotificationInput): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notification (distributor_id, kind, subject_type, subject_id, payload, dedupe_key, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE ?8 = 0 OR changes() > 0
       ON CONFLICT (dedupe_key) DO NOTHING`,
    )
    .bind(
      n.distributorId,
      n.kind,
      n.subjectType ?? null,
      n.subjectId == null ? null : String(n.subjectId),
      JSON.stringify(n.payload ?? {}),
      n.dedupeKey ?? null,
      n.at ?? new Date().toISOString(),
      n.afterChange ? 1 : 0,
    );
}

/**
 * Many notifications from one query, for events recorded in bulk (a period commit, a daily rule). `select`
 * returns the columns distributor_id, subject_type, subject_id, payload (JSON text) and dedupe_key, in that
 * order; its parameters are `params`, numbered from ?3 on (?1 is the kind, ?2 the time).
 */
export function notificationsFromSelect(
  db: D1Database,
  kind: NotificationKind,
  select: string,
  params: (string | number | null)[],
  at: string = new Date().toISOString(),
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notification (distributor_id, kind, subject_type, subject_id, payload, dedupe_key, created_at)
       SELECT n.distributor_id, ?1, n.subject_type, n.subject_id, n.payload, n.dedupe_key, ?2
       FROM (${select}) AS n WHERE n.distributor_id IS NOT NULL
       ON CONFLICT (dedupe_key) DO NOTHING`,
    )
    .bind(kind, at, ...params);
}
