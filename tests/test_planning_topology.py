"""The pure geometry of planning (planning/topology.py, checks.py, metric.py): no database needed."""

from __future__ import annotations

import math

import pytest
import shapely
from django.utils import translation
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geo_governance.errors import BadInput
from planning import topology
from planning.checks import ERROR, WARNING, Limits, check_layout, clipped
from planning.metric import Metric

# A village of 0.01° × 0.01° (~960 m × 1,110 m at 30°N) with a west and an east grid sharing lon 114.005.
PARENT = box(114.000, 30.000, 114.010, 30.010)
WEST, EAST = "420102001001001", "420102001001002"
LIMITS = Limits(min_area_m2=500, max_vertices=5000, gap_m2=1.0)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def layout() -> topology.Layout:
    return {WEST: topology.as_multi(box(114.000, 30.000, 114.005, 30.010)),
            EAST: topology.as_multi(box(114.005, 30.000, 114.010, 30.010))}


def area_m2(geometry) -> float:
    return Metric.around(PARENT).area_m2(geometry)


def assert_tiles_parent(result: topology.Layout) -> None:
    keys = list(result)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert area_m2(shapely.intersection(result[a], result[b])) < 0.01, (a, b)
    assert area_m2(shapely.symmetric_difference(shapely.union_all(list(result.values())), PARENT)) < 0.01


def test_metric_matches_the_ellipsoid_scale():
    metric = Metric.around(PARENT)
    # One degree of latitude at 30°N is 110,852 m; of longitude 96,486 m (WGS84).
    assert metric.scale[1] == pytest.approx(110_852, rel=1e-4)
    assert metric.scale[0] == pytest.approx(96_486, rel=1e-4)
    assert metric.area_m2(PARENT) == pytest.approx(0.01 * 96_486 * 0.01 * 110_852, rel=1e-3)
    square = metric.from_metres(box(0, 0, 100, 100))
    assert metric.area_m2(square) == pytest.approx(10_000, rel=1e-9)
    assert metric.length_m(square.exterior) == pytest.approx(400, rel=1e-9)


def test_moving_a_shared_edge_moves_it_for_both_grids():
    moved_west = box(114.000, 30.000, 114.006, 30.010)  # the west grid takes 0.001° from the east one
    result = topology.reshape(layout(), WEST, moved_west, PARENT, snap_m=1.0)
    assert shapely.equals(result[EAST], box(114.006, 30.000, 114.010, 30.010))
    assert_tiles_parent(result)


def test_released_area_goes_to_the_neighbour_that_borders_it():
    shrunk_west = box(114.000, 30.000, 114.004, 30.010)
    result = topology.reshape(layout(), WEST, shrunk_west, PARENT, snap_m=1.0)
    assert shapely.equals(result[EAST], box(114.004, 30.000, 114.010, 30.010))
    assert_tiles_parent(result)


def test_released_area_on_the_parent_edge_only_becomes_a_reported_gap():
    three = {**layout(), "x": topology.as_multi(box(114.000, 30.000, 114.001, 30.001))}
    three[WEST] = topology.as_multi(shapely.difference(three[WEST], three["x"]))
    # "x" gives up its corner: it touches WEST along two edges, so WEST gets it, no gap
    result = topology.reshape(three, "x", box(114.0005, 30.0005, 114.001, 30.001), PARENT, snap_m=1.0)
    assert topology.gaps(PARENT, result, 1.0) == []
    # a hole punched in the middle of a grid touches no neighbour: it stays a gap, and is reported
    holed = Polygon(PARENT.exterior.coords, [box(114.008, 30.004, 114.009, 30.005).exterior.coords])
    lone = {"only": topology.as_multi(PARENT)}
    result = topology.reshape(lone, "only", holed, PARENT, snap_m=1.0)
    assert len(topology.gaps(PARENT, result, 1.0)) == 1
    findings = check_layout(PARENT, lone, result, LIMITS)
    assert [(f.level, f.check) for f in findings] == [(WARNING, "gap")]


def test_a_vertex_drawn_near_the_neighbours_edge_snaps_onto_it():
    # the drawn edge misses the shared border by ~0.5 m (5e-6°): without snapping this is a sliver
    near = box(114.000, 30.000, 114.005 - 5e-6, 30.010)
    result = topology.reshape(layout(), WEST, near, PARENT, snap_m=1.0)
    assert shapely.equals(result[WEST], layout()[WEST])
    assert shapely.equals(result[EAST], layout()[EAST])


def test_reshape_never_reaches_outside_the_parent():
    result = topology.reshape(layout(), WEST, box(113.990, 30.000, 114.005, 30.010), PARENT, snap_m=1.0)
    assert shapely.equals(result[WEST], layout()[WEST])
    with pytest.raises(BadInput):
        topology.reshape(layout(), WEST, box(113.0, 30.0, 113.1, 30.1), PARENT, snap_m=1.0)


