"""Automatic grid proposals: cut a village's (or one grid's) buildings into contiguous, compact regions within
size bounds, and draw region polygons that tile the area exactly without splitting a building.

Pure numpy + shapely. Steps, all in a local metre frame (planning.metric):
1. graph: Delaunay edges between the buildings' points on surface; an edge that crosses a barrier line or joins
   two faces of the area cut by the barriers is not a usable adjacency;
2. groups: connected parts of that graph (blocks between roads); a block too small to hold one grid joins its
   neighbour across a barrier (only then may a region span a barrier);
3. per group: k = as many grids as the lower bounds allow with a margin (at least as many as the upper bounds
   need), recursive weighted bisection (cut direction with the fewest cut edges, directions turned by the seed),
   contiguity repair (stray fragments go to the neighbour they touch most), then boundary moves that reduce
   bound violations first and the distance of buildings to their region's centre second;
4. polygons: Voronoi cells of densified footprint boundary points, per face, dissolved by label; each region
   takes its own footprints whole and gives up the others'; empty faces go to the region they border most.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from planning.metric import Metric

MARGIN = 1.05  # aim at ≥ 1.05 × the lower bound per grid (or + one average building): room to balance
DIRECTIONS = 4  # cut directions tried per bisection (turned by a seed-dependent offset)
SPACING_M = 20.0  # footprint boundaries are sampled this densely for the Voronoi cells
MAX_POINTS = 16  # … but with at most about this many points per building
SIMPLIFY_M = 1.0  # detail of a footprint below this is left out of the sampling (the footprint stays whole)
PASSES = 40  # boundary-move passes at most per group


class SizeBounds(Protocol):
    min_households: int
    max_households: int
    min_residents: int
    max_residents: int


@dataclass(frozen=True)
class Problem:
    """Why bounds could not be met: kind in KINDS, the group (block) and figures for the message."""

    kind: str
    group: int
    figures: dict = field(default_factory=dict)


KINDS = ("building_over_max", "bounds_infeasible", "isolated_small")


@dataclass
class Graph:
    """Usable adjacency between buildings: undirected edges (u < v)."""

    n: int
    u: np.ndarray
    v: np.ndarray

    def neighbours(self) -> list[list[int]]:
        lists: list[list[int]] = [[] for _ in range(self.n)]
        for a, b in zip(self.u.tolist(), self.v.tolist(), strict=True):
            lists[a].append(b)
            lists[b].append(a)
        return lists


@dataclass
class Partition:
    labels: np.ndarray  # region index per building, 0..k-1
    regions: list[BaseGeometry]  # lon/lat polygons, index = label
    graph: Graph
    groups: np.ndarray  # group (block) per building
    problems: list[Problem]
    seconds: dict = field(default_factory=dict)  # "labels" (graph, blocks, labelling) and "regions" (polygons)

    @property
    def k(self) -> int:
        return len(self.regions)

    def infeasible_regions(self) -> np.ndarray:
        """Per region: whether its bounds cannot be met (its block cannot be split within bounds, or it holds a
        building over the upper bound)."""
        mask = np.zeros(self.k, bool)
        for problem in self.problems:
            if problem.kind == "building_over_max":
                mask[self.labels[problem.figures["building"]]] = True
            else:
                mask[np.unique(self.labels[self.groups == problem.group])] = True
        return mask


def partition(footprints: Sequence[BaseGeometry], households: Sequence[int], residents: Sequence[int],
              area: BaseGeometry, bounds: SizeBounds, barriers: Sequence[BaseGeometry] = (), seed: int = 0,
              metric: Metric | None = None) -> Partition:
    """Regions for the buildings (lon/lat footprints) of an area; deterministic for a seed."""
    start = time.perf_counter()
    metric = metric or Metric.around(area)
    fp = np.asarray(metric.to_metres(np.asarray(footprints, dtype=object)), dtype=object)
    area_m = metric.to_metres(area)
    lines = [metric.to_metres(b) for b in barriers if b is not None and not b.is_empty]
    h = np.asarray(households, dtype=np.int64)
    r = np.asarray(residents, dtype=np.int64)
    n = len(fp)
    if n == 0:
        return Partition(np.zeros(0, np.int64), [area], Graph(0, np.zeros(0, np.int64), np.zeros(0, np.int64)),
                         np.zeros(0, np.int64), [])
    xy = shapely.get_coordinates(shapely.point_on_surface(fp))
    faces = area_faces(area_m, lines)
    face = face_of(xy, faces)
    u, v = delaunay_edges(xy)
    allowed = (face[u] == face[v]) & ~crosses(u, v, xy, lines)
    groups, bridges = group_blocks(n, u, v, allowed, h, r, bounds)
    pairs = overlapping(fp)
    graph = Graph(n, np.r_[u[allowed | bridges], pairs[0]], np.r_[v[allowed | bridges], pairs[1]])
    labels, problems = label_groups(xy, h, r, groups, graph, bounds, np.random.default_rng(seed))
    labels = keep_overlaps_together(labels, pairs, h, graph)
    drawn = time.perf_counter()
    regions_m = tile(fp, labels, int(labels.max()) + 1, area_m, faces, face)
    regions = [metric.from_metres(g) for g in regions_m]
    seconds = {"labels": drawn - start, "regions": time.perf_counter() - drawn}
    return Partition(labels, regions, graph, groups, problems, seconds)


def regions_for(footprints: Sequence[BaseGeometry], labels: np.ndarray, area: BaseGeometry,
                barriers: Sequence[BaseGeometry] = (), metric: Metric | None = None) -> list[BaseGeometry]:
    """The tiling of the area for any labelling (0..k-1) of the buildings, e.g. another method's (lon/lat)."""
    metric = metric or Metric.around(area)
    fp = np.asarray(metric.to_metres(np.asarray(footprints, dtype=object)), dtype=object)
    area_m = metric.to_metres(area)
    faces = area_faces(area_m, [metric.to_metres(b) for b in barriers])
    face = face_of(shapely.get_coordinates(shapely.point_on_surface(fp)), faces)
    labels = np.asarray(labels, np.int64)
    return [metric.from_metres(g) for g in tile(fp, labels, int(labels.max()) + 1, area_m, faces, face)]


