"""The deadline job on a real SQLite file and a real PostgreSQL, with a frozen clock.

The calendar in these tests is Indonesia's real one: an answer on Monday 14 December 2026 has its tenth
working day on Wednesday 30 December (weekends 19-20 and 26-27, cuti bersama on the 24th and Christmas
on the 25th skipped), so the report closes from Thursday 31 December on.
"""

from __future__ import annotations

import dataclasses
import re

import json
import os
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kiosk.central import tick
from kiosk.central.db import audit_log, complaint_events, complaints, open_database, server_locks
from kiosk.central.settings import Settings
from kiosk.central.tick import TickResult, run_lock, run_tick

from . import complaintrows as rows
from .serverkit import REPO, database_url

WITA = ZoneInfo("Asia/Makassar")
ANSWERED = datetime(2026, 12, 14, 10, 0, tzinfo=WITA)  # Monday



def deadlines_only(result: TickResult) -> TickResult:
    """The result without the analytics rollups' row count (those have tests of their own)."""
    return dataclasses.replace(result, rollup_rows=0)

def local(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=WITA)


@pytest.fixture
def settings(backend, tmp_path) -> Settings:
    return Settings(database_url=database_url(backend, tmp_path), timezone="Asia/Makassar")


@pytest.fixture
def engine(settings):
    e = open_database(settings)
    yield e
    e.dispose()


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        events = conn.scalar(sa.select(sa.func.count()).select_from(complaint_events))
        audits = conn.scalar(sa.select(sa.func.count()).select_from(audit_log))
    return events, audits


def test_the_closing_day_skips_the_weekends_cuti_bersama_and_christmas(engine, settings):
    uid, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    assert rows.get(engine, uid).due_on == date(2026, 12, 30)


def test_an_unanswered_answer_closes_once_its_tenth_working_day_is_over(engine, settings):
    uid, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    # Nine working days after the answer, and the whole of the tenth: the citizen may still reply.
    for moment in (local(2026, 12, 29, 12), local(2026, 12, 30, 23, 59)):
        result = run_tick(engine, settings, now=moment)
        assert result.closed == 0 and not result.skipped_locked
        assert rows.get(engine, uid).status == "followed_up"
    assert counts(engine) == (0, 0)

    at = local(2026, 12, 31, 0, 1)
    result = run_tick(engine, settings, now=at)
    assert deadlines_only(result) == TickResult(closed=1)
    c = rows.get(engine, uid)
    assert (c.status, c.closed_at, c.status_at, c.due_on, c.overdue_at) == ("closed", at, at, None, None)
    with engine.connect() as conn:
        ev = conn.execute(sa.select(complaint_events).where(complaint_events.c.complaint_uuid == uid)).one()
        audit = conn.execute(sa.select(audit_log).where(audit_log.c.complaint_uuid == uid)).one()
    assert (ev.status, ev.actor, ev.user_id, ev.at, ev.device_id) == ("closed", "system", None, at, rows.DEVICE)
    assert "Ditutup otomatis" in ev.note and "10 hari kerja" in ev.note and "Closed automatically" in ev.note
    assert ev.internal_note is None
    assert (audit.action, audit.username, audit.user_id, audit.at) == ("tick", "system", None, at)
    assert json.loads(audit.detail) == {"change": "auto_close", "status": "closed"}

    # Idempotent: the same moment again, and a later one, change nothing.
    before = counts(engine)
    assert deadlines_only(run_tick(engine, settings, now=at)) == TickResult()
    assert deadlines_only(run_tick(engine, settings, now=at + timedelta(days=3))) == TickResult()
    assert counts(engine) == before


