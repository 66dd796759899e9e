-- Drill-down of one building (layers/api/drilldown.py): the residents of its households, by id
-- (within a household this is Resident.Meta.ordering). Personal data is masked in Python
-- (layers/api/masking.py) before it leaves the server.
-- Parameter: households (ids returned by building_households.sql).
SELECT r.household_id, r.id, r.name, r.sex, r.birth_date, r.id_number, r.phone, r.relation,
       r.residence_type, r.care_tags
FROM layers_resident r
WHERE r.household_id = ANY(%(households)s)
ORDER BY r.id
