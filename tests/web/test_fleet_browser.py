"""The fleet page in Debian's Chromium: kiosks needing attention first with their incidents in words, axe
finds nothing serious, revoking through the confirm step, the administrator's technicians' offices;
screenshots at 1366x768 and 390x844 (out/staff-screens/fleet-*.png).

Kiosks are enrolled and send heartbeats through the real push API; their receive times are then set to
Wednesday 2 December 2026 (WITA) and the tick runs at 10:45 that day, as in tests/central/test_fleet_alerts.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from central.serverkit import enroll
from central.staffkit import make_user

from kiosk.central.db import devices
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick
from kiosk.sync import wire

from .conftest import axe_violations, shot
from .dashkit import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
WITA = ZoneInfo("Asia/Makassar")


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 12, 2, hh, mm, tzinfo=WITA)


def beat(server, engine, cred, when: datetime, **fields) -> None:
    body = wire.heartbeat_body(at=when.isoformat(), version=fields.pop("version", "0.1.0"),
                               outbox_pending=fields.pop("pending", 0), outbox_failed=0,
                               printer=fields.pop("printer", {"state": "ok", "paper_left_pct": 74.0}),
                               catalog_version="ntb-1", disk_free_mb=18_250, **fields)
    r = requests.post(server.url + wire.PUSH_PATH, headers=cred.headers, timeout=10,
                      json={"records": [{"uuid": str(uuid.uuid4()), "kind": "heartbeat", "body": body}]})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "stored", r.text
    with engine.begin() as conn:
        conn.execute(devices.update().where(devices.c.id == cred.device_id).values(heartbeat_at=when, last_seen_at=when))


@pytest.fixture(scope="module")
def fleet(web_server):
    engine = web_server.engine()
    kiosks = {}
    for key, office in (("lobby", "Samsat Mataram"), ("silent", "Samsat Mataram"), ("paper", "Samsat Praya"),
                        ("stuck", "Samsat Selong"), ("bima", "Samsat Bima")):
        kiosks[key] = enroll(web_server, engine, office=office)
        with engine.begin() as conn:
            conn.execute(devices.update().where(devices.c.id == kiosks[key].device_id)
                         .values(name=f"Kios {key}"))
    for cred in kiosks.values():
        beat(web_server, engine, cred, at(9, 59))
    beat(web_server, engine, kiosks["paper"], at(10, 44), printer={"state": "paper_out", "paper_left_pct": 0.0})
    beat(web_server, engine, kiosks["stuck"], at(10, 44), pending=12, oldest_pending_s=9000, sync_error="http.503")
    beat(web_server, engine, kiosks["lobby"], at(10, 44))
    beat(web_server, engine, kiosks["bima"], at(10, 44), printer={"state": "paper_low", "paper_low": True,
                                                                   "paper_left_pct": 9.0})
    run_tick(engine, Settings(database_url=web_server.db_url, timezone="Asia/Makassar"), now=at(10, 45))
    make_user(engine, "tekno", "technician", display_name="Teknisi Mataram")
    _id, admin_secret = make_user(engine, "adi", "admin", totp=True, display_name="Adi Admin")
    yield {"kiosks": kiosks, "admin_secret": admin_secret}
    engine.dispose()


def rows(page) -> list[str]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('#fleet tbody tr'))
        .map(tr => tr.querySelector('td strong').textContent.trim())""")


def test_attention_first_in_words_accessible_and_revoke_through_the_confirm_step(web_server, fleet, page):
    sign_in(page, web_server, "tekno", next_path="/staff/fleet")
    # Worst first: offline, then paper out, then records stuck, paper low; the healthy one last.
    assert rows(page) == ["Kios silent", "Kios paper", "Kios stuck", "Kios bima", "Kios lobby"]
    silent = page.locator(f"#kiosk-{fleet['kiosks']['silent'].device_id}")
    assert "Tidak aktif pada jam layanan" in silent.inner_text()
    stuck = page.locator(f"#kiosk-{fleet['kiosks']['stuck'].device_id}").inner_text()
    assert "Data tertahan" in stuck and "12, tertua 2 jam 30 menit" in stuck and "http.503" in stuck
    assert axe_violations(page) == []
    assert page.console_errors == []
    shot(page, "fleet-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "fleet-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.set_viewport_size({"width": 1366, "height": 768})
    # Revoke the healthy lobby kiosk: the question first, then the answer.
    lobby = fleet["kiosks"]["lobby"].device_id
    page.click(f"#kiosk-{lobby} a[href$='/revoke']")
    page.wait_for_url(f"**/staff/fleet/{lobby}/revoke")
    assert axe_violations(page) == []
    shot(page, "fleet-revoke")
    page.click("button[name=confirm]")
    page.wait_for_url("**/staff/fleet?done=revoked")
    assert "Kios telah dicabut" in page.inner_text(".flash")
    assert "Dicabut" in page.locator(f"#kiosk-{lobby}").inner_text()
    assert rows(page)[-1] == "Kios lobby"  # revoked: last


def test_the_administrator_ties_a_technician_to_offices(web_server, fleet, page):
    sign_in(page, web_server, "adi", secret=fleet["admin_secret"], next_path="/staff/fleet")
    form = page.locator("form.fleet-tech").filter(has_text="tekno")
    form.get_by_label("Samsat Mataram").check()
    form.get_by_role("button").click()
    page.wait_for_url("**/staff/fleet?done=technicians*")
    assert page.locator("form.fleet-tech").filter(has_text="tekno").get_by_label("Samsat Mataram").is_checked()
    assert axe_violations(page) == []
    page.locator("#technicians").scroll_into_view_if_needed()
    shot(page, "fleet-admin")
