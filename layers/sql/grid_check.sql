-- Trigger geogov_grid_check on layers_grid: a grid must lie inside its parent.
-- The parent is the parent grid when there is one, else the grid's village (division).
-- A grid's code must extend its parent's code (village code + 3 digits; + 2 per sub-level), so
-- area scoping by code prefix stays true. Tolerance: 1e-6 degrees (~0.1 m) for digitising noise.
CREATE OR REPLACE FUNCTION geogov_grid_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  parent_code text;
  parent_boundary geometry;
BEGIN
  IF NEW.parent_id IS NOT NULL THEN
    SELECT code, boundary INTO parent_code, parent_boundary FROM layers_grid WHERE id = NEW.parent_id;
    IF NEW.level <> (SELECT level + 1 FROM layers_grid WHERE id = NEW.parent_id) THEN
      RAISE EXCEPTION 'grid % must be one level below its parent grid %', NEW.code, parent_code
        USING ERRCODE = 'check_violation';
    END IF;
  ELSE
    SELECT code, boundary INTO parent_code, parent_boundary FROM layers_division WHERE id = NEW.division_id;
    IF NEW.level <> 1 THEN
      RAISE EXCEPTION 'grid % of level % needs a parent grid', NEW.code, NEW.level
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF left(NEW.code, length(parent_code)) <> parent_code THEN
    RAISE EXCEPTION 'grid code % must start with its parent''s code %', NEW.code, parent_code
      USING ERRCODE = 'check_violation';
  END IF;
  IF NOT ST_CoveredBy(NEW.boundary, ST_Buffer(parent_boundary, 1e-6)) THEN
    RAISE EXCEPTION 'grid % is not inside its parent %', NEW.code, parent_code
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS geogov_grid_check ON layers_grid;
CREATE TRIGGER geogov_grid_check
  BEFORE INSERT OR UPDATE OF boundary, parent_id, division_id, code, level ON layers_grid
  FOR EACH ROW EXECUTE FUNCTION geogov_grid_check();
