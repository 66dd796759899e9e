"""督办 raised automatically: the sweep behind ``manage.py supervise_incidents``."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import sql, workflow
from layers.models.incidents import CLOCKED_STATUSES, NEAR_DEADLINE


def raise_supervision(now: dt.datetime | None = None) -> list[int]:
    """Supervise every case near or past its deadline (idempotent); returns the ids raised this time."""
    params = {"now": now or timezone.now(), "near": NEAR_DEADLINE, "clocked": list(CLOCKED_STATUSES),
              "levels": list(workflow.LEVELS), "note_overdue": _("已超过办理时限，系统自动督办"),
              "note_near": _("临近办理时限，系统自动督办")}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.load("auto_supervise"), params)
        return sorted(row[0] for row in cursor.fetchall())
