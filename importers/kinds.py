"""The kind table: what each importable layer holds, its columns (with Chinese and English aliases),
its key, its geometry and the SQL that checks, writes and links it.

A field's ``name`` is also its column name in exports, so an exported file imports unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from importers import fields as f
from layers.models import CareTag, GridKind, ResidenceType, SensorKind, SensorStatus, Tier
from layers.models.buildings import BuildingUse
from layers.models.incidents import IncidentSource, IncidentStatus
from layers.models.people import Relation, Sex


@dataclass(frozen=True)
class Field:
    name: str
    parse: f.Parser
    sql_type: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> tuple[str, ...]:
        """Every header this field answers to: its own name first."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # zh-Hans
    label_en: str
    key: str
    fields: tuple[Field, ...]
    geometry: str | None = None  # "MultiPolygon" | "Point" | None
    sql: str = ""  # prefix of its SQL files: <sql>_checks.sql, <sql>_upsert.sql, <sql>_link.sql
    fixed: tuple[tuple[str, str], ...] = ()  # columns every row gets (cameras: kind=camera)
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of fields of which the file must have at least one
    passes: tuple[dict, ...] = ({},)  # the upsert SQL runs once per entry, with its parameters added
    row_checks: Callable[[dict[str, np.ndarray]], list[tuple[int, str, str]]] | None = None
    after_link: Callable[[Any], None] | None = None  # run with the import's cursor after <sql>_link.sql

    def field(self, name: str) -> Field:
        return next(fd for fd in self.fields if fd.name == name)

    @property
    def staging_columns(self) -> list[tuple[str, str]]:
        columns = [(fd.name, fd.sql_type) for fd in self.fields]
        columns += [(name, "text") for name, _ in self.fixed]
        if self.geometry:
            columns.append(("geom", f"geometry({self.geometry}, 4326)"))
        return columns


BUILDING_USE = f.Enum(BuildingUse, {"居住": "residential", "住宅楼": "residential", "商铺": "commercial",
                                    "商住楼": "mixed", "公建": "public", "厂房": "industrial"})
TIER = f.Enum(Tier, {"放心": "green", "关心": "yellow", "连心": "red", "绿": "green", "黄": "yellow", "红": "red"})
RESIDENCE = f.Enum(ResidenceType, {"户籍": "registered", "常住": "registered", "流动": "floating",
                                   "境外": "overseas", "外籍": "overseas"})
CARE = f.Enum(CareTag, {"独居": "elderly_alone", "空巢老人": "elderly_alone", "留守儿童": "left_behind",
                        "留守老人": "left_behind", "残疾": "disabled", "低保户": "subsidy"})
SEX = f.Enum(Sex, {"male": "M", "female": "F", "男性": "M", "女性": "F", "1": "M", "2": "F"})
RELATION = f.Enum(Relation, {"本人": "head", "妻": "spouse", "夫": "spouse", "子": "child", "女": "child",
                             "儿子": "child", "女儿": "child", "父亲": "parent", "母亲": "parent",
                             "孙子": "grandchild", "孙女": "grandchild"})
GRID_KIND = f.Enum(GridKind, {"综合": "comprehensive", "学校": "school", "医院": "hospital",
                              "市场": "market", "商场": "market", "企业": "enterprise", "园区": "enterprise"})
SENSOR_KIND = f.Enum(SensorKind, {"烟感": "smoke", "烟感探测器": "smoke", "烟感报警器": "smoke", "摄像头": "camera",
                                  "摄像机": "camera", "监控": "camera", "燃气": "gas", "燃气报警器": "gas",
                                  "可燃气体探测器": "gas"})
SENSOR_STATUS = f.Enum(SensorStatus, {"正常": "online", "故障": "offline", "报警": "alarm"})
INCIDENT_SOURCE = f.Enum(IncidentSource, {"网格员": "grid_worker", "12345": "hotline", "热线": "hotline",
                                          "来访": "walk_in", "信箱": "web", "物联": "iot"})
INCIDENT_STATUS = f.Enum(IncidentStatus, {"已上报": "reported", "已受理": "accepted", "已办结": "resolved",
                                          "已归档": "archived", "已分流": "dispatched", "已派单": "dispatched",
                                          "办理中": "in_progress", "处理中": "in_progress", "已督办": "supervised",
                                          "已回访": "followed_up", "已退回": "rejected"})

THIS_YEAR = dt.date.today().year
BUILDING_CODE = r"[0-9A-Za-z][0-9A-Za-z_\-]{0,31}"


def without_suffix(parser: f.Parser, *suffixes: str) -> f.Parser:
    """The parser, after dropping the word a register writes after the number (1单元, 5层)."""
    def parse(raw: np.ndarray) -> f.Parsed:
        cells = np.array([f.cell_text(c) for c in raw.tolist()], dtype=object)
        for suffix in suffixes:
            cells = np.array([c.removesuffix(suffix).strip() if c else c for c in cells.tolist()], dtype=object)
        return parser(cells)
    return parse


