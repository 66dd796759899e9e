"""The planning benchmark's own code: its gate, goal rows, the Helsinki case's synthetic households (no timings)."""

from __future__ import annotations

import numpy as np

from bench.planning import cases, measure


def quality(**changes) -> dict:
    base = {"grids": 10, "within_bounds_share": 1.0, "within_bounds_feasible_share": 1.0, "polsby_popper_mean": 0.6,
            "polsby_popper_min": 0.3, "households_min": 100, "households_max": 200, "households_cv": 0.1,
            "residents_min": 300, "residents_max": 600, "boundary_length_m": 1000.0, "contiguous": True,
            "buildings_split": 0}
    return base | changes


def test_the_gate_needs_contiguity_no_split_and_bounds_where_feasible():
    assert measure.sound(quality())
    assert not measure.sound(quality(contiguous=False))
    assert not measure.sound(quality(buildings_split=1))
    assert not measure.sound(quality(within_bounds_feasible_share=0.99))
    assert measure.sound(quality(within_bounds_share=0.9))  # the rest cannot be met: not held against it


def test_goal_rows_against_maxp():
    case = cases.Case("x", "x", None, np.zeros(0), np.zeros(0), np.zeros(0), [], cases.URBAN)
    ours = measure.Outcome("ours", 0.1, np.zeros(0), quality(grids=95, polsby_popper_mean=0.66))
    maxp = measure.Outcome("spopt MaxPHeuristic", 10.0, np.zeros(0), quality(grids=100, polsby_popper_mean=0.6))
    rows = {r.measurement: r for r in measure.rows(case, [ours, maxp])}
    assert rows["speed vs MaxP"].value == 100 and rows["speed vs MaxP"].passed
    assert rows["grids vs MaxP"].value == 0.95 and rows["grids vs MaxP"].passed
    assert rows["compactness vs MaxP"].passed and rows["within bounds"].passed
    slow = measure.Outcome("ours", 1.0, np.zeros(0), quality(grids=80, polsby_popper_mean=0.5))
    rows = {r.measurement: r for r in measure.rows(case, [slow, maxp])}
    assert not rows["speed vs MaxP"].passed and not rows["grids vs MaxP"].passed
    assert not rows["compactness vs MaxP"].passed


def test_floors_from_osm_tags():
    tags = np.array(['"building:levels"=>"5"', '"building:levels"=>"3,5","height"=>"12"', None, '"roof"=>"flat"'],
                    dtype=object)
    assert cases.floors(tags).tolist() == [5, 4, 1, 1]


def test_helsinki_case_has_real_footprints_and_synthetic_households():
    case = cases.helsinki(1)
    assert len(case.footprints) > 400
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in case.footprints)
    assert case.area.covers(case.footprints).all()
    assert (case.households >= 0).all() and case.households.sum() > 10_000
    assert (case.residents >= case.households * 2).all()
    assert np.array_equal(cases.helsinki(1).residents, case.residents)
