"""Property tests of grid boundary planning: random villages, random edit sequences, invariants after each step.

Pure layer (planning/topology.py + planning/checks.py, no database): a parent area (a box or an irregular
convex polygon) is tiled into 2-6 sibling grids by random cuts, scattered with small buildings (some
placed on grid borders), then edited by 1-8 random reshapes (move, add or remove an outline vertex, often
one on a shared edge), splits, merges and carves. Edits the code rightly refuses (BadInput, or an
error-level check such as min_area / empty / vertices) leave the layout as it was; every layout the
topology produces, committable or not, must keep the invariants checked in `assert_invariants`.
The reference measures here are computed with plain shapely, independently of the code under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
import shapely
from django.utils import translation
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from geo_governance.errors import BadInput
from planning import topology
from planning.checks import ERROR, Limits, check_layout
from planning.metric import Metric

ORIGIN = Metric(114.0, 30.0)  # villages are drawn in metres around this point, then turned into lon/lat
LIMITS = Limits(min_area_m2=500, max_vertices=5000, gap_m2=1.0)
SNAP_M = 1.0
REFUSED_CHECKS = {"min_area", "empty", "vertices"}  # error checks an edit may rightly fail; others are bugs
NOISE_M2 = 1.0  # overlaps / gaps / overhangs below this are digitising noise by contract (GEOGOV_PLANNING_GAP_M2)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@dataclass
class Village:
    parent: Polygon
    layout: topology.Layout
    buildings: dict[str, Polygon]

    @property
    def metric(self) -> Metric:
        return Metric.around(self.parent)

    def m2(self, geometry: BaseGeometry) -> float:
        return self.metric.area_m2(geometry)


def degrees(geometry: BaseGeometry) -> BaseGeometry:
    return ORIGIN.from_metres(geometry)


# ---------------------------------------------------------------- village strategy

@st.composite
def parents(draw) -> Polygon:
    """A box or an irregular convex polygon of roughly 0.3-1.5 km across, in lon/lat."""
    if draw(st.booleans()):
        width, height = draw(st.integers(400, 1500)), draw(st.integers(400, 1500))
        return degrees(box(0, 0, width, height))
    n = draw(st.integers(5, 9))
    angles = sorted(draw(st.lists(st.integers(0, 359), min_size=n, max_size=n, unique=True)))
    radii = draw(st.lists(st.integers(300, 800), min_size=n, max_size=n))
    points = [(r * math.cos(math.radians(a)), r * math.sin(math.radians(a)))
              for a, r in zip(angles, radii, strict=True)]
    hull = shapely.convex_hull(shapely.MultiPoint(points))
    assume(hull.geom_type == "Polygon" and hull.area > 100_000)
    return degrees(hull)


def half_plane(point: Point, angle_deg: float, reach: float) -> Polygon:
    """The side left of a line through `point` at `angle_deg`, as a big polygon (reach in degrees)."""
    dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    nx, ny = -dy, dx
    x, y = point.x, point.y
    a, b = (x - dx * reach, y - dy * reach), (x + dx * reach, y + dy * reach)
    return Polygon([a, b, (b[0] + nx * reach, b[1] + ny * reach), (a[0] + nx * reach, a[1] + ny * reach)])


def point_in(draw, geometry: BaseGeometry) -> Point:
    """A point of the geometry's bounding box pulled towards its inside."""
    minx, miny, maxx, maxy = geometry.bounds
    fx, fy = draw(st.floats(0.1, 0.9)), draw(st.floats(0.1, 0.9))
    candidate = Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
    return candidate if geometry.contains(candidate) else geometry.representative_point()


