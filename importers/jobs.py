"""Import jobs of the upload page: the stored upload, the run of the import core and its recorded progress.

A job runs in a background thread of the web process (``launch``; tests may swap in ``run_job`` to
run it synchronously). The thread has its own database connection, closed when it ends. Progress
reaches the job row at most every ``PROGRESS_EVERY`` seconds and at each new phase; the page polls it.
A dry run keeps its upload so that it can be committed (a new job naming the dry run, at most one);
the upload is removed when a commit job ends, when a job is refused or fails, or after ``KEEP_UPLOAD``.
"""

from __future__ import annotations

import csv
import logging
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.utils import timezone

from geo_governance.errors import BadInput
from importers.core import ImportRequest, run_import
from importers.models import ImportJob
from importers.report import Reject, write_rejects_csv, write_rejects_xlsx

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds
KEEP_UPLOAD = timedelta(hours=24)  # a dry run not committed within this loses its upload
FAILED_MESSAGE = "导入时发生内部错误，已记录，请联系管理员 / the import failed with an internal error (logged)"
SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
Status = ImportJob.Status


def folder(name: str) -> Path:
    path = Path(settings.GEOGOV_IMPORT_TMP) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(upload: UploadedFile) -> Path:
    """Save an upload under a random name (keeping a plain suffix, which names the format)."""
    suffix = Path(upload.name or "").suffix.lower()
    path = folder("uploads") / (secrets.token_hex(16) + (suffix if SAFE_SUFFIX.fullmatch(suffix) else ""))
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def release_upload(path: str) -> None:
    """Remove a stored upload and forget it on every job that named it."""
    if path:
        ImportJob.objects.filter(stored_path=path).update(stored_path="")
        Path(path).unlink(missing_ok=True)


def release_stale_uploads() -> None:
    """Uploads of dry runs finished longer than KEEP_UPLOAD ago and never committed."""
    stale = ImportJob.objects.filter(commit=False, finished_at__lt=timezone.now() - KEEP_UPLOAD,
                                     commit_job__isnull=True).exclude(stored_path="")
    for path in stale.values_list("stored_path", flat=True):
        release_upload(path)


def import_request(job: ImportJob) -> ImportRequest:
    options = job.options
    return ImportRequest(kind=job.kind, path=Path(job.stored_path), name=job.file_name, commit=job.commit,
                         source_crs=options.get("source_crs"), swap_axes=bool(options.get("swap_axes")),
                         encoding=options.get("encoding"), layer=options.get("layer"),
                         mapping=options.get("mapping") or {},
                         allow_outside_china=bool(options.get("allow_outside_china")),
                         area_prefix=options.get("area_prefix", ""))


class JobProgress:
    """The core's progress callback: writes phase/done/total to the job row, throttled."""

    def __init__(self, job_id: int, every: float = PROGRESS_EVERY):
        self.job_id, self.every, self.phase, self.last = job_id, every, None, 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < self.every:
            return
        self.phase, self.last = phase, now
        ImportJob.objects.filter(pk=self.job_id).update(phase=phase, done=done, total=total)


def report_json(report) -> dict:
    data = report.as_dict()
    data["top_reasons"] = Counter(r.reason for r in report.rejects).most_common(10)
    data["summary"] = report.summary_lines()
    return data


def run_job(job_id: int) -> None:
    """Run one job to its end: done, refused (the core's message) or failed (logged, generic message)."""
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=Status.RUNNING, started_at=timezone.now())
    outcome: dict = {"status": Status.DONE, "phase": "done"}
    try:
        report = run_import(import_request(job), JobProgress(job_id))
        outcome["report"] = report_json(report)
        if report.rejects:
            outcome["rejects_path"] = str(write_rejects_csv(report.rejects, folder("rejects") / f"{job_id}.csv"))
    except BadInput as exc:
        outcome.update(status=Status.REFUSED, message=exc.message)
    except Exception:
        logger.exception("import job %s failed", job_id)
        outcome.update(status=Status.FAILED, message=FAILED_MESSAGE)
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **outcome)
    if job.commit or outcome["status"] != Status.DONE:
        release_upload(job.stored_path)


def run_in_thread(job_id: int) -> None:
    def main() -> None:
        try:
            run_job(job_id)
        finally:
            connection.close()

    threading.Thread(target=main, name=f"import-job-{job_id}", daemon=True).start()


launch: Callable[[int], None] = run_in_thread  # swap for run_job to run jobs synchronously


def start(job: ImportJob) -> None:
    launch(job.pk)


def read_rejects(path: str) -> list[Reject]:
    """The kept reject report (CSV) back as rows, for the XLSX download."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        return [Reject(file, int(row), field, value, reason) for file, row, field, value, reason in rows]


def rejects_xlsx(job: ImportJob) -> Path:
    path = folder("rejects") / f"{job.pk}-{secrets.token_hex(4)}.xlsx"
    return write_rejects_xlsx(read_rejects(job.rejects_path), path)
