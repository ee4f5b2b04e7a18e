"""`kiosk central demo-data`: four weeks of demo ratings and complaints on a SQLite file, checked from the
raw rows (hours in WITA, the moving units' IKM through domain/ikm.py, the pungli spike, the labels),
plus the refusals, the determinism and the same rows on PostgreSQL.

The four weeks end on Friday 27 March 2026 and hold the Nyepi and Idul Fitri week (18-24 March 2026 are
national holidays or cuti bersama in the calendar of workdays.py): the quiet days are real ones.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kiosk.central import demo_data, demo_data_load, workdays
from kiosk.central import ratings as rating_rules
from kiosk.central.db import (
    catalog_versions,
    complaint_events,
    complaints,
    devices,
    open_database,
    ratings,
    records,
)
from kiosk.central.settings import Settings
from kiosk.domain import ikm
from kiosk.domain.workflow import Status, WorkCalendar

from .serverkit import REPO, database_url

WITA = ZoneInfo("Asia/Makassar")
UNTIL = date(2026, 3, 27)
PLAN = demo_data.Plan(days=28, ratings=4000, complaints=400, seed=5, until=UNTIL)
FIRST = UNTIL - timedelta(days=27)  # Saturday 28 February 2026
AT = datetime(2026, 3, 28, 12, 0, tzinfo=WITA)  # the day after: the whole period lies in the past


def _fill(url: str, plan: demo_data.Plan = PLAN) -> demo_data_load.LoadResult:
    settings = Settings(database_url=url)
    engine = open_database(settings)
    try:
        return demo_data_load.fill(engine, settings, plan, at=AT)
    finally:
        engine.dispose()


def _rows(url: str, table: sa.Table, order) -> list[tuple]:
    engine = open_database(Settings(database_url=url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.select(table).order_by(order))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-data")
    url = f"sqlite:///{tmp / 'central.db'}"
    result = _fill(url)
    engine = open_database(Settings(database_url=url))
    with engine.connect() as conn:
        data = {
            "url": url,
            "result": result,
            "devices": conn.execute(sa.select(devices)).all(),
            "ratings": conn.execute(sa.select(ratings)).all(),
            "complaints": conn.execute(sa.select(complaints)).all(),
            "events": conn.execute(sa.select(complaint_events).order_by(complaint_events.c.id)).all(),
            "records": conn.scalar(sa.select(sa.func.count()).select_from(records)),
            "published": conn.scalar(sa.select(catalog_versions.c.published_at)),
        }
    engine.dispose()
    return data


def _local(moment: datetime) -> datetime:
    return moment.astimezone(WITA)


def test_the_size_asked_for_and_every_row_is_labelled_demo(filled):
    r = filled["result"]
    assert (r.ratings, r.complaints) == (4000, 400)  # AT is after the period: nothing is cut off
    assert filled["records"] == 4400
    devs = {d.id: d for d in filled["devices"]}
    assert all(d.name.startswith("[DEMO] ") and d.id.startswith("kio-dd-") for d in devs.values())
    # 1 to 3 kiosks per office, every one of the 34 agencies has at least one.
    per_office = Counter((d.agency_id, d.office) for d in devs.values())
    assert set(per_office.values()) <= {1, 2, 3} and len({d.agency_id for d in devs.values()}) == 34
    assert all(x.device_id in devs for x in filled["ratings"] + filled["complaints"])
    assert all(c.description.startswith("[DEMO] ") for c in filled["complaints"])
    # The demo catalog it published counts as in force since the first day, 00:00 WITA (compliance of
    # past periods is read as published by their end).
    assert filled["published"] == datetime(2026, 2, 28, 0, 0, tzinfo=WITA)


def test_identities_are_invented_from_the_fixed_list(filled):
    names = {"[DEMO] " + n for n in demo_data.NAMES}
    by_privacy = Counter(c.privacy for c in filled["complaints"])
    assert set(by_privacy) == {"biasa", "anonim", "rahasia"}
    for c in filled["complaints"]:
        if c.privacy == "anonim":
            assert c.identity is None
            continue
        ident = json.loads(c.identity)
        assert set(ident) <= {"name", "phone", "email"}  # never a NIK
        assert ident["name"] in names
        assert re.fullmatch(r"\+62 812-0000-\d{4}", ident["phone"])  # a block no operator hands out
        assert ident["email"] is None or ident["email"].endswith("@contoh.invalid")


def test_rating_documents_are_what_a_kiosk_sends(filled):
    # The domain's own parser reads each stored document back to the stored columns.
    for x in filled["ratings"]:
        row = rating_rules.row_from_doc(json.loads(x.doc))
        assert row == {k: getattr(x, k) for k in row}
        assert json.loads(x.doc)["answered_at"].endswith("+08:00")
    kinds = Counter(x.kind for x in filled["ratings"])
    assert kinds["quick"] > 1.5 * kinds["ikm"]  # faces outnumber surveys
    profiles = [json.loads(x.doc)["profile"] for x in filled["ratings"] if x.kind == "ikm"]
    given = [p for p in profiles if p]
    assert 0.7 < len(given) / len(profiles) < 0.95  # some respondents skip the profile
    assert "Tidak sekolah" in {p["pendidikan"] for p in given}


def test_ratings_only_in_office_hours_with_a_weekly_and_daily_rhythm(filled):
    holidays = workdays.national_holidays(2026, 2026)
    per_day = Counter(_local(x.created_at).date() for x in filled["ratings"])
    for x in filled["ratings"]:
        local = _local(x.created_at)
        assert time(7, 30) <= local.time() < time(15, 30), local
        assert x.received_at >= x.created_at
        if local.weekday() == 4:
            assert local.time() < time(14, 0)  # Friday closes at 14:00
        if local.weekday() == 5 or local.date() in holidays or local.weekday() == 6:
            assert time(8, 0) <= local.time() < time(12, 0)  # a short morning at most
    days = [FIRST + timedelta(days=i) for i in range(28)]
    weekdays = [d for d in days if d.weekday() < 5 and d not in holidays]
    quiet = [d for d in days if d.weekday() == 6 or d in holidays]
    saturdays = [d for d in days if d.weekday() == 5 and d not in holidays]
    # Weekdays 2-6, 9-13, 16-17, 25-27 March; quiet: Sundays 1, 8, 15 March and 18-24 March (Nyepi, Idul
    # Fitri, cuti bersama); Saturdays 28 February, 7 and 14 March.
    assert (len(weekdays), len(quiet), len(saturdays)) == (15, 10, 3)
    busy = sum(per_day[d] for d in weekdays) / len(weekdays)
    assert sum(per_day[d] for d in quiet) / len(quiet) < 0.05 * busy
    assert 0.05 * busy < sum(per_day[d] for d in saturdays) / len(saturdays) < 0.5 * busy
    hours = Counter(_local(x.created_at).hour for x in filled["ratings"])
    # The two peaks: 09-11 above the first hour and the lunch hour; 13 above 12.
    assert min(hours[9], hours[10]) > max(hours[8], hours[12]) and hours[13] > hours[12]


def _ikm(rows) -> ikm.IkmResult:
    sums = {f"U{i}": sum(getattr(x, f"u{i}") for x in rows) for i in range(1, 10)}
    return ikm.compute_from_sums(len(rows), sums)


def test_one_unit_improves_and_one_gets_worse(filled):
    # First and last week of the four, each unit's IKM from its raw answers through domain/ikm.py.
    first_week = {FIRST + timedelta(days=i) for i in range(7)}
    last_week = {UNTIL - timedelta(days=i) for i in range(7)}
    found = defaultdict(list)
    for x in filled["ratings"]:
        if x.kind != "ikm":
            continue
        day = _local(x.created_at).date()
        week = "first" if day in first_week else "last" if day in last_week else None
        if week:
            found[(x.agency_id, week)].append(x)
    improving = (_ikm(found[(demo_data.IMPROVING, "first")]), _ikm(found[(demo_data.IMPROVING, "last")]))
    worsening = (_ikm(found[(demo_data.WORSENING, "first")]), _ikm(found[(demo_data.WORSENING, "last")]))
    assert [r.band.mutu for r in improving] == ["C", "B"], [r.score for r in improving]
    assert [r.band.mutu for r in worsening] == ["B", "C"], [r.score for r in worsening]
    assert improving[1].score - improving[0].score > 8 and worsening[0].score - worsening[1].score > 8
    # Fees (U4) best and time (U3) below it, over the whole period and every agency.
    everything = _ikm([x for x in filled["ratings"] if x.kind == "ikm"])
    assert everything.nrr["U4"] == max(everything.nrr.values()) and everything.nrr["U3"] < everything.nrr["U4"] - 0.5


def test_a_pungli_spike_in_the_last_two_weeks(filled):
    spike_from = UNTIL - timedelta(days=demo_data.SPIKE_DAYS - 1)
    pungli = Counter(c.agency_id for c in filled["complaints"]
                     if c.topic == "pungli" and _local(c.received_at).date() >= spike_from)
    # 400 complaints: the spike adds max(6, round(400 x 0.015)) = 6 pungli reports for one agency.
    assert demo_data.spike_count(PLAN) == 6
    top, n = pungli.most_common(1)[0]
    assert top == demo_data.SPIKE_AGENCY and n >= 6
    # Four weeks with 400 complaints are ten times a real year's density, so other agencies have a few
    # pungli reports too; the spike's agency still has twice the next one.
    assert all(m * 2 <= n for a, m in pungli.items() if a != top)
    # It snowballs: more in the last seven days (25-27 March, after the holidays) than the seven before.
    spike = [_local(c.received_at).date() for c in filled["complaints"] if c.agency_id == top and c.topic == "pungli"]
    assert sum(d > UNTIL - timedelta(days=7) for d in spike) > sum(d <= UNTIL - timedelta(days=7) for d in spike)
    before = [c for c in filled["complaints"] if c.agency_id == top and c.topic == "pungli"
              and _local(c.received_at).date() < spike_from]
    assert len(before) <= 1


def test_complaints_flow_with_deadlines_met_mostly(filled):
    settings = Settings(database_url=filled["url"])
    cal = WorkCalendar(workdays.holiday_dates(settings, 2025, 2028))
    rows = filled["complaints"]
    status = Counter(c.status for c in rows)
    # Four weeks, one of them holidays: many still open at the end.
    assert status["closed"] > len(rows) / 6 and status["forwarded"] and status["followed_up"] and status["sent"]
    assert sum(1 for c in rows if c.overdue_at is not None) >= 1  # tick marked the late ones
    assert sum(1 for c in rows if c.reopened_count) >= 1
    rated = [c.citizen_rating for c in rows if c.citizen_rating is not None]
    assert len(rated) > 0.2 * len(rows) and set(rated) <= {1, 2, 3, 4}
    assert {c.standard_part for c in rows} >= {"biaya", "waktu", None}
    # Verified and forwarded within 3 working days of receipt (SP4N-LAPOR!): most, not all.
    verified = [c for c in rows if c.verified_at is not None]
    in_time = [c for c in verified if _local(c.verified_at).date()
               <= cal.add_working_days(_local(c.received_at).date(), 3)]
    assert 0.75 < len(in_time) / len(verified) < 1
    # Every timeline is in order, after receipt, before the cut-off, and ends in the complaint's status.
    events = defaultdict(list)
    for e in filled["events"]:
        events[e.complaint_uuid].append(e)
    for c in rows:
        line = events[c.uuid]
        assert [e.at for e in line] == sorted(e.at for e in line)
        assert all(c.received_at <= e.at <= AT for e in line)
        assert (line[-1].status if line else Status.SENT.value) == c.status


def test_refuses_a_database_with_real_data_and_a_second_run(filled, tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = open_database(Settings(database_url=url))
    with engine.begin() as conn:
        conn.execute(devices.insert().values(id="kio-lobi", name="Anjungan Lobi", office="Kantor Gubernur",
                                             agency_id="bappenda", token_hash="a" * 64, enrolled_at=AT))
    engine.dispose()
    cmd = [sys.executable, "-m", "kiosk.cli", "central", "demo-data", "--db", url, "--days", "7"]
    out = subprocess.run(cmd, check=False, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "kiosks that are not demo kiosks" in out.stderr, out.stderr
    assert _rows(url, ratings, ratings.c.uuid) == []
    with pytest.raises(demo_data_load.NotADemoDatabase, match="already has the demo data"):
        _fill(filled["url"])


def test_a_bad_last_day_is_refused_in_both_languages(tmp_path):
    cmd = [sys.executable, "-m", "kiosk.cli", "central", "demo-data", "--db", f"sqlite:///{tmp_path / 'c.db'}",
           "--until", "2026-02-30"]
    out = subprocess.run(cmd, check=False, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Harus berupa tanggal yang benar" in out.stderr and "Must be a real date written as YYYY-MM-DD" in out.stderr


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(filled, tmp_path):
    again = f"sqlite:///{tmp_path / 'again.db'}"
    _fill(again)
    for table, order in ((ratings, ratings.c.uuid), (complaints, complaints.c.uuid)):
        assert _rows(again, table, order) == _rows(filled["url"], table, order)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _fill(other, demo_data.Plan(days=28, ratings=50, complaints=5, seed=6, until=UNTIL))
    assert {r[0] for r in _rows(other, ratings, ratings.c.uuid)}.isdisjoint(x.uuid for x in filled["ratings"])


@pytest.mark.postgres
def test_postgres_copy_writes_the_same_rows(filled, tmp_path):
    from .serverkit import pg_missing_reason

    if reason := pg_missing_reason():
        pytest.skip(reason)
    url = database_url("postgres", tmp_path)
    result = _fill(url)
    assert (result.ratings, result.complaints) == (4000, 400)
    for table, order in ((ratings, ratings.c.uuid), (complaints, complaints.c.uuid)):
        assert _rows(url, table, order) == _rows(filled["url"], table, order)


def _installed(filled, name: str) -> list:
    """The rows of another part's table, or a skip while that part is not on this branch."""
    from kiosk.central import db

    if not hasattr(db, name):
        pytest.skip(f"{name} (another part of issue 14) is not on this branch yet")
    engine = open_database(Settings(database_url=filled["url"]))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(getattr(db, name))).all()
    engine.dispose()
    return rows


