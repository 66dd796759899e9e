-- Incidents from the staging table into layers_incident, keyed by code. New codes are inserted
-- (status reported unless given); existing ones are updated only where a value differs (optional
-- columns only when the file has them); re-importing the same file writes nothing. Returns one row
-- per incident written: id, code, and whether it was inserted.
INSERT INTO layers_incident AS i (code, title, description, category, source, status, location, reported_at,
                                  deadline, closed_at)
SELECT s.code, s.title, coalesce(s.description, ''), s.category, s.source, coalesce(s.status, 'reported'), s.geom,
       s.reported_at, s.deadline, s.closed_at
FROM import_rows s
ORDER BY s.row_no
ON CONFLICT (code) DO UPDATE SET
  title = EXCLUDED.title,
  description = CASE WHEN %(has_description)s THEN EXCLUDED.description ELSE i.description END,
  category = EXCLUDED.category,
  source = EXCLUDED.source,
  status = CASE WHEN %(has_status)s THEN EXCLUDED.status ELSE i.status END,
  location = EXCLUDED.location,
  reported_at = EXCLUDED.reported_at,
  deadline = CASE WHEN %(has_deadline)s THEN EXCLUDED.deadline ELSE i.deadline END,
  closed_at = CASE WHEN %(has_closed_at)s THEN EXCLUDED.closed_at ELSE i.closed_at END
WHERE i.title IS DISTINCT FROM EXCLUDED.title
   OR i.category IS DISTINCT FROM EXCLUDED.category
   OR i.source IS DISTINCT FROM EXCLUDED.source
   OR i.location IS DISTINCT FROM EXCLUDED.location
   OR i.reported_at IS DISTINCT FROM EXCLUDED.reported_at
   OR (%(has_description)s AND i.description IS DISTINCT FROM EXCLUDED.description)
   OR (%(has_status)s AND i.status IS DISTINCT FROM EXCLUDED.status)
   OR (%(has_deadline)s AND i.deadline IS DISTINCT FROM EXCLUDED.deadline)
   OR (%(has_closed_at)s AND i.closed_at IS DISTINCT FROM EXCLUDED.closed_at)
RETURNING i.id, i.code, (xmax = 0) AS inserted
