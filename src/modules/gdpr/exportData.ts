// Everything held about one person, table by table (the export's reads). Secrets (password hashes, token
// versions, webhook keys) are left out; rows about other people are not included (a distributor's customers
// are their own subjects), only the ids that link to them.
import { archivedCommissionLinesOf, archivedOrderLines, withArchivedBodies } from '../archive/periodRows';
import type { PersonRef, PersonType } from './model';
import type { Person } from './people';

type Query = [table: string, sql: string];

const about = (type: PersonType, idColumn = 'subject_id', typeColumn = 'subject_type') =>
  `${typeColumn} = '${type}' AND ${idColumn} = ?1`;

/** Rows every kind of person has: CRM history, messages, consents, notifications, earlier GDPR records. */
function common(type: PersonType): Query[] {
  return [
    ['activity', `SELECT * FROM activity WHERE ${about(type)} ORDER BY id`],
    ['task', `SELECT * FROM task WHERE ${about(type)} ORDER BY id`],
    [
      'message_outbox',
      `SELECT * FROM message_outbox WHERE ${about(type, 'recipient_id', 'recipient_type')} ORDER BY id`,
    ],
    [
      'message_event',
      `SELECT * FROM message_event WHERE outbox_id IN
         (SELECT id FROM message_outbox WHERE ${about(type, 'recipient_id', 'recipient_type')}) ORDER BY id`,
    ],
    ['message_consent', `SELECT * FROM message_consent WHERE ${about(type)} ORDER BY id`],
    [
      'notification_about',
      `SELECT * FROM notification WHERE subject_type = '${type}' AND subject_id = CAST(?1 AS TEXT) ORDER BY id`,
    ],
    [
      'gdpr_export',
      `SELECT id, status, requested_by, size, created_at, ready_at, expires_at FROM gdpr_export WHERE ${about(type)} ORDER BY id`,
    ],
  ];
}

const DISTRIBUTOR_COLUMNS = `id, external_id, referral_code, first_name, last_name, email, phone, country, locale, status,
  joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position, placement_path,
  placement_depth, placement_child_count, team_size, team_active, placement_team_size, lifetime_rank, lifetime_rank_id,
  iban, bic, created_at, updated_at`;

function own(type: PersonType): Query[] {
  switch (type) {
    case 'DISTRIBUTOR':
      return [
        ['profile', `SELECT ${DISTRIBUTOR_COLUMNS} FROM distributor WHERE id = ?1`],
        [
          'sponsor',
          'SELECT id, first_name, last_name FROM distributor WHERE id = (SELECT sponsor_id FROM distributor WHERE id = ?1)',
        ],
        ['genealogy_event', 'SELECT * FROM genealogy_event WHERE distributor_id = ?1 ORDER BY id'],
        ['sales_order', 'SELECT * FROM sales_order WHERE distributor_id = ?1 ORDER BY id'],
        [
          'order_line',
          'SELECT l.* FROM order_line l JOIN sales_order o ON o.id = l.order_id WHERE o.distributor_id = ?1 ORDER BY l.id',
        ],
        [
          'refund',
          'SELECT r.* FROM refund r JOIN sales_order o ON o.id = r.order_id WHERE o.distributor_id = ?1 ORDER BY r.id',
        ],
        ['autoship', 'SELECT * FROM autoship WHERE distributor_id = ?1 AND customer_id IS NULL ORDER BY id'],
        ['volume', 'SELECT * FROM volume WHERE distributor_id = ?1 ORDER BY period'],
        ['period_result', 'SELECT * FROM period_result WHERE distributor_id = ?1 ORDER BY period_id'],
        [
          'commission_line',
          'SELECT * FROM commission_line WHERE distributor_id = ?1 ORDER BY period_id, bonus, level, source_id',
        ],
        ['ledger_entry', 'SELECT * FROM ledger_entry WHERE distributor_id = ?1 ORDER BY id'],
        ['rank_override', 'SELECT * FROM rank_override WHERE distributor_id = ?1 ORDER BY period_id'],
        ['activity_written', 'SELECT * FROM activity WHERE author_distributor_id = ?1 ORDER BY id'],
        ['task_owned', 'SELECT * FROM task WHERE owner_id = ?1 ORDER BY id'],
        ['notification', 'SELECT * FROM notification WHERE distributor_id = ?1 ORDER BY id'],
        ['feedback_about', 'SELECT * FROM feedback WHERE distributor_id = ?1 ORDER BY id'],
        [
          'signature_request',
          "SELECT * FROM signature_request WHERE document_type = 'AGREEMENT' AND subject_id = ?1",
        ],
        [
          'signature_event',
          "SELECT e.* FROM signature_event e JOIN signature_request r ON r.id = e.request_id WHERE r.document_type = 'AGREEMENT' AND r.subject_id = ?1 ORDER BY e.id",
        ],
        ['gdpr_erasure_request', 'SELECT * FROM gdpr_erasure_request WHERE distributor_id = ?1 ORDER BY id'],
      ];
    case 'CUSTOMER':
      return [
        ['profile', 'SELECT * FROM customer WHERE id = ?1'],
        ['sales_order', 'SELECT * FROM sales_order WHERE customer_id = ?1 ORDER BY id'],
        [
          'order_line',
          'SELECT l.* FROM order_line l JOIN sales_order o ON o.id = l.order_id WHERE o.customer_id = ?1 ORDER BY l.id',
        ],
        [
          'refund',
          'SELECT r.* FROM refund r JOIN sales_order o ON o.id = r.order_id WHERE o.customer_id = ?1 ORDER BY r.id',
        ],
        ['autoship', 'SELECT * FROM autoship WHERE customer_id = ?1 ORDER BY id'],
        ['feedback', 'SELECT * FROM feedback WHERE customer_id = ?1 ORDER BY id'],
        ['offer', 'SELECT * FROM offer WHERE customer_id = ?1 ORDER BY id'],
        [
          'offer_line',
          'SELECT l.* FROM offer_line l JOIN offer o ON o.id = l.offer_id WHERE o.customer_id = ?1 ORDER BY l.id',
        ],
        [
          'signature_request',
          "SELECT * FROM signature_request WHERE document_type = 'OFFER' AND subject_id IN (SELECT id FROM offer WHERE customer_id = ?1)",
        ],
      ];
    case 'PROSPECT':
      return [['profile', 'SELECT * FROM prospect WHERE id = ?1']];
    case 'LEAD':
      return [['profile', 'SELECT * FROM lead WHERE id = ?1']];
  }
}

