from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("网格规划")
    default_auto_field = "django.db.models.BigAutoField"