# ---------------------------------------------------------------- graph

def delaunay_edges(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected Delaunay edges (u < v) between points; equal points are chained, collinear ones too."""
    n = len(xy)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    unique, first, inverse = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    pairs = [_chain_equal(inverse)]
    if len(unique) >= 2:
        pairs.append(first[_unique_delaunay(unique)])
    uv = np.concatenate(pairs)
    uv = np.sort(uv, axis=1)
    uv = np.unique(uv[uv[:, 0] != uv[:, 1]], axis=0)
    return uv[:, 0].astype(np.int64), uv[:, 1].astype(np.int64)


def _chain_equal(inverse: np.ndarray) -> np.ndarray:
    """Edges joining buildings that share one point (each to the next of its point)."""
    order = np.argsort(inverse, kind="stable")
    same = inverse[order[1:]] == inverse[order[:-1]]
    return np.column_stack([order[:-1][same], order[1:][same]])


def _unique_delaunay(points: np.ndarray) -> np.ndarray:
    """Edge index pairs into distinct points; a sorted chain when they are collinear (no triangles)."""
    edges = shapely.delaunay_triangles(shapely.multipoints(points), only_edges=True)
    coords = shapely.get_coordinates(edges)
    if len(coords) == 0:
        order = np.lexsort((points[:, 1], points[:, 0]))
        return np.column_stack([order[:-1], order[1:]])
    lookup = {(x, y): i for i, (x, y) in enumerate(points.tolist())}
    index = np.fromiter((lookup.get((x, y), -1) for x, y in coords.tolist()), np.int64, len(coords))
    pairs = index.reshape(-1, 2)
    return pairs[(pairs >= 0).all(axis=1)]


def crosses(u: np.ndarray, v: np.ndarray, xy: np.ndarray, barriers: Sequence[BaseGeometry]) -> np.ndarray:
    """Which edges cross a barrier line."""
    if not barriers or len(u) == 0:
        return np.zeros(len(u), bool)
    segments = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    tree = shapely.STRtree(segments)
    hit = tree.query(shapely.union_all(list(barriers)), predicate="intersects")
    out = np.zeros(len(u), bool)
    out[np.unique(hit)] = True
    return out


def area_faces(area: BaseGeometry, barriers: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """The area cut into faces by the barrier lines (the area itself without barriers)."""
    if not barriers:
        return [area]
    noded = shapely.union_all([area.boundary, *[shapely.intersection(b, area) for b in barriers]])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
             if area.contains(shapely.point_on_surface(f))]
    pieces = [shapely.intersection(f, area) for f in faces]
    return [p for p in pieces if not p.is_empty] or [area]


def face_of(xy: np.ndarray, faces: list[BaseGeometry]) -> np.ndarray:
    """Face index per point (the nearest face for a point outside every face)."""
    if len(faces) == 1:
        return np.zeros(len(xy), np.int64)
    points = shapely.points(xy)
    tree = shapely.STRtree(faces)
    found = tree.query_nearest(points, all_matches=False)
    out = np.zeros(len(xy), np.int64)
    out[found[0]] = found[1]
    return out


def overlapping(fp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a < b) of footprints whose insides overlap (OSM building parts, digitising errors)."""
    a, b = shapely.STRtree(fp).query(fp, predicate="intersects")
    a, b = a[a < b], b[a < b]
    inside = shapely.relate_pattern(fp[a], fp[b], "2********")
    return a[inside], b[inside]


def keep_overlaps_together(labels: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], h: np.ndarray,
                           graph: Graph) -> np.ndarray:
    """Overlapping footprints go to one region (their member with most households decides), so that no
    building is split; then every region is made connected again."""
    a, b = pairs
    if len(a) == 0 or not np.any(labels[a] != labels[b]):
        return labels
    n = len(labels)
    cluster = components(n, a, b)
    leader = np.lexsort((-h, cluster))  # per cluster, the member with most households first
    first = leader[np.r_[True, cluster[leader][1:] != cluster[leader][:-1]]]
    labels = labels.copy()
    labels[:] = labels[first[cluster]]
    repair(np.arange(n), labels, graph.neighbours())
    return labels


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected component id (0..c-1, in order of first node) per node."""
    parent = np.arange(n)
    if len(u):
        while True:
            low = np.minimum(parent[u], parent[v])
            new = parent.copy()
            np.minimum.at(new, parent[u], low)
            np.minimum.at(new, parent[v], low)
            while True:  # pointer jumping
                jumped = new[new]
                if np.array_equal(jumped, new):
                    break
                new = jumped
            if np.array_equal(new, parent):
                break
            parent = new
    _, ids = np.unique(parent, return_inverse=True)
    return ids.ravel()


def group_blocks(n: int, u: np.ndarray, v: np.ndarray, allowed: np.ndarray, h: np.ndarray, r: np.ndarray,
                 bounds: SizeBounds) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of the usable graph; a block below the lower bounds joins a neighbour over its bridge edges."""
    block = components(n, u[allowed], v[allowed])
    count = int(block.max()) + 1
    hs = np.bincount(block, h, count)
    rs = np.bincount(block, r, count)
    owner = np.arange(count)  # union of blocks into groups
    bridges = np.zeros(len(u), bool)
    cross = np.flatnonzero(~allowed)

    def root(b: int) -> int:
        while owner[b] != b:
            b = owner[b]
        return b

    for b in np.argsort(hs, kind="stable").tolist():
        a = root(b)
        if len(cross) == 0 or (hs[a] >= bounds.min_households and rs[a] >= bounds.min_residents):
            continue
        ga = np.array([root(x) for x in block[u[cross]].tolist()])
        gb = np.array([root(x) for x in block[v[cross]].tolist()])
        sel = ((ga == a) | (gb == a)) & (ga != gb)
        if not sel.any():
            continue
        other = np.where(ga[sel] == a, gb[sel], ga[sel])
        values, counts = np.unique(other, return_counts=True)
        target = int(values[np.argmax(counts)])
        owner[a] = target
        hs[target] += hs[a]
        rs[target] += rs[a]
        bridges[cross[sel][other == target]] = True
    roots = np.array([root(b) for b in range(count)])
    _, groups = np.unique(roots[block], return_inverse=True)
    return groups.ravel(), bridges


