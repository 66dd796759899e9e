from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class IotConfig(AppConfig):
    name = "iot"
    verbose_name = pgettext_lazy("iot", "物联感知设备")
