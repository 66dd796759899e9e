-- The open case of the same category that a new case most likely repeats: within %(metres)s metres
-- (geography distance on the spheroid) and reported since %(since)s, older than the new case (lower id,
-- so two cases filed at once never propose each other), nearest first, then the oldest.
-- The first ST_DWithin uses the GiST index on the stored Web-Mercator copy: Mercator stretches
-- lengths by 1/cos(latitude), so that radius is widened by the same factor; the second is the exact test.
SELECT i.id, ST_Distance(i.location::geography, p.g::geography) AS metres
FROM layers_incident AS i,
     (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) AS p
WHERE ST_DWithin(i.location_3857, ST_Transform(p.g, 3857), %(metres)s / cos(radians(%(lat)s)) + 1)
  AND ST_DWithin(i.location::geography, p.g::geography, %(metres)s)
  AND i.category = %(category)s
  AND i.status = ANY(%(open)s)
  AND i.reported_at >= %(since)s
  AND i.id < %(id)s
ORDER BY metres, i.reported_at, i.id
LIMIT 1
