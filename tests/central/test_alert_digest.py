"""The daily alert digest through a real SMTP server (aiosmtpd on a loopback port), sent by the real tick
on a SQLite file (and once on PostgreSQL): who gets one, what it holds, once a day, not before
digest_hour, retries.

The day: Wednesday 9 December 2026, WITA. Dinkes has a pungli spike this week (2 complaints, none in
the 8 weeks before); Dikbud has one forwarded complaint past its deadline.
"""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from kiosk.central import alert_digest
from kiosk.central.db import alert_digests, open_database, staff_agencies, staff_users
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick

from . import complaintrows as rows
from .serverkit import database_url, free_port, pg_missing_reason
from .test_alerts import MONDAY, complaint, publish

WITA = ZoneInfo("Asia/Makassar")
DAY = date(2026, 12, 9)
PUBLIC = "https://lapor.ntbprov.example"


def at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=WITA)


class Inbox:
    """Keeps what arrives; ``answer`` replaces the reply to RCPT (e.g. a 451 or a 550)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []
        self.answer: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.answer:
            return self.answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, str]:
        return {rcpt[0]: body(msg) for rcpt, msg in self.received}


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def db_url(request, tmp_path) -> str:
    """A SQLite file; the first test runs on PostgreSQL too (parametrized indirectly)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgres" and (reason := pg_missing_reason()):
        pytest.skip(reason)
    return database_url(backend, tmp_path)


def settings_for(db_url: str, port: int, **kw) -> Settings:
    return Settings(database_url=db_url, timezone="Asia/Makassar", public_url=PUBLIC, smtp_host="127.0.0.1",
                    smtp_port=port, smtp_tls="none", smtp_from="iPLiK NTB <no-reply@ntbprov.example>", **kw)


@pytest.fixture
def world(db_url, smtp):
    """The database with the alerts and the staff; returns (engine, settings)."""
    settings = settings_for(db_url, smtp.port)
    engine = open_database(settings)
    publish(engine)
    complaint(engine, settings, MONDAY + timedelta(hours=9))
    complaint(engine, settings, MONDAY + timedelta(days=1, hours=9))
    complaint(engine, settings, MONDAY - timedelta(days=20), agency="dikbud", forwarded=True, overdue=True)
    person(engine, "ani", "officer", ["dinkes"], "ani@dinkes.example")
    person(engine, "budi", "officer", ["dikbud"], "budi@dikbud.example")
    person(engine, "citra", "officer", ["dinkes"], None)  # no address: nothing to send
    person(engine, "dewi", "desk", [], "dewi@ntbprov.example")
    person(engine, "eko", "viewer", [], "eko@ntbprov.example")  # not a recipient
    person(engine, "fajar", "officer", ["bappeda"], "fajar@bappeda.example")  # no alerts there
    person(engine, "gita", "officer", ["dinkes"], "gita@dinkes.example", disabled_at=MONDAY)
    yield engine, settings
    engine.dispose()


def person(engine, username, role, agencies, address, **columns) -> None:
    """An account written straight into the tables (no password hashing: nobody signs in here)."""
    with engine.begin() as conn:
        user_id = conn.execute(staff_users.insert().values(
            username=username, display_name=f"Test {username}", role=role, email=address, password_hash="x",
            password_changed_at=MONDAY, created_at=MONDAY, **columns)).inserted_primary_key[0]
        for agency in agencies:
            conn.execute(staff_agencies.insert().values(user_id=user_id, agency_id=agency))


