"""What an import did: counts, repairs, warnings and every rejected row, with the reject report files."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

REJECT_COLUMNS = ("file", "row", "field", "value", "reason")
REJECT_HEADERS_ZH = ("文件", "行号/要素号", "字段", "原值", "原因")
MAX_LISTED_KEYS = 1000


@dataclass(frozen=True)
class Reject:
    file: str
    row: int
    field: str
    value: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    file: str
    format: str = ""
    crs: str = ""
    committed: bool = False
    read: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    assigned: int = 0
    rejects: list[Reject] = field(default_factory=list)
    repairs: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    updated_keys: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len({r.row for r in self.rejects})

    def reject(self, row: int, field_name: str, value, reason: str) -> None:
        text = "" if value is None else str(value)
        self.rejects.append(Reject(self.file, int(row), field_name, text[:200], reason))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rejected"] = self.rejected
        data["repairs"] = dict(self.repairs)
        data["rejects"] = [asdict(r) for r in self.rejects[:200]]
        data["rejects_total"] = len(self.rejects)
        return data

    def summary_lines(self) -> list[str]:
        """The summary the CLI prints and the upload page shows (zh-Hans / English)."""
        mode = "已写入 / committed" if self.committed else "试运行，未写入 / dry run, nothing written"
        lines = [f"{self.file}: {', '.join(part for part in (self.format, self.crs) if part)} — {mode}",
                 f"读取 read {self.read:,} · 接受 accepted {self.accepted:,} · 拒绝 rejected {self.rejected:,}",
                 f"新增 inserted {self.inserted:,} · 更新 updated {self.updated:,} · 未变 unchanged {self.unchanged:,}"
                 f" · 落格 assigned to grids {self.assigned:,}"]
        lines += [f"修复 repaired {count:,}: {what}" for what, count in sorted(self.repairs.items())]
        lines += [f"注意 warning: {w}" for w in self.warnings]
        if self.updated_keys:
            lines.append(f"更新的编码 updated: {', '.join(self.updated_keys[:20])}"
                         + (" …" if len(self.updated_keys) > 20 else ""))
        for reason, count in Counter(r.reason for r in self.rejects).most_common(10):
            lines.append(f"拒绝 rejected {count:,}: {reason}")
        lines.append(f"用时 took {self.seconds:.1f} s")
        return lines


def write_rejects_csv(rejects: list[Reject], path: Path) -> Path:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens it without garbling; rows in file order."""
    rejects = sorted(rejects, key=lambda r: r.row)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REJECT_HEADERS_ZH)
        writer.writerows([r.file, r.row, r.field, r.value, r.reason] for r in rejects)
    return path


def write_rejects_xlsx(rejects: list[Reject], path: Path) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    rejects = sorted(rejects, key=lambda r: r.row)
    sheet = book.add_worksheet("拒绝记录")
    sheet.write_row(0, 0, REJECT_HEADERS_ZH)
    for i, r in enumerate(rejects, start=1):
        sheet.write_row(i, 0, [r.file, r.row, r.field, r.value, r.reason])
    book.close()
    return path


REJECT_WRITERS = {"csv": write_rejects_csv, "xlsx": write_rejects_xlsx}
