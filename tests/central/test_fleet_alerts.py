"""Fleet alerts end to end (issue 15, "Done when"): three kiosks enrolled and sending real heartbeats through
the push API of a server subprocess; one falls silent, one reports paper out, one has a stuck outbox. The
real tick (in this process, at frozen times inside office hours) opens one incident each; the fleet page
(real HTTP, a technician signed in) and a real SMTP server (aiosmtpd) each get exactly one alert per
incident; ticking again sends nothing; the three recover and each recovery is mailed exactly once. A
silent kiosk at night or on a holiday does not alert.

The server records a heartbeat at its own receive time; so that the tick can run at fixed moments, each
push is followed by setting that receive time to the moment the test plays (``sent_at``), with the
heartbeat's own clock saying the same moment (no skew). The day: Wednesday 2 December 2026, WITA; the
office hours are the default (mon-thu 08:00-15:30, fri 08:00-14:00); 25 December 2026 is a holiday.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from kiosk.central.audit import SYSTEM
from kiosk.central.db import devices, fleet_incidents, staff_users
from kiosk.central.fleet_staff import set_offices
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick
from kiosk.sync import wire

from .serverkit import enroll, free_port
from .staffkit import make_user, web_sign_in
from .test_alert_digest import Inbox

WITA = ZoneInfo("Asia/Makassar")
PUBLIC = "https://lapor.ntbprov.example"


def wita(day: int, hh: int, mm: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=WITA)


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"IPLIK_CENTRAL_COOKIE_SECURE": "0"}  # the test signs in over plain http


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def settings_for(server, smtp_port: int | None) -> Settings:
    mail = ({"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_tls": "none",
             "smtp_from": "iPLiK NTB <no-reply@ntbprov.example>"} if smtp_port else {})
    return Settings(database_url=server.db_url, timezone="Asia/Makassar", public_url=PUBLIC, **mail)


def beat(server, engine, cred, sent_at: datetime, *, pending: int = 0, failed: int = 0, oldest_s: int | None = None,
         printer: dict | None = None) -> None:
    """One heartbeat through the push API, then its receive time set to ``sent_at``."""
    body = wire.heartbeat_body(at=sent_at.isoformat(), version="0.1.0", outbox_pending=pending, outbox_failed=failed,
                               printer=printer or {"state": "ok", "paper_left_pct": 80.0}, catalog_version="ntb-1",
                               disk_free_mb=20_000, oldest_pending_s=oldest_s)
    r = requests.post(server.url + wire.PUSH_PATH, headers=cred.headers, timeout=10,
                      json={"records": [{"uuid": str(uuid.uuid4()), "kind": "heartbeat", "body": body}]})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "stored", r.text
    with engine.begin() as conn:
        conn.execute(devices.update().where(devices.c.id == cred.device_id)
                     .values(heartbeat_at=sent_at, last_seen_at=sent_at))


def open_incidents(engine, device_ids) -> set[tuple[str, str]]:
    i = fleet_incidents.c
    with engine.connect() as conn:
        return {(r.device_id, r.kind) for r in conn.execute(
            sa.select(i.device_id, i.kind).where(i.resolved_at.is_(None), i.device_id.in_(list(device_ids))))}


def technician(engine, username: str, address: str, offices: list[str]) -> None:
    user_id, _ = make_user(engine, username, "technician")
    with engine.begin() as conn:
        conn.execute(staff_users.update().where(staff_users.c.id == user_id).values(email=address))
    if offices:
        set_offices(engine, SYSTEM, user_id, offices)


def mails(smtp) -> list[tuple[str, str]]:
    """(recipient, "incident-id what kind") of every mail received so far."""
    return sorted((rcpt[0], msg["X-IPLIK-Incident"]) for rcpt, msg in smtp.received)


def test_three_kiosks_one_alert_per_incident_on_the_page_and_by_mail_and_one_recovery_each(server, engine, smtp):
    office = f"Samsat Mataram {uuid.uuid4().hex[:6]}"
    silent, paper, stuck = (enroll(server, engine, office=office) for _ in range(3))
    kiosks = {silent.device_id: "silent", paper.device_id: "paper", stuck.device_id: "stuck"}
    other = enroll(server, engine, office="Samsat Bima")  # so the Bima technician's office exists
    technician(engine, f"tek-mtr-{office[-6:]}", "tek.mataram@ntbprov.example", [office])
    technician(engine, f"tek-bima-{office[-6:]}", "tek.bima@ntbprov.example", ["Samsat Bima"])
    settings = settings_for(server, smtp.port)

    # 09:59 all three are well; the 10:00 tick opens nothing about them.
    for cred in (silent, paper, stuck, other):
        beat(server, engine, cred, wita(2, 9, 59))
    run_tick(engine, settings, now=wita(2, 10, 0))
    assert open_incidents(engine, kiosks) == set()

    # 10:44: the silent one has said nothing since 09:59 (45 minutes > 30 while the office is open), the
    # second reports paper out, the third 4 records waiting, the oldest for 2 hours (> 60 minutes).
    beat(server, engine, paper, wita(2, 10, 44), printer={"state": "paper_out", "paper_left_pct": 0.0})
    beat(server, engine, stuck, wita(2, 10, 44), pending=4, oldest_s=7200)
    beat(server, engine, other, wita(2, 10, 44))
    result = run_tick(engine, settings, now=wita(2, 10, 45))
    assert open_incidents(engine, kiosks) == {
        (silent.device_id, "offline"), (paper.device_id, "paper_out"), (stuck.device_id, "records_stuck")}
    assert (result.fleet_opened, result.fleet_mails_sent, result.fleet_mails_failed) == (3, 3, 0)
    first = mails(smtp)
    # One alert per incident, to the Mataram technician only (Bima's looks after another office).
    assert [rcpt for rcpt, _ in first] == ["tek.mataram@ntbprov.example"] * 3
    assert sorted(h.split()[1:] for _, h in first) == [
        ["alert", "offline"], ["alert", "paper_out"], ["alert", "records_stuck"]]
    offline_mail = next(m for _r, m in smtp.received if m["X-IPLIK-Incident"].endswith(" alert offline"))
    offline_text = offline_mail.get_body(preferencelist=("plain",)).get_content()
    assert offline_text.index("Yth. teknisi") < offline_text.index("Dear technician")  # Indonesian first
    assert "Tidak aktif pada jam layanan, sejak 2026-12-02 10:45 WITA" in offline_text
    assert "Tidak ada sinyal sejak 2026-12-02 09:59." in offline_text and "No heartbeat since 2026-12-02 09:59." in offline_text
    assert f"{PUBLIC}/staff/fleet" in offline_text and silent.device_id in offline_text

    # The page, through real HTTP with a technician signed in: each open incident once.
    session = web_sign_in(server, f"tek-mtr-{office[-6:]}")
    page = session.get(server.url + "/staff/fleet", timeout=10)
    assert page.status_code == 200
    for device_id, kind in open_incidents(engine, kiosks):
        assert page.text.count(f'data-incident="{device_id}:{kind}"') == 1
    assert page.text.count('data-incident="') >= 3
    # Needs attention first: the three come before the healthy Bima kiosk.
    assert max(page.text.index(f'id="kiosk-{d}"') for d in kiosks) < page.text.index(f'id="kiosk-{other.device_id}"')

    # Heartbeats go on in the same state; ticks at 10:50 and 10:55 open and send nothing new.
    beat(server, engine, paper, wita(2, 10, 49), printer={"state": "paper_out"})
    beat(server, engine, stuck, wita(2, 10, 49), pending=5, oldest_s=7500)
    for minute in (50, 55):
        again = run_tick(engine, settings, now=wita(2, 10, minute))
        assert (again.fleet_opened, again.fleet_resolved, again.fleet_mails_sent) == (0, 0, 0)
    assert mails(smtp) == first

    # 11:00 all three are well again: each recovery is mailed once, the page shows no incident of theirs.
    for cred in (silent, paper, stuck):
        beat(server, engine, cred, wita(2, 11, 0))
    healed = run_tick(engine, settings, now=wita(2, 11, 1))
    assert (healed.fleet_resolved, healed.fleet_mails_sent) == (3, 3)
    assert open_incidents(engine, kiosks) == set()
    recoveries = [h.split()[1:] for r, h in mails(smtp) if (r, h) not in first]
    assert sorted(recoveries) == [["recovery", "offline"], ["recovery", "paper_out"], ["recovery", "records_stuck"]]
    later = run_tick(engine, settings, now=wita(2, 11, 6))
    assert (later.fleet_opened, later.fleet_resolved, later.fleet_mails_sent) == (0, 0, 0)
    assert len(smtp.received) == 6
    page = session.get(server.url + "/staff/fleet", timeout=10).text
    assert not any(f'data-incident="{d}:' in page for d in kiosks)


def test_a_silent_kiosk_does_not_alert_at_night_or_on_a_holiday_but_does_once_the_office_is_open(server, engine):
    cred = enroll(server, engine, office="UPTD Samsat Sumbawa")
    settings = settings_for(server, None)
    beat(server, engine, cred, wita(2, 15, 0))
    me = {cred.device_id}
    # 15:20: silent for 20 minutes only. 15:45 and 22:00: silent for long, but the office is closed.
    for moment in (wita(2, 15, 20), wita(2, 15, 45), wita(2, 22, 0), wita(3, 8, 20)):
        run_tick(engine, settings, now=moment)
        assert open_incidents(engine, me) == set(), moment
    # Thursday 24 (cuti bersama) and Friday 25 December (Christmas) at 10:00: holidays.
    beat(server, engine, cred, wita(23, 15, 0))
    for moment in (wita(24, 10, 0), wita(25, 10, 0)):
        run_tick(engine, settings, now=moment)
        assert open_incidents(engine, me) == set(), moment
    # Monday 28 December 08:31: the office has been open for more than the 30 minutes: offline.
    run_tick(engine, settings, now=wita(28, 8, 31))
    assert open_incidents(engine, me) == {(cred.device_id, "offline")}
