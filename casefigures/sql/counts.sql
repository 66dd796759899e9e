-- The count figures, handling times and rates' parts of an area's cases reported in a period,
-- per child area (the first child_len digits of the case's grid code) and for the whole area
-- (the row whose child is NULL), in one scan. Definitions: casefigures/definitions.py; each
-- FILTER here has its twin in the /api/incidents/ filters named by definitions.COUNTS.
-- Parameters: prefix (code prefix, '' = every gridded case), child_len, period_start/period_end
-- (half-open), now (for overdue), and the status/satisfaction sets of definitions.SQL_SETS.
WITH cohort AS (
    SELECT left(g.code, %(child_len)s) AS child, i.status, i.category, i.satisfaction,
           i.reported_at, i.deadline, i.closed_at,
           i.status = ANY(%(resolved)s) AS is_resolved,
           (i.category = %(dispute)s OR i.category LIKE %(dispute)s::text || '/%%') AS is_dispute
    FROM layers_incident i
    JOIN layers_grid g ON g.id = i.grid_id
    WHERE g.code LIKE %(prefix)s::text || '%%'
      AND i.reported_at >= %(period_start)s AND i.reported_at < %(period_end)s
)
SELECT CASE WHEN grouping(child) = 1 THEN NULL ELSE child END AS child,
       count(*) AS total,
       count(*) FILTER (WHERE status = ANY(%(due)s)) AS due,
       count(*) FILTER (WHERE is_resolved) AS resolved,
       -- on time: closed by the deadline, or no deadline to miss
       count(*) FILTER (WHERE is_resolved AND closed_at IS NOT NULL
                          AND (deadline IS NULL OR closed_at <= deadline)) AS on_time,
       count(*) FILTER (WHERE is_resolved AND closed_at > deadline) AS late,
       -- open with the clock running and past the deadline (the ?overdue=1 list filter)
       count(*) FILTER (WHERE status = ANY(%(clocked)s) AND deadline < %(now)s) AS overdue,
       count(*) FILTER (WHERE is_dispute AND status = ANY(%(due)s)) AS disputes,
       count(*) FILTER (WHERE is_dispute AND is_resolved) AS disputes_resolved,
       count(*) FILTER (WHERE satisfaction = ANY(%(followed_up)s)) AS followed_up,
       count(*) FILTER (WHERE satisfaction = ANY(%(satisfied)s)) AS satisfied,
       -- handling time in hours over the resolved cases
       avg(extract(epoch FROM closed_at - reported_at) / 3600.0)
           FILTER (WHERE is_resolved AND closed_at IS NOT NULL) AS mean_hours,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at) / 3600.0)
           FILTER (WHERE is_resolved AND closed_at IS NOT NULL) AS p90_hours
FROM cohort
GROUP BY GROUPING SETS ((child), ())
