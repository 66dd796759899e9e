"""The figures as an XLSX workbook (xlsxwriter, constant memory): figures, breakdowns, and the period's definition."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from django.utils.translation import pgettext

from casefigures import definitions
from casefigures.definitions import label

AREA_HEADERS = (label("区域代码"), label("名称"), label("层级"))
SHEETS = {"figures": label("指标"), "breakdown": label("分类"), "about": label("说明")}


def figure_headers() -> list[str]:
    return [str(h) for h in (*AREA_HEADERS, *(c.label for c in definitions.COUNTS),
                             *(r.label for r in definitions.RATES), *(text for _name, text in definitions.HANDLING))]


def figure_cells(row: dict) -> list:
    """One area's line: the same numbers as the API's row, in figure_headers() order."""
    return [row["code"], row["name"], row["level"], *(row["counts"][c.name]["value"] for c in definitions.COUNTS),
            *(row["rates"][r.name]["value"] for r in definitions.RATES),
            *(row["handling"][name] for name, _text in definitions.HANDLING)]


def breakdown_lines(row: dict):
    for dimension, (text, _param, _labels) in definitions.DIMENSIONS.items():
        for item in row["breakdown"][dimension]:
            yield [row["code"], row["name"], str(text), item["value"], item["label"], item["count"]]


def write_rows(sheet, rows) -> None:
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if value is None:
                continue
            sheet.write(r, c, value)


def write_workbook(data: dict, path: Path) -> Path:
    """Sheets 指标 (one line per area: the whole area first, then its children), 分类, 说明."""
    areas = [data["total"], *data["children"]]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    write_rows(book.add_worksheet(str(SHEETS["figures"])), [figure_headers(), *map(figure_cells, areas)])
    breakdown_header = [*(str(h) for h in AREA_HEADERS[:2]), str(label("维度")), str(label("取值")),
                        str(label("取值名称")), str(label("数量"))]
    write_rows(book.add_worksheet(str(SHEETS["breakdown"])),
               [breakdown_header, *(line for row in areas for line in breakdown_lines(row))])
    period = data["period"]
    write_rows(book.add_worksheet(str(SHEETS["about"])), [
        [str(label("区域")), data["area"]["name"], data["area"]["code"]],
        [str(label("开始日期")), period["start"]], [str(label("结束日期")), period["end"]],
        [str(label("口径")), pgettext("figures", "时段内上报的事件（上报时间，北京时间，起止日均含）")]])
    book.close()
    return path
