"""Query-parameter filters of the incident list (?status=, ?overdue=, ?near_deadline=, ?supervised=,
and those a figure links with: ?area=, ?reported_from=, ?reported_to=, ?category=, ?source=, ?satisfaction=,
?on_time=, ?repeat=)."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Exists, F, FloatField, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cos, Radians
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput
from incidents.service import actor_of
from layers.api.filters import QueryParamFilter
from layers.models.incidents import IncidentSource, IncidentStatus, Satisfaction

FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def parse_flag(param: str, value: str) -> bool:
    if value.lower() not in FLAGS:
        raise BadInput(_("%(p)s 须为 1/0 或 true/false") % {"p": param}, field=param)
    return FLAGS[value.lower()]


class StatusFilter(QueryParamFilter):
    param = "status"
    description = "status, or several separated by commas: " + ", ".join(IncidentStatus.values)

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        statuses = value.split(",")
        bad = [s for s in statuses if s not in IncidentStatus.values]
        if bad:
            raise BadInput(_("未知状态：%(s)s") % {"s": "、".join(bad)}, field=self.param)
        return queryset.filter(status__in=statuses)


class FlagFilter(QueryParamFilter):
    """?param=1 keeps the queryset method's cases, ?param=0 the others."""

    method: str

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        chosen = getattr(queryset.model.objects, self.method)().values("pk")
        return queryset.filter(pk__in=chosen) if parse_flag(self.param, value) else queryset.exclude(pk__in=chosen)


class OverdueFilter(FlagFilter):
    param = method = "overdue"
    description = "1: open cases past their deadline; 0: the others"


class NearDeadlineFilter(FlagFilter):
    param = method = "near_deadline"
    description = "1: open cases close to their deadline; 0: the others"


class SupervisedFilter(QueryParamFilter):
    param = "supervised"
    description = "mine: cases under supervision by my level (督办); 1: every supervised case"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        if value == "mine":
            return queryset.filter(status=IncidentStatus.SUPERVISED, supervision_level=actor_of(request.user).level)
        wanted = parse_flag(self.param, value)
        return queryset.filter(status=IncidentStatus.SUPERVISED) if wanted else queryset.exclude(
            status=IncidentStatus.SUPERVISED)


# ---- filters that reproduce a figure's cases (casefigures/: every figure links to /api/incidents/?…) ----------

AREA_CODE_LENGTHS = (12, 15, 17, 19)  # a division code, or a grid code of level 1–3


def area_code_prefix(code: str, param: str = "area") -> str:
    """A division or grid code → the code prefix of everything inside it ('' stays '': every case with a grid)."""
    if code and (not code.isdigit() or len(code) not in AREA_CODE_LENGTHS):
        raise BadInput(_("%(p)s 须为12位区划代码或15/17/19位网格编码") % {"p": param}, field=param)
    if len(code) != 12:
        return code
    return code[:6] if code.endswith("000000") else code[:9] if code.endswith("000") else code


def parse_day(param: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(_("%(p)s 须为日期 YYYY-MM-DD") % {"p": param}, field=param) from None


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of a day in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AreaFilter(QueryParamFilter):
    param = "area"
    description = "division code (county/town/village) or grid code: cases in grids under it; empty: every gridded case"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        return queryset.filter(grid__code__startswith=area_code_prefix(value, self.param))


class ReportedFromFilter(QueryParamFilter):
    param = "reported_from"
    description = "YYYY-MM-DD: reported on or after the start of that day (Asia/Shanghai)"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        return queryset.filter(reported_at__gte=day_start(parse_day(self.param, value)))


class ReportedToFilter(QueryParamFilter):
    param = "reported_to"
    description = "YYYY-MM-DD: reported before the end of that day (Asia/Shanghai), that day included"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        return queryset.filter(reported_at__lt=day_start(parse_day(self.param, value) + dt.timedelta(days=1)))


class CategoryFilter(QueryParamFilter):
    param = "category"
    description = "a category or a category prefix: 矛盾纠纷 keeps 矛盾纠纷 and 矛盾纠纷/…"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        return queryset.filter(Q(category=value) | Q(category__startswith=value + "/"))


class ChoiceListFilter(QueryParamFilter):
    """?param=a,b: the field is one of the listed choices."""

    field: str
    choices: type

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        values = value.split(",")
        bad = [v for v in values if v not in self.choices.values]
        if bad:
            raise BadInput(_("%(p)s 的取值未知：%(v)s") % {"p": self.param, "v": "、".join(bad)}, field=self.param)
        return queryset.filter(**{f"{self.field}__in": values})

    def describe(self, view) -> str:
        return "one or several separated by commas: " + ", ".join(self.choices.values)


class SourceFilter(ChoiceListFilter):
    param = field = "source"
    choices = IncidentSource


class SatisfactionFilter(ChoiceListFilter):
    param = field = "satisfaction"
    choices = Satisfaction


class OnTimeFilter(QueryParamFilter):
    param = "on_time"
    description = "1: closed by the deadline (or without one); 0: closed after the deadline"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        closed = queryset.filter(closed_at__isnull=False)
        if parse_flag(self.param, value):
            return closed.filter(Q(deadline__isnull=True) | Q(closed_at__lte=F("deadline")))
        return closed.filter(closed_at__gt=F("deadline"))


REPEAT_METRES = 50.0


def within_metres(metres: float) -> Func:
    """ST_DWithin on the stored Web-Mercator points, the distance scaled by 1/cos(latitude) to ground metres."""
    latitude = Func(OuterRef("location"), function="ST_Y", output_field=FloatField())
    return Func(F("location_3857"), OuterRef("location_3857"), Value(metres) / Cos(Radians(latitude)),
                function="ST_DWithin", output_field=BooleanField())


class RepeatFilter(QueryParamFilter):
    """Repeat cases at one place: another case of the same list in the same building or within 50 m.

    Must run after the other filters: the list they leave is the set the peers are looked for in.
    """

    param = "repeat"
    description = "1: cases sharing a building with, or within 50 m of, another case of this list; 0: the others"

    def apply(self, request, queryset: QuerySet, view, value: str) -> QuerySet:
        others = queryset.order_by().exclude(pk=OuterRef("pk"))
        repeat = (Exists(others.filter(building_id=OuterRef("building_id")))
                  | Exists(others.filter(within_metres(REPEAT_METRES))))
        return queryset.filter(repeat) if parse_flag(self.param, value) else queryset.exclude(repeat)


# in the order the list view applies them: RepeatFilter last (it looks for peers in what the others leave)
FIGURE_FILTERS = (AreaFilter, ReportedFromFilter, ReportedToFilter, CategoryFilter, SourceFilter, SatisfactionFilter,
                  OnTimeFilter, RepeatFilter)
