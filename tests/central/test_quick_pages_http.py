"""The quick-rating dashboard over real HTTP (uvicorn subprocess, SQLite and PostgreSQL): the figures in
the page's tables and its JSON twin, officers kept to their agencies (404 for another's unit), bad input
a 400 with a message in both languages."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from kiosk.central.analytics.quick import refresh
from kiosk.central.db import devices, ratings, records
from kiosk.central.settings import Settings

from .inboxkit import ensure_catalog
from .pagekit import session_for

WITA = timedelta(hours=8)


def wita(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - WITA


@pytest.fixture(scope="module")
def seeded(server, engine):
    """Kiosk qA of dinkes at "Kantor Q 1" with faces 4, 4, 3, 1 (index 75.00) on Monday 2 March 2026 at
    09:xx and 23:30 WITA on Sunday 1 March; kiosk qB of bappenda at "Kantor Q 2" with one face 2."""
    ensure_catalog(engine, "dinkes", "bappenda")
    with engine.begin() as conn:
        for dev, office, agency in (("qA", "Kantor Q 1", "dinkes"), ("qB", "Kantor Q 2", "bappenda")):
            conn.execute(devices.insert().values(
                id=dev, name=f"Kios {dev}", office=office, agency_id=agency,
                token_hash=hashlib.sha256(b"quick" + dev.encode()).hexdigest(),
                enrolled_at=datetime(2025, 1, 1, tzinfo=UTC)))
        taps = [("qA", 4, wita(2026, 3, 2, 9)), ("qA", 4, wita(2026, 3, 2, 9, 30)), ("qA", 3, wita(2026, 3, 2, 10)),
                ("qA", 1, wita(2026, 3, 1, 23, 30)), ("qB", 2, wita(2026, 2, 10, 8))]
        for dev, face, at in taps:
            rid = str(uuidlib.uuid4())
            conn.execute(records.insert().values(uuid=rid, kind="rating", device_id=dev, body_hash="0" * 64,
                                                 received_at=at + timedelta(minutes=1)))
            conn.execute(ratings.insert().values(uuid=rid, device_id=dev, created_at=at, kind="quick", face=face,
                                                 received_at=at + timedelta(minutes=1), doc=json.dumps({"face": face})))
    refresh(engine, Settings(database_url=server.db_url), now=datetime.now(UTC))
    return {
        "viewer": session_for(server, engine, "viewer")[0],
        "dinkes": session_for(server, engine, "officer", "dinkes")[0],
        "tech": session_for(server, engine, "technician")[0],
    }


def get(server, session, path, **kw):
    return session.get(server.url + path, allow_redirects=False, timeout=30, **kw)


def test_the_overview_json_holds_the_figures_and_the_table(server, seeded):
    body = get(server, seeded["viewer"], "/staff/dashboard/quick.json?period=2026-Q1&kind=office").json()
    units = {u["id"]: u for u in body["units"]}
    assert {"Kantor Q 1", "Kantor Q 2"} <= set(units)
    q1 = units["Kantor Q 1"]
    # faces 1, 3, 4, 4: 12 / 4 = 3 -> 75.00; shares 25.0 / 0.0 / 25.0 / 50.0 percent
    assert (q1["taps"], q1["faces"], q1["index"], q1["shares"]) == (4, [1, 0, 1, 2], "75.00",
                                                                   ["25.0", "0.0", "25.0", "50.0"])
    row = next(r for r in body["table"]["rows"] if r[0] == "Kantor Q 1")
    assert row == ["Kantor Q 1", "4", "25,0", "0,0", "25,0", "50,0", "75,00", "0"]  # the page's Indonesian
    en = get(server, seeded["viewer"], "/staff/dashboard/quick.json?period=2026-Q1&kind=office&lang=en").json()
    assert next(r for r in en["table"]["rows"] if r[0] == "Kantor Q 1")[-2:] == ["75.00", "0"]


def test_the_unit_page_has_the_heatmap_of_wita_hours(server, seeded):
    path = "/staff/dashboard/quick/kiosk/qA"
    body = get(server, seeded["viewer"], path + ".json?period=2026-Q1").json()
    cells = {(c["weekday"], c["hour"]): c["taps"] for c in body["heatmap"]}
    assert cells == {(0, 9): 2, (0, 10): 1, (6, 23): 1}  # Sunday 23:30 WITA stays Sunday's
    heat = body["tables"]["heatmap"]
    monday, sunday = heat["rows"][0], heat["rows"][6]
    assert heat["columns"][1] == "07" and heat["columns"][-1] in ("Jam lainnya", "Other hours")
    assert monday[1 + 9 - 7] == "2" and monday[1 + 10 - 7] == "1" and sunday[-1] == "1"  # 23:00 is "other"
    # Weeks: Sunday 1 March is in the week of Monday 23 February; Monday 2 March starts the next.
    assert [(w["monday"], w["taps"], w["index"]) for w in body["weekly"]] == [
        ("2026-02-23", 1, "25.00"), ("2026-03-02", 3, "91.67")]  # 4, 4, 3: 11/3 x 25 = 91.666...
    page = get(server, seeded["viewer"], path + "?period=2026-Q1")
    assert page.status_code == 200 and "91,67" in page.text and "Sangat puas" in page.text


def test_an_officer_sees_only_their_agencies(server, seeded):
    dinkes = seeded["dinkes"]
    body = get(server, dinkes, "/staff/dashboard/quick.json?period=2026-Q1&kind=agency").json()
    assert [u["id"] for u in body["units"]] == ["dinkes"]
    assert get(server, dinkes, "/staff/dashboard/quick/kiosk/qB.json?period=2026-Q1").status_code == 404
    assert get(server, dinkes, "/staff/dashboard/quick/agency/bappenda?period=2026-Q1").status_code == 404
    assert get(server, dinkes, f"/staff/dashboard/quick/office/{quote('Kantor Q 1')}.json").status_code == 200
    assert get(server, seeded["tech"], "/staff/dashboard/quick").status_code == 403


def test_bad_input_is_a_400_with_a_message(server, seeded):
    viewer = seeded["viewer"]
    r = get(server, viewer, "/staff/dashboard/quick.json?period=2026-Q9")
    assert r.status_code == 400 and r.json()["errors"]["period"].startswith("Pilih periode")
    page = get(server, viewer, "/staff/dashboard/quick?from=2026-02-01&to=2026-01-01")
    assert page.status_code == 400 and "tidak boleh sesudah" in page.text
    kind = get(server, viewer, "/staff/dashboard/quick?kind=planet")
    assert kind.status_code == 400 and "Pilih perangkat daerah, kantor, atau kios." in kind.text
    assert get(server, viewer, "/staff/dashboard/quick/planet/x").status_code == 404
