"""Alerts (issue 14, item 6): the pure decisions at their edges with hand-made numbers, then the topic
spikes and overdue counts found by SQL on a real database (SQLite file, and PostgreSQL).

The calendar: "today" is Wednesday 9 December 2026 in WITA (UTC+8). This ISO week began on Monday
7 December 00:00 WITA = Sunday 6 December 16:00 UTC; the 8 weeks before it began on 12 October.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import catalog_samples
import pytest

from kiosk.central.analytics import alerts
from kiosk.central.analytics.figures import AlertKind, Unit, UnitKind
from kiosk.central.analytics.periods import quarter
from kiosk.central.db import catalog_versions, open_database
from kiosk.central.settings import Settings
from kiosk.errors import ConfigError

from . import complaintrows as rows
from .serverkit import database_url

WITA = ZoneInfo("Asia/Makassar")
TODAY = date(2026, 12, 9)  # Wednesday
MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=WITA)
AGENCIES = [("dinkes", "Dinas Kesehatan", "Health Office"), ("dikbud", "Dinas Pendidikan", "Education Office")]


# --- decide_drop -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("prev", "cur", "threshold", "expected"), [
    ("80.00", "75.00", 5.0, True),  # 80.00 - 75.00 = 5.00: exactly the threshold is a drop
    ("80.00", "75.01", 5.0, False),  # 4.99 points
    ("80.00", "74.99", 5.0, True),  # 5.01 points
    ("60.00", "70.00", 5.0, False),  # it rose
    ("88.31", "85.81", 2.5, True),  # 2.50 against a threshold of 2.5
    ("88.31", "85.82", 2.5, False),  # 2.49
])
def test_a_drop_is_threshold_points_or_more(prev, cur, threshold, expected):
    assert alerts.decide_drop(Decimal(prev), Decimal(cur), threshold) is expected


def test_no_drop_without_a_score_on_both_sides():
    assert not alerts.decide_drop(None, Decimal("40.00"), 5.0)
    assert not alerts.decide_drop(Decimal("90.00"), None, 5.0)


def test_a_drop_needs_thirty_responses_in_each_quarter():
    assert alerts.enough_responses(30, 30)
    assert not alerts.enough_responses(29, 500)
    assert not alerts.enough_responses(500, 29)


@dataclass
class Fig:  # the fields of an IkmFigure the drop rule reads
    unit: Unit
    score: Decimal | None
    respondents: int


def test_drops_compare_each_unit_with_its_own_previous_quarter():
    a, b, c = (Unit(UnitKind.SERVICE, s, s, s, "dinkes") for s in ("svc-a", "svc-b", "svc-c"))
    before = [Fig(a, Decimal("80.00"), 30), Fig(b, Decimal("90.00"), 29), Fig(c, Decimal("70.00"), 40)]
    now = [Fig(a, Decimal("75.00"), 30),  # 5.00 down with 30 and 30: an alert
           Fig(b, Decimal("60.00"), 100),  # 30 down, but only 29 surveys last quarter: none
           Fig(c, Decimal("65.01"), 40)]  # 4.99 down: none
    q4 = quarter(2026, 4)
    found = alerts._drops(AlertKind.IKM_DROP, alerts.MSG_IKM_DROP, 5.0, TODAY, q4, q4.previous(), before, now,
                          value=lambda f: f.score, count=lambda f: f.respondents)
    assert [(x.unit.id, x.params) for x in found] == [
        ("svc-a", {"before": "80.00", "after": "75.00", "period": "2026-Q4", "previous": "2026-Q3"})]
    assert alerts.describe(found[0], "en") == "IKM of svc-a fell from 80.00 in Q3 2026 to 75.00 so far in Q4 2026."
    assert alerts.describe(found[0], "id") == (
        "IKM svc-a turun dari 80,00 pada Triwulan III 2026 menjadi 75,00 sejauh ini pada Triwulan IV 2026.")


# --- decide_spike ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("weeks", "ratio", "minimum", "expected"), [
    ([2] * 8 + [4], 2.0, 2, True),  # mean 2, 4 = 2 x 2 exactly
    ([2] * 8 + [3], 2.0, 2, False),  # 3 < 4
    ([3] * 7 + [2, 6], 2.0, 5, True),  # sum 23, mean 2.875, 2 x 2.875 = 5.75; 6 >= 5.75 and 6 >= 5
    ([3] * 7 + [2, 5], 2.0, 5, False),  # 5 < 5.75
    ([0] * 8 + [4], 2.0, 5, False),  # far above a usual of 0, but under the minimum of 5
    ([0] * 8 + [5], 2.0, 5, True),
    ([0] * 8 + [2], 2.0, 2, True),  # pungli: any 2 in a week above a usual of 0
    ([0] * 8 + [1], 2.0, 2, False),
    ([1] * 8 + [2], 3.0, 2, False),  # ratio 3: 2 < 3 x 1
])
def test_a_spike_is_ratio_times_the_usual_and_at_least_the_minimum(weeks, ratio, minimum, expected):
    assert alerts.decide_spike(weeks, ratio=ratio, minimum=minimum) is expected


def test_a_spike_needs_a_week_to_compare_with():
    with pytest.raises(ValueError):
        alerts.decide_spike([3], ratio=2.0, minimum=1)


def test_pungli_has_its_own_lower_minimum():
    s = Settings(alert_topic_spike_min=5, alert_pungli_spike_min=2)
    assert alerts.spike_minimum(s, "pungli") == 2 and alerts.spike_minimum(s, "lambat") == 5


def test_the_weeks_are_local_mondays():
    starts = alerts.week_starts(TODAY)
    assert starts[-1] == date(2026, 12, 7) and starts[0] == date(2026, 10, 12) and len(starts) == 9
    assert alerts.week_starts(date(2026, 12, 7))[-1] == date(2026, 12, 7)  # a Monday is its own week
    assert alerts.week_starts(date(2026, 12, 13))[-1] == date(2026, 12, 7)  # Sunday still belongs to it


@pytest.mark.parametrize(("key", "value"), [
    ("digest_hour", 24), ("digest_hour", -1), ("alert_topic_spike_ratio", 1.0), ("alert_ikm_drop", 0.0),
    ("alert_quick_drop", -5.0), ("alert_pungli_spike_min", 0), ("alert_topic_spike_min", 0),
])
def test_bad_thresholds_fail_the_start(key, value):
    with pytest.raises(ConfigError, match=key):
        Settings().replace(**{key: value})


def test_thresholds_come_from_the_environment():
    from kiosk.central.settings import from_env

    s = from_env({"IPLIK_CENTRAL_DIGEST_HOUR": "8", "IPLIK_CENTRAL_ALERT_IKM_DROP": "2.5"})
    assert (s.digest_hour, s.alert_ikm_drop, s.alert_pungli_spike_min) == (8, 2.5, 2)


# --- on a database ---------------------------------------------------------------------------------------


@pytest.fixture
def settings(backend, tmp_path) -> Settings:
    return Settings(database_url=database_url(backend, tmp_path), timezone="Asia/Makassar")


@pytest.fixture
def engine(settings):
    e = open_database(settings)
    publish(e)
    yield e
    e.dispose()


def publish(engine) -> None:
    doc = catalog_samples.catalog("t-1", [catalog_samples.agency(i, n, i) | {"name_en": e} for i, n, e in AGENCIES], [])
    with engine.begin() as conn:
        conn.execute(catalog_versions.insert().values(version="t-1", sha256="0" * 64, published_at=MONDAY,
                                                      doc=json.dumps(doc)))


def complaint(engine, settings, at: datetime, *, topic="pungli", agency="dinkes", forwarded=False,
              overdue=False, status="sent"):
    extra = {"topic": topic, "agency_id": agency, "handling_agency_id": agency}
    if forwarded:
        extra["forwarded_at"] = at
        status = "forwarded"
    if overdue:
        extra["overdue_at"] = at + timedelta(days=5)
    return rows.add(engine, settings, status=status, status_at=at, received_at=at, **extra)


def found(engine, settings, agencies=None, today=TODAY):
    with engine.connect() as conn:
        return alerts.current_alerts(conn, settings, today, agencies)


def test_a_pungli_spike_counts_local_weeks_from_monday_midnight_wita(engine, settings):
    # This week: pungli at Monday 00:00 WITA exactly and on Tuesday; the week before: one at Sunday
    # 23:59 WITA (Sunday 15:59 UTC). Usual = 1 / 8 = 0.125 -> "0.1"; this week 2 >= 2 x 0.125 and >= 2.
    complaint(engine, settings, MONDAY)
    complaint(engine, settings, MONDAY + timedelta(days=1, hours=9))
    complaint(engine, settings, MONDAY - timedelta(minutes=1))
    # Four "slow service" complaints this week: above a usual of 0, but under the minimum of 5.
    for h in range(4):
        complaint(engine, settings, MONDAY + timedelta(hours=8 + h), topic="lambat")
    # A pungli in another agency, once: no spike there. One from nine weeks ago: outside the 8 weeks.
    complaint(engine, settings, MONDAY + timedelta(hours=10), agency="dikbud")
    complaint(engine, settings, MONDAY - timedelta(weeks=8, minutes=1))
    [spike] = found(engine, settings)
    assert (spike.kind, spike.unit.id, spike.severity) == (AlertKind.TOPIC_SPIKE, "dinkes", "danger")
    assert spike.params == {"count": "2", "topic": "pungli", "week": "2026-12-07", "usual": "0.1"}
    assert alerts.describe(spike, "en") == ("2 complaints about \u201cIllegal fees (pungli)\u201d for Health Office "
                                            "this week (since 7 Dec 2026), against a usual 0.1 a week.")
    assert alerts.describe(spike, "id").startswith("2 pengaduan tentang \u201cPungutan liar (pungli)\u201d "
                                                   "untuk Dinas Kesehatan")
    # The officer of the other agency does not see it; the officer of this one does.
    assert found(engine, settings, ["dikbud"]) == []
    assert [a.unit.id for a in found(engine, settings, ["dinkes"])] == ["dinkes"]
    # Five slow-service complaints this week reach the ordinary minimum: now that spikes too (a "watch").
    complaint(engine, settings, MONDAY + timedelta(hours=13), topic="lambat")
    kinds = sorted((a.params["topic"], a.severity) for a in found(engine, settings))
    assert kinds == [("lambat", "warn"), ("pungli", "danger")]


def test_overdue_is_counted_per_agency_once_forwarded_and_for_the_desk_before(engine, settings):
    at = MONDAY - timedelta(days=20)
    complaint(engine, settings, at, agency="dinkes", forwarded=True, overdue=True)
    complaint(engine, settings, at, agency="dinkes", forwarded=True, overdue=True)
    complaint(engine, settings, at, agency="dinkes", forwarded=True)  # on time
    complaint(engine, settings, at, agency="dikbud", forwarded=True, overdue=True)
    complaint(engine, settings, at, agency="dinkes", overdue=True)  # never verified: the desk's
    desk = [a for a in found(engine, settings) if a.unit.id == ""]
    assert alerts.describe(desk[0], "en") == "1 complaint for Province complaint desk is past its deadline."
    every = {a.unit.id: a.params["count"] for a in found(engine, settings) if a.kind is AlertKind.DEADLINE_BREACHED}
    assert every == {"dinkes": "2", "dikbud": "1", "": "1"}
    mine = found(engine, settings, ["dinkes"])
    assert [(a.unit.id, a.params["count"], a.severity) for a in mine] == [("dinkes", "2", "danger")]
    assert alerts.describe(mine[0], "en") == "2 complaints for Health Office are past their deadline."
    assert found(engine, settings, []) == []  # an officer with no agency sees nothing


# --- every string in Indonesian ---------------------------------------------------------------------------


def alert_msgids() -> set[str]:
    import re
    from pathlib import Path

    from kiosk.central import alert_digest
    from kiosk.central.web import dashboard_alerts

    ids = {v for k, v in vars(alerts).items() if k.startswith("MSG_") and isinstance(v, str)}
    ids |= {alert_digest.SUBJECT, alert_digest.GREETING, alert_digest.INTRO, alert_digest.SEE_AT, alert_digest.FOOTER}
    ids |= set(dashboard_alerts.KIND_LABELS.values()) | {"Urgent", "Watch", "Open its dashboard", "Open the complaints"}
    templates = Path(alerts.__file__).resolve().parents[1] / "templates" / "staff"
    for name in ("_dashboard_alerts.html", "dashboard_alerts.html"):
        text = (templates / name).read_text(encoding="utf-8")
        ids |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', text)) | set(re.findall(r"\bt\(\s*'([^']*)'", text))
    return ids


def test_every_alert_string_has_an_indonesian_translation_with_the_same_placeholders():
    import string

    from kiosk.i18n import messages

    table = messages("id")
    ids = alert_msgids()
    assert len(ids) > 20  # the scan finds them (a broken pattern must not make this vacuous)
    assert sorted(m for m in ids if not table.get(m)) == []

    def names(text):
        return {n for _lit, n, _spec, _conv in string.Formatter().parse(text) if n}

    assert sorted(m for m in ids if names(m) != names(table[m])) == []


def test_many_scopes_at_once_give_what_each_scope_gives_alone(engine, settings):
    at = MONDAY - timedelta(days=20)
    complaint(engine, settings, at, agency="dinkes", forwarded=True, overdue=True)
    complaint(engine, settings, at, agency="dikbud", forwarded=True, overdue=True)
    complaint(engine, settings, at, agency="dikbud", overdue=True)  # the desk's
    for h in range(2):
        complaint(engine, settings, MONDAY + timedelta(hours=h), agency="dikbud")
    scopes = [None, frozenset({"dinkes"}), frozenset({"dikbud"}), frozenset({"dinkes", "dikbud"}), frozenset()]
    with engine.connect() as conn:
        many = alerts.alerts_by_scope(conn, settings, TODAY, scopes)
        for scope in scopes:
            assert many[scope] == alerts.current_alerts(conn, settings, TODAY, scope), scope
    # dikbud: its overdue (1) and its pungli spike (2); the desk's own overdue only in the province's.
    assert [(a.kind.value, a.unit.id) for a in many[frozenset({"dikbud"})]] == [
        ("deadline_breached", "dikbud"), ("topic_spike", "dikbud")]
    assert len(many[None]) == 4 and many[frozenset()] == []


# --- drops through the IKM part's rollup and query ------------------------------------------------------


def test_an_ikm_drop_against_the_previous_quarter_needs_thirty_surveys_in_each(settings):
    from kiosk.central.analytics import rollup

    from . import ikmkit

    engine = open_database(settings)
    try:
        ikmkit.publish(engine, {"svc-a": "dinkes", "svc-b": "bappenda"})
        ikmkit.add_device(engine, "kio-1", agency_id="dinkes")
        q3, q4 = ikmkit.wita(2026, 8, 14), ikmkit.wita(2026, 11, 16)
        # svc-a (Dinkes): 30 surveys of nine 4s in Q3 (IKM 4 x 25 = 100.00), 30 of nine 3s in Q4 (75.00):
        # 25 points down, 30 and 30 surveys: an alert for the service and for Dinkes (its only service).
        ikmkit.add_surveys(engine, "kio-1", "svc-a", [[4] * 9] * 30, created_at=q3, agency_id="dinkes")
        ikmkit.add_surveys(engine, "kio-1", "svc-a", [[3] * 9] * 30, created_at=q4, agency_id="dinkes")
        # svc-b (Bappenda): 100.00 -> 25.00, but only 29 surveys this quarter: no alert.
        ikmkit.add_surveys(engine, "kio-1", "svc-b", [[4] * 9] * 30, created_at=q3, agency_id="bappenda")
        ikmkit.add_surveys(engine, "kio-1", "svc-b", [[1] * 9] * 29, created_at=q4, agency_id="bappenda")
        rollup.refresh_all(engine, settings, now=ikmkit.wita(2026, 12, 9, 7))
        drops = [a for a in found(engine, settings) if a.kind is AlertKind.IKM_DROP]
        assert sorted((a.unit.kind.value, a.unit.id, a.params["before"], a.params["after"]) for a in drops) == [
            ("agency", "dinkes", "100.00", "75.00"), ("service", "svc-a", "100.00", "75.00")]
        service = next(a for a in drops if a.unit.id == "svc-a")
        assert alerts.describe(service, "en") == "IKM of SVC-A (EN) fell from 100.00 in Q3 2026 to 75.00 so far in Q4 2026."
        assert [a.unit.id for a in found(engine, settings, ["bappenda"]) if a.kind is AlertKind.IKM_DROP] == []
        assert len([a for a in found(engine, settings, ["dinkes"]) if a.kind is AlertKind.IKM_DROP]) == 2
        # A threshold above the 25-point fall: no alert.
        assert not [a for a in found(engine, settings.replace(alert_ikm_drop=25.01)) if a.kind is AlertKind.IKM_DROP]
    finally:
        engine.dispose()


def test_drops_are_asked_again_only_after_a_refresh(settings, monkeypatch):
    from kiosk.central.analytics import ikm, rollup

    from . import ikmkit

    engine = open_database(settings)
    calls = []
    real = ikm.ikm_by_unit
    monkeypatch.setattr(ikm, "ikm_by_unit", lambda *a, **k: calls.append(1) or real(*a, **k))
    try:
        ikmkit.publish(engine, {"svc-a": "dinkes"})
        ikmkit.add_device(engine, "kio-1", agency_id="dinkes")
        ikmkit.add_surveys(engine, "kio-1", "svc-a", [[4] * 9] * 30, created_at=ikmkit.wita(2026, 8, 14),
                           agency_id="dinkes")
        rollup.refresh_all(engine, settings, now=ikmkit.wita(2026, 12, 9, 7))
        assert not [a for a in found(engine, settings) if a.kind is AlertKind.IKM_DROP]
        assert len(calls) == 4  # agencies and services, this quarter and the one before
        found(engine, settings)
        assert len(calls) == 4  # nothing refreshed since: the same drops, no query
        ikmkit.add_surveys(engine, "kio-1", "svc-a", [[3] * 9] * 30, created_at=ikmkit.wita(2026, 12, 8),
                           agency_id="dinkes")
        rollup.refresh_all(engine, settings, now=ikmkit.wita(2026, 12, 9, 7, 5))
        assert len([a for a in found(engine, settings) if a.kind is AlertKind.IKM_DROP]) == 2
        assert len(calls) == 8
    finally:
        engine.dispose()


def test_a_quick_rating_drop_against_the_previous_quarter(settings):
    pytest.importorskip("kiosk.central.analytics.quick", reason="the quick part has not landed on main yet")
    from kiosk.central.analytics import rollup

    from . import ikmkit

    engine = open_database(settings)
    try:
        ikmkit.publish(engine, {"svc-a": "dinkes", "svc-b": "bappenda"})
        ikmkit.add_device(engine, "kio-1", office="Kantor Dinkes", agency_id="dinkes")
        ikmkit.add_device(engine, "kio-2", office="Kantor Bappenda", agency_id="bappenda")
        q3, q4 = ikmkit.wita(2026, 8, 14), ikmkit.wita(2026, 11, 16)
        for i in range(30):
            # Dinkes: 30 happiest faces (4 x 25 = 100.00), then 30 faces 2 (50.00): 50 points down.
            ikmkit.add_quick(engine, "kio-1", "svc-a", 4, created_at=q3 + timedelta(minutes=i), agency_id="dinkes")
            ikmkit.add_quick(engine, "kio-1", "svc-a", 2, created_at=q4 + timedelta(minutes=i), agency_id="dinkes")
            # Bappenda: 100.00 -> 25.00, but 29 taps this quarter: no alert.
            ikmkit.add_quick(engine, "kio-2", "svc-b", 4, created_at=q3 + timedelta(minutes=i), agency_id="bappenda")
            if i < 29:
                ikmkit.add_quick(engine, "kio-2", "svc-b", 1, created_at=q4 + timedelta(minutes=i),
                                 agency_id="bappenda")
        rollup.refresh_all(engine, settings, now=ikmkit.wita(2026, 12, 9, 7))
        drops = [a for a in found(engine, settings) if a.kind is AlertKind.QUICK_DROP]
        assert sorted((a.unit.kind.value, a.unit.id, a.params["before"], a.params["after"]) for a in drops) == [
            ("agency", "dinkes", "100.00", "50.00"), ("office", "Kantor Dinkes", "100.00", "50.00")]
        assert not [a for a in found(engine, settings, ["bappenda"]) if a.kind is AlertKind.QUICK_DROP]
    finally:
        engine.dispose()
