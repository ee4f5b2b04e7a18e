"""The quick-rating dashboard in Debian's Chromium on the real server: the charts draw, every table holds
exactly what the page's ``.json`` twin says, axe finds nothing serious; screenshots on a desktop and a
phone (out/staff-screens/quick-*.png)."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from datetime import UTC, datetime, timedelta

import pytest
from central.staffkit import make_user

from kiosk.paths import DEMO_CATALOG

from .conftest import axe_violations, shot
from .dashkit import chart_drew, sign_in, table_columns, table_rows

PHONE = {"width": 390, "height": 844}
WITA = timedelta(hours=8)
# Monday 2 March 2026 and the week before: a rhythm of office hours, and a late Sunday tap.
TAPS = [(4, 2, 8), (4, 2, 9), (3, 2, 9), (1, 2, 10), (2, 3, 13), (4, 3, 16), (3, 1, 23), (4, 24, 11), (2, 25, 8)]


@pytest.fixture(scope="module")
def seeded(web_server):
    from kiosk.central import catalog
    from kiosk.central.analytics.quick import refresh
    from kiosk.central.db import devices, ratings, records, tap_discards
    from kiosk.central.settings import Settings

    engine = web_server.engine()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    with engine.begin() as conn:
        for dev, office, agency in (("kiosk-lobi", "Kantor Samsat Mataram", "bappenda"),
                                    ("kiosk-rsud", "RSUD Provinsi NTB", "dinkes")):
            conn.execute(devices.insert().values(
                id=dev, name=f"Kios {dev}", office=office, agency_id=agency,
                token_hash=hashlib.sha256(dev.encode()).hexdigest(), enrolled_at=datetime(2025, 1, 1, tzinfo=UTC)))
        for i, (face, day, hour) in enumerate(TAPS):
            month = 3 if day <= 3 else 2
            at = datetime(2026, month, day, hour, 15, tzinfo=UTC) - WITA
            dev = "kiosk-lobi" if i % 3 else "kiosk-rsud"
            rid = str(uuidlib.uuid4())
            conn.execute(records.insert().values(uuid=rid, kind="rating", device_id=dev, body_hash="0" * 64,
                                                 received_at=at + timedelta(minutes=1)))
            conn.execute(ratings.insert().values(uuid=rid, device_id=dev, created_at=at, kind="quick", face=face,
                                                 received_at=at + timedelta(minutes=1), doc="{}"))
        conn.execute(tap_discards.insert().values(device_id="kiosk-lobi", local_day=datetime(2026, 3, 2).date(),
                                                  count=6))
    refresh(engine, Settings(database_url=web_server.db_url), now=datetime.now(UTC))
    make_user(engine, "quickviewer", "viewer", display_name="Vina Inspektorat")
    engine.dispose()


def same_as_json(page, server, path, chart_id, table):
    data = page.request.get(server.url + path.replace("?", ".json?", 1)).json()
    want = data["tables"][table] if "tables" in data else data["table"]
    assert table_columns(page, chart_id) == want["columns"]
    assert table_rows(page, chart_id) == want["rows"]
    return data


@pytest.mark.browser
def test_overview_and_office_page_draw_and_match_their_json(page, web_server, seeded):
    overview = "/staff/dashboard/quick?period=2026-Q1&kind=office"
    sign_in(page, web_server, "quickviewer", next_path="/staff/dashboard")
    page.goto(web_server.url + overview)
    assert chart_drew(page, "quick-faces")
    data = same_as_json(page, web_server, overview, "quick-faces", None)
    samsat = next(u for u in data["units"] if u["id"] == "Kantor Samsat Mataram")
    assert samsat["discarded"] == 6
    assert table_columns(page, "quick-faces")[2] == "Sangat tidak puas (%)"  # faces named in words
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "quick-overview-desktop")

    page.click(".quick-units a:has-text('Kantor Samsat Mataram')")
    page.wait_for_url("**/staff/dashboard/quick/office/**")
    detail = page.url.removeprefix(web_server.url)
    for chart_id, table in (("quick-heatmap", "heatmap"), ("quick-weekly", "weekly"), ("quick-shares", "faces")):
        assert chart_drew(page, chart_id), chart_id
        same_as_json(page, web_server, detail, chart_id, table)
    assert table_rows(page, "quick-heatmap")[0][0] == "Senin"
    assert page.console_errors == []
    assert axe_violations(page) == []
    shot(page, "quick-office-desktop")


@pytest.mark.browser
def test_office_page_on_a_phone(browser, web_server, seeded):
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(p, web_server, "quickviewer", next_path="/staff/dashboard")
    p.goto(web_server.url + "/staff/dashboard/quick/office/RSUD%20Provinsi%20NTB?period=2026-Q1&lang=en")
    for chart_id in ("quick-heatmap", "quick-weekly", "quick-shares"):
        assert chart_drew(p, chart_id), chart_id
    assert p.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert table_rows(p, "quick-shares")[3][0] == "Very satisfied"
    assert axe_violations(p) == []
    assert errors == []
    shot(p, "quick-office-phone")
    context.close()
