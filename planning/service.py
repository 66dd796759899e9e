"""Preview and commit of a Draft: one apply, run in a rolled-back savepoint (preview) or for real (commit).

Because preview runs the very statements commit runs, and measures the database afterwards, what it
reports is what a commit would do. Commit locks the parent and its grids FOR UPDATE, refuses a stale
draft (409 with the current grids), writes the new boundaries, issues codes, retires merged grids
(moving their workers, users and cases to the survivor), re-assigns buildings, sensors and cases,
refreshes figures and writes one GridRevision per grid touched (a baseline first for a grid's first edit).
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput, Conflict
from iot.models import AlarmCase
from layers.models import Building, Grid, GridWorker, Incident, Profile, Sensor
from layers.models.incidents import OPEN_STATUSES
from planning import impact
from planning.checks import Limits, check_layout, has_errors
from planning.context import Context, load, lock_parent, may_plan, require_planner
from planning.drafts import CHANGED, KEPT, NEW, RETIRED, Draft, next_codes
from planning.models import GridRevision, PlanChange, RevisionAction
from planning.ops import op_named
from planning.shapes import collection, feature, from_geos, to_geos
from planning.topology import PRECISION


class StaleDraft(Conflict):
    """409: the grids changed since the client read them; carries the current grids."""

    def __init__(self, message: str, current: dict):
        super().__init__(message)
        self.current = current

    def as_dict(self) -> dict:
        return {**super().as_dict(), "current": self.current}


class ChecksFailed(BadInput):
    """400: an error-level check failed; carries every finding."""

    def __init__(self, message: str, checks: list[dict]):
        super().__init__(message)
        self.checks = checks

    def as_dict(self) -> dict:
        return {**super().as_dict(), "checks": self.checks}


class _Discard(Exception):  # noqa: N818 - not an error: carries the preview's report out of its savepoint
    def __init__(self, report: dict):
        self.report = report


def draft(op, params, user) -> Draft:
    """The Draft of one op for this user (403 for roles that may not plan, 404 outside their area)."""
    require_planner(user)
    spec = op_named(op)
    if not isinstance(params, dict):
        raise BadInput(_("params 须为对象"), field="params")
    return spec.build(load(spec.parent(params, user)), params)


def findings(draft: Draft) -> list:
    return check_layout(draft.context.parent.geometry, draft.before, draft.after, Limits.from_settings()) + draft.notes


def preview(draft: Draft, user) -> dict:
    """The report a commit of this draft would give, with nothing saved."""
    found = findings(draft)
    if has_errors(found):
        return base_report(draft, found)
    try:
        with transaction.atomic():
            raise _Discard(Apply(draft, user, "", None, preview=True).run(found))
    except _Discard as discarded:
        return discarded.report


def commit(draft: Draft, user, reason: str, revisions: dict) -> dict:
    """Save the draft (409 if any grid changed since it was read, 400 if a check fails)."""
    with transaction.atomic():
        lock_parent(draft.context.parent)
        verify(draft, load(draft.context.parent, lock=True), revisions)
        found = findings(draft)
        if has_errors(found):
            raise ChecksFailed(_("调整未通过检查，未保存"), [f.as_dict() for f in found])
        change = PlanChange.objects.create(op=draft.op, params=draft.params, parent_code=draft.context.parent.code,
                                           reason=reason, user=user)
        applied = Apply(draft, user, reason, change, preview=False)
        report = applied.run(found)
        change.summary = {"grids": applied.saved}
        change.save(update_fields=["summary"])
    return {"change": change.pk, "grids": applied.saved, **report}


def verify(draft: Draft, current: Context, revisions: dict) -> None:
    """The draft was computed from the current grids, and the client saw the revisions it changes."""
    stale = set(current.grids) ^ set(draft.context.grids)
    for outcome in draft.having(KEPT, CHANGED, RETIRED):
        grid = current.grids.get(outcome.code)
        if grid is None or grid.revision != outcome.base_revision \
                or not shapely.equals_exact(current.layout[outcome.code], draft.before[outcome.code], 0):
            stale.add(outcome.code)
        elif outcome.status != KEPT and revisions.get(outcome.code) != grid.revision:
            stale.add(outcome.code)
    if stale:
        raise StaleDraft(_("网格 %(grids)s 已被他人修改，请刷新后重试") % {"grids": "、".join(sorted(stale))},
                         current_features(current))


def current_features(context: Context) -> dict:
    return collection([feature(context.layout[code], {"code": code, "name": g.name, "level": g.level,
                                                      "revision": g.revision}, code)
                       for code, g in context.grids.items()])


def draft_features(draft: Draft, label_of_key) -> dict:
    level = draft.context.parent.child_level
    return collection([feature(o.geometry, {"code": label_of_key(o.key), "name": o.name, "status": o.status,
                                            "level": level}, label_of_key(o.key)) for o in draft.outcomes])


def base_report(draft: Draft, found: list) -> dict:
    """The report of a draft that cannot be applied: its checks and layout, no impact."""
    return {"op": draft.op, "committable": False, "checks": [f.as_dict() for f in found],
            "draft": draft_features(draft, str),
            "impact": {"moves": [], "grids": [], "cut_buildings": [], "moved_buildings": collection([])}}


@dataclass
class Apply:
    """One application of a draft inside the caller's transaction; run() returns the report."""

    draft: Draft
    user: object
    reason: str
    change: PlanChange | None
    preview: bool

    def run(self, found: list) -> dict:
        context = self.draft.context
        self.ids = {code: grid.pk for code, grid in context.grids.items()}
        self.region = self.edited_region()
        region = to_geos(self.region)
        retired = [self.ids[o.code] for o in self.draft.having(RETIRED)]
        before = impact.Snapshot.take(list(self.ids.values()), region, retired)
        self.issued = dict(zip([o.key for o in self.draft.having(NEW)],
                               next_codes(context.parent, len(self.draft.having(NEW))), strict=True))
        self.write_changed()
        self.create_new()
        self.retire()
        self.reassign(region, before)
        after = before.now()
        self.refresh_figures(before, after)
        self.saved = self.write_revisions()
        return self.report(found, before, after)

    # ---- geometry writes ---------------------------------------------------------------------------

    def edited_region(self):
        """Old and new areas of every grid the draft changes, creates or retires."""
        draft = self.draft
        pieces = [draft.before[o.code] for o in draft.having(CHANGED, RETIRED)]
        pieces += [o.geometry for o in draft.having(CHANGED, NEW)]
        return shapely.union_all(pieces, grid_size=PRECISION)

    def write_changed(self) -> None:
        for outcome in self.draft.having(CHANGED):
            Grid.objects.filter(pk=self.ids[outcome.code]).update(
                boundary=to_geos(outcome.geometry), name=outcome.name, revision=F("revision") + 1,
                updated_at=timezone.now())

    def create_new(self) -> None:
        parent = self.draft.context.parent
        self.new_names = {}
        for outcome in self.draft.having(NEW):
            code = self.issued[outcome.key]
            name = outcome.name or _("%(parent)s第%(n)d网格") % {"parent": parent.name,
                                                              "n": int(code[len(parent.code):])}
            grid = Grid.objects.create(code=code, name=name, level=parent.child_level, division=parent.village,
                                       parent=parent.grid, boundary=to_geos(outcome.geometry))
            self.ids[outcome.key] = grid.pk
            self.new_names[outcome.key] = name

    def retire(self) -> None:
        """Move a retired grid's workers, users, buildings, sensors and cases to its successor; delete it."""
        for outcome in self.draft.having(RETIRED):
            old, new = self.ids[outcome.code], self.ids[self.draft.successor_of(outcome.code)]
            for model in (GridWorker, Profile, Building, Sensor, Incident, AlarmCase):
                model.objects.filter(grid_id=old).update(grid_id=new)
            Grid.objects.filter(pk=old).delete()  # its incident bins emptied with the move above

    # ---- re-assignment ----------------------------------------------------------------------------

    def reassign(self, region, before: impact.Snapshot) -> None:
        touched = [self.ids[o.key] for o in self.draft.having(CHANGED, NEW)]
        touched += [self.ids[self.draft.successor_of(o.code)] for o in self.draft.having(RETIRED)]
        buildings = Building.objects.filter(Q(grid_id__in=touched) | Q(footprint__intersects=region))
        buildings.assign_grids()
        building_grid = Building.objects.filter(pk=OuterRef("building_id")).values("grid_id")[:1]
        Sensor.objects.filter(building__in=buildings).update(grid_id=Subquery(building_grid))
        (Sensor.objects.filter(building__isnull=True).filter(Q(grid_id__in=touched) | Q(location__intersects=region))
         .update(grid_id=covering("location")))
        Incident.objects.open().filter(location__intersects=region).update(grid_id=covering("location"))
        Incident.objects.filter(pk__in=before.retired_incidents).exclude(status__in=OPEN_STATUSES).update(
            grid_id=covering("location"))

    def refresh_figures(self, before: impact.Snapshot, after: impact.Snapshot) -> None:
        parent = self.draft.context.parent.grid
        ids = before.grid_ids() | after.grid_ids() | {self.ids[o.key] for o in self.draft.having(CHANGED, NEW)}
        while parent is not None:
            ids.add(parent.pk)
            parent = parent.parent
        Grid.objects.filter(pk__in=ids).refresh_figures()

    # ---- history ----------------------------------------------------------------------------------

    def write_revisions(self) -> list[dict]:
        """A GridRevision per grid changed, created or retired (with a baseline row on a grid's first edit)."""
        draft, action = self.draft, RevisionAction(self.draft.op)
        common = {"user": self.user if getattr(self.user, "pk", None) else None, "change": self.change}
        have_history = set(GridRevision.objects.filter(code__in=[o.code for o in draft.having(CHANGED, RETIRED)])
                           .values_list("code", flat=True).distinct())
        rows, saved = [], []
        for outcome in draft.having(CHANGED, RETIRED):
            grid = draft.context.grids[outcome.code]
            if outcome.code not in have_history:
                rows.append(GridRevision(grid_id=grid.pk if outcome.status != RETIRED else None, code=grid.code,
                                         revision=grid.revision, name=grid.name, boundary=grid.boundary,
                                         action=RevisionAction.BASELINE, **common))
            rows.append(GridRevision(
                grid_id=grid.pk if outcome.status != RETIRED else None, code=grid.code, revision=grid.revision + 1,
                name=outcome.name, boundary=to_geos(outcome.geometry) if outcome.geometry is not None else None,
                action=action, reason=self.reason, **common))
            saved.append({"code": grid.code, "revision": grid.revision + 1, "status": outcome.status})
        for outcome in draft.having(NEW):
            code = self.issued[outcome.key]
            rows.append(GridRevision(grid_id=self.ids[outcome.key], code=code, revision=1,
                                     name=self.new_names[outcome.key], boundary=to_geos(outcome.geometry),
                                     action=action, reason=self.reason, **common))
            saved.append({"code": code, "revision": 1, "status": NEW})
        GridRevision.objects.bulk_create(rows)
        return saved

    # ---- report -----------------------------------------------------------------------------------

    def label_of_key(self, key: str) -> str:
        """How the report names a grid of the draft: a new one by its key in a preview, by its code once saved."""
        return key if self.preview or key not in self.issued else self.issued[key]

    def report(self, found: list, before: impact.Snapshot, after: impact.Snapshot) -> dict:
        names = {pk: self.label_of_key(key) for key, pk in self.ids.items()}
        unknown = (before.grid_ids() | after.grid_ids() | set(before.sensors.values()) | set(after.sensors.values())
                   | set(before.open_incidents.values()) | set(after.open_incidents.values())) - set(names) - {None}
        names.update(Grid.objects.filter(pk__in=unknown).values_list("pk", "code"))

        def label(grid_id):
            return names.get(grid_id)

        layout = self.draft.after
        return {
            "op": self.draft.op, "committable": True, "checks": [f.as_dict() for f in found],
            "draft": draft_features(self.draft, self.label_of_key),
            "impact": {
                "moves": impact.moves(before, after, label),
                "grids": self.grid_rows(),
                "cut_buildings": impact.cut_buildings(after, layout, self.region, label, self.label_of_key),
                "moved_buildings": impact.moved_buildings(before, after, label),
            },
        }

    def grid_rows(self) -> list[dict]:
        context = self.draft.context
        now = {pk: (h, r) for pk, h, r in Grid.objects.filter(pk__in=list(self.ids.values()))
               .values_list("pk", "households", "residents")}
        rows = []
        for outcome in self.draft.outcomes:
            old = context.grids.get(outcome.code)
            households, residents = now.get(self.ids[outcome.key], (0, 0)) if outcome.status != RETIRED else (0, 0)
            rows.append({"code": self.label_of_key(outcome.key), "status": outcome.status,
                         "households_before": old.households if old else 0, "households_after": households,
                         "residents_before": old.residents if old else 0, "residents_after": residents,
                         "within_bounds": context.bounds.within(households, residents) if outcome.status != RETIRED
                         else None, "rule": context.bounds.as_dict()})
        return rows



