-- Change counters: one sequence per spatial table, bumped once per statement that writes it
-- (INSERT, UPDATE, DELETE, TRUNCATE, and COPY, which fires INSERT triggers). Tile ETags and other
-- caches read `last_value` as a cheap data version: any write, in place or not, changes it.
-- Sequences, not a counter row, so concurrent writers never wait on each other (nextval does not
-- lock and is not rolled back: a rolled-back write only costs a needless cache miss).
CREATE OR REPLACE FUNCTION geogov_bump_change_counter() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval(format('geogov_changes_%s', TG_TABLE_NAME)::regclass);
  RETURN NULL;
END;
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['layers_division', 'layers_grid', 'layers_building', 'layers_household',
                           'layers_sensor', 'layers_incident'] LOOP
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS geogov_changes_%s', t);
    EXECUTE format('DROP TRIGGER IF EXISTS geogov_changes ON %I', t);
    EXECUTE format('CREATE TRIGGER geogov_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION geogov_bump_change_counter()', t);
  END LOOP;
END;
$$;
