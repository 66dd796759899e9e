"""The upload page at /import/: upload → dry run → summary and reject report → commit (jobs in importers.jobs)."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from importers import jobs
from importers.forms import MAX_MAPPING_BYTES, ImportForm, file_size_text
from importers.kinds import KINDS
from importers.models import ImportJob
from layers.models import Role
from layers.models.scoping import area_prefix

MAY_IMPORT = {Role.ADMIN, Role.COUNTY, Role.TOWN, Role.VILLAGE}
FORM_OVERHEAD = 64 << 10  # bytes of a multipart body besides the two files
REJECT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def may_import(user) -> bool:
    """Operators of an area (and admins) may import; grid workers and viewers may not."""
    if user.is_superuser:
        return True
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile is not None and profile.role in MAY_IMPORT


def importer_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapper


def own_job(request: HttpRequest, job_id: int) -> ImportJob:
    """A job of the requesting user; anyone else's is absent (404)."""
    job = ImportJob.objects.filter(pk=job_id, user=request.user).select_related("commit_job").first()
    if job is None:
        raise Http404
    return job


def page(request: HttpRequest, form: ImportForm, job: ImportJob | None = None, error: str = "",
         status: int = 200) -> HttpResponse:
    return render(request, "importers/upload.html", {
        "form": form, "job": job, "error": error, "kind": KINDS.get(job.kind) if job else None,
        "max_upload": file_size_text(settings.GEOGOV_IMPORT_MAX_UPLOAD_BYTES),
        "may_commit": job is not None and may_commit(job)}, status=status)


def may_commit(job: ImportJob) -> bool:
    has_commit = hasattr(job, "commit_job")
    return not job.commit and job.status == ImportJob.Status.DONE and bool(job.stored_path) and not has_commit


def see_job(job: ImportJob) -> HttpResponse:
    """303 to the upload page showing the job (a reload does not post again)."""
    response = redirect(f"{reverse('importers:upload')}?job={job.pk}")
    response.status_code = 303
    return response


def too_large(request: HttpRequest) -> bool:
    """The request body announces more than an upload may hold: refused before it is read."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    return length > settings.GEOGOV_IMPORT_MAX_UPLOAD_BYTES + MAX_MAPPING_BYTES + FORM_OVERHEAD


@require_http_methods(["GET", "POST"])
@importer_required
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        job = own_job(request, request.GET["job"]) if request.GET.get("job", "").isdigit() else None
        return page(request, ImportForm(), job)
    if too_large(request):
        limit = file_size_text(settings.GEOGOV_IMPORT_MAX_UPLOAD_BYTES)
        return page(request, ImportForm(), error=f"文件过大，上限 {limit} / the file is larger than the upload "
                                                 "limit", status=400)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return page(request, form, error=form.error_text(), status=400)
    jobs.release_stale_uploads()
    upload_file = form.cleaned_data["file"]
    job = ImportJob.objects.create(
        user=request.user, kind=form.cleaned_data["kind"], file_name=Path(upload_file.name).name[:255],
        stored_path=str(jobs.store_upload(upload_file)),
        options={**form.options(), "area_prefix": area_prefix(request.user) or ""})
    jobs.start(job)
    return see_job(job)


@require_POST
@importer_required
def commit(request: HttpRequest, job_id: int) -> HttpResponse:
    """Write what a dry run checked: the same stored file and options again, with commit=True (a new job)."""
    dry_run = own_job(request, job_id)
    if not may_commit(dry_run) or not Path(dry_run.stored_path).is_file():
        return page(request, ImportForm(), dry_run, status=400,
                    error="此试运行不能写入（已写入、未完成或文件已过期） / this dry run cannot be committed")
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(user=request.user, kind=dry_run.kind, file_name=dry_run.file_name,
                                           stored_path=dry_run.stored_path, commit=True, dry_run=dry_run,
                                           options={**dry_run.options, "area_prefix": area_prefix(request.user) or ""})
    except IntegrityError:  # a second click raced the first
        return page(request, ImportForm(), dry_run, error="此试运行已写入 / already committed", status=400)
    jobs.start(job)
    return see_job(job)


@require_GET
@importer_required
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the page polls: status, phase, done/total, and the report once finished."""
    job = own_job(request, job_id)
    return JsonResponse({
        "id": job.pk, "kind": job.kind, "file": job.file_name, "commit": job.commit, "status": job.status,
        "finished": job.finished, "phase": job.phase, "done": job.done, "total": job.total,
        "message": job.message, "report": job.report, "may_commit": may_commit(job),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None})


@require_GET
@importer_required
def rejects(request: HttpRequest, job_id: int, fmt: str) -> FileResponse:
    """The full reject report of a job, as CSV (kept) or XLSX (made from it)."""
    job = own_job(request, job_id)
    if not job.rejects_path or not Path(job.rejects_path).is_file():
        raise Http404
    path = Path(job.rejects_path) if fmt == "csv" else jobs.rejects_xlsx(job)
    handle = open(path, "rb")  # noqa: SIM115 -- FileResponse closes it
    if fmt != "csv":
        path.unlink()  # the open handle keeps the made file readable until the response ends
    name = f"{Path(job.file_name).stem}-rejects.{fmt}"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=REJECT_TYPES[fmt])
