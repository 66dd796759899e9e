"""Query-parameter filters of the incident list (?status=, ?overdue=, ?near_deadline=, ?supervised=)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput
from incidents.service import actor_of
from layers.api.filters import QueryParamFilter
from layers.models.incidents import IncidentStatus

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