@st.composite
def villages(draw) -> Village:
    parent = shapely.set_precision(draw(parents()), topology.PRECISION)
    metric = Metric.around(parent)
    pieces = [parent]
    wanted = draw(st.integers(2, 6))
    for _ in range(30):
        if len(pieces) >= wanted:
            break
        i = max(range(len(pieces)), key=lambda k: pieces[k].area)  # cut the largest piece: grids stay sizeable
        piece = pieces[i]
        side = half_plane(point_in(draw, piece), draw(st.integers(0, 179)), reach=1.0)
        left = topology.as_multi(shapely.intersection(piece, side, grid_size=topology.PRECISION))
        right = topology.as_multi(shapely.difference(piece, side, grid_size=topology.PRECISION))
        if min(metric.area_m2(left), metric.area_m2(right)) < 5 * LIMITS.min_area_m2:
            continue
        pieces[i:i + 1] = [left, right]
    assume(len(pieces) >= 2)
    layout = {f"g{k + 1:02d}": topology.as_multi(piece) for k, piece in enumerate(pieces)}
    if draw(st.booleans()):  # an old flaw: a patch of the parent no grid covers (inside, or on the edge)
        centre = metric.to_metres(point_in(draw, parent) if draw(st.booleans())
                                  else parent.boundary.interpolate(draw(st.floats(0, 1)), normalized=True))
        hole = metric.from_metres(centre.buffer(draw(st.integers(5, 60)), quad_segs=2))
        layout = {key: topology.as_multi(shapely.difference(g, hole, grid_size=topology.PRECISION))
                  for key, g in layout.items()}
        assume(all(metric.area_m2(g) > 5 * LIMITS.min_area_m2 for g in layout.values()))

    buildings: dict[str, Polygon] = {}
    for k in range(draw(st.integers(4, 14))):
        if draw(st.booleans()):  # on a grid's outline: a building cut by a border (or the parent's edge)
            grid = layout[draw(st.sampled_from(sorted(layout)))]
            centre = grid.boundary.interpolate(draw(st.floats(0, 1)), normalized=True)
        else:
            centre = point_in(draw, parent)
        w, h = draw(st.integers(8, 40)), draw(st.integers(8, 40))
        centre_m = metric.to_metres(centre)
        footprint = box(centre_m.x - w / 2, centre_m.y - h / 2, centre_m.x + w / 2, centre_m.y + h / 2)
        buildings[f"B{k:02d}"] = metric.from_metres(footprint)
    return Village(parent, layout, buildings)


# ---------------------------------------------------------------- edits: drawn as an op and its params (shapely)

class NotApplicable(Exception):
    """The drawn edit makes no sense on this layout (a triangle losing a vertex, a merge of one grid)."""


@dataclass
class Edit:
    op: str  # an op of planning/ops.py: reshape, split, merge, create
    params: dict  # geometries as shapely; codes as the layout's keys
    label: str


def outline(geometry: BaseGeometry) -> list[tuple[float, float]]:
    """The exterior ring of a grid's largest part, without the closing point."""
    largest = max(topology.polygons(geometry), key=lambda p: p.area)
    return list(largest.exterior.coords)[:-1]


def with_outline(geometry: BaseGeometry, ring: list[tuple[float, float]]) -> BaseGeometry:
    """The grid with its largest part's exterior replaced by `ring` (holes and other parts kept)."""
    parts = sorted(topology.polygons(geometry), key=lambda p: -p.area)
    head = Polygon(ring, [interior.coords for interior in parts[0].interiors])
    return MultiPolygon([head, *parts[1:]])


