"""Photos sent with a report: JPEG, PNG or WebP recognised by their bytes, size-limited, stored by content hash."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from geo_governance.errors import BadInput

MAX_PHOTOS = 5
# type → test on the first bytes
SIGNATURES = {
    "jpg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}
NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")


def photo_type(head: bytes) -> str:
    for ext, test in SIGNATURES.items():
        if test(head):
            return ext
    raise BadInput(_("照片须为 JPEG、PNG 或 WebP 图片 / a photo must be a JPEG, PNG or WebP image"), field="photo")


def store(upload) -> str:
    """Check and store one uploaded photo; returns its name (sha256.ext), the same for the same bytes."""
    limit = settings.GEOGOV_INTAKE_MAX_PHOTO_BYTES
    if upload.size > limit:
        raise BadInput(_("照片不能超过 %(n)s 字节（约 %(mb)s MB） / a photo may be at most %(n)s bytes "
                         "(about %(mb)s MB)")
                       % {"n": f"{limit:,}", "mb": round(limit / (1 << 20), 1)}, field="photo")
    data = upload.read()
    name = f"{hashlib.sha256(data).hexdigest()}.{photo_type(data[:16])}"
    path = folder() / name
    if not path.exists():
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # atomic: a reader never sees half a photo
    return name


def store_all(uploads: list) -> list[str]:
    if len(uploads) > MAX_PHOTOS:
        raise BadInput(_("最多上传 %(n)s 张照片 / at most %(n)s photos") % {"n": MAX_PHOTOS}, field="photo")
    return [store(upload) for upload in uploads]


def folder() -> Path:
    path = Path(settings.GEOGOV_INTAKE_MEDIA) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path | None:
    return folder() / name if NAME.match(name) and (folder() / name).exists() else None
