"""Complaint handling figures (analytics/handling.py) on a real SQLite file, one case on PostgreSQL.

Every number below is counted by hand on Indonesia's real 2026 calendar (the `holidays` package):
Good Friday is Friday 3 April 2026, so from Thursday 2 April the working days are Mon 6 (1), Tue 7 (2),
Wed 8 (3), Thu 9 (4), Fri 10 (5), Mon 13 (6), Tue 14 (7), Wed 15 (8), Thu 16 (9).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kiosk.central.analytics import handling, periods
from kiosk.central.analytics.handling import (
    handling_by_agency,
    handling_series,
    handling_total,
    median,
)
from kiosk.central.db import (
    complaint_events,
    complaint_facts,
    complaints,
    open_database,
)
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick

from . import complaintrows as rows
from .inboxkit import ensure_catalog
from .serverkit import database_url, pg_missing_reason

WITA = ZoneInfo("Asia/Makassar")
Q2 = periods.quarter(2026, 2)


def local(m, d, hh=9, mm=0, y=2026):
    return datetime(y, m, d, hh, mm, tzinfo=WITA)


def make_settings(backend: str, tmp_path) -> Settings:
    return Settings(database_url=database_url(backend, tmp_path), timezone="Asia/Makassar")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings("sqlite", tmp_path)


@pytest.fixture
def engine(settings):
    e = open_database(settings)
    ensure_catalog(e)
    yield e
    e.dispose()


def add(engine, settings, *, received, status="sent", status_at=None, **extra) -> str:
    """A complaint received at ``received`` (local), now in ``status``; returns its uuid."""
    uid, _ = rows.add(engine, settings, status=status, status_at=status_at or received, received_at=received,
                      **extra)
    return uid


def fact(engine, uid):
    with engine.connect() as conn:
        return conn.execute(sa.select(complaint_facts).where(complaint_facts.c.uuid == uid)).one()


def refresh(engine, settings, at: datetime) -> int:
    return handling.refresh(engine, settings, now=at)


def figures(engine, settings, period=Q2, agencies=None):
    with engine.connect() as conn:
        return handling_by_agency(conn, settings, period, agencies), handling_total(conn, settings, period, agencies)


# --- working days and on-time edges ------------------------------------------------------------------


def test_working_days_skip_the_weekend_and_good_friday_and_three_days_is_on_time_four_late(engine, settings):
    # Received Thu 2 April; verified Wed 8 April = 3 working days (6, 7, 8): on time, the last day allowed.
    exact = add(engine, settings, received=local(4, 2), status="verified", status_at=local(4, 8, 16),
                verified_at=local(4, 8, 16))
    # Verified Thu 9 April = 4 working days: late.
    late = add(engine, settings, received=local(4, 2), status="verified", status_at=local(4, 9, 8),
               verified_at=local(4, 9, 8))
    # Forwarded straight away from "sent" on Mon 6 April (1 working day) counts as verified then.
    forwarded = add(engine, settings, received=local(4, 2), status="forwarded", status_at=local(4, 6),
                    forwarded_at=local(4, 6))
    refresh(engine, settings, local(4, 20))
    assert (fact(engine, exact).verify_workdays, fact(engine, exact).verified_on_time) == (3, True)
    assert (fact(engine, late).verify_workdays, fact(engine, late).verified_on_time) == (4, False)
    assert (fact(engine, forwarded).verify_workdays, fact(engine, forwarded).verified_on_time) == (1, True)


def test_five_working_days_to_answer_is_on_time_six_late(engine, settings):
    # Forwarded Thu 2 April: 5 working days later is Fri 10 April (6, 7, 8, 9, 10); Mon 13 is the 6th.
    on_time = add(engine, settings, received=local(4, 1), status="followed_up", status_at=local(4, 10, 15),
                  verified_at=local(4, 2), forwarded_at=local(4, 2))
    late = add(engine, settings, received=local(4, 1), status="followed_up", status_at=local(4, 13, 8),
               verified_at=local(4, 2), forwarded_at=local(4, 2))
    refresh(engine, settings, local(4, 20))
    assert (fact(engine, on_time).answer_workdays, fact(engine, on_time).answered_on_time) == (5, True)
    assert (fact(engine, late).answer_workdays, fact(engine, late).answered_on_time) == (6, False)
    # Received Wed 1 April, verified Thu 2: 1 working day each.
    assert fact(engine, on_time).verify_workdays == 1


def test_an_undone_step_is_undecided_on_its_due_day_and_late_the_day_after(engine, settings):
    # Received Thu 2 April, never verified: due Wed 8 April.
    uid = add(engine, settings, received=local(4, 2))
    refresh(engine, settings, local(4, 8, 23, 59))
    f = fact(engine, uid)
    assert (f.verify_workdays, f.verified_on_time, f.answered_on_time, f.is_open) == (None, None, None, True)
    # Nothing changed in the complaint: the first run of Thu 9 April turns it late all the same.
    refresh(engine, settings, local(4, 9, 0, 5))
    assert fact(engine, uid).verified_on_time is False
    assert fact(engine, uid).verify_workdays is None


def test_the_first_answer_counts_not_the_answer_after_a_reopening(engine, settings):
    # First answered Tue 7 April (forwarded Mon 6: 1 working day); reopened, answered again 20 April.
    uid = add(engine, settings, received=local(4, 2), status="followed_up", status_at=local(4, 20),
              verified_at=local(4, 6), forwarded_at=local(4, 6), reopened_count=1)
    with engine.begin() as conn:
        conn.execute(complaint_events.insert(), [
            {"complaint_uuid": uid, "device_id": rows.DEVICE, "status": s, "at": at}
            for s, at in (("followed_up", local(4, 7)), ("forwarded", local(4, 9)), ("followed_up", local(4, 20)))
        ])
    refresh(engine, settings, local(4, 21))
    f = fact(engine, uid)
    assert (f.answer_workdays, f.answered_on_time, f.reopened) == (1, True, True)


# --- periods and medians -------------------------------------------------------------------------------


def test_a_complaint_at_2359_wita_on_31_march_is_q1_and_one_at_0000_is_q2(engine, settings):
    # Both are 31 March in UTC (15:59 and 16:00).
    add(engine, settings, received=local(3, 31, 23, 59), topic="lambat")
    add(engine, settings, received=local(4, 1, 0, 0), topic="pungli")
    refresh(engine, settings, local(4, 2))
    _, q1 = figures(engine, settings, periods.quarter(2026, 1))
    _, q2 = figures(engine, settings, Q2)
    assert (q1.received, q1.by_topic) == (1, {"lambat": 1})
    assert (q2.received, q2.by_topic) == (1, {"pungli": 1})


def test_median_of_an_odd_and_an_even_count():
    assert median({1: 1, 3: 1, 5: 1}) == 3  # 1 3 5
    assert median({1: 1, 2: 1, 4: 1, 7: 1}) == 3  # 1 2 | 4 7: (2 + 4) / 2
    assert median({1: 1, 2: 1}) == Fraction(3, 2)  # (1 + 2) / 2
    assert median({0: 3, 9: 1}) == 0  # 0 0 | 0 9
    assert median({2: 2, 5: 2}) == Fraction(7, 2)  # 2 2 | 5 5: (2 + 5) / 2
    assert median({}) is None


def test_the_figures_of_an_agency_and_the_province_count_by_hand(engine, settings):
    # Four complaints to dinkes, received in April 2026 (Q2):
    #  a: verified in 1 working day (Wed 1 -> Thu 2), answered in 5 (Thu 2 -> Fri 10): both on time; rated 4
    #  b: verified in 4 (Thu 2 -> Thu 9: late), answered in 2 (Thu 9 -> Mon 13): on time; rated 1; reopened
    #  c: verified in 3 (Thu 2 -> Wed 8), not answered; still open, due Wed 15 -> undecided on 14 April
    #  d: never verified (received Thu 2, due Wed 8): late on 14 April; open and marked overdue
    a = {"received": local(4, 1), "status": "followed_up", "status_at": local(4, 10), "verified_at": local(4, 2),
             "forwarded_at": local(4, 2), "citizen_rating": 4, "citizen_rated_at": local(4, 10, 12)}
    b = dict(received=local(4, 2), status="closed", status_at=local(4, 14), verified_at=local(4, 9),
             forwarded_at=local(4, 9), response_at=local(4, 13), closed_at=local(4, 14), citizen_rating=1,
             citizen_rated_at=local(4, 13, 12), reopened_count=1, **{"class": "aspirasi"}, standard_part="biaya")
    c = {"received": local(4, 2), "status": "forwarded", "status_at": local(4, 8), "verified_at": local(4, 8),
             "forwarded_at": local(4, 8), "standard_part": "waktu"}
    d = {"received": local(4, 2), "overdue_at": local(4, 9), "standard_part": "waktu", "topic": "lambat"}
    for spec in (a, b, c, d):
        add(engine, settings, **spec)
    # And one of another agency, seen by the province only.
    add(engine, settings, received=local(4, 3), agency_id="dukcapil", handling_agency_id="dukcapil")
    refresh(engine, settings, local(4, 14, 10))
    per_agency, total = figures(engine, settings)
    dinkes = next(f for f in per_agency if f.unit.id == "dinkes")
    assert dinkes.unit.name_id == "Dinas Kesehatan Provinsi Nusa Tenggara Barat"
    assert dinkes.received == 4
    assert dinkes.by_class == {"aspirasi": 1, "pengaduan": 3}
    assert dinkes.by_topic == {"lambat": 1, "pungli": 3}
    assert dinkes.by_standard_part == {"biaya": 1, "waktu": 2}
    assert dinkes.verified_on_time == Fraction(2, 4)  # a, c on time; b, d late
    assert dinkes.answered_on_time == Fraction(2, 2)  # a, b on time; c undecided; d never forwarded
    assert dinkes.median_days_to_verify == 3  # 1 3 4 -> 3
    assert dinkes.median_days_to_answer == Fraction(7, 2)  # 2 5 -> 3.5
    assert (dinkes.backlog, dinkes.overdue) == (2, 1)  # c, d open; d overdue
    assert dinkes.reopened == Fraction(1, 4)
    assert (dinkes.citizen_rating, dinkes.citizen_ratings) == (Fraction(5, 2), 2)  # (4 + 1) / 2
    assert [f.unit.id for f in per_agency] == ["dinkes", "dukcapil"]  # the catalog's agencies first, then ids it lacks
    assert total.received == 5 and total.backlog == 3 and total.unit.id == ""
    assert total.verified_on_time == Fraction(2, 5)  # the dukcapil one is late too (received Fri 3, due Wed 8)


def test_an_officer_sees_only_their_agencies(engine, settings):
    add(engine, settings, received=local(4, 6))
    add(engine, settings, received=local(4, 6), agency_id="dukcapil", handling_agency_id="dukcapil")
    add(engine, settings, received=local(4, 6), agency_id="dukcapil", handling_agency_id=None)
    refresh(engine, settings, local(4, 7))
    per_agency, total = figures(engine, settings, agencies=frozenset({"dinkes"}))
    assert [f.unit.id for f in per_agency] == ["dinkes"] and total.received == 1 and total.backlog == 1
    none, total_none = figures(engine, settings, agencies=frozenset())
    assert none == [] and total_none.received == 0
    with engine.connect() as conn:
        series = handling_series(conn, settings, Q2, frozenset({"dukcapil"}), by="agency")
    assert series.counts == {"dukcapil": (0, 2) + (0,) * 12}  # Mon 6 April is the second week of Q2


def test_the_series_is_weekly_for_a_quarter_and_monthly_for_a_year(engine, settings):
    add(engine, settings, received=local(4, 1), topic="pungli")  # Wed: week of 1 April (first, partial)
    add(engine, settings, received=local(4, 5, 23), topic="pungli")  # Sun 5 April: still that week
    add(engine, settings, received=local(4, 6), topic="lambat")  # Mon 6 April: the second week
    add(engine, settings, received=local(6, 30, 23, 59), topic="lambat")  # the last day of Q2
    refresh(engine, settings, local(7, 1))
    with engine.connect() as conn:
        weekly = handling_series(conn, settings, Q2, by="topic")
        monthly = handling_series(conn, settings, periods.year(2026), by="topic")
        by_class = handling_series(conn, settings, Q2, by="class")
    assert weekly.step == "week" and weekly.buckets[:3] == (date(2026, 4, 1), date(2026, 4, 6), date(2026, 4, 13))
    assert len(weekly.buckets) == 14  # 1 April (Wed) .. 30 June (Tue): 13 Mondays after the first
    assert weekly.counts["pungli"][:2] == (2, 0) and weekly.counts["lambat"][1] == 1
    assert weekly.counts["lambat"][-1] == 1 and weekly.total("lambat") == 2
    assert monthly.step == "month" and len(monthly.buckets) == 12
    assert monthly.counts == {"lambat": (0, 0, 0, 1, 0, 1) + (0,) * 6, "pungli": (0, 0, 0, 2) + (0,) * 8}
    assert by_class.counts == {"pengaduan": (2, 1) + (0,) * 11 + (1,)}
    with pytest.raises(ValueError):
        handling_series(engine.connect(), settings, Q2, by="name")


# --- the rollup --------------------------------------------------------------------------------------


def snapshot(engine):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(complaint_facts)))


def test_refresh_is_idempotent(engine, settings):
    for day in (1, 2, 6):
        add(engine, settings, received=local(4, day))
    at = local(4, 8)
    assert refresh(engine, settings, at) == 3
    first = snapshot(engine)
    refresh(engine, settings, at)
    assert snapshot(engine) == first and len(first) == 3


def test_the_rollup_catches_a_status_change_and_a_citizens_rating(engine, settings):
    uid = add(engine, settings, received=local(4, 2))
    refresh(engine, settings, local(4, 3))
    assert fact(engine, uid).status == "sent"
    with engine.begin() as conn:  # the desk verifies and forwards on Mon 6 April (Fri 3 is Good Friday)
        conn.execute(complaints.update().where(complaints.c.uuid == uid).values(
            status="forwarded", status_at=local(4, 6, 10), verified_at=local(4, 6, 10),
            forwarded_at=local(4, 6, 10)))
    assert refresh(engine, settings, local(4, 6, 10, 5)) >= 1
    f = fact(engine, uid)
    assert (f.status, f.verify_workdays, f.verified_on_time) == ("forwarded", 1, True)
    with engine.begin() as conn:
        conn.execute(complaints.update().where(complaints.c.uuid == uid).values(
            status="followed_up", status_at=local(4, 7, 9), response_at=local(4, 7, 9)))
        conn.execute(complaints.update().where(complaints.c.uuid == uid).values(
            citizen_rating=3, citizen_rated_at=local(4, 7, 15)))
    refresh(engine, settings, local(4, 7, 16))
    f = fact(engine, uid)
    assert (f.status, f.answer_workdays, f.answered_on_time, f.citizen_rating, f.is_open) == (
        "followed_up", 1, True, 3, False)


def test_a_complaint_changed_long_before_the_watermark_is_not_reread(engine, settings):
    """The watermark works: a change stamped before it (minus the 5-minute margin) is not seen, which is
    what keeps a tick cheap; this guards against a refresh that silently rereads everything."""
    old = add(engine, settings, received=local(4, 1))
    add(engine, settings, received=local(4, 2))  # the newest: the watermark is its time
    refresh(engine, settings, local(4, 3))
    with engine.begin() as conn:  # a change no writer of the app makes (it moves no change column)
        conn.execute(complaints.update().where(complaints.c.uuid == old).values(topic="lambat"))
    assert refresh(engine, settings, local(4, 3, 1)) == 1  # only the newest, inside the margin
    assert fact(engine, old).topic == "pungli"


def test_a_time_stamped_ahead_does_not_push_the_watermark_past_now(engine, settings):
    """A row stamped in the future (another host's clock, a tick run with --now ahead) must not make the
    next run skip what happens until then."""
    add(engine, settings, received=local(4, 2), overdue_at=local(4, 30))
    refresh(engine, settings, local(4, 6, 8))
    later = add(engine, settings, received=local(4, 6, 9))  # after that run, long before 30 April
    refresh(engine, settings, local(4, 6, 10))
    assert fact(engine, later).received_day == date(2026, 4, 6)


def test_the_tick_runs_the_rollup(engine, settings):
    uid = add(engine, settings, received=local(4, 2))
    result = run_tick(engine, settings, now=local(4, 9, 8).astimezone(UTC))
    assert result.rollup_rows >= 1
    f = fact(engine, uid)
    # The tick marked it overdue (due Wed 8 April) before the rollup read it.
    assert (f.verified_on_time, f.is_overdue) == (False, True)


@pytest.mark.postgres
def test_the_figures_on_postgresql(tmp_path):
    if reason := pg_missing_reason():
        pytest.skip(reason)
    settings = make_settings("postgres", tmp_path)
    engine = open_database(settings)
    try:
        ensure_catalog(engine)
        add(engine, settings, received=local(3, 31, 23, 59))  # Q1
        add(engine, settings, received=local(4, 2), status="verified", status_at=local(4, 8), verified_at=local(4, 8))
        add(engine, settings, received=local(4, 2), status="verified", status_at=local(4, 9), verified_at=local(4, 9),
            citizen_rating=2)
        refresh(engine, settings, local(4, 10))
        assert refresh(engine, settings, local(4, 10)) <= 3  # the margin rereads at most these
        per_agency, total = figures(engine, settings)
        assert total.received == 2 and total.verified_on_time == Fraction(1, 2)  # 3 days on time, 4 late
        assert total.median_days_to_verify == Fraction(7, 2)  # (3 + 4) / 2
        assert (total.citizen_rating, total.citizen_ratings) == (2, 1)
        assert [f.unit.id for f in per_agency] == ["dinkes"] and total.backlog == 3
        with engine.connect() as conn:
            assert handling_series(conn, settings, Q2).counts == {"pungli": (2,) + (0,) * 13}
    finally:
        engine.dispose()
