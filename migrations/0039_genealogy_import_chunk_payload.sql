-- A genealogy import chunk's payload in a table of its own. Raising `applied` (in the batch that applies the
-- chunk) rewrote the whole record, 1.5 MB payload included, and listing the chunks' `applied` marks read every
-- payload's overflow pages to reach the column after it: 0.7-1.2 s of a 1M import. The marker row stays small.
CREATE TABLE genealogy_import_chunk_payload (
  import_id INTEGER NOT NULL,
  chunk_no INTEGER NOT NULL,
  payload TEXT NOT NULL,
  PRIMARY KEY (import_id, chunk_no)
) STRICT, WITHOUT ROWID;
INSERT INTO genealogy_import_chunk_payload (import_id, chunk_no, payload)
  SELECT import_id, chunk_no, payload FROM genealogy_import_chunk;
ALTER TABLE genealogy_import_chunk DROP COLUMN payload;
