"""The upload form: which kind, which file, and the options the import core takes (as on the command line)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import get_language, pgettext_lazy

from geo_governance.errors import BadInput
from importers import crs, mapping
from importers.kinds import KINDS

MAX_MAPPING_BYTES = 1 << 20
ENCODINGS = (("", pgettext_lazy("import", "自动识别")), ("UTF-8", "UTF-8"), ("GBK", "GBK"), ("GB18030", "GB18030"),
             ("Big5", "Big5"))


@lru_cache(maxsize=1)
def crs_choices() -> tuple[tuple[str, str], ...]:
    """The source CRS list: from the file, the Chinese web-map datums, then every accepted EPSG code."""
    import pyproj

    codes = [crs.WGS84, crs.CGCS2000, crs.WEB_MERCATOR, *crs.GAUSS_KRUGER]
    return (("", pgettext_lazy("import", "按文件（默认）")),
            ("gcj02", pgettext_lazy("import", "GCJ-02（高德、腾讯地图）")),
            ("bd09", pgettext_lazy("import", "BD-09（百度地图）")),
            *((str(code), f"EPSG:{code} {pyproj.CRS.from_epsg(code).name}") for code in codes))


def kind_choices() -> list[tuple[str, str]]:
    english = (get_language() or "").startswith("en")
    return [(k.name, k.label_en if english else k.label) for k in KINDS.values()]


def file_size_text(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("import", "数据类型"))
    file = forms.FileField(label=pgettext_lazy("import", "数据文件"))
    source_crs = forms.ChoiceField(label=pgettext_lazy("import", "源坐标系"), required=False)
    swap_axes = forms.BooleanField(label=pgettext_lazy("import", "经纬度互换（文件为纬度、经度顺序）"), required=False)
    encoding = forms.ChoiceField(label=pgettext_lazy("import", "文字编码"), choices=ENCODINGS, required=False)
    layer = forms.CharField(label=pgettext_lazy("import", "图层名（多图层文件）"), max_length=100, required=False)
    allow_outside_china = forms.BooleanField(label=pgettext_lazy("import", "允许中国范围以外的坐标"), required=False)
    mapping = forms.FileField(label=pgettext_lazy("import", "字段映射文件（JSON，可选）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        self.fields["source_crs"].choices = crs_choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.GEOGOV_IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件过大：{file_size_text(upload.size)}，上限 {file_size_text(limit)} / "
                                        "the file is larger than the upload limit")
        return upload

    def clean_mapping(self) -> dict[str, str | None]:
        """The mapping file, checked by the core's own reader; its content is kept, not the file."""
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return {}
        if upload.size > MAX_MAPPING_BYTES:
            raise forms.ValidationError("字段映射文件过大（上限 1 MB） / the mapping file is larger than 1 MB")
        with tempfile.NamedTemporaryFile(suffix=".json", dir=settings.GEOGOV_IMPORT_TMP) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                return mapping.load_mapping_file(Path(handle.name))
            except BadInput as exc:
                raise forms.ValidationError(exc.message) from None

    def options(self) -> dict:
        """The ImportRequest options this form sets (stored on the job as JSON)."""
        data = self.cleaned_data
        return {"source_crs": data["source_crs"] or None, "swap_axes": data["swap_axes"],
                "encoding": data["encoding"] or None, "layer": data["layer"].strip() or None,
                "allow_outside_china": data["allow_outside_china"], "mapping": data["mapping"]}

    def error_text(self) -> str:
        return "；".join(str(message) for errors in self.errors.values() for message in errors)