def digest_rows(engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        return {r.username: (r.status, r.attempts, r.last_error) for r in conn.execute(
            sa.select(staff_users.c.username, alert_digests.c.status, alert_digests.c.attempts,
                      alert_digests.c.last_error)
            .join(staff_users, staff_users.c.id == alert_digests.c.user_id)).all()}


@pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_one_digest_per_recipient_with_their_agencies_only_from_digest_hour_on(world, smtp, caplog):
    engine, settings = world
    caplog.set_level(logging.DEBUG)
    # 06:59 WITA: before digest_hour (7), nothing goes and nothing is written.
    assert run_tick(engine, settings, now=at(6, 59)).digests_sent == 0
    assert smtp.received == [] and digest_rows(engine) == {}
    result = run_tick(engine, settings, now=at(7, 0))
    assert (result.digests_sent, result.digests_failed) == (3, 0)
    mails = smtp.by_recipient()
    assert sorted(mails) == ["ani@dinkes.example", "budi@dikbud.example", "dewi@ntbprov.example"]
    # The officer of Dinkes reads the pungli spike and nothing of Dikbud; Dikbud's officer the reverse.
    ani, budi, dewi = mails["ani@dinkes.example"], mails["budi@dikbud.example"], mails["dewi@ntbprov.example"]
    assert "2 pengaduan tentang \u201cPungutan liar (pungli)\u201d untuk Dinas Kesehatan" in ani
    assert "2 complaints about \u201cIllegal fees (pungli)\u201d for Health Office" in ani
    assert "Dinas Pendidikan" not in ani and "Education Office" not in ani
    assert "1 complaint for Education Office is past its deadline." in budi and "Kesehatan" not in budi
    # The desk reads both, the deadline first (urgent before the rest, deadlines before spikes).
    assert dewi.index("Dinas Pendidikan telah melewati") < dewi.index("Pungutan liar")
    assert "1 alerts for 2026-12-09" not in dewi and "2 alerts for 2026-12-09" in dewi
    for text in (ani, budi, dewi):
        assert f"{PUBLIC}/staff/dashboard" in text
        assert text.index("Yth. rekan petugas,") < text.index("Dear colleague,")  # Indonesian first
        assert "!! [Mendesak]" in text and "!! [Urgent]" in text  # severity in words, not colour
        # Nothing of the citizens: their name, NIK, phone, address, what they wrote.
        for secret in (rows.NAME, rows.NIK, rows.PHONE, rows.EMAIL, "Petugas meminta biaya"):
            assert secret not in text
    [(_, first)] = [(r, m) for r, m in smtp.received if r == ["ani@dinkes.example"]]
    assert first["Subject"] == "Peringatan iPLiK untuk 2026-12-09 / iPLiK alerts for 2026-12-09"
    assert first["Auto-Submitted"] == "auto-generated"
    assert digest_rows(engine) == {"ani": ("sent", 1, None), "budi": ("sent", 1, None), "dewi": ("sent", 1, None)}
    # No address in our logs (the test SMTP server logs its envelope; ours must not).
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("kiosk"))
    assert "alert digest: 3 sent, 0 failed of 3 due" in ours and "@" not in ours.replace("@ntbprov.example>", "")
    # A second tick the same day sends nothing more, even with a new alert.
    complaint(engine, settings, MONDAY + timedelta(days=2, hours=1))
    assert run_tick(engine, settings, now=at(7, 5)).digests_sent == 0
    assert run_tick(engine, settings, now=at(23, 59)).digests_sent == 0
    assert len(smtp.received) == 3
    # The next day (Thursday, from 07:00 WITA) each one gets the day's digest again.
    assert run_tick(engine, settings, now=at(6, 59, DAY + timedelta(days=1))).digests_sent == 0
    assert run_tick(engine, settings, now=at(7, 0, DAY + timedelta(days=1))).digests_sent == 3


def test_a_refused_delivery_is_tried_again_by_the_next_tick_a_bounded_number_of_times(world, smtp):
    engine, settings = world
    smtp.answer = "451 4.3.0 try again later"
    result = run_tick(engine, settings, now=at(8, 0))
    assert (result.digests_sent, result.digests_failed) == (0, 3)
    assert digest_rows(engine)["ani"] == ("pending", 1, "SMTPRecipientsRefused 451")
    smtp.answer = None
    result = run_tick(engine, settings, now=at(8, 5))
    assert (result.digests_sent, result.digests_failed) == (3, 0)
    assert digest_rows(engine)["ani"] == ("sent", 2, None)
    assert len(smtp.received) == 3
    # Another day, a relay that keeps refusing: MAX_ATTEMPTS tries (one per tick), then "failed".
    smtp.answer = "451 4.3.0 try again later"
    thursday = DAY + timedelta(days=1)
    for i in range(alert_digest.MAX_ATTEMPTS):
        assert run_tick(engine, settings, now=at(8, 0, thursday) + timedelta(minutes=5 * i)).digests_failed == 3
    assert run_tick(engine, settings, now=at(10, 0, thursday)).digests_failed == 0  # given up
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(alert_digests.c.status, alert_digests.c.attempts)
                                .where(alert_digests.c.local_day == thursday)).all()
    assert sorted(statuses) == [("failed", alert_digest.MAX_ATTEMPTS)] * 3


