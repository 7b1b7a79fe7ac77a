// The people-search index of migration 0006 (its triggers keep it current). Keys are the SQL column names.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * People search (rowid = id * 4 + kind code), an FTS5 virtual table: created and queried with hand-written
 * SQL (src/modules/people/), modelled here for its row type only. FTS5 columns have no declared type;
 * these are the types the triggers write.
 */
export const personFts = sqliteTable('person_fts', {
  name: text().notNull(),
  contact: text().notNull(),
  scope: text().notNull(),
  pscope: text().notNull(),
  kind: text({ enum: ['DISTRIBUTOR', 'CUSTOMER', 'PROSPECT', 'LEAD'] }).notNull(),
  ref_id: integer().notNull(),
  display: text().notNull(),
  email: text(),
  phone: text(),
});
