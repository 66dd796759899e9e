"""IoT ingestion's own tables: device keys, seen nonces, alarm cases and notifications.

The devices themselves are ``layers.Sensor`` (imported or added in the admin); nothing here adds a
column to a layers table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import pgettext_lazy

from layers.models.incidents import Incident
from layers.models.scoping import AreaScopedQuerySet
from layers.models.sensors import Sensor


def _(text: str):
    return pgettext_lazy("iot", text)


class DeviceKey(models.Model):
    """A device's signing key. Only a random salt is stored: the secret is HMAC(master key, device, salt).

    So a copy of the database alone reveals no secret; the server, which holds the master key
    (GEOGOV_IOT_MASTER_KEY, else SECRET_KEY), recomputes it to verify a signature (iot/keys.py).
    """

    sensor = models.OneToOneField(Sensor, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="iot_key")
    salt = models.CharField(_("盐值"), max_length=64)
    fingerprint = models.CharField(_("密钥指纹"), max_length=16,
                                   help_text=_("密钥SHA-256的前16位，用于核对设备所用密钥"))
    issued_at = models.DateTimeField(_("签发时间"), db_default=Now())
    # after a rotation the previous key still verifies until this moment, so devices can be updated
    previous_salt = models.CharField(_("上一密钥盐值"), max_length=64, blank=True, default="")
    previous_valid_until = models.DateTimeField(_("上一密钥有效至"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备密钥")
        verbose_name_plural = _("设备密钥")
        ordering = ["sensor__device_id"]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.fingerprint}"


class Nonce(models.Model):
    """A nonce already used by a device; kept until its signed timestamp leaves the replay window."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+", db_index=False)
    nonce = models.CharField(max_length=64)
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sensor", "nonce"], name="iot_nonce_once")]
        indexes = [models.Index(fields=["signed_at"], name="iot_nonce_signed_at")]


class AlarmKind(models.TextChoices):
    ALARM = "alarm", _("告警")
    TEST = "test", _("测试告警")


class Outcome(models.TextChoices):
    REAL = "real", _("真实告警")
    TEST = "test", _("测试告警")
    FALSE = "false", _("误报")


class AlarmCaseQuerySet(AreaScopedQuerySet):
    area_path = "grid__code"

    def open(self) -> AlarmCaseQuerySet:
        return self.filter(closed_at__isnull=True)


class AlarmCase(models.Model):
    """One alarm of one device and the case it opened; repeated alarms while it is open are appended here."""

    sensor = models.ForeignKey(Sensor, verbose_name=_("设备"), on_delete=models.CASCADE, related_name="alarm_cases")
    incident = models.OneToOneField(Incident, verbose_name=_("事件"), on_delete=models.CASCADE,
                                    related_name="alarm_case")
    # the device's grid when it alarmed (figures stay put if the device is moved later)
    grid = models.ForeignKey("layers.Grid", verbose_name=_("网格"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=AlarmKind.choices)
    opened_at = models.DateTimeField(_("首次告警时间"))
    last_alarm_at = models.DateTimeField(_("最近告警时间"))
    repeats = models.PositiveIntegerField(_("重复告警次数"), default=0)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    outcome = models.CharField(_("结论"), max_length=8, choices=Outcome.choices, null=True, blank=True)
    vulnerable = models.JSONField(_("楼内需关注人员"), default=dict, blank=True,
                                  help_text=_("告警时楼内独居老人、残疾人的人数（名单见响应人员接口）"))

    objects = AlarmCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("告警案件")
        verbose_name_plural = _("告警案件")
        ordering = ["-opened_at"]
        constraints = [
            # one open case per device: a concurrent second alarm cannot open another
            models.UniqueConstraint(fields=["sensor"], condition=Q(closed_at__isnull=True), name="iot_one_open_case"),
            models.CheckConstraint(condition=Q(outcome__isnull=True) | Q(outcome__in=Outcome.values),
                                   name="iot_alarm_outcome_enum"),
            models.CheckConstraint(condition=Q(kind__in=AlarmKind.values), name="iot_alarm_kind_enum"),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} → {self.incident_id}"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one user: to whom, what, about which case or device, when, and when read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                             related_name="iot_notifications")
    kind = models.CharField(_("类型"), max_length=16)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    incident = models.ForeignKey(Incident, verbose_name=_("事件"), null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    sensor = models.ForeignKey(Sensor, verbose_name=_("设备"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    created_at = models.DateTimeField(_("时间"), db_default=Now())
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="iot_notification_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"
