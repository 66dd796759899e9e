-- Bulk load into an empty layers_building (staging.bulk_load): when the table is empty at the start of
-- the write, its GiST and GIN indexes (the footprint and EPSG:3857 GiSTs, the search trigrams) are
-- dropped before the upsert and created again, from these same definitions, right after it, in the
-- same transaction: one sorted build each instead of one index insertion per row (measured on the
-- city's 200,000 footprints: insert 10-15 s with them, 3.5 s plus 2.6-4.2 s of rebuilding without).
-- A table that already holds buildings keeps its indexes (an update touches few rows).
-- Primary key, unique code (ON CONFLICT needs it) and constraint-backed indexes are never dropped.
-- 1. The indexes to rebuild (none unless the table is empty): schema, name, definition.
SELECT n.nspname, c.relname, pg_get_indexdef(c.oid)
FROM pg_index x
JOIN pg_class c ON c.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am a ON a.oid = c.relam
WHERE x.indrelid = 'layers_building'::regclass
  AND a.amname IN ('gist', 'gin')
  AND NOT x.indisprimary AND NOT x.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
  AND NOT EXISTS (SELECT 1 FROM layers_building)
ORDER BY c.relname;

-- 2. The deferred constraints with triggers on the table: its own foreign keys (grid, village) and those
--    of the tables referencing it (households, units …, pending after a DELETE earlier in a caller's
--    transaction). Their pending checks must run before CREATE INDEX (PostgreSQL refuses to build an
--    index on a table with pending trigger events); they are deferred again afterwards.
SELECT DISTINCT n.nspname, k.conname
FROM pg_trigger t
JOIN pg_constraint k ON k.oid = t.tgconstraint
JOIN pg_namespace n ON n.oid = k.connamespace
WHERE t.tgrelid = 'layers_building'::regclass AND t.tgdeferrable AND t.tginitdeferred
ORDER BY n.nspname, k.conname
