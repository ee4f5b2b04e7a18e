"""Quick ratings (issue 14, item 2): the hourly rollup ``quick_hours`` and ``quick_by_unit``, on a real
database file (SQLite) and PostgreSQL, against numbers computed by hand."""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from kiosk.central.analytics import periods
from kiosk.central.analytics.figures import UnitKind
from kiosk.central.analytics.quick import (
    quick_by_unit,
    refresh,
    satisfaction_index,
    visible_unit,
)
from kiosk.central.db import (
    devices,
    open_database,
    quick_days,
    quick_hours,
    ratings,
    records,
    rollup_marks,
    tap_discards,
)
from kiosk.central.settings import Settings

from .serverkit import database_url

WITA = timedelta(hours=8)


@pytest.fixture(scope="module")
def db(backend, tmp_path_factory):
    settings = Settings(database_url=database_url(backend, tmp_path_factory.mktemp(f"quick-{backend}")))
    engine = open_database(settings)
    yield engine, settings
    engine.dispose()


@pytest.fixture
def clean(db):
    engine, settings = db
    with engine.begin() as conn:
        for table in (quick_hours, quick_days, tap_discards, rollup_marks, ratings, records, devices):
            conn.execute(table.delete())
        # Kiosks A and B of agency "dinkes" in two offices; kiosk C of "bappenda" shares office X with A.
        for dev, office, agency in (("kA", "Kantor X", "dinkes"), ("kB", "Kantor Y", "dinkes"),
                                    ("kC", "Kantor X", "bappenda")):
            conn.execute(devices.insert().values(
                id=dev, name=f"Kios {dev}", office=office, agency_id=agency,
                token_hash=hashlib.sha256(dev.encode()).hexdigest(), enrolled_at=datetime(2025, 1, 1, tzinfo=UTC)))
    return engine, settings


