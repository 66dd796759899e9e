"""Incidents of the last twelve months, clustered round a few hotspots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely

from layers.demo.people import draw

YEAR_SECONDS = 365 * 86400
BACKGROUND_SHARE = 0.2
HOTSPOT_SIGMA_M = (40.0, 140.0)
MEDIAN_HANDLING_HOURS = 30.0


@dataclass(frozen=True)
class Category:
    path: str
    weight: float
    deadline_days: int
    title: str


CATEGORIES = (
    Category("城市管理/占道经营", 14, 3, "流动摊贩占道经营"),
    Category("城市管理/乱堆乱放", 10, 3, "楼道及路边杂物乱堆乱放"),
    Category("城市管理/违章搭建", 4, 15, "疑似违章搭建"),
    Category("环境卫生/垃圾清运不及时", 9, 2, "垃圾未及时清运"),
    Category("环境卫生/污水外溢", 4, 2, "下水道堵塞污水外溢"),
    Category("矛盾纠纷/邻里纠纷", 8, 7, "邻里因噪音漏水发生纠纷"),
    Category("矛盾纠纷/物业纠纷", 6, 7, "业主与物业服务纠纷"),
    Category("矛盾纠纷/劳资纠纷", 2, 10, "务工人员讨要工资"),
    Category("安全隐患/消防通道堵塞", 9, 1, "消防通道被车辆堵塞"),
    Category("安全隐患/电动车违规充电", 8, 1, "电动车楼道飞线充电"),
    Category("安全隐患/燃气隐患", 2, 1, "疑似燃气泄漏异味"),
    Category("公共设施/路灯损坏", 5, 5, "路灯不亮"),
    Category("公共设施/井盖破损", 3, 2, "井盖破损缺失"),
    Category("社会治安/噪音扰民", 6, 3, "夜间噪音扰民"),
    Category("民生服务/困难帮扶", 4, 10, "困难群众申请帮扶"),
)

SOURCES = {"grid_worker": 0.55, "hotline": 0.25, "web": 0.08, "walk_in": 0.07, "iot": 0.03, "open311": 0.02}

# Status by age of the incident: (max age in days, status shares).
STATUS_BY_AGE = (
    (7, {"reported": 0.18, "accepted": 0.17, "dispatched": 0.17, "in_progress": 0.2, "supervised": 0.03,
         "resolved": 0.2, "rejected": 0.05}),
    (30, {"dispatched": 0.04, "in_progress": 0.12, "supervised": 0.06, "resolved": 0.45, "followed_up": 0.18,
          "archived": 0.1, "rejected": 0.05}),
    (366, {"in_progress": 0.005, "supervised": 0.005, "resolved": 0.15, "followed_up": 0.17, "archived": 0.62,
           "rejected": 0.05}),
)
CLOSED = ("resolved", "followed_up", "archived", "rejected")


def incident_points(region, anchors: np.ndarray, n: int, hotspots: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian clusters round hotspots picked among anchors, plus a uniform background; all in region."""
    centres = anchors[rng.choice(len(anchors), size=min(hotspots, len(anchors)), replace=False)]
    sigma = rng.uniform(*HOTSPOT_SIGMA_M, size=len(centres))
    intensity = rng.gamma(2.0, 1.0, size=len(centres))
    shapely.prepare(region)
    minx, miny, maxx, maxy = region.bounds
    points = np.empty((0, 2))
    while len(points) < n:
        m = n - len(points)
        which = rng.choice(len(centres), size=m, p=intensity / intensity.sum())
        clustered = centres[which] + rng.normal(size=(m, 2)) * sigma[which, None]
        uniform = rng.uniform((minx, miny), (maxx, maxy), size=(m, 2))
        batch = np.where((rng.random(m) < BACKGROUND_SHARE)[:, None], uniform, clustered)
        points = np.concatenate([points, batch[shapely.contains_xy(region, batch[:, 0], batch[:, 1])]])
    return points[:n]


def statuses(age_days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    status = np.empty(len(age_days), dtype=object)
    low = -1.0
    for max_age, shares in STATUS_BY_AGE:
        band = (age_days > low) & (age_days <= max_age)
        status[band] = draw(shares, int(band.sum()), rng)
        low = max_age
    return status


def daytime_seconds(n: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds since midnight, mostly office hours."""
    hours = np.clip(rng.normal(13.0, 3.5, size=n), 6.0, 22.9)
    return (hours * 3600).astype(np.int64)


def incidents(points: np.ndarray, now: dt.datetime, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Column arrays of incidents at the given points, reported in the year before `now` (UTC)."""
    n = len(points)
    today = np.datetime64(now.replace(tzinfo=None), "s")
    midnight = today.astype("datetime64[D]")
    days_ago = rng.integers(0, 365, size=n)
    reported = midnight - days_ago.astype("timedelta64[D]") + daytime_seconds(n, rng).astype("timedelta64[s]")
    reported = np.minimum(reported, today - np.timedelta64(60, "s"))
    age_days = (today - reported).astype(np.int64) / 86400
    weights = np.array([c.weight for c in CATEGORIES], dtype=float)
    cat = rng.choice(len(CATEGORIES), size=n, p=weights / weights.sum())
    status = statuses(age_days, rng)
    handling = (rng.lognormal(np.log(MEDIAN_HANDLING_HOURS), 0.9, size=n) * 3600).astype(np.int64)
    closed = np.minimum(reported + handling.astype("timedelta64[s]"), today)
    deadline = reported + (np.array([c.deadline_days for c in CATEGORIES])[cat] * 86400).astype("timedelta64[s]")
    order = np.argsort(reported, kind="stable")
    stamp = np.datetime_as_string(reported, unit="D")
    return {
        "order": order, "x": points[:, 0], "y": points[:, 1],
        "category": np.array([c.path for c in CATEGORIES], dtype=object)[cat],
        "title": np.array([c.title for c in CATEGORIES], dtype=object)[cat],
        "source": draw(SOURCES, n, rng), "status": status,
        "reported_at": reported, "deadline": deadline,
        "closed_at": np.where(np.isin(status, CLOSED), closed, np.datetime64("NaT")),
        "day": np.char.replace(stamp, "-", ""),
    }
