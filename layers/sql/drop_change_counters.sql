-- Reverse of change_counters.sql.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['layers_division', 'layers_grid', 'layers_building', 'layers_household',
                           'layers_sensor', 'layers_incident'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS geogov_changes ON %I', t);
    EXECUTE format('DROP SEQUENCE IF EXISTS geogov_changes_%s', t);
  END LOOP;
END;
$$;
DROP FUNCTION IF EXISTS geogov_bump_change_counter();
