"""The alerts in Debian's Chromium: the alerts page's table says what its JSON twin says, in the reader's
language, severity in words and icon; axe finds nothing serious; the hub lists them; screenshots at
1366x768 and 390x844 (out/staff-screens/alerts-*.png)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from central import complaintrows as rows
from central.inboxkit import ensure_catalog
from central.staffkit import make_user

from kiosk.central.settings import Settings

from .conftest import axe_violations, shot
from .dashkit import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def people(web_server):
    engine = web_server.engine()
    ensure_catalog(engine, "dinkes", "bappenda")
    settings = Settings(database_url=web_server.db_url, timezone="Asia/Makassar")
    now = datetime.now(UTC) - timedelta(seconds=5)
    for _ in range(3):  # pungli this week, none before: a spike for Dinkes
        rows.add(engine, settings, status="sent", status_at=now, email=None)
    old = now - timedelta(days=60)
    for agency in ("bappenda", "bappenda", "dinkes"):
        rows.add(engine, settings, status="forwarded", status_at=old, email=None, agency_id=agency,
                 handling_agency_id=agency, topic="lambat", forwarded_at=old, overdue_at=old + timedelta(days=10))
    _id, desk_secret = make_user(engine, "dina", "desk", totp=True, display_name="Dina Meja")
    make_user(engine, "oki", "officer", agencies=["dinkes"], display_name="Oki Dinkes")
    yield {"desk_secret": desk_secret}
    engine.dispose()


def table(page) -> list[list[str]]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('#alerts-table tbody tr'))
        .map(tr => Array.from(tr.children).map(c => c.textContent.replace(/\\s+/g, ' ').trim()))""")


def test_the_officers_table_matches_its_json_and_is_accessible(web_server, people, page):
    sign_in(page, web_server, "oki", next_path="/staff/dashboard/alerts")
    shown = table(page)
    twin = page.request.get(web_server.url + "/staff/dashboard/alerts.json").json()["alerts"]
    assert [r[2] for r in shown] == [a["text"] for a in twin]
    assert [a["unit"]["id"] for a in twin] == ["dinkes", "dinkes"]  # overdue (1) and the spike; not Bappenda's
    assert [r[0] for r in shown] == ["\u203c Mendesak", "\u203c Mendesak"]  # icon and word, not colour alone
    assert [r[1] for r in shown] == ["Batas waktu terlampaui", "Lonjakan topik"]
    assert axe_violations(page) == []
    assert page.console_errors == []
    # A link goes to the complaints it is about.
    page.click("#alerts-table tbody tr:nth-child(2) a[href^='/staff/complaints?']")
    page.wait_for_url("**/staff/complaints?**")
    assert "topic=pungli" in page.url and "agency=dinkes" in page.url


def test_the_desk_sees_every_alert_on_the_hub_and_the_page_on_a_desktop_and_a_phone(web_server, people, page):
    sign_in(page, web_server, "dina", secret=people["desk_secret"])
    hub = page.inner_text(".dashboard-alerts")
    assert "Peringatan hari ini" in hub and "Pungutan liar" in hub and hub.count("melewati batas waktu") == 2
    assert axe_violations(page) == []
    shot(page, "alerts-hub-desk-1366")
    page.goto(web_server.url + "/staff/dashboard/alerts?lang=en")
    assert len(table(page)) == 3 and "Urgent" in page.inner_text("#alerts-table")
    shot(page, "alerts-page-desk-1366")
    page.set_viewport_size(PHONE)
    page.goto(web_server.url + "/staff/dashboard/alerts")
    shot(page, "alerts-page-desk-390")
    # On a phone the table's rows become cards: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    assert page.console_errors == []