def test_yearly_users_once_the_ikm_part_is_installed(filled):
    users = {r.service_id: r.yearly_users for r in _installed(filled, "service_populations")}
    assert len(users) == 238  # every service of the demo catalog
    # Yearly users against the surveys of four weeks scaled to a year (x 365/28): near them (x0.9-1.1)
    # for niche services, x1.5-4 for crowded ones; the small-sample agency's six times that.
    surveys = Counter(x.agency_id for x in filled["ratings"] if x.kind == "ikm")
    agency_users = Counter()
    for service_id, n in users.items():
        agency_users[next(a for a in surveys if service_id.startswith(a + "-"))] += n
    ratio = {a: agency_users[a] / (surveys[a] * 365 / 28) for a in surveys}
    assert ratio[demo_data.SMALL_SAMPLE_AGENCY] > 4
    assert all(r < 4 for a, r in ratio.items() if a != demo_data.SMALL_SAMPLE_AGENCY), ratio


def test_discarded_taps_once_the_quick_part_is_installed(filled):
    discards = _installed(filled, "tap_discards")
    # 1-5 % of each kiosk-day's quick ratings, drawn tap by tap.
    quick = Counter((x.device_id, _local(x.created_at).date()) for x in filled["ratings"] if x.kind == "quick")
    assert all(d.count <= quick[(d.device_id, d.local_day)] for d in discards)
    assert 0.01 < sum(d.count for d in discards) / sum(quick.values()) < 0.05


