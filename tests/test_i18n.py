"""zh-Hans first, English available: the catalogue is complete and the switch works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
# msgid "…" / msgstr "…", each possibly continued on following "…" lines (long strings are wrapped).
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


def joined(quoted_lines: str) -> str:
    return "".join(line[1:-1] for line in quoted_lines.strip().splitlines())


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    text = PO_FILE.read_text(encoding="utf-8")
    entries = [(joined(mid), joined(mstr)) for mid, mstr in ENTRY.findall(text) if joined(mid)]
    assert len(entries) > 100
    assert [mid for mid, mstr in entries if not mstr] == []
    assert "#, fuzzy" not in text


def test_default_language_is_chinese(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "用户名" in page.content.decode()


@pytest.mark.django_db
def test_english_on_request(client, district):
    client.force_login(district.users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/admin/layers/grid/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Grid code" in html and "网格编码" not in html
