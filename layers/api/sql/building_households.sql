-- Drill-down of one building (layers/api/drilldown.py): the households of its units and the households
-- of the building without a unit, by floor then room (within a unit this is Household.Meta.ordering).
-- Parameters: building (id, already scoped by Building.objects.for_user); units (its unit ids).
-- unit_id is NULL for a household without a unit.
SELECT h.id, h.unit_id, h.code, h.floor, h.room, h.tier
FROM layers_household h
WHERE h.unit_id = ANY(%(units)s)
   OR (h.building_id = %(building)s AND h.unit_id IS NULL)
ORDER BY h.floor, h.room
