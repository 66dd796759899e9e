"""Residents (居民): personal data, masked by default, revealed only with an audit entry."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from layers.idnumber import validate_id_number, validate_phone
from layers.models.buildings import Household
from layers.models.scoping import AreaScopedQuerySet


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")


class CareTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    LEFT_BEHIND = "left_behind", _("留守人员")
    DISABLED = "disabled", _("残疾人")
    SUBSIDY = "subsidy", _("低保")
    VETERAN = "veteran", _("退役军人")
    SPECIAL_CARE = "special_care", _("特殊关爱")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    OTHER = "other", _("其他")


class ResidentQuerySet(AreaScopedQuerySet):
    area_path = "household__building__grid__code"


class Resident(models.Model):
    household = models.ForeignKey(Household, verbose_name=_("户"), on_delete=models.CASCADE,
                                  related_name="residents")
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("电话"), max_length=20, blank=True, validators=[validate_phone])
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices, default=Relation.HEAD)
    residence_type = models.CharField(_("人口类型"), max_length=12, choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    care_tags = ArrayField(models.CharField(max_length=20, choices=CareTag.choices), verbose_name=_("关爱标签"),
                           default=list, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["household__code", "id"]
        constraints = [
            # geogov_gb11643_valid() is created in migration 0002: checksum and birth date.
            models.CheckConstraint(
                condition=Func(F("id_number"), function="geogov_gb11643_valid",
                               output_field=models.BooleanField()),
                name="resident_id_number_gb11643",
                violation_error_message=_("身份证号校验位或出生日期错误"),
            ),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="resident_sex_enum"),
            models.CheckConstraint(condition=Q(residence_type__in=[t.value for t in ResidenceType]),
                                   name="resident_residence_type_enum"),
        ]

    def __str__(self) -> str:
        return self.name
