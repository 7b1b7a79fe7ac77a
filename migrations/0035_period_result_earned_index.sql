-- The results page (highest total first) was served by an index over every period_result row, maintained for each
-- of the million rows a close writes although most members earn nothing: it cost about half of each row's insert.
-- It now covers only the rows with a total; the zero totals are read in primary-key order (distributor id), which
-- is their place in the page order (src/modules/commissions/statements.ts periodResultsPage). Ascending columns:
-- the page's order (total DESC, distributor_id DESC) is this index read backwards, with no sort.
DROP INDEX period_result_total;
CREATE INDEX period_result_earned ON period_result (period_id, total, distributor_id) WHERE total != 0;
