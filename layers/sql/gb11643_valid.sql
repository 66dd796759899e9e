-- geogov_gb11643_valid(id text) -> boolean
-- True when `id` is an 18-character GB 11643-1999 citizen ID number whose check character
-- (ISO 7064 MOD 11-2 over the first 17 digits) matches and whose birth date (chars 7-14) is a real
-- date. Used by the CHECK constraint resident_id_number_gb11643, so a bad ID can never be stored,
-- whatever path writes it (ORM, COPY, psql). IMMUTABLE: depends on its argument only.
-- PARALLEL RESTRICTED, not SAFE: the EXCEPTION block opens a subtransaction, which parallel workers cannot.
CREATE OR REPLACE FUNCTION geogov_gb11643_valid(id text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL RESTRICTED AS $$
DECLARE
  weights int[] := ARRAY[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  total int := 0;
  i int;
BEGIN
  IF id !~ '^\d{17}[\dX]$' THEN
    RETURN false;
  END IF;
  FOR i IN 1..17 LOOP
    total := total + substr(id, i, 1)::int * weights[i];
  END LOOP;
  IF substr('10X98765432', total % 11 + 1, 1) <> substr(id, 18, 1) THEN
    RETURN false;
  END IF;
  -- make_date raises on 2023-02-30 and friends; catch that as "not valid".
  PERFORM make_date(substr(id, 7, 4)::int, substr(id, 11, 2)::int, substr(id, 13, 2)::int);
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END;
$$;
