"""IKM per unit and period (analytics/ikm.py) through the real thing: surveys in a database file, the
rollup refresh, then the queries. Every expected number is worked out by hand in the comments.

The index is ``sum of the nine NRRs / 9 x 25``; with n respondents who all answered all nine elements,
sum of NRR = (sum of all 9n answers) / n, so IKM = T / n x 25 / 9 for a total T of answers.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from kiosk.central import db as db_mod
from kiosk.central.analytics import ikm, periods, rollup
from kiosk.central.analytics.figures import Unit, UnitKind
from kiosk.central.db import (
    ikm_days,
    ikm_profile_days,
    open_database,
    service_populations,
)
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick

from . import ikmkit as kit
from .serverkit import database_url

Q1, Q2, Y2026 = periods.quarter(2026, 1), periods.quarter(2026, 2), periods.year(2026)

# (service, respondents n, total of answers T, IKM = T/n x 25/9, mutu)
BAND_EDGES = [
    ("edge-2500", 1, 9, Decimal("25.00"), "D"),  # all answers 1: 9/1 x 25/9 = 25
    ("edge-6499", 38, 889, Decimal("64.99"), "D"),  # 889/38 x 25/9 = 22225/342 = 64.98538.. -> 64.99
    ("edge-6500", 5, 117, Decimal("65.00"), "C"),  # 117/5 x 25/9 = 2925/45 = 65 exactly
    ("edge-7660", 26, 717, Decimal("76.60"), "C"),  # 717/26 x 25/9 = 17925/234 = 76.6026.. -> 76.60
    ("edge-7661", 19, 524, Decimal("76.61"), "B"),  # 524/19 x 25/9 = 13100/171 = 76.6082.. -> 76.61
    ("edge-8830", 19, 604, Decimal("88.30"), "B"),  # 604/19 x 25/9 = 15100/171 = 88.3041.. -> 88.30
    ("edge-8831", 24, 763, Decimal("88.31"), "A"),  # 763/24 x 25/9 = 19075/216 = 88.3102.. -> 88.31
    ("edge-10000", 1, 36, Decimal("100.00"), "A"),  # all answers 4: 36/1 x 25/9 = 100
]


def _engine(url):
    settings = Settings(database_url=url, timezone="Asia/Makassar")
    return settings, open_database(settings)


@pytest.fixture
def db(tmp_path):
    settings, engine = _engine(f"sqlite:///{tmp_path / 'central.db'}")
    yield settings, engine
    engine.dispose()


def _refresh(engine, settings, now):
    return ikm.refresh(engine, settings, now=now)


def _by_unit(engine, settings, kind, period, agencies=None, **kw):
    with engine.connect() as conn:
        return ikm.ikm_by_unit(conn, settings, kind, period, agencies, **kw)


def _for(engine, settings, kind, unit_id, period, agencies=None):
    with engine.connect() as conn:
        return ikm.ikm_for_unit(conn, settings, Unit(kind, unit_id, unit_id, unit_id), period, agencies)


def test_every_band_edge_through_the_rollup(backend, tmp_path):
    settings, engine = _engine(database_url(backend, tmp_path))
    try:
        kit.publish(engine, {s: "bappenda" for s, *_ in BAND_EDGES})
        kit.add_device(engine, "k1")
        for service, n, total, _, _ in BAND_EDGES:
            # Half the services' surveys name no agency: the catalog's (Bappenda) stands in.
            kit.add_surveys(engine, "k1", service, kit.spread(n, total), created_at=kit.wita(2026, 2, 10),
                            agency_id=None if n % 2 else "bappenda")
        _refresh(engine, settings, kit.wita(2026, 2, 11))
        figures = {f.unit.id: f for f in _by_unit(engine, settings, UnitKind.SERVICE, Q1)}
        got = {s: (figures[s].respondents, figures[s].score, figures[s].band.mutu) for s, *_ in BAND_EDGES}
        assert got == {s: (n, score, mutu) for s, n, _, score, mutu in BAND_EDGES}
        assert [f.unit.id for f in figures.values()] == sorted(figures)  # names are the ids upper-cased
        # The agency adds every survey: n = 1+38+5+26+19+19+24+1 = 133 and T = 9+889+117+717+524+604+763+36
        # = 3659, so IKM = 3659/133 x 25/9 = 91475/1197 = 76.4202.. -> 76.42, mutu C.
        (agency,) = _by_unit(engine, settings, UnitKind.AGENCY, Q1)
        assert (agency.unit.id, agency.respondents, agency.score, agency.band.mutu) == (
            "bappenda", 133, Decimal("76.42"), "C")
        assert agency.band.kinerja_id == "Kurang Baik"
        # An officer's view groups by agency and service in SQL: the same figure.
        (scoped,) = _by_unit(engine, settings, UnitKind.AGENCY, Q1, {"bappenda"})
        assert (scoped.respondents, scoped.score) == (133, Decimal("76.42"))
        assert _by_unit(engine, settings, UnitKind.KIOSK, Q1, {"dinkes"}) == []
    finally:
        engine.dispose()


def test_skipped_elements_nrr_over_the_answers_given_and_no_score_without_an_element(db):
    settings, engine = db
    kit.publish(engine, {"part": "bappenda", "none": "bappenda"})
    kit.add_device(engine, "k1")
    # "part": survey 1 all 4; survey 2 skipped U1 and answered 2 elsewhere.
    # U1 NRR = 4/1 = 4; U2..U9 NRR = (4+2)/2 = 3; sum = 4 + 8 x 3 = 28; IKM = 28/9 x 25 = 77.777.. -> 77.78 (B).
    kit.add_surveys(engine, "k1", "part", [[4] * 9, [None] + [2] * 8], created_at=kit.wita(2026, 1, 5))
    # "none": nobody answered U9.
    kit.add_surveys(engine, "k1", "none", [[3] * 8 + [None]] * 2, created_at=kit.wita(2026, 1, 5))
    _refresh(engine, settings, kit.wita(2026, 1, 6))
    part = _for(engine, settings, UnitKind.SERVICE, "part", Q1)
    assert part.respondents == 2
    assert [e.answers for e in part.elements] == [1] + [2] * 8
    assert part.elements[0].nrr == 4 and part.elements[1].nrr == 3
    assert part.elements[1].nrr_weighted == Fraction(1, 3)  # 3 x 1/9
    assert (part.score, part.band.mutu) == (Decimal("77.78"), "B")
    assert part.weakest == ("U2", "U3", "U4")  # all 3; ties keep the element order
    none = _for(engine, settings, UnitKind.SERVICE, "none", Q1)
    assert none.elements[8].answers == 0 and none.elements[8].nrr is None and none.elements[8].nrr_weighted is None
    assert (none.score, none.band) == (None, None)
    assert none.weakest == ("U1", "U2", "U3")


def test_midnight_wita_splits_the_quarters_though_both_are_31_march_in_utc(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    kit.add_device(engine, "k1")
    # 23:59:59 WITA on 31 March = 15:59:59 UTC; 00:00:00 WITA on 1 April = 16:00:00 UTC on 31 March.
    kit.add_surveys(engine, "k1", "svc", [[1] * 9], created_at=kit.wita(2026, 3, 31, 23, 59, 59))
    kit.add_surveys(engine, "k1", "svc", [[4] * 9], created_at=kit.wita(2026, 4, 1, 0, 0, 0))
    _refresh(engine, settings, kit.wita(2026, 4, 2))
    q1 = _for(engine, settings, UnitKind.SERVICE, "svc", Q1)
    q2 = _for(engine, settings, UnitKind.SERVICE, "svc", Q2)
    assert (q1.respondents, q1.score) == (1, Decimal("25.00"))
    assert (q2.respondents, q2.score) == (1, Decimal("100.00"))
    assert [r[0] for r in kit.table_rows(engine, ikm_days)] == [date(2026, 3, 31), date(2026, 4, 1)]


def test_a_late_survey_lands_in_its_own_day_and_refreshing_twice_changes_nothing(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    kit.add_device(engine, "k1")
    kit.add_device(engine, "k2")
    kit.add_surveys(engine, "k1", "svc", [[4] * 9], created_at=kit.wita(2026, 3, 14, 9))
    _refresh(engine, settings, kit.wita(2026, 3, 14, 10))
    # Made on 10 March on kiosk k2, which was offline until the 15th.
    kit.add_surveys(engine, "k2", "svc", [[2] * 9], created_at=kit.wita(2026, 3, 10, 9),
                    received_at=kit.wita(2026, 3, 15, 8))
    _refresh(engine, settings, kit.wita(2026, 3, 15, 8, 5))
    rows = {(r[0], r[1]): r[4] for r in kit.table_rows(engine, ikm_days)}
    assert rows == {(date(2026, 3, 10), "k2"): 1, (date(2026, 3, 14), "k1"): 1}
    # n = 2; every element (4 + 2)/2 = 3; IKM = 3 x 25 = 75.00 (C).
    assert _for(engine, settings, UnitKind.SERVICE, "svc", Q1).score == Decimal("75.00")
    before = (kit.table_rows(engine, ikm_days), kit.table_rows(engine, ikm_profile_days))
    _refresh(engine, settings, kit.wita(2026, 3, 15, 8, 6))
    _refresh(engine, settings, kit.wita(2026, 3, 15, 9))
    assert (kit.table_rows(engine, ikm_days), kit.table_rows(engine, ikm_profile_days)) == before


def test_an_incremental_refresh_rebuilds_only_the_touched_kiosk_days(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    kit.add_device(engine, "k1")
    kit.add_device(engine, "k2")
    kit.add_surveys(engine, "k2", "svc", [[4] * 9], created_at=kit.wita(2026, 3, 1, 9))
    kit.add_surveys(engine, "k1", "svc", [[4] * 9], created_at=kit.wita(2026, 3, 1, 11))
    _refresh(engine, settings, kit.wita(2026, 3, 1, 13))  # watermark: 11:00, the newest received_at
    kit.add_surveys(engine, "k1", "svc", [[3] * 9], created_at=kit.wita(2026, 3, 2, 9))
    # Read back from 10:55 (the 5-minute margin): k1 on 1 March and k1 on 2 March, not k2. Each kiosk-day
    # is 1 ikm_days row + 4 profile rows (every dimension "not given"), and k1's March again: 1 ikm_months
    # row + 4 profile rows: 2 x 5 + 5 = 15.
    assert _refresh(engine, settings, kit.wita(2026, 3, 2, 10)) == 15
    # Nothing new: only k1's 2 March is within the margin of the new watermark (09:00 on 2 March): 5 + 5.
    assert _refresh(engine, settings, kit.wita(2026, 3, 2, 11)) == 10


def test_a_free_range_adds_whole_months_and_the_days_around_them(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    kit.add_device(engine, "k1")
    # One survey a day from 14 January to 3 April, alternating all-4 and all-2 (day number even: 4).
    day, n = date(2026, 1, 14), 0
    while day <= date(2026, 4, 3):
        kit.add_surveys(engine, "k1", "svc", [[4 if day.toordinal() % 2 == 0 else 2] * 9],
                        created_at=kit.wita(day.year, day.month, day.day, 10))
        day, n = day + timedelta(days=1), n + 1
    _refresh(engine, settings, kit.wita(2026, 4, 4))
    # 15 Jan .. 2 Apr: 17 days of January (days 15..31), all of February (28) and March (31), 2 of April:
    # 17 + 28 + 31 + 2 = 78 surveys. The ordinal of 15 Jan 2026 is odd (739631), so the days alternate
    # 2, 4, 2, ... starting with 2: 39 of each; every NRR = (39 x 4 + 39 x 2)/78 = 3, IKM 75.00.
    assert date(2026, 1, 15).toordinal() % 2 == 1
    figure = _for(engine, settings, UnitKind.SERVICE, "svc", periods.date_range(date(2026, 1, 15), date(2026, 4, 2)))
    assert (figure.respondents, figure.elements[0].nrr, figure.score) == (78, 3, Decimal("75.00"))
    # The same surveys through days only (a range with no whole month) and months only (Q1) add up:
    # Q1 = 14 Jan .. 31 Mar = 18 + 28 + 31 = 77; 1..3 April = 3.
    assert _for(engine, settings, UnitKind.SERVICE, "svc", Q1).respondents == 77
    assert _for(engine, settings, UnitKind.SERVICE, "svc",
                periods.date_range(date(2026, 4, 1), date(2026, 4, 3))).respondents == 3
    assert n == 80


def test_the_minimum_sample_follows_the_yearly_users_of_the_units_services(db):
    settings, engine = db
    kit.publish(engine, {"a": "bappenda", "b": "bappenda", "c": "bappenda", "d": "dinkes"})
    kit.add_device(engine, "k1")
    for s in "abcd":
        kit.add_surveys(engine, "k1", s, [[3] * 9] * 2, created_at=kit.wita(2026, 2, 2),
                        agency_id=None)  # the agency comes from the catalog
    at = kit.wita(2026, 2, 3)
    with engine.begin() as conn:
        conn.execute(service_populations.insert(), [
            {"service_id": "a", "yearly_users": 1000, "updated_at": at},
            {"service_id": "b", "yearly_users": 500, "updated_at": at},
            {"service_id": "d", "yearly_users": 300, "updated_at": at},
        ])
    _refresh(engine, settings, at)
    # Bappenda: a + b = 1500 (c has none, left out); the year 2026 -> 1500 -> Krejcie-Morgan 306.
    # Dinkes: d = 300 -> 169. Service a over Q1 2026 (90 of 365 days): ceil(1000 x 90/365 = 246.6) = 247 users.
    agencies = {f.unit.id: f for f in _by_unit(engine, settings, UnitKind.AGENCY, Y2026)}
    assert (agencies["bappenda"].population, agencies["bappenda"].min_sample) == (1500, 306)
    assert (agencies["dinkes"].population, agencies["dinkes"].min_sample) == (300, 169)
    assert agencies["dinkes"].sample_too_small  # 2 respondents < 169
    assert ikm.period_population(1000, Q1) == 247
    # Q1 of a service with 200 yearly users: ceil(200 x 90/365 = 49.3) = 50 users -> minimum 44.
    assert ikm.period_population(200, Q1) == 50
    with engine.begin() as conn:
        conn.execute(service_populations.insert().values(service_id="c", yearly_users=200, updated_at=at))
    c = _for(engine, settings, UnitKind.SERVICE, "c", Q1)
    assert (c.population, c.min_sample, c.sample_too_small) == (200, 44, True)
    office = _for(engine, settings, UnitKind.OFFICE, "Kantor Test", Q1)
    assert (office.respondents, office.population, office.min_sample) == (8, None, None)


def test_a_range_across_new_year_adds_each_years_share():
    # 31 Dec 2027 .. 1 Jan 2028: 1/365 + 1/366 of 36,500 = 100 + 99.727.. = 199.727.. -> 200.
    assert ikm.period_population(36500, periods.date_range(date(2027, 12, 31), date(2028, 1, 1))) == 200


def test_an_officer_sees_only_the_surveys_of_their_agencies_on_every_kind_of_unit(db):
    settings, engine = db
    kit.publish(engine, {"pkb": "bappenda", "lab": "dinkes"})
    kit.add_device(engine, "mpp", office="Mal Pelayanan Publik")
    kit.add_surveys(engine, "mpp", "pkb", [[4] * 9], created_at=kit.wita(2026, 1, 7), agency_id="bappenda")
    kit.add_surveys(engine, "mpp", "lab", [[2] * 9] * 3, created_at=kit.wita(2026, 1, 7), agency_id="dinkes")
    _refresh(engine, settings, kit.wita(2026, 1, 8))
    officer = {"dinkes"}
    for kind, expected in [(UnitKind.AGENCY, ["dinkes"]), (UnitKind.SERVICE, ["lab"]),
                           (UnitKind.OFFICE, ["Mal Pelayanan Publik"]), (UnitKind.KIOSK, ["mpp"])]:
        figures = _by_unit(engine, settings, kind, Q1, officer)
        assert [f.unit.id for f in figures] == expected
        assert [(f.respondents, f.score) for f in figures] == [(3, Decimal("50.00"))]  # every NRR 2: 2 x 25
    # Everyone: the kiosk counts 4 surveys, NRR (4 + 3 x 2)/4 = 2.5 -> 62.50.
    (kiosk,) = _by_unit(engine, settings, UnitKind.KIOSK, Q1)
    assert (kiosk.respondents, kiosk.score) == (4, Decimal("62.50"))
    assert _for(engine, settings, UnitKind.OFFICE, "Mal Pelayanan Publik", Q1, officer).respondents == 3
    assert _by_unit(engine, settings, UnitKind.SERVICE, Q1, set()) == []


def test_the_profile_counts_every_respondent_in_each_dimension_with_ages_in_bands(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    kit.add_device(engine, "k1")
    day = kit.wita(2026, 5, 5)
    for age, sex in [(19, "P"), (20, "L"), (29, "P"), (59, "P"), (60, "L"), (88, "L")]:
        kit.add_surveys(engine, "k1", "svc", [[3] * 9], created_at=day,
                        profile={"jenis_kelamin": sex, "usia": age, "pendidikan": "S1", "pekerjaan": None})
    kit.add_surveys(engine, "k1", "svc", [[3] * 9], created_at=day, profile=None)
    _refresh(engine, settings, day + timedelta(hours=1))
    figure = _for(engine, settings, UnitKind.SERVICE, "svc", Q2)
    assert figure.profile == {
        "jenis_kelamin": {"L": 3, "P": 3, "": 1},
        "usia": {"<20": 1, "20-29": 2, "50-59": 1, "60+": 2, "": 1},
        "pendidikan": {"S1": 6, "": 1},
        "pekerjaan": {"": 7},
    }
    (listed,) = _by_unit(engine, settings, UnitKind.SERVICE, Q2, profile=True)
    assert listed.profile == figure.profile
    assert _by_unit(engine, settings, UnitKind.SERVICE, Q2)[0].profile == {}


def test_a_unit_without_surveys_has_no_figure_in_the_list_and_an_empty_one_alone(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    _refresh(engine, settings, kit.wita(2026, 1, 1))
    assert _by_unit(engine, settings, UnitKind.SERVICE, Q1) == []
    empty = _for(engine, settings, UnitKind.SERVICE, "svc", Q1)
    assert (empty.respondents, empty.score, empty.weakest) == (0, None, ())


def test_the_tick_keeps_the_rollup_current_and_quick_ratings_never_count(db):
    settings, engine = db
    kit.publish(engine, {"svc": "bappenda"})
    kit.add_device(engine, "k1")
    kit.add_surveys(engine, "k1", "svc", [[2] * 9], created_at=kit.wita(2026, 6, 1))
    kit.add_quick(engine, "k1", "svc", 4, created_at=kit.wita(2026, 6, 1))
    result = run_tick(engine, settings, now=kit.wita(2026, 6, 1, 13))
    # 1 day row + 4 profile rows, and the same for June: 10 (other rollups add their own rows to the
    # tick's count, so the IKM tables are counted here).
    assert result.rollup_rows >= 10
    with engine.connect() as conn:
        counts = [conn.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in (db_mod.ikm_days, db_mod.ikm_profile_days, db_mod.ikm_months, db_mod.ikm_profile_months)]
    assert counts == [1, 4, 1, 4]
    figure = _for(engine, settings, UnitKind.SERVICE, "svc", Q2)
    assert (figure.respondents, figure.score) == (1, Decimal("50.00"))  # the face 4 is not an answer
    with engine.connect() as conn:
        assert rollup.freshness(conn) == kit.wita(2026, 6, 1, 13)


@pytest.mark.parametrize("age, band", [(None, ""), (15, "<20"), (19, "<20"), (20, "20-29"), (39, "30-39"),
                                       (40, "40-49"), (59, "50-59"), (60, "60+"), (100, "60+"), ("30", "")])
def test_age_bands(age, band):
    assert ikm.age_band(age) == band
