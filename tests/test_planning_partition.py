"""Automatic grid proposals: planning.partition and planning.quality on generated villages (pure shapely), and
the proposals endpoint / command on the conftest district (real PostGIS)."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from django.core.management import call_command

from bench.planning.village import generate
from planning.metric import Metric
from planning.partition import Graph, components, delaunay_edges, partition
from planning.quality import buildings_split, contiguous, quality

GAP_M2 = 1.0


@dataclass(frozen=True)
class Rule:
    min_households: int
    max_households: int
    min_residents: int
    max_residents: int


RULE = Rule(100, 300, 250, 1000)


@pytest.fixture(scope="module")
def village():
    return generate(blocks=(2, 2), per_block=(8, 8), seed=3)


@pytest.fixture(scope="module")
def result(village):
    return partition(village.footprints, village.households, village.residents, village.area, RULE,
                     village.barriers, seed=7)


def figures(village, result):
    return quality(result.labels, result.regions, village.footprints, village.households, village.residents,
                   village.area, RULE, result.graph, infeasible=result.infeasible_regions())


def test_every_building_is_in_exactly_one_region_and_none_is_split(village, result):
    assert result.labels.shape == (len(village.footprints),)
    assert set(result.labels.tolist()) == set(range(result.k))
    assert result.k > 4  # the village needs several grids per block
    assert buildings_split(village.footprints, result.regions) == 0
    for label, footprint in zip(result.labels.tolist(), village.footprints, strict=True):
        assert result.regions[label].buffer(1e-9).contains(footprint)


def test_regions_are_contiguous_and_within_bounds(village, result):
    q = figures(village, result)
    assert result.problems == []
    assert q["contiguous"] is True
    assert q["within_bounds_share"] == 1.0
    assert RULE.min_households <= q["households_min"] <= q["households_max"] <= RULE.max_households
    assert q["polsby_popper_min"] > 0.2


def test_regions_tile_the_area(village, result):
    m = Metric.around(village.area)
    union = shapely.union_all(result.regions)
    assert m.area_m2(shapely.symmetric_difference(union, village.area)) < GAP_M2
    overlap = sum(m.area_m2(g) for g in result.regions) - m.area_m2(union)
    assert overlap < GAP_M2
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in result.regions)


def test_no_region_spans_a_road_when_every_block_can_hold_grids(village, result):
    for label in range(result.k):
        assert len(set(village.block[result.labels == label].tolist())) == 1
    m = Metric.around(village.area)
    roads = m.to_metres(shapely.union_all(village.barriers))
    for region in result.regions:  # a region's inside never crosses a road (its edge may run along one)
        assert shapely.intersection(m.to_metres(region).buffer(-0.5), roads).length < 0.01


def test_a_block_too_small_for_a_grid_joins_its_neighbour_across_the_road():
    small = generate(blocks=(2, 1), per_block=(3, 3), seed=5)
    total = int(small.households.sum())
    rule = Rule(total // 2 + 1, total * 2, 1, 10**6)  # neither block alone reaches the lower bound
    got = partition(small.footprints, small.households, small.residents, small.area, rule, small.barriers, seed=1)
    assert got.k == 1 and got.problems == []
    assert quality(got.labels, got.regions, small.footprints, small.households, small.residents, small.area,
                   rule, got.graph)["contiguous"]


def test_same_seed_same_labels_and_the_seed_matters(village):
    def run(seed: int) -> np.ndarray:
        return partition(village.footprints, village.households, village.residents, village.area, RULE,
                         village.barriers, seed=seed).labels

    first = run(11)
    assert np.array_equal(first, run(11))
    assert any(not np.array_equal(first, run(seed)) for seed in (12, 13, 14))


def test_infeasible_bounds_are_reported_not_raised(village):
    huge = Rule(10**6, 10**7, 1, 10**8)
    got = partition(village.footprints, village.households, village.residents, village.area, huge, seed=1)
    assert got.k == 1
    assert [p.kind for p in got.problems] == ["isolated_small"]
    assert got.infeasible_regions().tolist() == [True]
    tiny = Rule(1, 5, 1, 20)  # flats of 8+ households exceed the upper bound on their own
    got = partition(village.footprints, village.households, village.residents, village.area, tiny, seed=1)
    over = [p for p in got.problems if p.kind == "building_over_max"]
    assert over and all(village.households[p.figures["building"]] > 5 or village.residents[p.figures["building"]]
                        > 20 for p in over)
    q = quality(got.labels, got.regions, village.footprints, village.households, village.residents, village.area,
                tiny, got.graph, infeasible=got.infeasible_regions())
    assert q["contiguous"] and q["buildings_split"] == 0
    assert q["within_bounds_feasible_share"] >= q["within_bounds_share"]


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_few_or_collinear_buildings(n):
    area = shapely.box(109.0, 32.0, 109.01, 32.01)
    footprints = [shapely.box(109.001 + i * 0.002, 32.005, 109.0015 + i * 0.002, 32.0055) for i in range(n)]
    got = partition(footprints, [60] * n, [150] * n, area, Rule(50, 100, 100, 400), seed=0)
    assert len(got.labels) == n
    assert got.k == max(n, 1)
    m = Metric.around(area)
    assert m.area_m2(shapely.symmetric_difference(shapely.union_all(got.regions), area)) < GAP_M2
    if n:
        assert contiguous(got.labels, got.graph) and buildings_split(footprints, got.regions) == 0


def test_graph_helpers():
    xy = np.array([[0, 0], [1, 0], [2, 0], [2, 0], [0, 1]], float)  # two equal points, otherwise a triangle
    u, v = delaunay_edges(xy)
    assert len(np.unique(components(5, u, v))) == 1
    assert (2, 3) in set(zip(u.tolist(), v.tolist(), strict=True))
    assert components(4, np.array([0, 2]), np.array([1, 3])).tolist() == [0, 0, 1, 1]
    labels = np.array([0, 0, 1, 1])
    assert contiguous(labels, Graph(4, np.array([0, 1, 2]), np.array([1, 2, 3])))
    assert not contiguous(np.array([0, 1, 0, 1]), Graph(4, np.array([0, 1, 2]), np.array([1, 2, 3])))


# ---------------------------------------------------------------- the endpoint and the command on the district

URL = "/api/planning/proposals/"


@pytest.fixture
def crowded(district):
    """Village 1 with 30 small buildings of 4 households / 10 residents each (plus the fixture's own)."""
    from layers.models import Building, Household, Resident
    from tests.conftest import box, make_id_number

    houses = []
    for i in range(30):
        x, y = 114.06 + (i % 6) * 0.012, 30.06 + (i // 6) * 0.015
        houses.append(Building(code=f"P{i:02d}", village=district.village1,
                               footprint=box(x, y, x + 0.0002, y + 0.0002)))
    Building.objects.bulk_create(houses)
    Building.objects.assign_grids()
    for i, building in enumerate(Building.objects.filter(code__startswith="P").order_by("code")):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=i)  # a birth date no other fixture resident has
        for room in range(4):
            household = Household.objects.create(code=f"{building.code}-{room}", building=building, floor=1,
                                                 room=f"1{room:02d}")
            Resident.objects.bulk_create([
                Resident(household=household, name="测试", sex="F", birth_date=born,
                         id_number=make_id_number("420102", born, room * 4 + j))
                for j in range(2 + room % 2)])
    return district


def post(api, user: str, body: dict):
    return api(user).post(URL, body, format="json")


@pytest.mark.django_db
def test_proposal_for_a_village_is_a_replace_op_the_preview_accepts(crowded, api):
    rule = {"min_households": 20, "max_households": 60, "min_residents": 40, "max_residents": 200}
    response = post(api, "village1", {"parent": "420102001001", "seed": 3, "rule": rule})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["op"] == "replace" and data["params"]["parent"] == "420102001001"
    q = data["quality"]
    assert q["grids"] == len(data["params"]["grids"]) >= 2
    assert q["contiguous"] is True and q["buildings_split"] == 0 and q["within_bounds_share"] == 1.0
    for key in ("polsby_popper_mean", "polsby_popper_min", "households_min", "households_max", "households_cv",
                "boundary_length_m", "within_bounds_share"):
        assert key in q
    assert data["seconds"] >= 0
    grids = data["params"]["grids"]
    assert all(g["geometry"]["type"] == "MultiPolygon" and g["name"] for g in grids)
    again = post(api, "village1", {"parent": "420102001001", "seed": 3, "rule": rule}).json()
    assert again["params"] == data["params"]
    preview = api("village1").post("/api/planning/preview/", {"op": data["op"], "params": data["params"]},
                                   format="json")
    assert preview.status_code == 200, preview.content
    assert [c for c in preview.json()["checks"] if c["level"] == "error"] == []


@pytest.mark.django_db
def test_proposal_for_one_leaf_grid(crowded, api):
    response = post(api, "admin", {"parent": crowded.grid11.code, "rule": {"min_households": 10,
                                                                           "max_households": 30,
                                                                           "min_residents": 1}})
    assert response.status_code == 200, response.content
    assert response.json()["params"]["parent"] == crowded.grid11.code
    assert response.json()["quality"]["grids"] >= 2


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "status"), [
    ({"parent": "nonsense"}, 400),
    ({}, 400),
    ({"parent": "420102001000"}, 400),  # a town: level-1 grids belong to a village
    ({"parent": "420102001001", "seed": "x"}, 400),
    ({"parent": "420102001001", "rule": {"min_households": -1}}, 400),
    ({"parent": "420102001001", "rule": {"min_households": 50, "max_households": 10}}, 400),
    ({"parent": "420102001001", "barriers": {"type": "Point", "coordinates": [114.1, 30.1]}}, 400),
    ({"parent": "420102002001"}, 404),  # the other town's village
    ({"parent": "420102001009"}, 404),  # no such village
])
def test_bad_requests(district, api, body, status):
    response = post(api, "town1", body)
    assert response.status_code == status, response.content
    assert "detail" in response.json()


