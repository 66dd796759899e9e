"""Who may see what: a role and an area per user, and the audit log of personal-data reveals."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers.models.divisions import Division, Grid, division_prefix


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COUNTY = "county_operator", _("县级操作员")
    TOWN = "town_operator", _("镇（街道）操作员")
    VILLAGE = "village_operator", _("村（社区）操作员")
    GRID_WORKER = "grid_worker", _("网格员")
    VIEWER = "viewer", _("只读用户")


# Which roles may reveal a resident's full ID number and phone (always audited).
MAY_REVEAL = {
    Role.ADMIN: True,
    Role.COUNTY: True,
    Role.TOWN: True,
    Role.VILLAGE: True,
    Role.GRID_WORKER: True,
    Role.VIEWER: False,
}

# Which roles may change grid boundaries (planning app), always only inside their own area.
MAY_PLAN = {
    Role.ADMIN: True,
    Role.COUNTY: True,
    Role.TOWN: True,
    Role.VILLAGE: True,
    Role.GRID_WORKER: False,
    Role.VIEWER: False,
}


class ProfileQuerySet(models.QuerySet):
    def area_prefix_of(self, user_id: int) -> str | None:
        """A user's area prefix in one lean query ('' for admins, None without a profile)."""
        row = (self.filter(user_id=user_id)
               .values_list("role", "grid__code", "division__code", "division__level").first())
        if row is None:
            return None
        role, grid_code, division_code, division_level = row
        if role == Role.ADMIN:
            return ""
        return grid_code if grid_code is not None else division_prefix(division_code, division_level)


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    division = models.ForeignKey(Division, verbose_name=_("所属区划"), null=True, blank=True,
                                 on_delete=models.PROTECT)
    grid = models.ForeignKey(Grid, verbose_name=_("所属网格"), null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("用户区域与角色")
        verbose_name_plural = _("用户区域与角色")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="admin") | Q(division__isnull=False, grid__isnull=True)
                | Q(division__isnull=True, grid__isnull=False),
                name="profile_one_area",
            ),
        ]

    objects = ProfileQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def area_prefix(self) -> str:
        """'' (everything) for admins; else the code prefix of the user's division or grid."""
        if self.role == Role.ADMIN:
            return ""
        area = self.grid or self.division
        return area.area_prefix()

    @property
    def may_reveal(self) -> bool:
        return MAY_REVEAL[Role(self.role)]


class RevealAudit(models.Model):
    """One row per reveal of a resident's personal data: who, what, when, why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reveals")
    resident = models.ForeignKey("layers.Resident", on_delete=models.PROTECT, related_name="reveals")
    fields = models.CharField(_("查看字段"), max_length=100)
    reason = models.CharField(_("事由"), max_length=200)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("来源IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.resident_id} @ {self.at:%Y-%m-%d %H:%M}"