def covering(point_field: str):
    """The leaf grid covering the row's point (lowest code), else the row's current grid."""
    leaf = (Grid.objects.leaves().filter(boundary__covers=OuterRef(point_field)).order_by("code")
            .values("pk")[:1])
    return Coalesce(Subquery(leaf), F("grid_id"))


def describe(context: Context, user) -> dict:
    """GET context: the parent, the size rule, its grids and the buildings to snap to."""
    bounds = context.bounds
    grids = collection([feature(context.layout[code], {
        "code": code, "name": g.name, "level": g.level, "revision": g.revision, "households": g.households,
        "residents": g.residents, "tier_green": g.tier_green, "tier_yellow": g.tier_yellow, "tier_red": g.tier_red,
        "within_bounds": bounds.within(g.households, g.residents), "has_children": code in context.has_children,
    }, code) for code, g in context.grids.items()])
    rows = (Building.objects.filter(footprint__intersects=to_geos(context.parent.geometry))
            .annotate(n_households=Count("households")).order_by("code")
            .values_list("code", "grid__code", "footprint", "n_households"))
    buildings = collection([feature(from_geos(fp), {"code": code, "grid": grid, "households": n}, code)
                            for code, grid, fp, n in rows])
    return {"parent": context.parent.as_dict(), "rule": bounds.as_dict(), "grids": grids, "buildings": buildings,
            "may_plan": may_plan(user)}
