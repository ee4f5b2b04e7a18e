"""The fleet alert rules, case by case, worked out by hand (docs/fleet.md): what a heartbeat says, when the
office counts as open, each kind's threshold, and the e-mail's once-only rules through a real SMTP server
(aiosmtpd) on a SQLite file: retries, a permanent refusal, a blip resolved before its mail could go, paper
low turning into paper out, the version's grace, a revoked kiosk, two hosts ticking one after the other.

Times are WITA; the default hours are mon-thu 08:00-15:30, fri 08:00-14:00. Wednesday 2 December 2026.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from kiosk.central import audit, devices, fleet_staff
from kiosk.central import fleet_health as H
from kiosk.central.db import fleet_incidents, open_database, staff_users
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick
from kiosk.domain import office_hours
from kiosk.i18n import translator
from kiosk.sync import wire

from .serverkit import free_port
from .staffkit import make_user
from .test_alert_digest import Inbox

WITA = ZoneInfo("Asia/Makassar")
LIMITS = H.Thresholds(offline=timedelta(minutes=30), stuck=timedelta(minutes=60), clock_skew_s=300.0)


def wita(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=WITA)


# --- what a heartbeat says --------------------------------------------------------------------------------


def hb(received: datetime, *, at: datetime | None = None, **fields) -> str:
    body = {"at": (at or received).isoformat(), "version": "0.1.0", "outbox_pending": 0, "outbox_failed": 0,
            "printer": {"state": "ok"}, "catalog_version": "x", **fields}
    return json.dumps(body)


def test_health_reads_paper_counts_and_skew():
    t = wita(2, 10)
    h = H.health(hb(t, at=t + timedelta(seconds=361), printer={"state": "ok", "paper_low": True, "paper_left_pct": 8.4},
                    outbox_pending=-1, outbox_failed=-1, oldest_pending_s=90, sync_error="timeout"), t)
    assert (h.paper_low, h.paper_out, h.paper_left_pct) == (True, False, 8.4)
    assert (h.outbox_pending, h.outbox_failed, h.oldest_pending_s) == (None, None, 90)  # -1: "cannot read"
    assert (h.clock_skew_s, h.sync_error) == (361.0, "timeout")
    out = H.health(hb(t, printer={"state": "paper_out", "paper_low": True}), t)
    assert (out.paper_out, out.paper_low) == (True, False)  # out, not also low
    assert H.health(hb(t, printer={"state": "ok", "paper": "empty"}), t).paper_out
    assert H.health(None, None) == H.health("not json", None) == H.health("[1]", t)


@pytest.mark.parametrize("kiosk,server,behind", [
    ("0.0.9", "0.1.0", True), ("0.1.0", "0.1.0", False), ("0.1.0+gtest", "0.1.0", False), ("0.1", "0.1.0", False),
    ("0.2.0", "0.1.0", False), ("0.1.0rc1", "0.1.1", True), ("dev", "0.1.0", False), (None, "0.1.0", False),
    ("0.9.12", "0.10.0", True),
])
def test_version_behind_compares_release_numbers(kiosk, server, behind):
    assert H.is_behind(kiosk, server) is behind


@pytest.mark.parametrize("local,open_", [
    (wita(2, 10, 0), True),    # Wednesday mid-morning
    (wita(2, 8, 30), True),    # exactly 30 minutes after opening
    (wita(2, 8, 20), False),   # open, but not yet for 30 minutes
    (wita(2, 15, 29), True),
    (wita(2, 15, 45), False),  # closed at 15:30
    (wita(4, 13, 50), True),   # Friday closes at 14:00
    (wita(4, 14, 10), False),
    (wita(5, 10, 0), False),   # Saturday
    (wita(3, 0, 10), False),   # just after midnight: the window starts the day before
])
def test_the_office_counts_as_open_only_for_the_whole_threshold(local, open_):
    assert H.office_open_for(office_hours.DEFAULT, frozenset(), local, timedelta(minutes=30)) is open_


def test_a_holiday_is_closed_whatever_the_hours():
    assert not H.office_open_for(office_hours.DEFAULT, frozenset({wita(2, 0).date()}), wita(2, 10), timedelta(minutes=30))


def kinds(h: H.Health, *, silent_min: float = 1, window: bool = True, open_kinds=frozenset()) -> set[str]:
    now = wita(2, 10)
    return set(H.conditions(h, silent_since=now - timedelta(minutes=silent_min), now=now, open_window=window,
                            open_kinds=frozenset(open_kinds), limits=LIMITS, server_version="0.1.0"))


def test_each_kind_starts_just_past_its_threshold():
    t = wita(2, 10)
    well = H.health(hb(t), t)
    assert kinds(well) == set()
    assert kinds(well, silent_min=30) == set() and kinds(well, silent_min=30.5) == {H.OFFLINE}
    # Offline opens only while the office is open, and an open one stays open at night until a heartbeat.
    assert kinds(well, silent_min=600, window=False) == set()
    assert kinds(well, silent_min=600, window=False, open_kinds={H.OFFLINE}) == {H.OFFLINE}
    assert kinds(H.health(hb(t, oldest_pending_s=3600, outbox_pending=3), t)) == set()
    assert kinds(H.health(hb(t, oldest_pending_s=3601, outbox_pending=3), t)) == {H.STUCK}
    assert kinds(H.health(hb(t, outbox_failed=1), t)) == {H.STUCK}  # a record the server refused
    assert kinds(H.health(hb(t, at=t - timedelta(seconds=300)), t)) == set()
    assert kinds(H.health(hb(t, at=t - timedelta(seconds=301)), t)) == {H.CLOCK_SKEW}
    assert kinds(H.health(hb(t, version="0.0.9"), t)) == {H.VERSION_BEHIND}
    assert kinds(H.health(hb(t, printer={"state": "paper_low"}), t)) == {H.PAPER_LOW}
    assert kinds(H.health(hb(t, printer={"state": "paper_out"}), t)) == {H.PAPER_OUT}


def test_durations_in_words():
    seconds = (0, 59, 60, 3599, 5400, 86400 + 3600, 3 * 86400 + 5)
    assert [H.duration(s, translator("en")) for s in seconds] == [
        "less than a minute", "less than a minute", "1 min", "59 min", "1 h 30 min", "25 h 0 min", "3 days"]
    assert [H.duration(s, translator("id")) for s in seconds] == [
        "kurang dari semenit", "kurang dari semenit", "1 menit", "59 menit", "1 jam 30 menit", "25 jam 0 menit",
        "3 hari"]


# --- incidents and e-mail on a SQLite file ----------------------------------------------------------------


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def world(tmp_path, smtp):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'central.db'}", timezone="Asia/Makassar",
                        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none",
                        smtp_from="iPLiK <no-reply@ntbprov.example>")
    engine = open_database(settings)
    uid, _ = make_user(engine, "teknisi", "technician")
    with engine.begin() as conn:
        conn.execute(staff_users.update().where(staff_users.c.id == uid).values(email="teknisi@ntbprov.example"))
    yield engine, settings
    engine.dispose()


def kiosk(engine, office: str = "Samsat Mataram") -> str:
    code = devices.create_enroll_code(engine, office=office, agency_id="bappenda")
    return devices.enroll(engine, code=code.code, name=f"Kios {office}").device_id


def beat(engine, device_id: str, received: datetime, *, at: datetime | None = None, **fields) -> None:
    """A heartbeat received at ``received`` whose kiosk clock said ``at`` (the same moment by default)."""
    body = wire.heartbeat_body(at=(at or received).isoformat(), version=fields.pop("version", "0.1.0"),
                               outbox_pending=0, outbox_failed=0, printer=fields.pop("printer", {"state": "ok"}),
                               catalog_version="x", **fields)
    with engine.begin() as conn:
        devices.apply_heartbeat(conn, device_id, body, received.astimezone(UTC))


def incidents(engine) -> list[tuple]:
    i = fleet_incidents.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(i.kind, i.resolved_at.is_not(None), i.notified_at.is_not(None),
                                                         i.recovery_notified_at.is_not(None), i.attempts)
                                               .order_by(i.id))]


def sent(smtp) -> list[str]:
    return [" ".join(m["X-IPLIK-Incident"].split()[1:]) for _r, m in smtp.received]


def test_a_refused_mail_is_tried_again_and_a_blip_resolved_before_its_mail_sends_nothing(world, smtp):
    engine, settings = world
    k = kiosk(engine)
    beat(engine, k, wita(2, 9, 0), printer={"state": "paper_out"})
    smtp.answer = "451 4.3.0 try again later"
    assert run_tick(engine, settings, now=wita(2, 9, 1)).fleet_mails_failed == 1
    assert incidents(engine) == [("paper_out", False, False, False, 1)] and sent(smtp) == []
    smtp.answer = None
    assert run_tick(engine, settings, now=wita(2, 9, 6)).fleet_mails_sent == 1
    assert incidents(engine) == [("paper_out", False, True, False, 0)] and sent(smtp) == ["alert paper_out"]
    # A clock-off blip while the relay is down: opened, never mailed, gone by the next tick: no mail at all.
    smtp.answer = "451 4.3.0 try again later"
    beat(engine, k, wita(2, 9, 10), at=wita(2, 9, 20), printer={"state": "paper_out"})
    run_tick(engine, settings, now=wita(2, 9, 11))
    smtp.answer = None
    beat(engine, k, wita(2, 9, 15), printer={"state": "paper_out"})
    run_tick(engine, settings, now=wita(2, 9, 16))
    run_tick(engine, settings, now=wita(2, 9, 21))
    assert incidents(engine)[1] == ("clock_skew", True, False, False, 0)  # tries start anew on resolving
    assert sent(smtp) == ["alert paper_out"]


def test_a_permanent_refusal_gives_up_at_once(world, smtp):
    engine, settings = world
    k = kiosk(engine)
    beat(engine, k, wita(2, 9, 0), printer={"state": "paper_out"})
    smtp.answer = "550 5.1.1 no such mailbox"
    run_tick(engine, settings, now=wita(2, 9, 1))
    run_tick(engine, settings, now=wita(2, 9, 6))
    with engine.connect() as conn:
        row = conn.execute(sa.select(fleet_incidents.c.notified_at, fleet_incidents.c.last_error)).one()
    assert row.notified_at is not None and row.last_error == "SMTPRecipientsRefused 550 (given up)"


def test_paper_low_turning_into_paper_out_is_no_recovery(world, smtp):
    engine, settings = world
    k = kiosk(engine)
    beat(engine, k, wita(2, 9, 0), printer={"state": "paper_low", "paper_low": True})
    run_tick(engine, settings, now=wita(2, 9, 1))
    beat(engine, k, wita(2, 9, 30), printer={"state": "paper_out"})
    run_tick(engine, settings, now=wita(2, 9, 31))
    beat(engine, k, wita(2, 9, 40), printer={"state": "ok"})
    run_tick(engine, settings, now=wita(2, 9, 41))
    assert sent(smtp) == ["alert paper_low", "alert paper_out", "recovery paper_out"]


def test_version_behind_waits_for_its_grace_and_revoked_kiosks_never_alert(world, smtp):
    engine, settings = world
    old = kiosk(engine)
    gone = kiosk(engine, "Samsat Bima")
    beat(engine, old, wita(2, 9, 0), version="0.0.9")
    beat(engine, gone, wita(2, 9, 0), printer={"state": "paper_out"})
    assert fleet_staff.revoke(engine, audit.SYSTEM, gone)
    run_tick(engine, settings, now=wita(2, 9, 1))
    assert incidents(engine) == [("version_behind", False, False, False, 0)] and sent(smtp) == []
    # 71 hours on (the kiosk still reporting 0.0.9): still within the 72 hours' grace; at 72 the mail goes.
    beat(engine, old, wita(5, 7, 59), version="0.0.9")
    run_tick(engine, settings, now=wita(5, 8, 0))
    assert sent(smtp) == []
    beat(engine, old, wita(5, 9, 0), version="0.0.9")
    run_tick(engine, settings, now=wita(5, 9, 1))
    assert sent(smtp) == ["alert version_behind"]
    # The revoked kiosk, silent and out of paper for days in office hours: nothing, ever.
    beat(engine, old, wita(7, 9, 59), version="0.0.9")
    run_tick(engine, settings, now=wita(7, 10, 0))
    assert sent(smtp) == ["alert version_behind"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(fleet_incidents)
                            .where(fleet_incidents.c.device_id == gone)).scalar() == 0


def test_two_hosts_ticking_at_the_same_moment_send_each_mail_once(world, smtp):
    engine, settings = world
    k = kiosk(engine)
    beat(engine, k, wita(2, 9, 0), printer={"state": "paper_out"})
    results = [run_tick(engine, settings, now=wita(2, 9, 1), holder=host) for host in ("host-a:1", "host-b:2")]
    assert [(r.fleet_opened, r.fleet_mails_sent) for r in results] == [(1, 1), (0, 0)]
    assert sent(smtp) == ["alert paper_out"]


def test_technicians_of_another_office_get_nothing_and_those_of_none_get_everything(world, smtp):
    engine, settings = world
    mataram, bima = kiosk(engine), kiosk(engine, "Samsat Bima")
    uid, _ = make_user(engine, "teknisi-bima", "technician")
    with engine.begin() as conn:
        conn.execute(staff_users.update().where(staff_users.c.id == uid).values(email="bima@ntbprov.example"))
    fleet_staff.set_offices(engine, audit.SYSTEM, uid, ["Samsat Bima"])
    beat(engine, mataram, wita(2, 9, 0), printer={"state": "paper_out"})
    beat(engine, bima, wita(2, 9, 0), printer={"state": "paper_low"})
    run_tick(engine, settings, now=wita(2, 9, 1))
    got = sorted((rcpt[0], m["X-IPLIK-Incident"].split()[2]) for rcpt, m in smtp.received)
    assert got == [("bima@ntbprov.example", "paper_low"), ("teknisi@ntbprov.example", "paper_low"),
                   ("teknisi@ntbprov.example", "paper_out")]


def test_a_kiosk_naming_itself_with_line_breaks_cannot_break_the_mail(world, smtp):
    engine, settings = world
    code = devices.create_enroll_code(engine, office="Samsat Mataram", agency_id="bappenda")
    k = devices.enroll(engine, code=code.code, name="Kios 1\r\nBcc: someone@evil.example\r\n\r\nhello").device_id
    beat(engine, k, wita(2, 9, 0), printer={"state": "paper_out"})
    assert run_tick(engine, settings, now=wita(2, 9, 1)).fleet_mails_sent == 1
    (rcpt, msg), = smtp.received
    assert rcpt == ["teknisi@ntbprov.example"] and msg["Bcc"] is None
    assert msg["Subject"].startswith(
        "Kios iPLiK \u201cKios 1 Bcc: someone@evil.example hello\u201d (Samsat Mataram): Kertas habis")


@pytest.mark.parametrize("key,bad,good", [("fleet_offline_minutes", 4, 5), ("fleet_stuck_minutes", 43_201, 43_200),
                                          ("fleet_clock_skew_s", 9, 10), ("fleet_version_grace_hours", -1, 0)])
def test_thresholds_out_of_bounds_are_refused_by_name(key, bad, good):
    from kiosk.central.settings import from_env
    from kiosk.errors import ConfigError

    base = Settings(database_url="sqlite:///x.db")
    assert getattr(base.replace(**{key: good}), key) == good
    with pytest.raises(ConfigError, match=key):
        base.replace(**{key: bad})
    assert getattr(from_env({f"IPLIK_CENTRAL_{key.upper()}": str(good)}, database_url="sqlite:///x.db"), key) == good


def test_the_fleet_command_lists_open_incidents_worst_first(world, smtp, capsys, tmp_path):
    from kiosk.cli import main

    engine, settings = world
    k = kiosk(engine)
    beat(engine, k, wita(2, 9, 0), at=wita(2, 9, 10), printer={"state": "paper_low"})
    run_tick(engine, settings, now=wita(2, 9, 1))
    run_tick(engine, settings, now=wita(2, 9, 45))  # silent for 45 minutes in office hours: offline too
    assert main(["--data-dir", str(tmp_path), "--json", "central", "fleet", "--db", settings.database_url]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["incidents"] == ["offline", "clock_skew", "paper_low"]
    assert main(["--data-dir", str(tmp_path), "central", "fleet", "--db", settings.database_url]) == 0
    assert "ATTENTION offline,clock_skew,paper_low" in capsys.readouterr().out


def test_an_incident_nobody_can_be_told_of_is_marked_so_and_not_sent_later(world, smtp):
    engine, settings = world
    with engine.begin() as conn:  # the only technician loses their address
        conn.execute(staff_users.update().values(email=None))
    k = kiosk(engine)
    beat(engine, k, wita(2, 9, 0), printer={"state": "paper_out"})
    run_tick(engine, settings, now=wita(2, 9, 1))
    with engine.begin() as conn:
        conn.execute(staff_users.update().values(email="teknisi@ntbprov.example"))
    run_tick(engine, settings, now=wita(2, 9, 6))
    with engine.connect() as conn:
        row = conn.execute(sa.select(fleet_incidents.c.notified_at, fleet_incidents.c.last_error)).one()
    assert row.notified_at is not None and row.last_error == "no recipient" and smtp.received == []
    # Nor is its end news to the technician who has an address now.
    beat(engine, k, wita(2, 9, 10))
    assert run_tick(engine, settings, now=wita(2, 9, 11)).fleet_resolved == 1
    run_tick(engine, settings, now=wita(2, 9, 16))
    assert smtp.received == []
