-- The due sweep rounds of one level for one period: one per division of that level, each with a copy of
-- the level's active checklist lines. Idempotent: a division that already has a round for this period
-- start is skipped by the unique (division, period start) constraint.
-- Bound: level, period_start, period_end, due.
WITH created AS (
    INSERT INTO sweeps_sweepround (division_id, level, period_start, period_end, due, status)
    SELECT d.id, d.level, %(period_start)s, %(period_end)s, %(due)s, 'open'
    FROM layers_division d
    WHERE d.level = %(level)s
    ON CONFLICT (division_id, period_start) DO NOTHING
    RETURNING id
), items AS (
    INSERT INTO sweeps_rounditem (round_id, position, label, category)
    SELECT c.id, t.position, t.label, t.category
    FROM created c
    CROSS JOIN sweeps_checklistitem t
    WHERE t.level = %(level)s AND t.active
    RETURNING id
)
SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM items)
