"""Safe unpacking of uploaded zip files (zipped Shapefiles, KMZ) into the import's own folder.

Refused before anything is written: members with absolute paths, ``..`` components, drive letters
or backslashes; symbolic links (Unix mode bits in the external attributes); more members, more
unpacked bytes, or a higher compression ratio than the limits (a zip bomb). While unpacking, the
bytes actually written are counted too, so a member that lies about its size is stopped at once.
macOS Finder's ``__MACOSX/`` and ``._name`` entries are checked like the rest but never unpacked.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from geo_governance.errors import BadInput

MAX_MEMBERS = 1000
MAX_RATIO = 200  # unpacked / packed, over the whole archive (shapefiles compress ~3-10×)
CHUNK = 1 << 20


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    unsafe = (not path.parts or name.startswith("/") or "\\" in name or ":" in path.parts[0]
              or ".." in path.parts)
    if unsafe:
        raise BadInput(f"压缩包含有不安全的路径：{name[:100]} / the zip holds an unsafe path", field="file")
    return path


def _check_members(archive: zipfile.ZipFile, max_bytes: int, packed_size: int) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise BadInput(f"压缩包内文件过多（{len(members)} 个，上限 {MAX_MEMBERS}） / too many files in the zip",
                       field="file")
    total = 0
    for info in members:
        _safe_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BadInput(f"压缩包含有符号链接：{info.filename[:100]} / the zip holds a symbolic link", field="file")
        if info.flag_bits & 0x1:
            raise BadInput("压缩包已加密 / the zip is encrypted", field="file")
        total += info.file_size
    if total > max_bytes:
        raise BadInput(f"解压后超过 {max_bytes // (1 << 20)} MB 上限 / unpacks to more than the limit", field="file")
    if packed_size and total > MAX_RATIO * packed_size and total > 10 * CHUNK:
        raise BadInput(f"压缩比异常（{total // max(packed_size, 1)}:1），疑似压缩炸弹 / "
                       "suspicious compression ratio (zip bomb)", field="file")
    return [m for m in members if not m.is_dir() and not _mac_resource(m.filename)]


def _mac_resource(name: str) -> bool:
    """macOS Finder's additions to a zip (__MACOSX/, ._name AppleDouble files): never unpacked."""
    path = PurePosixPath(name)
    return path.parts[0] == "__MACOSX" or path.name.startswith("._")


def check(path: Path, max_bytes: int) -> None:
    """The checks of ``unpack`` without unpacking: for a zip another reader opens itself (an XLSX workbook)."""
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive, max_bytes, path.stat().st_size)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInput(f"不是有效的 zip 压缩包：{exc} / not a valid zip file", field="file") from None


def unpack(path: Path, into: Path, max_bytes: int) -> list[Path]:
    """Unpack a zip into ``into`` (which must be empty and ours); returns the files written."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInput(f"不是有效的 zip 压缩包：{exc} / not a valid zip file", field="file") from None
    written: list[Path] = []
    budget = max_bytes
    with archive:
        for info in _check_members(archive, max_bytes, path.stat().st_size):
            target = into.joinpath(*_safe_name(info.filename).parts)
            if into.resolve() not in target.resolve().parents:
                raise BadInput("压缩包含有不安全的路径 / the zip holds an unsafe path", field="file")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "xb") as sink:
                    while chunk := source.read(CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise BadInput("解压后超过上限，疑似压缩炸弹 / unpacks to more than the limit (zip bomb)",
                                           field="file")
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:  # CRC errors, unknown methods
                raise BadInput(f"压缩包已损坏：{exc} / the zip is damaged", field="file") from None
            except FileExistsError:
                raise BadInput(f"压缩包内文件重名：{info.filename[:100]} / the zip holds a name twice",
                               field="file") from None
            written.append(target)
    return written