ROOM_FLOOR = re.compile(r"^\D*(\d{1,3})\d{2}\D*$")  # 501 → 5, 1203室 → 12


def household_checks(values: dict[str, np.ndarray]) -> list[tuple[int, str, str]]:
    """A blank floor is read from the room number (its digits before the last two)."""
    problems = []
    floors, rooms = values["floor"], values["room"]
    for i, room in enumerate(rooms.tolist()):
        if floors[i] is not None or room is None:
            continue
        match = ROOM_FLOOR.match(room)
        if match:
            floors[i] = int(match.group(1))
        else:
            problems.append((i, "floor", "楼层为空，且无法从房号推出 / floor is blank and the room number does not "
                                         "give it"))
    return problems


def resident_checks(values: dict[str, np.ndarray]) -> list[tuple[int, str, str]]:
    """Birth date and sex must agree with the ID number (its digits 7-14 and 17)."""
    problems = []
    ids, born, sex = values["id_number"], values["birth_date"], values["sex"]
    for i, number in enumerate(ids.tolist()):
        if number is None:
            continue
        from_id = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if born[i] is None:
            born[i] = from_id
        elif born[i] != from_id:
            problems.append((i, "birth_date", f"出生日期与身份证号不符（身份证为{from_id}） / "
                                              f"birth date disagrees with the ID number ({from_id})"))
        id_sex = "M" if int(number[16]) % 2 else "F"
        if sex[i] is None:
            sex[i] = id_sex
        elif sex[i] != id_sex:
            problems.append((i, "sex", "性别与身份证号不符 / sex disagrees with the ID number"))
    return problems


FRESH_STATISTICS_GRIDS = 500  # touched grids from which an import refreshes the statistics before recounting


def refresh_touched_grids(cursor) -> None:
    """Recount the figures of the grids the link SQL noted in import_touched_grids, and of their ancestors."""
    from importers import sql
    from layers.models import Grid

    cursor.execute(sql.load("touched_grids"))
    grid_ids = [row[0] for row in cursor.fetchall()]
    if len(grid_ids) >= FRESH_STATISTICS_GRIDS:
        # The rows this transaction wrote are not in the planner's statistics yet (autovacuum cannot see
        # them): without this the recount's joins over a million new residents were planned as if the
        # tables were empty, and ran for more than 12 minutes. ANALYZE counts our own new rows.
        cursor.execute("ANALYZE layers_building, layers_household, layers_resident")
    Grid.objects.filter(pk__in=grid_ids).refresh_figures()


