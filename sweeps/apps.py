from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SweepsConfig(AppConfig):
    name = "sweeps"
    verbose_name = pgettext_lazy("sweeps", "定期排查")
    default_auto_field = "django.db.models.BigAutoField"
