"""The compliance and award ranking dashboards in Debian's Chromium: the charts drew, every chart's table
holds the figures of the page's .json twin, axe finds nothing serious or critical, in Indonesian and
English; screenshots at 1366x768 and 390x844 in out/staff-screens/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from central.pagekit import session_for

from kiosk.central import catalog
from kiosk.central.analytics import compliance
from kiosk.central.settings import Settings
from kiosk.paths import DEMO_CATALOG

from .conftest import axe_violations, shot
from .dashkit import chart_drew, table_rows

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def engine(web_server):
    e = web_server.engine()
    demo = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    catalog.publish(e, demo)
    # A second catalog in which Dinkes has every aspect in place: its history has two points.
    dinkes = next(a for a in demo["agencies"] if a["id"] == "dinkes")
    assert any(item["status"] != "ada" for item in dinkes["compliance"])
    for item in dinkes["compliance"]:
        item["status"] = "ada"
    demo["version"] += "-b"
    catalog.publish(e, demo)
    compliance.refresh(e, Settings(), now=datetime.now(UTC))
    yield e
    e.dispose()


def as_person(page, server, engine, role, *agencies):
    session, _, _ = session_for(server, engine, role, *agencies)
    page.context.add_cookies([{"name": "iplik_staff", "value": session.cookies.get("iplik_staff"),
                               "domain": urlparse(server.url).hostname, "path": "/staff"}])
    return session


def shown(text: str) -> Decimal:
    """A number as the page shows it (decimal comma in Indonesian) back to a Decimal."""
    return Decimal(text.replace(",", "."))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_compliance_page_draws_matches_its_json_and_is_axe_clean(page, web_server, engine, lang):
    session = as_person(page, web_server, engine, "viewer")
    url = f"{web_server.url}/staff/dashboard/compliance?agency=dinkes&lang={lang}"
    twin = session.get(url.replace("compliance?", "compliance.json?"), timeout=10).json()
    page.goto(url)
    assert chart_drew(page, "compliance-overview") and chart_drew(page, "compliance-history")
    rows = table_rows(page, "compliance-overview")
    assert [(r[0], shown(r[1])) for r in rows] == [(a["agency"], Decimal(str(a["score"]))) for a in twin["agencies"]]
    assert len(rows) == 34
    history = table_rows(page, "compliance-history")
    assert [shown(r[1]) for r in history] == [Decimal(str(h["score"])) for h in twin["history"]]
    assert len(history) == 2 and shown(history[1][1]) > shown(history[0][1])
    aspects = page.locator("#compliance-aspects tbody tr")
    assert aspects.count() == 9
    assert axe_violations(page) == []
    assert page.console_errors == []
    shot(page, f"dash-compliance-{lang}")
    page.set_viewport_size(PHONE)
    page.reload()
    assert chart_drew(page, "compliance-overview")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe_violations(page) == []
    shot(page, f"dash-compliance-{lang}-phone")