def test_the_kiosk_that_took_the_report_pulls_the_closing(engine, settings):
    from kiosk.central.complaints import updates_for_device

    uid, code = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    before = updates_for_device(engine, rows.DEVICE, None, 100)
    assert before["updates"] == []
    run_tick(engine, settings, now=local(2026, 12, 31, 8))
    pulled = updates_for_device(engine, rows.DEVICE, before["cursor"], 100)
    [update] = pulled["updates"]
    assert (update["uuid"], update["status"]) == (uid, "closed")
    [event] = update["events"]
    assert event["status"] == "closed" and event["note"].startswith("Ditutup otomatis")
    assert int(pulled["cursor"]) == event["id"]


def test_a_citizen_who_replied_to_this_answer_keeps_it_open(engine, settings):
    rated, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED,
                        citizen_rating=2, citizen_rated_at=ANSWERED + timedelta(days=1))
    asked, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED,
                        reopen_requested_at=ANSWERED + timedelta(days=2))
    # A reopen request on an earlier answer (the desk reopened it, the agency answered again): the
    # new answer's ten days run like any other.
    earlier, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED,
                          reopen_requested_at=ANSWERED - timedelta(days=8))
    silent, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    result = run_tick(engine, settings, now=local(2027, 1, 4, 8))
    assert result.closed == 2
    assert {u: rows.get(engine, u).status for u in (rated, asked, earlier, silent)} == {
        rated: "followed_up", asked: "followed_up", earlier: "closed", silent: "closed"}
    # The two left open are past their closing day: the desk sees them as overdue and decides.
    assert result.marked_overdue == 2
    assert rows.get(engine, rated).overdue_at == local(2027, 1, 4, 8)


def test_overdue_is_marked_the_day_after_the_due_day_once(engine, settings):
    forwarded_at = local(2026, 12, 14, 9)  # answer due 5 working days later: Monday 21 December
    uid, _ = rows.add(engine, settings, status="forwarded", status_at=forwarded_at)
    # Verify within 3 working days: 22, 23, then (24-27 off) Monday 28 December.
    sent, _ = rows.add(engine, settings, status="sent", status_at=local(2026, 12, 21, 9))
    assert rows.get(engine, uid).due_on == date(2026, 12, 21)
    assert rows.get(engine, sent).due_on == date(2026, 12, 28)
    # Paused and finished reports have no clock, whatever an old due day says.
    held, _ = rows.add(engine, settings, status="on_hold", status_at=forwarded_at, with_due=False,
                       due_on=date(2026, 12, 1))
    closed, _ = rows.add(engine, settings, status="closed", status_at=forwarded_at, with_due=False,
                         due_on=date(2026, 12, 1))

    assert run_tick(engine, settings, now=local(2026, 12, 21, 23, 59)).marked_overdue == 0
    at = local(2026, 12, 22, 7)
    assert deadlines_only(run_tick(engine, settings, now=at)) == TickResult(marked_overdue=1)
    assert rows.get(engine, uid).overdue_at == at
    assert rows.get(engine, sent).overdue_at is None
    assert rows.get(engine, held).overdue_at is None and rows.get(engine, closed).overdue_at is None
    with engine.connect() as conn:
        detail = conn.scalar(sa.select(audit_log.c.detail).where(audit_log.c.complaint_uuid == uid))
    assert json.loads(detail) == {"change": "overdue", "status": "forwarded", "due_on": "2026-12-21"}
    # The mark keeps its first moment; the report due on the 28th is marked on the 29th, not before.
    assert run_tick(engine, settings, now=local(2026, 12, 28, 23)).marked_overdue == 0
    result = run_tick(engine, settings, now=local(2026, 12, 29, 7))
    assert result.marked_overdue == 1
    assert rows.get(engine, uid).overdue_at == at


def test_a_missing_due_day_is_computed_before_the_deadlines_are_applied(engine, settings):
    """Complaints from before migration 0002 have no due day; the first run gives them one."""
    uid, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED, with_due=False)
    fresh, _ = rows.add(engine, settings, status="forwarded", status_at=local(2026, 12, 29, 9), with_due=False)
    result = run_tick(engine, settings, now=local(2026, 12, 31, 8))
    assert (result.due_filled, result.closed) == (2, 1)
    assert rows.get(engine, uid).status == "closed"
    assert rows.get(engine, fresh).due_on == date(2027, 1, 7)  # 30, 31, (1 Jan, weekend), 4, (5 Jan), 6, 7
    assert run_tick(engine, settings, now=local(2026, 12, 31, 8)).due_filled == 0