def draw_reshape(draw, v: Village) -> Edit:
    """Move, add or remove one vertex of a grid's outline (half the time one on a shared edge)."""
    code = draw(st.sampled_from(sorted(v.layout)))
    ring = outline(v.layout[code])
    others = shapely.union_all([g.boundary for key, g in v.layout.items() if key != code])
    shared = [i for i, xy in enumerate(ring) if others.distance(Point(xy)) < 1e-8]
    kind = draw(st.sampled_from(["move", "add", "remove"]))
    pool = shared if shared and draw(st.booleans()) else list(range(len(ring)))
    i = draw(st.sampled_from(pool))
    metric = v.metric
    x, y = metric.to_metres(Point(ring[i])).coords[0]
    if kind == "move":
        dx, dy = draw(st.integers(-120, 120)), draw(st.integers(-120, 120))
        ring[i] = metric.from_metres(Point(x + dx, y + dy)).coords[0]
    elif kind == "add":
        nxt = metric.to_metres(Point(ring[(i + 1) % len(ring)])).coords[0]
        mx, my = (x + nxt[0]) / 2, (y + nxt[1]) / 2
        dx, dy = draw(st.integers(-120, 120)), draw(st.integers(-120, 120))
        ring.insert(i + 1, metric.from_metres(Point(mx + dx, my + dy)).coords[0])
    else:
        if len(ring) <= 3:
            raise NotApplicable
        del ring[i]
    return Edit("reshape", {"code": code, "geometry": with_outline(v.layout[code], ring)},
                f"reshape {kind} {code}[{i}]")


def draw_split(draw, v: Village) -> Edit:
    """A straight line through a point of a grid, at any angle, reaching well past it."""
    code = draw(st.sampled_from(sorted(v.layout)))
    through = point_in(draw, v.layout[code])
    angle = math.radians(draw(st.integers(0, 179)))
    reach = 0.05  # degrees: well across any grid of a village
    line = LineString([(through.x - reach * math.cos(angle), through.y - reach * math.sin(angle)),
                       (through.x + reach * math.cos(angle), through.y + reach * math.sin(angle))])
    return Edit("split", {"code": code, "line": line}, f"split {code}")


def draw_merge(draw, v: Village) -> Edit:
    if len(v.layout) < 2:
        raise NotApplicable
    codes = draw(st.lists(st.sampled_from(sorted(v.layout)), min_size=2, max_size=3, unique=True))
    return Edit("merge", {"codes": codes}, f"merge {codes}")


def draw_carve(draw, v: Village) -> Edit:
    """A new convex-ish polygon of 20-300 m radius inside the parent or across its edge."""
    metric = v.metric
    centre = metric.to_metres(point_in(draw, v.parent) if draw(st.booleans())
                              else v.parent.boundary.interpolate(draw(st.floats(0, 1)), normalized=True))
    n = draw(st.integers(3, 7))
    angles = sorted(draw(st.lists(st.integers(0, 359), min_size=n, max_size=n, unique=True)))
    radii = draw(st.lists(st.integers(20, 300), min_size=n, max_size=n))
    ring = [(centre.x + r * math.cos(math.radians(a)), centre.y + r * math.sin(math.radians(a)))
            for a, r in zip(angles, radii, strict=True)]
    return Edit("create", {"geometry": metric.from_metres(Polygon(ring))}, "create")


DRAWS = {"reshape": draw_reshape, "split": draw_split, "merge": draw_merge, "create": draw_carve}


# ---------------------------------------------------------------- the pure appliers: the layout an edit gives

def apply_reshape(v: Village, p: dict) -> topology.Layout:
    return topology.reshape(v.layout, p["code"], p["geometry"], v.parent, SNAP_M)


def apply_split(v: Village, p: dict) -> topology.Layout:
    grid = v.layout[p["code"]]
    pieces = topology.split(v.layout, p["code"], p["line"], SNAP_M)
    assert v.m2(shapely.symmetric_difference(shapely.union_all(pieces), grid)) < NOISE_M2, "split lost area"
    assert all(a.area >= b.area for a, b in zip(pieces, pieces[1:], strict=False)), "pieces not largest first"
    result = {key: g for key, g in v.layout.items() if key != p["code"]}
    result[p["code"]] = pieces[0]
    for piece in pieces[1:]:
        result[topology.new_key(result)] = piece
    return result


def apply_merge(v: Village, p: dict) -> topology.Layout:
    codes = p["codes"]
    merged = topology.merge(v.layout, codes, SNAP_M)
    total = sum(v.m2(v.layout[c]) for c in codes)
    assert v.m2(merged) == pytest.approx(total, abs=NOISE_M2), "merge lost or gained area"
    result = {key: g for key, g in v.layout.items() if key not in codes[1:]}
    result[codes[0]] = merged
    return result