def test_by_default_last_year_is_whole_so_the_award_ranking_has_a_year_to_judge(tmp_path):
    # The ranking and the transparency page judge the last complete year: a demo of the last 365 days
    # left it with a few weeks, and every agency was "listed apart, sample too small".
    url = f"sqlite:///{tmp_path / 'c.db'}"
    cmd = [sys.executable, "-m", "kiosk.cli", "--json", "central", "demo-data", "--db", url, "--until", "2026-02-10",
           "--ratings", "800", "--complaints", "40"]
    out = subprocess.run(cmd, check=False, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    # 1 Jan 2025 .. 10 Feb 2026: 365 + 41 days.
    assert json.loads(out.stdout)["first"] == "2025-01-01"
    engine = open_database(Settings(database_url=url))
    with engine.connect() as conn:
        first = conn.scalar(sa.select(sa.func.min(ratings.c.created_at)))
    engine.dispose()
    assert first.astimezone(WITA).date() < date(2025, 1, 15)


def test_the_demo_fleet_reports_and_its_story_shows_as_open_incidents(filled):
    """Every demo kiosk has a newest heartbeat; the few of the story are what the tick at the end flags:
    one out of paper, two low, one with records stuck, one clock 14 minutes ahead, one old release. The
    silent one opens no incident: the demo ends at night (the office is closed), and the page still shows
    it last reported 20 hours earlier."""
    from kiosk.central import fleet_view

    engine = open_database(Settings(database_url=filled["url"]))
    try:
        rows = fleet_view.kiosks(engine)
    finally:
        engine.dispose()
    assert len(rows) == len(filled["devices"]) and all(r.heartbeat_at is not None for r in rows)
    kinds = Counter(i.kind for r in rows for i in r.incidents)
    assert kinds == {"paper_out": 1, "paper_low": 2, "records_stuck": 1, "clock_skew": 1, "version_behind": 1}
    newest = max(r.heartbeat_at for r in rows)
    silent = [r for r in rows if newest - r.heartbeat_at > timedelta(hours=19)]
    assert len(silent) == 1
    # Worst first: the kiosk out of paper heads the list.
    assert rows[0].incidents[0].kind == "paper_out"
    # Every printer state is one the kiosk sends, so the page says it in words.
    from kiosk.central.fleet_health import PRINTER_STATES

    assert {r.health.printer_state for r in rows} <= set(PRINTER_STATES)


def test_after_the_back_office_demo_the_catalog_history_keeps_its_order(tmp_path):
    """`kiosk central demo` publishes the demo catalog twice (the second time with its evidence photo);
    demo-data dates the catalog back to its first day. Backdating only the newest version made it older
    than the one it replaced, and the history page listed them out of order."""
    from kiosk.central import demo

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'central.db'}", evidence_dir=str(tmp_path / "ev"))
    engine = open_database(settings)
    try:
        demo.build(engine, settings, at=AT)
        demo_data_load.fill(engine, settings, demo_data.Plan(days=7, ratings=200, complaints=20, seed=3,
                                                               until=UNTIL), at=AT, run_tick=False)
        with engine.connect() as conn:
            versions = conn.execute(sa.select(catalog_versions.c.id, catalog_versions.c.published_at)
                                    .order_by(catalog_versions.c.id)).all()
    finally:
        engine.dispose()
    assert len(versions) == 2
    times = [v.published_at for v in versions]
    assert times == sorted(times) and times[-1] <= datetime.combine(UNTIL - timedelta(days=6), datetime.min.time(),
                                                                    WITA)