def test_many_complaints_are_handled_in_batches(engine, settings, monkeypatch):
    monkeypatch.setattr(tick, "BATCH", 7)
    uids = [rows.add(engine, settings, status="followed_up", status_at=ANSWERED)[0] for _ in range(23)]
    late = [rows.add(engine, settings, status="forwarded", status_at=ANSWERED)[0] for _ in range(16)]
    result = run_tick(engine, settings, now=local(2027, 1, 4, 8))
    assert (result.closed, result.marked_overdue) == (23, 16)
    assert {rows.get(engine, u).status for u in uids} == {"closed"}
    assert counts(engine) == (23, 23 + 16)


def test_a_held_lock_makes_another_run_skip_and_change_nothing(engine, settings):
    uid, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    with run_lock(engine, "someone-else") as held:
        assert held is not None
        result = run_tick(engine, settings, now=local(2027, 1, 4, 8))
        assert result == TickResult(skipped_locked=True)
        assert rows.get(engine, uid).status == "followed_up"
    assert run_tick(engine, settings, now=local(2027, 1, 4, 8)).closed == 1


def test_runs_started_together_in_threads_close_each_complaint_once(engine, settings):
    n = 400
    for _ in range(n):
        rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    barrier = threading.Barrier(4)
    results: list[TickResult] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            results.append(run_tick(engine, settings, now=local(2027, 1, 4, 8), holder=f"thread-{i}"))
        except BaseException as e:  # noqa: BLE001 - reported by the assert below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(r.closed for r in results)[-1] == n and sum(r.closed for r in results) == n
    assert all(r.skipped_locked or r.closed in (0, n) for r in results)
    with engine.connect() as conn:
        per_complaint = conn.execute(sa.select(complaint_events.c.complaint_uuid, sa.func.count())
                                     .group_by(complaint_events.c.complaint_uuid)).all()
        assert len(per_complaint) == n and {c for _, c in per_complaint} == {1}
        assert conn.scalar(sa.select(sa.func.count()).select_from(complaints)
                           .where(complaints.c.status == "closed")) == n
        # The lock is given back: nothing left behind for the next run to wait on.
        assert conn.scalar(sa.select(sa.func.count()).select_from(server_locks)) == 0


def test_expired_staff_sessions_are_purged_and_live_ones_kept_on_the_wall_clock(engine, settings):
    from kiosk.central import staff
    from kiosk.central.db import now as db_now, staff_sessions

    from .staffkit import make_user

    uid, _ = make_user(engine, "tick-purge", "viewer")
    wall = db_now()
    live, _ = staff.start_session(engine, settings, uid, now=wall)
    staff.start_session(engine, settings, uid, now=wall - timedelta(hours=settings.session_absolute_hours + 1))
    # A frozen `now` a month ahead must not sign out the session started just now (wall clock).
    result = run_tick(engine, settings, now=wall + timedelta(days=30))
    assert result.sessions_purged == 1 and "1 sessions purged" in result.summary()
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(staff_sessions)) == 1
    assert staff.session_for(engine, settings, live, now=db_now()) is not None
    assert run_tick(engine, settings, now=wall + timedelta(days=30)).sessions_purged == 0


# --- SQLite: the lease ---------------------------------------------------------------------------------


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("the lease is how SQLite does it; PostgreSQL uses an advisory lock")