def apply_carve(v: Village, p: dict) -> topology.Layout:
    return topology.carve(v.layout, p["geometry"], v.parent, SNAP_M)


APPLY = {"reshape": apply_reshape, "split": apply_split, "merge": apply_merge, "create": apply_carve}


# ---------------------------------------------------------------- invariants

def assert_invariants(v: Village, before: topology.Layout, after: topology.Layout) -> list:
    """What must hold of any layout the topology hands back; returns check_layout's findings."""
    metric = v.metric
    for key, geometry in after.items():
        assert isinstance(geometry, MultiPolygon), (key, geometry.geom_type)
        assert geometry.is_empty or shapely.is_valid(geometry), (key, shapely.is_valid_reason(geometry))

    keys = sorted(after)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            overlap = metric.area_m2(shapely.intersection(after[a], after[b]))
            assert overlap <= NOISE_M2, f"{a} and {b} overlap by {overlap:.3f} m²"

    findings = check_layout(v.parent, before, after, LIMITS)
    errors = {f.check for f in findings if f.level == ERROR}
    assert errors <= REFUSED_CHECKS, f"topology produced a layout failing {errors - REFUSED_CHECKS}"

    covered = shapely.union_all([g for g in after.values() if not g.is_empty])
    reported = [f.geometry for f in findings if f.check in ("gap", "gap_existing")]
    reported_union = shapely.union_all(reported) if reported else Polygon()
    # every hole in the coverage beyond the threshold is reported
    for hole in topology.polygons(shapely.difference(v.parent, covered)):
        unreported = metric.area_m2(shapely.difference(hole, reported_union))
        assert unreported <= NOISE_M2, f"a gap of {metric.area_m2(hole):.2f} m² is not reported ({unreported:.2f})"
    # the children plus the reported gaps are the parent: nothing outside it, nothing of it left out
    whole = shapely.union_all([covered, reported_union])
    outside = metric.area_m2(shapely.difference(whole, v.parent))
    missing = metric.area_m2(shapely.difference(v.parent, whole))
    assert outside <= NOISE_M2, f"grids reach {outside:.2f} m² outside the parent"
    assert missing <= NOISE_M2 * max(1, len(topology.polygons(shapely.difference(v.parent, whole)))), \
        f"{missing:.2f} m² of the parent is neither in a grid nor a reported gap"
    # reported gaps are really uncovered
    for gap in reported:
        assert metric.area_m2(shapely.intersection(gap, covered)) <= NOISE_M2, "a reported gap lies in a grid"

    assert_buildings_assigned(v, after, reported_union)
    return findings


def larger_share(footprint: BaseGeometry, layout: topology.Layout) -> tuple[str | None, dict[str, float]]:
    """The grid a building goes to: largest share of its footprint, ties by code (the assign_grids rule)."""
    area = footprint.area
    shares = {key: shapely.intersection(footprint, g).area / area for key, g in layout.items() if not g.is_empty}
    shares = {key: share for key, share in shares.items() if share > 0}
    best = min(shares, key=lambda key: (-shares[key], key), default=None)
    return best, shares


def assert_buildings_assigned(v: Village, layout: topology.Layout, reported_gaps: BaseGeometry) -> None:
    """Each footprint is partitioned among grids, gaps and the outside: so it goes to exactly one grid."""
    for code, footprint in v.buildings.items():
        best, shares = larger_share(footprint, layout)
        inside = shapely.intersection(footprint, v.parent).area / footprint.area
        in_gaps = shapely.intersection(footprint, reported_gaps).area / footprint.area
        tolerance = NOISE_M2 * 2 / v.m2(footprint)
        assert sum(shares.values()) <= inside + tolerance, f"{code} counted twice: {shares}"
        assert sum(shares.values()) + in_gaps == pytest.approx(inside, abs=tolerance), \
            f"{code}: shares {shares} + gaps {in_gaps:.4f} != inside {inside:.4f}"
        if inside - in_gaps > tolerance:
            assert best is not None, f"{code} lies in the parent but in no grid"
            assert shares[best] == max(shares.values()), (code, best, shares)