/** A lead's own rows (the person's lead, or the leads a customer or distributor was converted from). */
function leadRows(): Query[] {
  return [
    ['lead', 'SELECT * FROM lead WHERE id = ?1'],
    ['lead_status_change', 'SELECT * FROM lead_status_change WHERE lead_id = ?1 ORDER BY id'],
    ['lead_assignment', 'SELECT * FROM lead_assignment WHERE lead_id = ?1 ORDER BY id'],
    ['lead_intake', 'SELECT * FROM lead_intake WHERE lead_id = ?1 ORDER BY id'],
    [
      'lead_event',
      'SELECT e.* FROM lead_event e WHERE e.id IN (SELECT event_id FROM lead_intake WHERE lead_id = ?1) ORDER BY e.id',
    ],
    ['offer', 'SELECT * FROM offer WHERE lead_id = ?1 ORDER BY id'],
  ];
}

export type Tables = Record<string, Record<string, unknown>[]>;

async function run(db: D1Database, queries: Query[], id: number, into: Tables): Promise<void> {
  const results = await db.batch(queries.map(([, sql]) => db.prepare(sql).bind(id)));
  queries.forEach(([table], i) => {
    const rows = results[i].results as Record<string, unknown>[];
    into[table] = [...(into[table] ?? []), ...rows];
  });
}

/** Every table's rows about the person (a read-only batch: one round trip per identity). */
export async function personTables(db: D1Database, person: Person, files?: R2Bucket): Promise<Tables> {
  const tables: Tables = {};
  const ref: PersonRef = { type: person.type, id: person.id };
  await run(db, [...own(ref.type), ...common(ref.type)], ref.id, tables);
  for (const leadId of person.leadIds) {
    await run(db, leadRows(), leadId, tables);
    if (ref.type !== 'LEAD') await run(db, common('LEAD'), leadId, tables);
  }
  if (files) await addArchivedRows(db, files, ref, tables);
  return tables;
}

/** The rows of archived periods (archive/periodRows.ts): commission lines, order lines, raw lead event bodies. */
async function addArchivedRows(
  db: D1Database,
  files: R2Bucket,
  ref: PersonRef,
  tables: Tables,
): Promise<void> {
  const key = (r: Record<string, unknown>, ...columns: string[]) =>
    columns.map((c) => String(r[c]).padStart(12, '0')).join('|');
  if (ref.type === 'DISTRIBUTOR') {
    const archived = await archivedCommissionLinesOf(db, files, ref.id);
    tables.commission_line = [
      ...(tables.commission_line ?? []),
      ...(archived as unknown as Record<string, unknown>[]),
    ].sort((a, b) =>
      key(a, 'period_id', 'bonus', 'level', 'source_id') < key(b, 'period_id', 'bonus', 'level', 'source_id')
        ? -1
        : 1,
    );
  }
  if (tables.sales_order && tables.order_line) {
    const live = new Set(tables.order_line.map((l) => l.order_id as number));
    const orders = tables.sales_order.map((o) => ({ id: o.id as number, period: o.period as string | null }));
    const archived = await archivedOrderLines(db, files, orders, live);
    tables.order_line = [...tables.order_line, ...archived].sort(
      (a, b) => (a.id as number) - (b.id as number),
    );
  }
  if (tables.lead_event)
    tables.lead_event = await withArchivedBodies(
      db,
      files,
      tables.lead_event as { id: number; body: string }[],
    );
}
