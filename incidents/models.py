"""The incident workflow's own tables: the transition log and the calendar's local exceptions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


# ---- intake (incidents/intake.py): reporters, idempotency keys, duplicate proposals, held cases, API clients --


class ApiClient(models.Model):
    """A system that files cases by API key instead of a login: the 12345 hotline, an Open311 client."""

    CHANNELS = (("hotline", pgettext_lazy("intake", "12345热线")), ("open311", pgettext_lazy("intake", "Open311")))

    name = models.CharField(pgettext_lazy("intake", "名称"), max_length=100, unique=True)
    channel = models.CharField(pgettext_lazy("intake", "渠道"), max_length=12, choices=CHANNELS)
    token_hash = models.CharField(pgettext_lazy("intake", "令牌摘要"), max_length=64, unique=True,
                                  help_text=pgettext_lazy("intake", "SHA-256，明文令牌不保存"))
    area_code = models.CharField(pgettext_lazy("intake", "可查询区域编码前缀"), max_length=19, blank=True,
                                 db_default="",
                                 help_text=pgettext_lazy("intake", "空：全部区域"))
    active = models.BooleanField(pgettext_lazy("intake", "启用"), db_default=True, default=True)
    created_at = models.DateTimeField(pgettext_lazy("intake", "创建时间"), db_default=Now())

    class Meta:
        verbose_name = pgettext_lazy("intake", "接口客户端")
        verbose_name_plural = pgettext_lazy("intake", "接口客户端")
        constraints = [models.CheckConstraint(condition=Q(channel__in=["hotline", "open311"]),
                                              name="apiclient_channel_enum")]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel})"


class Reporter(models.Model):
    """Who raised a case, by which channel and when; a merge moves them to the surviving case."""

    incident = models.ForeignKey(Incident, verbose_name=pgettext_lazy("intake", "事件"), on_delete=models.CASCADE,
                                 related_name="reporters")
    reported_case = models.ForeignKey(Incident, verbose_name=pgettext_lazy("intake", "原上报事件"),
                                      on_delete=models.CASCADE,
                                      related_name="+", help_text=pgettext_lazy("intake", "合并前所报的事件"))
    name = models.CharField(pgettext_lazy("intake", "姓名"), max_length=50, blank=True, db_default="")
    phone = models.CharField(pgettext_lazy("intake", "电话"), max_length=20, blank=True, db_default="")
    channel = models.CharField(pgettext_lazy("intake", "渠道"), max_length=12)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("intake", "登记人"), null=True,
                             blank=True,
                             on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(ApiClient, verbose_name=pgettext_lazy("intake", "接口客户端"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="reporters")
    at = models.DateTimeField(pgettext_lazy("intake", "时间"), db_default=Now())

    class Meta:
        verbose_name = pgettext_lazy("intake", "反映人")
        verbose_name_plural = pgettext_lazy("intake", "反映人")
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.name} ({self.channel})"


class IdempotencyKey(models.Model):
    """One row per (client, Idempotency-Key): the unique key makes a retry find the first case, never a second."""

    client = models.CharField(pgettext_lazy("intake", "客户端"), max_length=64,
                              help_text=pgettext_lazy("intake", "user:<id>、api:<id> 等"))
    key = models.CharField(pgettext_lazy("intake", "幂等键"), max_length=200)
    fingerprint = models.CharField(pgettext_lazy("intake", "请求摘要"), max_length=64)
    incident = models.ForeignKey(Incident, verbose_name=pgettext_lazy("intake", "事件"), null=True,
                                 on_delete=models.CASCADE,
                                 related_name="+")
    response = models.JSONField(pgettext_lazy("intake", "应答"), null=True, blank=True)
    at = models.DateTimeField(pgettext_lazy("intake", "时间"), db_default=Now())

    class Meta:
        verbose_name = pgettext_lazy("intake", "幂等键")
        verbose_name_plural = pgettext_lazy("intake", "幂等键")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key")]

    def __str__(self) -> str:
        return f"{self.client}/{self.key}"


class DuplicateStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("intake", "待确认")
    CONFIRMED = "confirmed", pgettext_lazy("intake", "已合并")
    DISMISSED = "dismissed", pgettext_lazy("intake", "非重复")


class Duplicate(models.Model):
    """A proposal that ``incident`` (newer) repeats ``original`` (older, same place/category/time window)."""

    incident = models.ForeignKey(Incident, verbose_name=pgettext_lazy("intake", "疑似重复事件"),
                                 on_delete=models.CASCADE,
                                 related_name="duplicate_proposals")
    original = models.ForeignKey(Incident, verbose_name=pgettext_lazy("intake", "原事件"), on_delete=models.CASCADE,
                                 related_name="duplicated_by")
    distance_m = models.FloatField(pgettext_lazy("intake", "距离（米）"))
    status = models.CharField(pgettext_lazy("intake", "状态"), max_length=10, choices=DuplicateStatus.choices,
                              default=DuplicateStatus.PROPOSED, db_default=DuplicateStatus.PROPOSED)
    at = models.DateTimeField(pgettext_lazy("intake", "时间"), db_default=Now())
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("intake", "确认人"), null=True,
                                   blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(pgettext_lazy("intake", "确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("intake", "疑似重复")
        verbose_name_plural = pgettext_lazy("intake", "疑似重复")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "original"], name="duplicate_pair"),
            models.CheckConstraint(condition=~Q(incident=models.F("original")), name="duplicate_not_self"),
            models.CheckConstraint(condition=Q(status__in=DuplicateStatus.values), name="duplicate_status_enum"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ≈ {self.original_id} ({self.status})"


class Hold(models.Model):
    """A case outside every grid, kept and waiting for manual placement (待人工定位)."""

    incident = models.OneToOneField(Incident, verbose_name=pgettext_lazy("intake", "事件"), primary_key=True,
                                    on_delete=models.CASCADE,
                                    related_name="hold")
    at = models.DateTimeField(pgettext_lazy("intake", "时间"), db_default=Now())
    placed_at = models.DateTimeField(pgettext_lazy("intake", "定位时间"), null=True, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("intake", "定位人"), null=True,
                                  blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("intake", "待定位事件")
        verbose_name_plural = pgettext_lazy("intake", "待定位事件")
        indexes = [models.Index(fields=["at"], name="hold_open_at", condition=Q(placed_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.incident_id} ({'placed' if self.placed_at else 'held'})"