def assert_locality(v: Village, before: topology.Layout, after: topology.Layout, edit: Edit) -> None:
    """A reshape or create changes only grids that touch the old or the drawn area (within the snap distance)."""
    drawn = edit.params.get("geometry")
    if drawn is None:
        return
    code = edit.params.get("code")
    tolerance = v.metric.degrees(SNAP_M) * 2
    reach = shapely.union_all([shapely.make_valid(drawn), before.get(code, Polygon())]).buffer(tolerance)
    for key, geometry in before.items():
        if key in after and key != code and not geometry.intersects(reach):
            assert shapely.equals(after[key], geometry), f"{key} changed though it touches nothing of the edit"


def assert_gaps_only_where_nobody_borders(v: Village, edit: Edit, after: topology.Layout, findings: list) -> None:
    """Only a reshape may open a new gap, and only where no other grid borders the released piece."""
    fresh = [f.geometry for f in findings if f.check == "gap"]
    if edit.op != "reshape":
        assert not fresh, f"{edit.op} opened {len(fresh)} new gap(s)"
        return
    tolerance = v.metric.degrees(0.01)
    for gap in fresh:
        for key, geometry in after.items():
            if key == edit.params["code"]:
                continue
            border = v.metric.length_m(shapely.intersection(gap.boundary, geometry.buffer(tolerance)))
            assert border < 0.5, f"a new gap shares {border:.1f} m of border with {key}, which should have got it"


def assert_drawn_area_kept(v: Village, after: topology.Layout, edit: Edit) -> None:
    """The reshaped grid is what was drawn (inside the parent), up to snapping along its outline."""
    drawn = topology.as_multi(shapely.intersection(shapely.make_valid(edit.params["geometry"]), v.parent))
    moved = v.m2(shapely.symmetric_difference(after[edit.params["code"]], drawn))
    allowance = v.metric.length_m(drawn.boundary) * SNAP_M + NOISE_M2
    assert moved <= allowance, f"the reshaped grid differs from the drawn area by {moved:.1f} m² (> {allowance:.1f})"


def draw_edit(data, village: Village, step: int) -> Edit | None:
    op = data.draw(st.sampled_from(sorted(DRAWS)), label=f"op {step}")
    try:
        return DRAWS[op](data.draw, village)
    except NotApplicable:
        return None


# ---------------------------------------------------------------- the pure property

@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(village=villages(), data=st.data())
def test_random_edit_sequences_keep_the_layout_a_tiling(village: Village, data):
    run_edit_sequence(village, data)


def run_edit_sequence(village: Village, data) -> None:
    """Apply 1-8 random edits to the village, checking the invariants after each."""
    assert_invariants(village, village.layout, village.layout)
    applied = 0
    for step in range(data.draw(st.integers(1, 8), label="steps")):
        edit = draw_edit(data, village, step)
        if edit is None:
            continue
        try:
            after = APPLY[edit.op](village, edit.params)
        except BadInput:  # rightly refused: the line misses, the grids are not neighbours, the area is off the parent
            event(f"{edit.op}: refused (BadInput)")
            continue
        note(f"step {step}: {edit.label}")
        findings = assert_invariants(village, village.layout, after)
        assert_locality(village, village.layout, after, edit)
        assert_gaps_only_where_nobody_borders(village, edit, after, findings)
        if edit.op == "reshape":
            assert_drawn_area_kept(village, after, edit)
        errors = sorted({f.check for f in findings if f.level == ERROR})
        if errors:  # the commit would refuse it (too small, emptied, too many vertices): the layout stays
            event(f"{edit.op}: refused ({', '.join(errors)})")
            continue
        event(f"{edit.op}: applied")
        village.layout = after
        applied += 1
    event(f"{applied} edits applied in sequence")