def test_split_by_a_line_gives_pieces_largest_first():
    line = LineString([(113.999, 30.003), (114.006, 30.003)])  # crosses the west grid only
    pieces = topology.split(layout(), WEST, line, snap_m=1.0)
    assert len(pieces) == 2
    assert pieces[0].area > pieces[1].area
    assert shapely.equals(shapely.union_all(pieces), layout()[WEST])
    with pytest.raises(BadInput, match="完整穿过"):
        topology.split(layout(), WEST, LineString([(114.001, 30.003), (114.002, 30.003)]), snap_m=1.0)
    with pytest.raises(BadInput):
        topology.split(layout(), WEST, Point(114.001, 30.003), snap_m=1.0)


def test_merge_needs_neighbours():
    merged = topology.merge(layout(), [WEST, EAST])
    assert shapely.equals(merged, PARENT)
    apart = {"a": topology.as_multi(box(0, 0, 0.001, 0.001)), "b": topology.as_multi(box(0.002, 0, 0.003, 0.001))}
    with pytest.raises(BadInput, match="相邻"):
        topology.merge(apart, ["a", "b"])
    with pytest.raises(BadInput):
        topology.merge(layout(), [WEST])
    with pytest.raises(BadInput):
        topology.merge(layout(), [WEST, "420102001001099"])


def test_carve_a_new_grid_out_of_both():
    result = topology.carve(layout(), box(114.004, 30.004, 114.006, 30.006), PARENT, snap_m=1.0)
    assert set(result) == {WEST, EAST, "new-1"}
    assert_tiles_parent(result)
    assert check_layout(PARENT, layout(), result, LIMITS) == []


def test_checks_name_the_problem_and_block_only_changed_grids():
    before = layout()
    overlapping = {**before, EAST: topology.as_multi(box(114.004, 30.000, 114.010, 30.010))}
    findings = check_layout(PARENT, before, overlapping, LIMITS)
    assert ("error", "overlap") in {(f.level, f.check) for f in findings}
    # the same overlap in grids the edit did not touch is an old flaw: a warning
    findings = check_layout(PARENT, overlapping, overlapping, LIMITS)
    assert {(f.level, f.check) for f in findings} == {(WARNING, "overlap")}

    outside = {**before, EAST: topology.as_multi(box(114.005, 30.000, 114.011, 30.010))}
    assert "inside_parent" in {f.check for f in check_layout(PARENT, before, outside, LIMITS) if f.level == ERROR}

    tiny = topology.carve(before, box(114.001, 30.001, 114.0011, 30.0011), PARENT, snap_m=0.1)
    found = {f.check: f for f in check_layout(PARENT, before, tiny, LIMITS)}
    assert found["min_area"].level == ERROR and found["min_area"].grids == ("new-1",)

    wiggly = Polygon([(114.005 + 0.002 * math.cos(t / 6000 * 2 * math.pi),
                       30.005 + 0.002 * math.sin(t / 6000 * 2 * math.pi)) for t in range(6000)])
    found = {f.check for f in check_layout(PARENT, before, topology.carve(before, wiggly, PARENT, 0.1), LIMITS)}
    assert "vertices" in found

    emptied = {**before, EAST: MultiPolygon()}
    assert "empty" in {f.check for f in check_layout(PARENT, before, emptied, LIMITS)}


def test_a_finding_serialises_to_geojson():
    before = layout()
    after = {**before, EAST: topology.as_multi(box(114.004, 30.000, 114.010, 30.010))}
    finding = next(f for f in check_layout(PARENT, before, after, LIMITS) if f.check == "overlap")
    body = finding.as_dict()
    assert body["grids"] == [WEST, EAST]
    assert body["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert "重叠" in body["message"]


def test_a_neighbour_grazed_by_less_than_a_sliver_keeps_its_exact_area():
    # the drawn west grid overlaps the east one by 5e-9° (~0.5 mm, 0.5 m²) along their edge: snapping noise, not
    # an edit of the east grid, which must come back byte-identical (no new revision for a grid nobody moved)
    before = layout()
    drawn = box(114.000, 30.000, 114.005 + 5e-9, 30.010)
    result = topology.reshape(before, WEST, drawn, PARENT, snap_m=0.0001)
    assert shapely.equals_exact(result[EAST], before[EAST], 0)
    assert area_m2(shapely.intersection(result[WEST], result[EAST])) < 1e-6
    # a real move of the edge still changes both
    moved = topology.reshape(before, WEST, box(114.000, 30.000, 114.0051, 30.010), PARENT, snap_m=0.0001)
    assert not shapely.equals(moved[EAST], before[EAST])


def test_a_drawing_that_repairs_to_mixed_dimensions_is_measured_by_its_polygons():
    # a ring that runs back along itself repairs to a polygon plus a line; the clipped warning must measure
    # the polygonal part (a mixed-dimension overlay raised a GEOS error: a 500 in the editor)
    drawn = Polygon([(113.999, 30.001), (114.004, 30.001), (114.004, 30.004), (113.999, 30.004), (113.999, 30.001),
                     (113.990, 30.001), (113.999, 30.001)])
    assert shapely.make_valid(drawn).geom_type == "GeometryCollection"
    found = clipped(drawn, PARENT, LIMITS, WEST)
    assert [(f.level, f.check, f.grids) for f in found] == [(WARNING, "clipped", (WEST,))]
    assert clipped(box(114.001, 30.001, 114.002, 30.002), PARENT, LIMITS, WEST) == []
