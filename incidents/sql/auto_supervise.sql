-- Automatic 督办 (manage.py supervise_incidents), one statement: every case with a running clock that
-- is near or past its deadline becomes 'supervised', with the level above its responsible level as the
-- supervising level, and gets one row in the transition log (user NULL: the system).
-- Idempotent: a case already supervised is raised again only from a weaker reason to 'overdue'
-- (near_deadline or manual → overdue); running twice writes nothing the second time.
-- Parameters: now (timestamptz), near (interval), clocked (text[]: statuses with a running clock),
-- levels (text[]: grid … county, lowest first), note_overdue / note_near (log notes, translated).
WITH due AS (
  SELECT i.id, i.status AS from_status,
         CASE WHEN i.deadline < %(now)s THEN 'overdue' ELSE 'near_deadline' END AS reason,
         (%(levels)s::text[])[least(coalesce(array_position(%(levels)s::text[], i.responsible_level), 1) + 1,
                                    cardinality(%(levels)s::text[]))] AS above
    FROM layers_incident i
   WHERE i.status = ANY (%(clocked)s::text[])
     AND i.deadline < %(now)s + %(near)s
     FOR UPDATE
), raised AS (
  UPDATE layers_incident i
     SET status = 'supervised', supervision_reason = d.reason, supervised_at = %(now)s,
         supervision_level = d.above, version = i.version + 1
    FROM due d
   WHERE i.id = d.id
     AND (i.status <> 'supervised'
          OR (d.reason = 'overdue' AND i.supervision_reason IS DISTINCT FROM 'overdue'))
  RETURNING i.id, d.from_status, d.reason, d.above
)
INSERT INTO incidents_incidenttransition (incident_id, action, from_status, to_status, user_id, at, note, data)
SELECT r.id, 'supervise', r.from_status, 'supervised', NULL, %(now)s,
       CASE r.reason WHEN 'overdue' THEN %(note_overdue)s ELSE %(note_near)s END,
       jsonb_build_object('auto', true, 'reason', r.reason, 'level', r.above)
  FROM raised r
RETURNING incident_id;
