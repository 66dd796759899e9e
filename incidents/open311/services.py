"""The Open311 service list: one row per service code, each mapped to a case category."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Service:
    code: str
    name: Promise
    category: str
    description: Promise
    group: Promise
    keywords: str = ""


SERVICES: dict[str, Service] = {s.code: s for s in (
    Service("101", pgettext_lazy("intake", "安全隐患"), "安全隐患",
            pgettext_lazy("intake", "消防通道堵塞、电动车楼道充电等安全隐患"),
            pgettext_lazy("intake", "安全"), "fire, safety"),
    Service("201", pgettext_lazy("intake", "环境卫生"), "环境卫生",
            pgettext_lazy("intake", "垃圾堆积、污水、卫生死角"),
            pgettext_lazy("intake", "环境"), "garbage, sanitation"),
    Service("301", pgettext_lazy("intake", "井盖破损"), "公共设施/井盖破损",
            pgettext_lazy("intake", "井盖缺失或破损"),
            pgettext_lazy("intake", "公共设施"), "manhole"),
    Service("401", pgettext_lazy("intake", "违章搭建"), "城市管理/违章搭建",
            pgettext_lazy("intake", "违法建设、私搭乱建"),
            pgettext_lazy("intake", "城市管理"), "illegal building"),
    Service("402", pgettext_lazy("intake", "占道经营"), "城市管理/占道经营",
            pgettext_lazy("intake", "流动摊贩占道经营"),
            pgettext_lazy("intake", "城市管理"), "street vendor"),
    Service("501", pgettext_lazy("intake", "矛盾纠纷"), "矛盾纠纷",
            pgettext_lazy("intake", "邻里、物业等矛盾纠纷"),
            pgettext_lazy("intake", "矛盾纠纷"), "dispute"),
    Service("601", pgettext_lazy("intake", "民生服务"), "民生服务",
            pgettext_lazy("intake", "求助、咨询等民生诉求"),
            pgettext_lazy("intake", "民生服务"), "assistance"),
)}
BY_CATEGORY = {s.category: s for s in SERVICES.values()}


def service_of_category(category: str) -> Service | None:
    """The service of a case's category (or of its leading part: 公共设施/路灯 → none, 矛盾纠纷/邻里 → 501)."""
    while category:
        if category in BY_CATEGORY:
            return BY_CATEGORY[category]
        category = category.rpartition("/")[0]
    return None


def as_json(service: Service) -> dict:
    return {"service_code": service.code, "service_name": str(service.name), "description": str(service.description),
            "metadata": False, "type": "realtime", "keywords": service.keywords, "group": str(service.group)}