def put_lease(engine, holder: str, expires_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(server_locks.insert().values(name="tick", holder=holder, expires_at=expires_at))


def test_a_live_lease_of_another_host_makes_the_run_skip(sqlite_only, engine, settings):
    rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    put_lease(engine, "other-host:123:abcd", datetime.now(WITA) + timedelta(minutes=3))
    assert run_tick(engine, settings, now=local(2027, 1, 4, 8)).skipped_locked


def test_a_crashed_holders_lease_is_taken_over_once_it_has_expired(sqlite_only, engine, settings, caplog):
    uid, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    put_lease(engine, "crashed-host:99:dead", datetime.now(WITA) - timedelta(seconds=1))
    result = run_tick(engine, settings, now=local(2027, 1, 4, 8), holder="me")
    assert result.closed == 1 and rows.get(engine, uid).status == "closed"
    assert "taking over a lease" in caplog.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(server_locks)).all() == []


def test_a_run_whose_lease_was_taken_over_stops(sqlite_only, engine, settings):
    with run_lock(engine, "slow-run", lease=timedelta(seconds=30)) as held:
        assert held is not None
        held.keep()  # renewing one's own lease works
        with engine.begin() as conn:  # another host took it over after it expired
            conn.execute(server_locks.update().values(holder="other"))
        with pytest.raises(tick.LockLost):
            held.keep()
    with engine.connect() as conn:  # leaving does not delete the other host's lease
        assert conn.scalar(sa.select(server_locks.c.holder)) == "other"


# --- PostgreSQL: two processes --------------------------------------------------------------------------


@pytest.fixture
def postgres_only(backend):
    if backend != "postgres":
        pytest.skip("the advisory lock across processes is PostgreSQL's")


def cli_tick(settings: Settings, now: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "IPLIK_CENTRAL_TIMEZONE": "Asia/Makassar"}
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", "central", "tick", "--db", settings.database_url,
                             "--now", now, "--json"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_processes_at_once_do_the_work_once(postgres_only, engine, settings):
    n = 1500
    for _ in range(n):
        rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    procs = [cli_tick(settings, "2027-01-04T08:00") for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    # One did it all; the other was either refused the lock or came after and found nothing left.
    assert sorted(o["closed"] for o in outs) == [0, n]
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(complaint_events)) == n


def test_a_process_finds_the_advisory_lock_held_and_skips(postgres_only, engine, settings):
    rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": tick.PG_LOCK_KEY})
        p = cli_tick(settings, "2027-01-04T08:00")
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert json.loads(out)["skipped_locked"] is True
        conn.scalar(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": tick.PG_LOCK_KEY})
    # A holder that dies loses the lock with its connection: the next process works.
    p = cli_tick(settings, "2027-01-04T08:00")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert json.loads(out)["closed"] == 1


# --- the command ---------------------------------------------------------------------------------------


def test_the_command_runs_at_a_local_moment_and_prints_one_line(sqlite_only, engine, settings):
    uid, _ = rows.add(engine, settings, status="followed_up", status_at=ANSWERED)
    p = cli_tick(settings, "2026-12-30T23:59")  # no offset: the office's time, still the closing day
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert json.loads(out)["closed"] == 0
    env = {**os.environ, "PYTHONPATH": str(REPO), "IPLIK_CENTRAL_TIMEZONE": "Asia/Makassar"}
    run = subprocess.run([sys.executable, "-m", "kiosk.cli", "central", "tick", "--db", settings.database_url,
                          "--now", "2026-12-31T00:01"], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    # The rollups' count depends on which analytics rollups exist (analytics/rollup.py); the deadline
    # work is what this test pins.
    assert re.fullmatch(r"tick: 0 marked overdue, 1 closed automatically, 0 e-mails sent, 0 failed, "
                        r"0 sessions purged, 0 due days filled, [0-9]+ rollup rows refreshed", run.stdout.strip())
    assert rows.get(engine, uid).status == "closed"


def test_the_command_refuses_a_moment_it_cannot_read(sqlite_only, settings):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "kiosk.cli", "central", "tick", "--db", settings.database_url,
                          "--now", "31/12/2026"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "'31/12/2026' is not an ISO date-time" in run.stderr and "Traceback" not in run.stderr
