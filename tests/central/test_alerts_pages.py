"""The alerts on the back office's pages over real HTTP (uvicorn subprocess on a SQLite file): the
alerts page, its JSON twin and the hub; officers see their agencies' alerts only. The rules behind the
numbers are tested in test_alerts.py; here: who sees which, and that the page says it in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.central.settings import Settings

from . import complaintrows as rows
from .inboxkit import ensure_catalog
from .pagekit import session_for


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # the queries run on PostgreSQL in test_alerts.py; one server is enough here


@pytest.fixture(scope="module")
def people(server, engine):
    ensure_catalog(engine, "dinkes", "bappenda")
    settings = Settings(database_url=server.db_url, timezone="Asia/Makassar")
    now = datetime.now(UTC) - timedelta(seconds=5)  # this week so far, whatever the day
    for _ in range(2):  # two pungli this week, none before: a spike for Dinkes
        rows.add(engine, settings, status="sent", status_at=now, email=None)
    old = now - timedelta(days=60)
    for agency, forwarded in (("bappenda", True), ("bappenda", True), ("dinkes", False)):
        rows.add(engine, settings, status="forwarded" if forwarded else "sent", status_at=old, email=None,
                 agency_id=agency, handling_agency_id=agency, topic="lambat",
                 forwarded_at=old if forwarded else None, overdue_at=old + timedelta(days=10))
    return {role: session_for(server, engine, role, *agencies)[0] for role, agencies in (
        ("desk", ()), ("officer", ("dinkes",)), ("viewer", ()), ("technician", ()))}


def get_json(server, session) -> dict:
    r = session.get(server.url + "/staff/dashboard/alerts.json", timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def test_the_json_holds_an_officers_agencies_only(server, people):
    mine = get_json(server, people["officer"])["alerts"]
    assert [(a["kind"], a["unit"]["id"], a["params"].get("topic")) for a in mine] == [
        ("topic_spike", "dinkes", "pungli")]
    # The desk: Bappenda's two overdue, the desk's own one (never forwarded), Dinkes' spike; urgent first.
    every = get_json(server, people["desk"])["alerts"]
    assert sorted((a["kind"], a["unit"]["id"], a["params"].get("count")) for a in every) == [
        ("deadline_breached", "", "1"), ("deadline_breached", "bappenda", "2"), ("topic_spike", "dinkes", "2")]
    assert {a["severity"] for a in every} == {"danger"}
    assert get_json(server, people["viewer"])["alerts"] == every
    spike = mine[0]
    assert spike["text"].startswith("2 pengaduan tentang")  # Indonesian by default
    assert {"href": "/staff/dashboard/complaints", "label": "Buka dasbornya"} in spike["links"]
    inbox = [x["href"] for x in spike["links"] if x["href"].startswith("/staff/complaints?")]
    assert inbox and "agency=dinkes" in inbox[0] and "topic=pungli" in inbox[0]


def test_technicians_and_strangers_are_kept_out(server, people, http):
    r = people["technician"].get(server.url + "/staff/dashboard/alerts.json", timeout=10)
    assert r.status_code == 403
    r = http.get(server.url + "/staff/dashboard/alerts.json", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/sign-in")


def test_the_page_and_the_hub_say_it_in_words_for_the_officers_agencies_only(server, people):
    officer = people["officer"]
    page = officer.get(server.url + "/staff/dashboard/alerts", timeout=30)
    assert page.status_code == 200
    html = page.text
    assert 'id="alerts-table"' in html and "<h1>Peringatan</h1>" in html
    assert "Mendesak" in html and "Lonjakan topik" in html  # severity and kind in words, beside the icon
    assert "2 pengaduan tentang \u201cPungutan liar (pungli)\u201d untuk Dinas Kesehatan" in html
    assert "Badan Pendapatan" not in html.split('id="alerts-table"')[1]  # nothing of Bappenda's
    english = officer.get(server.url + "/staff/dashboard/alerts?lang=en", timeout=30).text
    assert "Urgent" in english and "2 complaints about \u201cIllegal fees (pungli)\u201d" in english
    hub = officer.get(server.url + "/staff/dashboard", timeout=30).text
    assert "Peringatan hari ini" in hub and "Pungutan liar" in hub and "melewati batas waktu" not in hub
    assert 'href="/staff/dashboard/alerts"' in hub
    desk_hub = people["desk"].get(server.url + "/staff/dashboard", timeout=30).text
    assert desk_hub.count("melewati batas waktu") == 2 and "Pungutan liar" in desk_hub
    assert people["technician"].get(server.url + "/staff/dashboard/alerts", timeout=10).status_code == 403


def test_a_drop_links_to_its_units_ikm_dashboard(server, engine, people):
    from kiosk.central.analytics import periods, rollup

    from . import ikmkit

    settings = Settings(database_url=server.db_url, timezone="Asia/Makassar")
    ikmkit.add_device(engine, "kio-drop", agency_id="dinkes")
    today = periods.local_day(datetime.now(UTC), settings.tz)
    this = periods.containing(periods.Kind.QUARTER, today)
    at = datetime.combine(this.first, datetime.min.time(), settings.tz) + timedelta(minutes=30)
    before = datetime.combine(this.previous().first, datetime.min.time(), settings.tz) + timedelta(hours=12)
    # A demo-catalog service of Dinkes: 100.00 last quarter, 75.00 this one, 30 surveys each.
    service = "dinkes-izin-penelitian"
    ikmkit.add_surveys(engine, "kio-drop", service, [[4] * 9] * 30, created_at=before, agency_id="dinkes")
    ikmkit.add_surveys(engine, "kio-drop", service, [[3] * 9] * 30, created_at=at, agency_id="dinkes")
    rollup.refresh_all(engine, settings, now=datetime.now(UTC))
    drops = [a for a in get_json(server, people["officer"])["alerts"] if a["kind"] == "ikm_drop"]
    assert {(a["unit"]["kind"], a["unit"]["id"]) for a in drops} == {("agency", "dinkes"), ("service", service)}
    for a in drops:
        [link] = a["links"]
        assert link["href"] == f"/staff/dashboard/ikm/{a['unit']['kind']}/{a['unit']['id']}?period={this.key}"
        assert people["officer"].get(server.url + link["href"], timeout=30).status_code == 200