def test_a_permanent_refusal_is_not_retried(world, smtp):
    engine, settings = world
    smtp.answer = "550 5.1.1 mailbox unavailable"
    assert run_tick(engine, settings, now=at(9, 0)).digests_failed == 3
    assert digest_rows(engine)["budi"] == ("failed", 1, "SMTPRecipientsRefused 550")
    smtp.answer = None
    assert run_tick(engine, settings, now=at(9, 5)).digests_sent == 0 and smtp.received == []


def test_a_relay_that_is_down_leaves_the_digests_pending(world, smtp):
    engine, settings = world
    down = settings.replace(smtp_port=free_port())  # nobody listens there
    assert run_tick(engine, down, now=at(7, 30)).digests_failed == 3
    assert {v[0] for v in digest_rows(engine).values()} == {"pending"}
    assert run_tick(engine, settings, now=at(7, 35)).digests_sent == 3


def test_no_smtp_host_sends_and_writes_nothing(world):
    engine, settings = world
    quiet = settings.replace(smtp_host="")
    assert run_tick(engine, quiet, now=at(12, 0)).digests_sent == 0 and digest_rows(engine) == {}


def test_digest_hour_is_local_time(world, smtp):
    engine, settings = world
    nine = settings.replace(digest_hour=9)
    # 08:59 WITA is 00:59 UTC: already past 7 in no zone that matters, before 9 here.
    assert run_tick(engine, nine, now=at(8, 59)).digests_sent == 0
    assert run_tick(engine, nine, now=at(9, 0)).digests_sent == 3


# --- the command -----------------------------------------------------------------------------------------


def cli(settings: Settings, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``kiosk central digest ...`` in this process (the parser, the settings from the environment)."""
    from kiosk.cli import main

    for key, value in {"TIMEZONE": "Asia/Makassar", "SMTP_HOST": settings.smtp_host,
                       "SMTP_PORT": str(settings.smtp_port), "SMTP_TLS": "none"}.items():
        monkeypatch.setenv(f"IPLIK_CENTRAL_{key}", value)
    code = main(["central", "digest", "--db", settings.database_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_dry_run_shows_who_gets_which_alerts_and_sends_nothing(world, smtp, monkeypatch, capsys):
    engine, settings = world
    code, out, err = cli(settings, monkeypatch, capsys, "--dry-run", "--now", "2026-12-09T07:00")
    assert code == 0, err
    assert "Digests due on 2026-12-09: 3 (dry run, nothing sent)" in out
    assert "to ani (user 1), 1 alerts:\n  [Urgent] 2 complaints about" in out
    assert "to dewi" in out and "to budi" in out and "eko" not in out and "citra" not in out
    assert "@" not in out  # user names, never addresses
    assert smtp.received == [] and digest_rows(engine) == {}
    _, early, _ = cli(settings, monkeypatch, capsys, "--dry-run", "--now", "2026-12-09T06:59")
    assert "Before digest_hour (07:00 Asia/Makassar): no digest is due yet." in early
    code, _, err = cli(settings, monkeypatch, capsys, "--dry-run", "--now", "9/12/2026")
    assert code == 2 and "'9/12/2026' is not an ISO date-time" in err and "Traceback" not in err
    # Without --dry-run it sends, once, like the tick.
    code, out, err = cli(settings, monkeypatch, capsys, "--now", "2026-12-09T07:00")
    assert code == 0 and out.strip() == "digest: 3 sent, 0 failed", err
    assert len(smtp.received) == 3