@pytest.mark.django_db
def test_roles_that_may_not_plan_get_403(district, api):
    assert post(api, "worker11", {"parent": "420102001001"}).status_code == 403
    assert post(api, "viewer1", {"parent": "420102001001"}).status_code == 403


@pytest.mark.django_db
def test_barriers_are_accepted_as_a_feature_collection(crowded, api):
    line = {"type": "Feature", "properties": {},
            "geometry": {"type": "LineString", "coordinates": [[114.0995, 30.04], [114.0995, 30.16]]}}
    rule = {"min_households": 20, "max_households": 60, "min_residents": 40, "max_residents": 200}
    response = post(api, "admin", {"parent": "420102001001", "rule": rule,
                                   "barriers": {"type": "FeatureCollection", "features": [line]}})
    assert response.status_code == 200, response.content
    for grid in response.json()["params"]["grids"]:
        inner = shapely.geometry.shape(grid["geometry"]).buffer(-1e-5)
        assert inner.intersection(shapely.geometry.shape(line["geometry"])).length < 1e-9


@pytest.mark.django_db
def test_propose_grids_command(crowded, tmp_path):
    out = io.StringIO()
    path = tmp_path / "proposal.json"
    call_command("propose_grids", "420102001001", "--seed", "2", "--json", str(path), stdout=out)
    assert "420102001001:" in out.getvalue() and "contiguous True" in out.getvalue()
    assert json.loads(path.read_text(encoding="utf-8"))["op"] == "replace"
