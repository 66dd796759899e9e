-- Residents from the staging table into layers_resident, keyed by ID number, set-based.
-- 1. Each existing resident's grid before the import (import_old_grids), so a grid a resident
--    leaves gets recounted too.
-- 2. The residents: new ID numbers inserted, existing ones updated only where a value differs
--    (phone, relation, residence type and care tags only when the file has those columns; sex and
--    birth date always come from the file or, when blank, from the ID number). Re-importing the
--    same file writes nothing (care tags compare as sets). Returns one row per resident written: id, the ID number masked as
--    everywhere else (the report lists updated keys), and whether it was inserted.
DROP TABLE IF EXISTS import_old_grids;

CREATE TEMP TABLE import_old_grids ON COMMIT DROP AS
SELECT r.id, b.grid_id
FROM import_rows s
JOIN layers_resident r ON r.id_number = s.id_number
JOIN layers_household h ON h.id = r.household_id
JOIN layers_building b ON b.id = h.building_id;

INSERT INTO layers_resident AS r (household_id, name, sex, birth_date, id_number, phone, relation, residence_type,
                                  care_tags)
SELECT h.id, s.name, s.sex, s.birth_date, s.id_number, coalesce(s.phone, ''), coalesce(s.relation, 'head'),
       coalesce(s.residence_type, 'registered'), coalesce(s.care_tags, '{}')
FROM import_rows s JOIN layers_household h ON h.code = s.household_code
ORDER BY s.row_no
ON CONFLICT (id_number) DO UPDATE SET
  household_id = EXCLUDED.household_id,
  name = EXCLUDED.name,
  sex = EXCLUDED.sex,
  birth_date = EXCLUDED.birth_date,
  phone = CASE WHEN %(has_phone)s THEN EXCLUDED.phone ELSE r.phone END,
  relation = CASE WHEN %(has_relation)s THEN EXCLUDED.relation ELSE r.relation END,
  residence_type = CASE WHEN %(has_residence_type)s THEN EXCLUDED.residence_type ELSE r.residence_type END,
  care_tags = CASE WHEN %(has_care_tags)s THEN EXCLUDED.care_tags ELSE r.care_tags END
WHERE r.household_id IS DISTINCT FROM EXCLUDED.household_id
   OR r.name IS DISTINCT FROM EXCLUDED.name
   OR r.sex IS DISTINCT FROM EXCLUDED.sex
   OR r.birth_date IS DISTINCT FROM EXCLUDED.birth_date
   OR (%(has_phone)s AND r.phone IS DISTINCT FROM EXCLUDED.phone)
   OR (%(has_relation)s AND r.relation IS DISTINCT FROM EXCLUDED.relation)
   OR (%(has_residence_type)s AND r.residence_type IS DISTINCT FROM EXCLUDED.residence_type)
   OR (%(has_care_tags)s AND coalesce((SELECT array_agg(t ORDER BY t) FROM unnest(r.care_tags) t), '{}')
                               IS DISTINCT FROM EXCLUDED.care_tags)
RETURNING r.id, left(r.id_number, 4) || '**********' || right(r.id_number, 4), (xmax = 0) AS inserted