# ---------------------------------------------------------------- labelling

def grids_needed(hs: int, rs: int, buildings: int, bounds: SizeBounds) -> tuple[list[int], bool]:
    """(grid counts to try, best first; feasible): as many grids as the lower bounds allow with a slack of one
    average building per grid, then one more, one fewer, 90 % and 80 %; never fewer than the upper bounds need."""
    need = max(1, _ceil(hs, bounds.max_households), _ceil(rs, bounds.max_residents))
    most = min(hs // max(bounds.min_households, 1), rs // max(bounds.min_residents, 1))
    slack_h, slack_r = hs / max(buildings, 1), rs / max(buildings, 1)
    aim = min(int(hs // _target(bounds.min_households, bounds.max_households, slack_h)),
              int(rs // _target(bounds.min_residents, bounds.max_residents, slack_r)), buildings)
    first = max(need, min(aim, most), 1)
    steps = (first + 1, first - 1, int(first * 0.9), int(first * 0.8))
    tries = [first] + [k for k in dict.fromkeys(steps) if max(need, 1) <= k <= max(most, need) and k != first]
    return tries, need <= most


def _target(low: int, high: int, slack: float) -> float:
    """Households (or residents) to aim at per grid: the lower bound plus a slack, at most the middle."""
    return max(1.0, min(low + max(slack, low * (MARGIN - 1)), (low + high) / 2))


def _ceil(a: int, b: int) -> int:
    return -(-a // b) if b > 0 else 1


def label_groups(xy: np.ndarray, h: np.ndarray, r: np.ndarray, groups: np.ndarray, graph: Graph,
                 bounds: SizeBounds, rng: np.random.Generator) -> tuple[np.ndarray, list[Problem]]:
    n = len(xy)
    labels = np.full(n, -1, np.int64)
    problems: list[Problem] = []
    neighbours = graph.neighbours()
    order = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]])
    members = np.split(order, starts[1:])
    same_group = groups[graph.u] == groups[graph.v]
    offset = 0
    for g, idx in enumerate(members):
        hs, rs = int(h[idx].sum()), int(r[idx].sum())
        tries, feasible = grids_needed(hs, rs, len(idx), bounds)
        big = idx[(h[idx] > bounds.max_households) | (r[idx] > bounds.max_residents)]
        for b in big.tolist():
            problems.append(Problem("building_over_max", g, {"building": b, "households": int(h[b]),
                                                               "residents": int(r[b])}))
        if not feasible:
            kind = "isolated_small" if hs < bounds.min_households or rs < bounds.min_residents else "bounds_infeasible"
            problems.append(Problem(kind, g, {"households": hs, "residents": rs, "buildings": len(idx)}))
        turn = rng.uniform(0, math.pi / DIRECTIONS)
        mask = same_group & (groups[graph.u] == g)
        edges = graph.u[mask], graph.v[mask]
        best: tuple[float, np.ndarray, int] | None = None
        for k in tries:
            local, k = label_group(idx, min(k, len(idx)), xy, h, r, edges, neighbours, bounds, turn)
            off = float(_region_violation(local[idx], k, h[idx], r[idx], bounds))
            if best is None or off < best[0] - 1e-9:
                best = (off, local, k)
            if off <= 1e-9 or not feasible:
                break
        _score, local, k = best
        labels[idx] = local[idx] + offset
        offset += k
    return labels, problems


def label_group(idx: np.ndarray, k: int, xy: np.ndarray, h: np.ndarray, r: np.ndarray,
                edges: tuple[np.ndarray, np.ndarray], neighbours: list[list[int]], bounds: SizeBounds,
                turn: float) -> tuple[np.ndarray, int]:
    """Labels 0..k-1 for one group's buildings (idx): bisection, repair, boundary moves."""
    local = np.full(len(xy), -1, np.int64)
    local[idx] = 0
    if k <= 1:
        return local, 1
    bisect(idx, k, 0, xy, _weights(h, r, idx), edges[0], edges[1], local, turn)
    k = repair(idx, local, neighbours)
    improve(idx, local, k, xy, h, r, edges, neighbours, bounds)
    if absorb(idx, local, h, r, edges, bounds):
        k = _renumber(idx, local)
        improve(idx, local, k, xy, h, r, edges, neighbours, bounds)
    return local, _renumber(idx, local)


def absorb(idx: np.ndarray, labels: np.ndarray, h: np.ndarray, r: np.ndarray, edges: tuple[np.ndarray, np.ndarray],
           bounds: SizeBounds) -> bool:
    """Regions still under a lower bound merge with the neighbouring region that makes the pair's violation
    smallest, when that is smaller than before (one grid fewer); True when any merged."""
    eu, ev = edges
    merged = False
    while True:
        lab = labels[idx]
        k = int(lab.max()) + 1
        hs, rs = np.bincount(lab, h[idx], k), np.bincount(lab, r[idx], k)
        present = np.bincount(lab, minlength=k) > 0
        small = np.flatnonzero(((hs < bounds.min_households) | (rs < bounds.min_residents)) & present)
        cut = labels[eu] != labels[ev]
        a, b = labels[eu[cut]], labels[ev[cut]]
        best = None
        for s in small[np.argsort(hs[small], kind="stable")].tolist():
            for other in np.unique(np.r_[b[a == s], a[b == s]]).tolist():
                gain = (_size_off(hs[s] + hs[other], rs[s] + rs[other], bounds)
                        - _size_off(hs[s], rs[s], bounds) - _size_off(hs[other], rs[other], bounds))
                if gain < -1e-9 and (best is None or gain < best[0]):
                    best = (gain, s, other)
            if best is not None:
                break
        if best is None:
            return merged
        _gain, s, other = best
        labels[idx[labels[idx] == s]] = other
        merged = True


def _size_off(households: float, residents: float, bounds: SizeBounds) -> float:
    return (_off(households, bounds.min_households, bounds.max_households)
            + _off(residents, bounds.min_residents, bounds.max_residents))


def _region_violation(labels: np.ndarray, k: int, h: np.ndarray, r: np.ndarray, bounds: SizeBounds) -> float:
    """Summed violation of the bounds over a group's regions (0 when every region is within)."""
    hs, rs = np.bincount(labels, h, k), np.bincount(labels, r, k)
    return sum(_off(a, bounds.min_households, bounds.max_households)
               + _off(b, bounds.min_residents, bounds.max_residents) for a, b in zip(hs, rs, strict=True))


def _weights(h: np.ndarray, r: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Bisection weight: households and residents, each as a share of the group's total (buildings if none)."""
    weight = np.zeros(len(h), float)
    hs, rs = h[idx].sum(), r[idx].sum()
    if hs:
        weight[idx] += h[idx] / hs
    if rs:
        weight[idx] += r[idx] / rs
    if not hs and not rs:
        weight[idx] = 1.0
    return weight


def bisect(idx: np.ndarray, k: int, first: int, xy: np.ndarray, weight: np.ndarray, eu: np.ndarray,
           ev: np.ndarray, labels: np.ndarray, turn: float) -> None:
    """Label idx first..first+k-1 by cutting it in two weighted parts (k//2 : k - k//2), recursively."""
    if k <= 1 or len(idx) <= 1:
        labels[idx] = first
        return
    k1 = k // 2
    inside = np.zeros(len(xy), bool)
    inside[idx] = True
    keep = inside[eu] & inside[ev]
    eu, ev = eu[keep], ev[keep]
    w = weight[idx]
    share = k1 / k
    best: tuple[int, np.ndarray] | None = None
    for j in range(DIRECTIONS):
        angle = turn + j * math.pi / DIRECTIONS
        proj = xy[idx, 0] * math.cos(angle) + xy[idx, 1] * math.sin(angle)
        order = np.argsort(proj, kind="stable")
        cum = np.cumsum(w[order])
        cut = int(np.searchsorted(cum, cum[-1] * share, side="left")) + 1
        cut = min(max(cut, k1), len(idx) - (k - k1))  # each side keeps at least as many buildings as grids
        left = np.zeros(len(xy), bool)
        left[idx[order[:cut]]] = True
        score = int(np.count_nonzero(left[eu] != left[ev]))
        if best is None or score < best[0]:
            best = (score, left)
    left = best[1]
    side = left[idx]
    bisect(idx[side], k1, first, xy, weight, eu, ev, labels, turn)
    bisect(idx[~side], k - k1, first + k1, xy, weight, eu, ev, labels, turn)


def _region_parts(nodes: list[int], labels: np.ndarray, neighbours: list[list[int]]) -> list[list[int]]:
    """Connected parts of one region (nodes all carry the same label), largest first."""
    label = labels[nodes[0]]
    seen: set[int] = set()
    parts = []
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        part, queue = [start], deque([start])
        while queue:
            for nb in neighbours[queue.popleft()]:
                if nb not in seen and labels[nb] == label:
                    seen.add(nb)
                    part.append(nb)
                    queue.append(nb)
        parts.append(part)
    return sorted(parts, key=len, reverse=True)


def repair(idx: np.ndarray, labels: np.ndarray, neighbours: list[list[int]]) -> int:
    """Make every region connected: stray parts join the neighbouring region they share most edges with."""
    for _ in range(len(idx)):
        by_label: dict[int, list[int]] = {}
        for b in idx.tolist():
            by_label.setdefault(int(labels[b]), []).append(b)
        moved = False
        for label, nodes in by_label.items():
            for part in _region_parts(nodes, labels, neighbours)[1:]:
                touch: dict[int, int] = {}
                for b in part:
                    for nb in neighbours[b]:
                        other = int(labels[nb])
                        if other != label and other >= 0:
                            touch[other] = touch.get(other, 0) + 1
                if touch:
                    labels[part] = max(sorted(touch), key=touch.__getitem__)
                    moved = True
        if not moved:
            break
    return _renumber(idx, labels)


def _renumber(idx: np.ndarray, labels: np.ndarray) -> int:
    """Labels of idx made 0..k-1 in order of first appearance; returns k."""
    _, first, inverse = np.unique(labels[idx], return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    labels[idx] = rank[inverse.ravel()]
    return len(first)


def improve(idx: np.ndarray, labels: np.ndarray, k: int, xy: np.ndarray, h: np.ndarray, r: np.ndarray,
            edges: tuple[np.ndarray, np.ndarray], neighbours: list[list[int]], bounds: SizeBounds) -> None:
    """Move border buildings between regions: fewer bound violations first, then closer to their region's
    centre; a move never disconnects or empties the region it leaves."""
    lab = labels[idx]
    hs = np.bincount(lab, h[idx], k)
    rs = np.bincount(lab, r[idx], k)
    size = np.bincount(lab, minlength=k)
    sx = np.bincount(lab, xy[idx, 0], k)
    sy = np.bincount(lab, xy[idx, 1], k)
    eu, ev = edges
    for _ in range(PASSES):
        b, to = _candidates(eu, ev, labels)
        if len(b) == 0:
            return
        frm = labels[b]
        dv = _violation_change(hs, rs, frm, to, h[b], r[b], bounds)
        cx, cy = sx / np.maximum(size, 1), sy / np.maximum(size, 1)
        dd = (xy[b, 0] - cx[to]) ** 2 + (xy[b, 1] - cy[to]) ** 2 - (xy[b, 0] - cx[frm]) ** 2 - (xy[b, 1] - cy[frm]) ** 2
        good = (dv < -1e-12) | ((dv <= 1e-12) & (dd < -1e-6))
        order = np.lexsort((dd[good], dv[good]))
        done: set[int] = set()
        changed = 0
        for b1, to1, dd1 in zip(b[good][order].tolist(), to[good][order].tolist(), dd[good][order].tolist(),
                                strict=True):
            frm1 = int(labels[b1])
            if b1 in done or frm1 == to1 or size[frm1] <= 1:
                continue
            dv1 = _delta_violation(hs, rs, frm1, to1, int(h[b1]), int(r[b1]), bounds)
            if dv1 > 1e-12 or (dv1 > -1e-12 and dd1 >= -1e-6):
                continue
            if not any(labels[nb] == to1 for nb in neighbours[b1]) or not _stays_connected(b1, labels, neighbours):
                continue
            labels[b1] = to1
            done.add(b1)
            changed += 1
            for arr, value in ((hs, h[b1]), (rs, r[b1]), (size, 1), (sx, xy[b1, 0]), (sy, xy[b1, 1])):
                arr[frm1] -= value
                arr[to1] += value
        if not changed:
            return


def _candidates(eu: np.ndarray, ev: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(building, neighbouring region) pairs along region borders, each once."""
    cut = labels[eu] != labels[ev]
    b = np.concatenate([eu[cut], ev[cut]])
    to = np.concatenate([labels[ev[cut]], labels[eu[cut]]])
    if len(b) == 0:
        return b, to
    span = int(to.max()) + 1
    key = np.unique(b * span + to)
    return key // span, key % span


def _violation_change(hs: np.ndarray, rs: np.ndarray, frm: np.ndarray, to: np.ndarray, dh: np.ndarray,
                      dr: np.ndarray, bounds: SizeBounds) -> np.ndarray:
    """_delta_violation for arrays of moves at once."""
    lh, uh, lr, ur = bounds.min_households, bounds.max_households, bounds.min_residents, bounds.max_residents

    def off(value: np.ndarray, low: int, high: int) -> np.ndarray:
        return np.maximum(0, low - value) / max(low, 1) + np.maximum(0, value - high) / max(high, 1)

    before = off(hs[frm], lh, uh) + off(hs[to], lh, uh) + off(rs[frm], lr, ur) + off(rs[to], lr, ur)
    after = (off(hs[frm] - dh, lh, uh) + off(hs[to] + dh, lh, uh)
             + off(rs[frm] - dr, lr, ur) + off(rs[to] + dr, lr, ur))
    return after - before


def _delta_violation(hs: np.ndarray, rs: np.ndarray, frm: int, to: int, dh: int, dr: int,
                     bounds: SizeBounds) -> float:
    """Change of the two regions' summed violation when dh households and dr residents move frm → to."""
    lh, uh, lr, ur = bounds.min_households, bounds.max_households, bounds.min_residents, bounds.max_residents
    hf, ht, rf, rt = float(hs[frm]), float(hs[to]), float(rs[frm]), float(rs[to])
    before = _off(hf, lh, uh) + _off(ht, lh, uh) + _off(rf, lr, ur) + _off(rt, lr, ur)
    after = _off(hf - dh, lh, uh) + _off(ht + dh, lh, uh) + _off(rf - dr, lr, ur) + _off(rt + dr, lr, ur)
    return after - before


def _off(value: float, low: int, high: int) -> float:
    """How far a figure is outside [low, high], as a share of the bound it misses."""
    return max(0.0, low - value) / max(low, 1) + max(0.0, value - high) / max(high, 1)


def _stays_connected(b: int, labels: np.ndarray, neighbours: list[list[int]]) -> bool:
    """Whether b's region stays connected without b (a search over the region from one of b's neighbours)."""
    label = labels[b]
    own = [nb for nb in neighbours[b] if labels[nb] == label]
    if len(own) <= 1:
        return True
    seen = {b, own[0]}
    queue = deque([own[0]])
    wanted = set(own[1:])
    while queue and wanted:
        for nb in neighbours[queue.popleft()]:
            if nb not in seen and labels[nb] == label:
                seen.add(nb)
                wanted.discard(nb)
                queue.append(nb)
    return not wanted


# ---------------------------------------------------------------- polygons

def tile(fp: np.ndarray, labels: np.ndarray, k: int, area: BaseGeometry, faces: list[BaseGeometry],
         face: np.ndarray) -> list[BaseGeometry]:
    """Region polygons (metres) that tile the area: Voronoi cells of footprint boundary points per face,
    dissolved by label, own footprints added whole and the others' taken out."""
    pieces: list[list[BaseGeometry]] = [[] for _ in range(k)]
    empty: list[BaseGeometry] = []
    for f, shape in enumerate(faces):
        inside = np.flatnonzero(face == f)
        if len(inside) == 0:
            empty.append(shape)
            continue
        for label, cell in face_cells(fp[inside], labels[inside], shape):
            pieces[label].append(cell)
    regions = [(p[0] if len(p) == 1 else shapely.union_all(p)) if p else shapely.Polygon() for p in pieces]
    regions = _give_empty_faces(regions, empty)
    return _own_footprints(regions, fp, labels, area)


def boundary_points(fp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points along every footprint's boundary (≤ SPACING_M apart, ~MAX_POINTS at most) and their building."""
    rings = shapely.simplify(shapely.boundary(fp), SIMPLIFY_M)
    spacing = np.maximum(SPACING_M, shapely.length(rings) / MAX_POINTS)
    dense = shapely.segmentize(rings, spacing)
    coords, owner = shapely.get_coordinates(dense, return_index=True)
    return coords, owner


def face_cells(fp: np.ndarray, labels: np.ndarray, face: BaseGeometry) -> list[tuple[int, BaseGeometry]]:
    """(label, the face's part nearest to that label's footprints) for the labels of one face."""
    present = np.unique(labels)
    if len(present) == 1:
        return [(int(present[0]), face)]
    coords, owner = boundary_points(fp)
    coords, first = np.unique(coords, axis=0, return_index=True)
    site_label = labels[owner[first]]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=face, ordered=True))
    merged = [_dissolve(cells[site_label == label]) for label in present.tolist()]
    shapely.prepare(face)
    inside = shapely.covers(face, merged)  # cells reach past the face only along its edge
    return [(label, g if ok else shapely.intersection(g, face))
            for label, g, ok in zip(present.tolist(), merged, inside.tolist(), strict=True)]


def _give_empty_faces(regions: list[BaseGeometry], empty: list[BaseGeometry]) -> list[BaseGeometry]:
    """Each face without buildings joins the region it shares the longest border with."""
    pending = list(empty)
    while pending:
        left = []
        for shape in pending:
            shared = [shapely.length(shapely.intersection(shape.boundary, reg.boundary)) if not reg.is_empty else 0
                      for reg in regions]
            best = int(np.argmax(shared))
            if shared[best] > 0:
                regions[best] = shapely.union(regions[best], shape)
            else:
                left.append(shape)
        if len(left) == len(pending):  # touches no region: the first region takes it
            regions[0] = shapely.union_all([regions[0], *left])
            break
        pending = left
    return regions


def _own_footprints(regions: list[BaseGeometry], fp: np.ndarray, labels: np.ndarray,
                    area: BaseGeometry) -> list[BaseGeometry]:
    """Region ∪ its own footprints − the other regions' footprints, within the area."""
    clipped = _disjoint_by_label(shapely.intersection(fp, area), labels)
    tree = shapely.STRtree(clipped)
    out = []
    for label, region in enumerate(regions):
        near = tree.query(region, predicate="intersects")
        others = near[labels[near] != label]
        if len(others):
            region = shapely.difference(region, _dissolve(clipped[others]))
        out.append(shapely.union(region, _dissolve(clipped[labels == label])))  # inside the area already
    return [_areal(g) for g in out]


def _disjoint_by_label(fp: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Footprints minus their overlap with any footprint of a lower label (or a lower index in the same
    label), so that they form a coverage; overlapping footprints are rare."""
    tree = shapely.STRtree(fp)
    a, b = tree.query(fp, predicate="intersects")
    later = (labels[a] > labels[b]) | ((labels[a] == labels[b]) & (a > b))
    a, b = a[later], b[later]
    pick = shapely.relate_pattern(fp[a], fp[b], "2********")
    out = fp.copy()
    for i in np.unique(a[pick]).tolist():
        out[i] = shapely.difference(fp[i], shapely.union_all(fp[b[pick & (a == i)]]))
    return out


def _dissolve(parts: np.ndarray) -> BaseGeometry:
    """Union of non-overlapping polygons (a coverage), falling back to a full union."""
    try:
        return shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        return shapely.union_all(parts)


def _areal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygonal parts of a result (intersections can leave stray lines and points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
