"""The incident workflow's own tables: the transition log and the calendar's local exceptions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from layers.models.incidents import Incident


class IncidentTransition(models.Model):
    """One row per workflow step of an incident: who (NULL = the system's sweep), when, from, to, why."""

    incident = models.ForeignKey(Incident, verbose_name=_("事件"), on_delete=models.CASCADE,
                                 related_name="transitions")
    action = models.CharField(_("操作"), max_length=16)
    from_status = models.CharField(_("原状态"), max_length=12)
    to_status = models.CharField(_("新状态"), max_length=12)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="incident_transitions")
    at = models.DateTimeField(_("时间"), db_default=Now())
    note = models.TextField(_("说明"), blank=True, db_default="")
    data = models.JSONField(_("数据"), default=dict, db_default={}, blank=True,
                            help_text=_("操作的参数：理由、层级、单位、满意度、附件等"))

    class Meta:
        verbose_name = _("事件流转记录")
        verbose_name_plural = _("事件流转记录")
        ordering = ["incident", "at", "id"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_transition_at")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.from_status} → {self.to_status} ({self.action})"


class CalendarDay(models.Model):
    """A local exception to the shipped calendar (incidents/data/calendar_cn.csv): this row wins."""

    date = models.DateField(_("日期"), primary_key=True)
    working = models.BooleanField(_("工作日"), help_text=_("勾选：调休上班；不勾选：放假"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
