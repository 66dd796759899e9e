-- Drill-down of one building (layers/api/drilldown.py): its units, by number.
-- Parameter: building (id of a building the caller already found through Building.objects.for_user).
SELECT u.id, u.number
FROM layers_unit u
WHERE u.building_id = %(building)s
ORDER BY u.number