def _sensor_fields(kind_column: bool) -> tuple[Field, ...]:
    columns = [
        Field("device_id", f.code(r"[0-9A-Za-z_\-:.]{1,64}", "1-64位字母数字"), "text",
              ("设备编号", "设备ID", "设备id", "device", "imei", "IMEI", "编号", "摄像头编号", "点位编号"), True),
        Field("status", f.enum(SENSOR_STATUS), "text", ("状态", "设备状态")),
        Field("battery", f.integer(0, 100), "integer", ("电量", "电量%", "battery_pct")),
        Field("installed_at", f.moment(), "timestamptz", ("安装时间", "安装日期", "install_date", "installed")),
        Field("building_code", f.code(BUILDING_CODE, "楼栋编码"), "text",
              ("楼栋编码", "楼栋编号", "所在楼栋", "bldg_code")),
    ]
    if kind_column:
        columns.insert(1, Field("kind", f.enum(SENSOR_KIND), "text", ("类型", "设备类型", "type"), True))
    return tuple(columns)


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("divisions", "行政区划", "divisions", "code", (
        Field("code", f.code(r"\d{12}", "12位统计用区划代码"), "text",
              ("区划代码", "统计用区划代码", "行政区划代码", "代码", "编码", "adcode"), True),
        Field("name", f.text(100), "text", ("名称", "区划名称", "村名", "社区名称"), True),
    ), "MultiPolygon", "divisions"),
    Kind("grids", "网格", "grids", "code", (
        Field("code", f.code(r"\d{15}(\d{2}){0,2}", "15、17或19位网格编码"), "text",
              ("网格编码", "网格代码", "网格编号", "编码", "grid_code"), True),
        Field("name", f.text(100), "text", ("网格名称", "名称"), True),
        Field("kind", f.enum(GRID_KIND), "text", ("网格类型", "类型", "type")),
    ), "MultiPolygon", "grids", after_link=refresh_touched_grids,
         passes=({"level": 1}, {"level": 2}, {"level": 3})),
    Kind("buildings", "楼栋", "buildings", "code", (
        Field("code", f.code(BUILDING_CODE, "1-32位字母数字编码"), "text",
              ("楼栋编码", "楼栋编号", "建筑编码", "建筑物编码", "编码", "building_code", "bldg_code"), True),
        Field("address", f.text(200), "text", ("地址", "楼栋地址", "门牌地址", "标准地址", "addr")),
        Field("name", f.text(100), "text", ("名称", "楼栋名称", "楼号")),
        Field("floors", f.integer(1, 200), "integer", ("层数", "楼层数", "地上层数", "levels", "building:levels")),
        Field("height", f.number(0, 1000), "double precision", ("高度", "建筑高度", "楼高")),
        Field("use", f.enum(BUILDING_USE), "text", ("用途", "建筑用途", "房屋用途")),
        Field("year_built", f.integer(1000, THIS_YEAR), "integer", ("建成年份", "建筑年代", "竣工年份", "year")),
    ), "MultiPolygon", "buildings"),
    Kind("households", "房屋（户）", "households", "code", (
        Field("code", f.code(r"[0-9A-Za-z_\-]{1,40}", "1-40位字母数字编码"), "text",
              ("房屋编码", "户编码", "户编号", "房屋编号", "household_code"), True),
        Field("building_code", f.code(BUILDING_CODE, "楼栋编码"), "text",
              ("楼栋编码", "楼栋编号", "所属楼栋", "bldg_code")),
        Field("building_address", f.text(200), "text", ("楼栋地址", "地址", "address", "bldg_addr")),
        Field("unit", without_suffix(f.integer(1, 99), "单元"), "integer", ("单元", "单元号", "unit_number")),
        Field("floor", without_suffix(f.integer(-5, 200), "层", "楼"), "integer", ("楼层", "所在楼层", "层")),
        Field("room", f.text(10), "text", ("房号", "门牌号", "室"), True),
        Field("tier", f.enum(TIER), "text", ("分类", "户分类", "三色分类", "管理类别")),
    ), None, "households", one_of=(("building_code", "building_address"),), row_checks=household_checks,
         after_link=refresh_touched_grids),
    Kind("residents", "居民", "residents", "id_number", (
        Field("id_number", f.id_number(), "text",
              ("身份证号", "身份证号码", "公民身份号码", "证件号码", "idcard"), True),
        Field("household_code", f.code(r"[0-9A-Za-z_\-]{1,40}", "房屋编码"), "text",
              ("房屋编码", "户编码", "户编号", "所属房屋"), True),
        Field("name", f.text(50), "text", ("姓名", "名字"), True),
        Field("sex", f.enum(SEX), "text", ("性别", "gender")),
        Field("birth_date", f.date(), "date", ("出生日期", "生日", "birthday")),
        Field("phone", f.phone(), "text", ("联系电话", "电话", "手机", "手机号", "mobile")),
        Field("relation", f.enum(RELATION), "text", ("与户主关系", "关系")),
        Field("residence_type", f.enum(RESIDENCE), "text", ("人口类型", "居住类型", "户籍类型")),
        Field("care_tags", f.tags(CARE), "text[]", ("关爱标签", "重点人群", "标签", "tags")),
    ), None, "residents", row_checks=resident_checks, after_link=refresh_touched_grids),
    Kind("sensors", "物联设备", "sensors", "device_id", _sensor_fields(kind_column=True), "Point", "sensors"),
    Kind("cameras", "摄像头", "cameras", "device_id", _sensor_fields(kind_column=False), "Point", "sensors",
         fixed=(("kind", "camera"),)),
    Kind("incidents", "事件", "incidents", "code", (
        Field("code", f.code(r"[0-9A-Za-z_\-]{1,32}", "1-32位字母数字编号"), "text",
              ("事件编号", "工单编号", "编号", "case_id"), True),
        Field("title", f.text(200), "text", ("标题", "事件标题", "诉求标题", "主题"), True),
        Field("description", f.text(5000), "text", ("描述", "事件描述", "诉求内容", "内容", "descr")),
        Field("category", f.text(50), "text", ("类别", "事件类别", "事项分类"), True),
        Field("source", f.enum(INCIDENT_SOURCE), "text", ("来源", "来源渠道", "渠道"), True),
        Field("status", f.enum(INCIDENT_STATUS), "text", ("状态", "办理状态")),
        Field("reported_at", f.moment(), "timestamptz", ("上报时间", "受理时间", "登记时间", "reported",
                                                          "created_at"), True),
        Field("deadline", f.moment(), "timestamptz", ("办理时限", "截止时间")),
        Field("closed_at", f.moment(), "timestamptz", ("办结时间", "结案时间")),
    ), "Point", "incidents"),
)}


def kind(name: str) -> Kind:
    from geo_governance.errors import BadInput

    try:
        return KINDS[name]
    except KeyError:
        raise BadInput(f"未知的数据类型：{name}（可选：{', '.join(KINDS)}） / unknown kind {name!r}",
                       field="kind") from None
