"""Records of the import and export front doors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportJob(models.Model):
    """One run of the import core started from the upload page: its options, progress and report."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import", "排队中")
        RUNNING = "running", pgettext_lazy("import", "进行中")
        DONE = "done", pgettext_lazy("import", "已完成")
        REFUSED = "refused", pgettext_lazy("import", "文件被拒绝")
        FAILED = "failed", pgettext_lazy("import", "失败")

    FINISHED = (Status.DONE, Status.REFUSED, Status.FAILED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(pgettext_lazy("import", "数据类型"), max_length=20)
    file_name = models.CharField(pgettext_lazy("import", "文件名"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)  # the upload on disk; '' once removed
    options = models.JSONField(default=dict)  # ImportRequest options: source_crs, swap_axes, encoding …
    commit = models.BooleanField(pgettext_lazy("import", "写入"), default=False)  # False: a dry run
    dry_run = models.OneToOneField("self", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="commit_job")  # a commit job names the dry run it commits (once)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=20, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    message = models.TextField(blank=True)
    report = models.JSONField(null=True, blank=True)
    rejects_path = models.CharField(max_length=500, blank=True)  # the full reject report (CSV), kept
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("import", "导入任务")
        verbose_name_plural = pgettext_lazy("import", "导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {self.file_name} · {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class ExportAudit(models.Model):
    """One row per export of a layer: who (None from the command line), what, which format, how many rows, where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="exports")
    kind = models.CharField(_("数据类型"), max_length=20)
    format = models.CharField(_("格式"), max_length=10)
    rows = models.PositiveIntegerField(_("行数"))
    area = models.CharField(_("区域代码前缀"), max_length=19, blank=True)  # '' = everything
    personal = models.BooleanField(_("含个人信息"), default=False)  # residents: full ID numbers and phones
    via = models.CharField(_("途径"), max_length=10)  # "web" | "cli"
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("数据导出记录")
        verbose_name_plural = _("数据导出记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user or 'cli'} · {self.kind}.{self.format} · {self.rows} @ {self.at:%Y-%m-%d %H:%M}"
