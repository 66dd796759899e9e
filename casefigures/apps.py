from django.apps import AppConfig


class CaseFiguresConfig(AppConfig):
    name = "casefigures"
    verbose_name = "事件统计"