def wita(y, m, d, hh, mm=0) -> datetime:
    """A WITA wall-clock time as the UTC moment the server stores."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - WITA


def tap(engine, device, face, at, *, received=None, agency=None, service=None):
    rid = str(uuidlib.uuid4())
    received = received or at + timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(records.insert().values(uuid=rid, kind="rating", device_id=device, body_hash="0" * 64,
                                             received_at=received))
        conn.execute(ratings.insert().values(uuid=rid, device_id=device, created_at=at, received_at=received,
                                             kind="quick", agency_id=agency, service_id=service, face=face,
                                             doc=json.dumps({"face": face})))


def discards(engine, device, day, n):
    with engine.begin() as conn:
        conn.execute(tap_discards.insert().values(device_id=device, local_day=day, count=n))


def hours(engine):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(quick_hours)))


def by_id(figures):
    return {f.unit.id: f for f in figures}


def figures(engine, settings, kind, period, agencies=None, **kw):
    with engine.connect() as conn:
        return by_id(quick_by_unit(conn, settings, kind, period, agencies, **kw))


NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def test_satisfaction_index_by_hand():
    # faces 4,4,3,1: sum 12 / 4 taps = mean 3 -> 3 x 25 = 75.00
    assert satisfaction_index((1, 0, 1, 2)) == Decimal("75.00")
    # faces 4,4,3: 11/3 x 25 = 91.666... -> 91.67
    assert satisfaction_index((0, 0, 1, 2)) == Decimal("91.67")
    # seven 1s and one 2: 9/8 x 25 = 28.125 -> half-up 28.13 (half-even would say 28.12)
    assert satisfaction_index((7, 1, 0, 0)) == Decimal("28.13")
    assert satisfaction_index((0, 0, 0, 5)) == Decimal("100.00")
    assert satisfaction_index((0, 0, 0, 0)) is None


def test_shares_index_and_the_agency_of_a_rating_without_one(clean):
    engine, settings = clean
    for face in (4, 4, 3, 1):  # at kiosk A, rating names no agency: the kiosk's (dinkes)
        tap(engine, "kA", face, wita(2026, 3, 2, 9))
    tap(engine, "kC", 2, wita(2026, 3, 2, 10), agency="bappenda", service="bappenda-pkb")
    refresh(engine, settings, now=NOW)
    q1 = periods.quarter(2026, 1)
    agencies = figures(engine, settings, UnitKind.AGENCY, q1)
    assert set(agencies) == {"dinkes", "bappenda"}
    dinkes = agencies["dinkes"]
    assert (dinkes.taps, dinkes.faces, dinkes.index) == (4, (1, 0, 1, 2), Decimal("75.00"))
    assert (agencies["bappenda"].faces, agencies["bappenda"].index) == ((0, 1, 0, 0), Decimal("50.00"))
    offices = figures(engine, settings, UnitKind.OFFICE, q1)
    assert offices["Kantor X"].faces == (1, 1, 1, 2)  # A's four and C's one: 1+2+3+4+4 = 14/5 x 25 = 70.00
    assert offices["Kantor X"].index == Decimal("70.00")
    services = figures(engine, settings, UnitKind.SERVICE, q1)
    assert set(services) == {"bappenda-pkb"}  # the ratings without a service are no service's
    assert services["bappenda-pkb"].discarded == 0
    # The second quarter has none of them.
    assert figures(engine, settings, UnitKind.AGENCY, periods.quarter(2026, 2)) == {}


def test_heatmap_sunday_night_and_monday_morning_in_wita(clean):
    engine, settings = clean
    # 23:30 WITA Sunday 1 March 2026 is 15:30 UTC; 00:30 WITA Monday 2 March is 16:30 UTC Sunday.
    tap(engine, "kA", 4, wita(2026, 3, 1, 23, 30))
    tap(engine, "kA", 2, wita(2026, 3, 2, 0, 30))
    assert wita(2026, 3, 2, 0, 30) == datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    refresh(engine, settings, now=NOW)
    fig = figures(engine, settings, UnitKind.KIOSK, periods.quarter(2026, 1))["kA"]
    assert fig.heatmap == {(6, 23): 1, (0, 0): 1}  # Sunday (6) 23:00, Monday (0) 00:00
    # The Sunday tap is in a period that ends on Sunday; the Monday one is not.
    sunday = figures(engine, settings, UnitKind.KIOSK, periods.date_range(date(2026, 2, 23), date(2026, 3, 1)))
    assert sunday["kA"].faces == (0, 0, 0, 1)


def test_weeks_start_on_monday_across_the_new_year(clean):
    engine, settings = clean
    tap(engine, "kB", 4, wita(2025, 12, 28, 12))  # Sunday: the week of Monday 22 Dec
    tap(engine, "kB", 2, wita(2025, 12, 29, 8))  # Monday: the week of 29 Dec
    tap(engine, "kB", 3, wita(2026, 1, 4, 23, 59))  # Sunday 4 Jan: still the week of 29 Dec 2025
    tap(engine, "kB", 1, wita(2026, 1, 5, 0, 0))  # Monday 5 Jan: a new week
    refresh(engine, settings, now=NOW)
    fig = figures(engine, settings, UnitKind.KIOSK, periods.date_range(date(2025, 12, 28), date(2026, 1, 5)))["kB"]
    assert fig.weekly == (
        (date(2025, 12, 22), 1, Decimal("100.00")),
        (date(2025, 12, 29), 2, Decimal("62.50")),  # faces 2 and 3: mean 2.5 x 25
        (date(2026, 1, 5), 1, Decimal("25.00")),
    )


def test_discarded_taps_summed_per_unit_and_period(clean):
    engine, settings = clean
    discards(engine, "kA", date(2026, 3, 31), 5)
    discards(engine, "kA", date(2026, 4, 1), 7)  # the second quarter
    discards(engine, "kB", date(2026, 1, 1), 2)
    discards(engine, "kC", date(2026, 2, 14), 11)
    q1 = periods.quarter(2026, 1)
    agencies = figures(engine, settings, UnitKind.AGENCY, q1)
    assert {k: f.discarded for k, f in agencies.items()} == {"dinkes": 5 + 2, "bappenda": 11}
    assert agencies["dinkes"].taps == 0 and agencies["dinkes"].index is None
    offices = figures(engine, settings, UnitKind.OFFICE, q1)
    assert {k: f.discarded for k, f in offices.items()} == {"Kantor X": 5 + 11, "Kantor Y": 2}
    kiosks = figures(engine, settings, UnitKind.KIOSK, periods.quarter(2026, 2))
    assert {k: f.discarded for k, f in kiosks.items()} == {"kA": 7}
    # An officer of dinkes: the shared office X counts only dinkes's kiosk A.
    mine = figures(engine, settings, UnitKind.OFFICE, q1, agencies=["dinkes"])
    assert {k: f.discarded for k, f in mine.items()} == {"Kantor X": 5, "Kantor Y": 2}


def test_officer_sees_only_their_agencies(clean):
    engine, settings = clean
    tap(engine, "kA", 4, wita(2026, 2, 2, 9))
    tap(engine, "kC", 1, wita(2026, 2, 2, 9), agency="bappenda")
    refresh(engine, settings, now=NOW)
    q1 = periods.quarter(2026, 1)
    assert set(figures(engine, settings, UnitKind.AGENCY, q1, agencies=["bappenda"])) == {"bappenda"}
    office = figures(engine, settings, UnitKind.OFFICE, q1, agencies=["bappenda"])["Kantor X"]
    assert office.faces == (1, 0, 0, 0)  # dinkes's tap at the same office is not theirs
    assert figures(engine, settings, UnitKind.KIOSK, q1, agencies=["bappenda"], unit_id="kA") == {}


def test_refresh_is_idempotent_and_takes_a_late_arrival(clean):
    engine, settings = clean
    day = wita(2026, 3, 2, 9)
    tap(engine, "kA", 4, day, received=NOW - timedelta(hours=1))
    tap(engine, "kA", 3, day + timedelta(minutes=10), received=NOW - timedelta(minutes=2))
    assert refresh(engine, settings, now=NOW) == 1  # one (day, hour, kiosk, agency, service) row
    first = hours(engine)
    # Received 2 minutes before the watermark: inside the 5-minute margin, so its day is counted again.
    assert refresh(engine, settings, now=NOW + timedelta(minutes=1)) == 1
    assert hours(engine) == first
    # A kiosk offline for a week sends a tap of that day now: the day is counted again, whole.
    tap(engine, "kA", 1, day + timedelta(minutes=20), received=NOW + timedelta(days=7))
    refresh(engine, settings, now=NOW + timedelta(days=7, minutes=10))
    fig = figures(engine, settings, UnitKind.KIOSK, periods.quarter(2026, 1))["kA"]
    assert fig.faces == (1, 0, 1, 1) and fig.heatmap == {(0, 9): 3}
    with engine.connect() as conn:  # the daily rollup follows: one row, faces 1, 3, 4
        assert [tuple(r) for r in conn.execute(sa.select(quick_days))] == [
            (date(2026, 3, 2), "kA", "dinkes", "", 1, 0, 1, 1)]
    # Nothing new: nothing rewritten, same rows.
    later = hours(engine)
    assert refresh(engine, settings, now=NOW + timedelta(days=8)) == 0
    assert hours(engine) == later


def test_an_overview_without_detail_has_the_same_totals(clean):
    engine, settings = clean
    tap(engine, "kA", 4, wita(2026, 2, 2, 9))
    tap(engine, "kB", 2, wita(2026, 2, 3, 14))
    refresh(engine, settings, now=NOW)
    q1 = periods.quarter(2026, 1)
    full = figures(engine, settings, UnitKind.AGENCY, q1)["dinkes"]
    light = figures(engine, settings, UnitKind.AGENCY, q1, detail=False)["dinkes"]
    assert (light.faces, light.index) == (full.faces, full.index) == ((0, 1, 0, 1), Decimal("75.00"))
    assert light.heatmap == {} and light.weekly == ()
    assert full.heatmap == {(0, 9): 1, (1, 14): 1}


def test_which_units_an_officer_may_open(clean):
    engine, _settings = clean
    with engine.connect() as conn:
        def seen(kind, unit_id, agencies):
            unit = visible_unit(conn, kind, unit_id, agencies)
            return unit.id if unit else None

        assert seen(UnitKind.KIOSK, "kC", ["dinkes"]) is None
        assert seen(UnitKind.KIOSK, "kC", ["bappenda"]) == "kC"
        assert seen(UnitKind.KIOSK, "kC", None) == "kC"
        assert seen(UnitKind.OFFICE, "Kantor X", ["bappenda"]) == "Kantor X"  # shared: both agencies have a kiosk
        assert seen(UnitKind.OFFICE, "Kantor Y", ["bappenda"]) is None
        assert seen(UnitKind.AGENCY, "dinkes", ["bappenda"]) is None
        assert seen(UnitKind.AGENCY, "dinkes", None) == "dinkes"
        assert seen(UnitKind.KIOSK, "nope", None) is None
        assert seen(UnitKind.AGENCY, "nope", None) is None
