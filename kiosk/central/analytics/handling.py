"""Complaint handling (SP4N-LAPOR!): the facts rollup ``complaint_facts`` and the figures pages read.

Working days need the holiday calendar (weekends, national holidays, cuti bersama, local holidays),
which SQL does not have, so :func:`refresh` computes one row of facts per complaint in Python and the
queries below only count, sum and group those rows in SQL (the same SQL on SQLite and PostgreSQL).

The rules (docs/analytics.md, "Complaint handling"):

- a complaint belongs to the local day it reached the server (``received_at``: the SENT of the workflow,
  where the service-level clocks start) and to its handling agency, else the agency named at filing;
- *to verify*: working days from that day to the first verification or forwarding, whichever came
  first; kept on time when done within the rule set's days (3 under ``permenpanrb-62-2018``);
- *to answer*: working days from the first forwarding (or the verification, if never forwarded) to the
  first answer; on time within 5 working days;
- a verdict is NULL while the step is not done and its due day has not passed, FALSE once the due day
  has passed without it (even if it is still not done), so a late complaint counts as late at once.
  A complaint closed without the step (e.g. not within authority) is judged up to its closing day.
  Time on hold is not deducted: the workflow's clocks do not stop for it either.

A query module: no HTTP.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...domain.workflow import (
    FOLLOW_UP_DAYS,
    TERMINAL,
    VERIFY_AND_FORWARD_DAYS,
    Status,
    WorkCalendar,
)
from .. import workdays
from ..db import complaint_events, complaint_facts, complaints
from ..settings import Settings
from . import rollup, units
from .figures import HandlingFigure, Unit, UnitKind
from .periods import Period

log = logging.getLogger(__name__)

MARK = "handling"
# Complaints whose change columns fall within this margin before the watermark are read again: a
# transaction that took its clock reading before the last run but committed after it is not lost.
MARGIN = timedelta(minutes=5)
BATCH = 2000

# Working days to verify (and forward) and to answer, per named rule set (settings.deadline_rules).
RULE_DAYS: dict[str, tuple[int, int]] = {
    "permenpanrb-62-2018": (VERIFY_AND_FORWARD_DAYS, FOLLOW_UP_DAYS),
}

TERMINAL_VALUES = tuple(sorted(s.value for s in TERMINAL))
# Waiting for the office (the backlog): not answered, not closed.
OPEN_VALUES = (Status.SENT.value, Status.VERIFIED.value, Status.FORWARDED.value, Status.ON_HOLD.value)
# The timeline events whose first occurrence a fact needs (a reopened complaint is forwarded and
# answered again; the columns then hold the latest time, the events the first).
FIRST_EVENTS = (Status.VERIFIED.value, Status.FORWARDED.value, Status.FOLLOWED_UP.value)

SERIES_KEYS = ("topic", "class", "agency")


# --- the facts of one complaint (pure) ---------------------------------------------------------------


def rule_days(settings: Settings) -> tuple[int, int]:
    try:
        return RULE_DAYS[settings.deadline_rules]
    except KeyError:
        raise ValueError(f"no handling figures for deadline rule set {settings.deadline_rules!r}") from None


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


class _Days:
    """Working-day arithmetic with memory: thousands of complaints share a few hundred day pairs. Each
    count uses a calendar from its first day's year to next year (counting walks the holidays, so an
    old complaint does not make every count walk years of them)."""

    def __init__(self, settings: Settings, today: date) -> None:
        self._settings, self._last_year = settings, today.year + 1

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one _Days per refresh; the cache dies with it
    def _calendar(self, first_year: int) -> WorkCalendar:
        first = min(first_year, self._last_year)
        return WorkCalendar(workdays.holiday_dates(self._settings, first, max(first, self._last_year)))

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def between(self, a: date, b: date) -> int:
        return self._calendar(min(a, b).year).working_days_between(a, b)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def add(self, start: date, n: int) -> date:
        return self._calendar(start.year).add_working_days(start, n)


def facts_of(row: Any, first: dict[str, datetime], days: _Days, settings: Settings, today: date,
             computed_at: datetime) -> dict[str, Any]:
    """The ``complaint_facts`` row of one complaint. ``row`` has the complaints columns read by
    :func:`_select_source`; ``first`` maps a status to its first timeline event."""
    tz = settings.tz
    verify_limit, answer_limit = rule_days(settings)
    terminal = row.status in TERMINAL_VALUES
    # How far a step still undone is judged: today, or the day the complaint was closed without it.
    until = workdays.local_day(row.closed_at, tz) if terminal and row.closed_at is not None else today

    received = workdays.local_day(row.received_at, tz)
    verified_at = _earliest(first.get(Status.VERIFIED.value), row.verified_at,
                            first.get(Status.FORWARDED.value), row.forwarded_at)
    verify_due = days.add(received, verify_limit)
    if verified_at is not None:
        verified_day = workdays.local_day(verified_at, tz)
        verify_workdays: int | None = days.between(received, verified_day)
        verified_on_time: bool | None = verified_day <= verify_due
    else:
        verify_workdays, verified_on_time = None, (False if until > verify_due else None)

    forwarded_at = _earliest(first.get(Status.FORWARDED.value), row.forwarded_at) or verified_at
    answered_at = _earliest(first.get(Status.FOLLOWED_UP.value), row.response_at)
    answer_workdays: int | None = None
    answered_on_time: bool | None = None
    answer_due: date | None = None
    if forwarded_at is not None:
        start = workdays.local_day(forwarded_at, tz)
        answer_due = days.add(start, answer_limit)
        if answered_at is not None:
            answered_day = workdays.local_day(answered_at, tz)
            answer_workdays = max(0, days.between(start, answered_day))
            answered_on_time = answered_day <= answer_due
        elif until > answer_due:
            answered_on_time = False

    is_open = row.status in OPEN_VALUES
    return {
        "uuid": row.uuid,
        "agency_id": row.handling_agency_id or row.agency_id or "",
        "class": row._mapping["class"],  # a Python keyword, so not an attribute
        "topic": row.topic,
        "standard_part": row.standard_part,
        "received_day": received,
        "verify_workdays": verify_workdays,
        "answer_workdays": answer_workdays,
        "verified_on_time": verified_on_time,
        "answered_on_time": answered_on_time,
        "verify_due": verify_due,
        "answer_due": answer_due,
        "reopened": (row.reopened_count or 0) > 0,
        "citizen_rating": row.citizen_rating,
        "status": row.status,
        "is_open": is_open,
        "is_overdue": is_open and row.overdue_at is not None,
        "computed_at": computed_at,
    }


# --- the rollup ------------------------------------------------------------------------------------

_SOURCE_COLUMNS = (
    complaints.c.uuid, complaints.c.agency_id, complaints.c.handling_agency_id, complaints.c["class"],
    complaints.c.topic, complaints.c.standard_part, complaints.c.received_at, complaints.c.status,
    complaints.c.verified_at, complaints.c.forwarded_at, complaints.c.response_at, complaints.c.closed_at,
    complaints.c.overdue_at, complaints.c.reopened_count, complaints.c.citizen_rating,
    complaints.c.status_at, complaints.c.citizen_rated_at,
)
# Every write that can change a fact moves one of these: ingest (received_at), a workflow action
# (status_at), the citizen's verdict (citizen_rated_at), the tick's overdue mark (overdue_at).
_CHANGE_COLUMNS = ("received_at", "status_at", "citizen_rated_at", "overdue_at")


def _select_source() -> sa.Select:
    return sa.select(*_SOURCE_COLUMNS)


def _changed_since(since: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(*(complaints.c[name] >= since for name in _CHANGE_COLUMNS))


def _turned_late(today: date) -> sa.ColumnElement[bool]:
    """Facts the passing of days alone has changed: not final, a verdict still open, its due day past."""
    f = complaint_facts.c
    return sa.and_(f.status.not_in(TERMINAL_VALUES),
                   sa.or_(sa.and_(f.verified_on_time.is_(None), f.verify_due < today),
                          sa.and_(f.answered_on_time.is_(None), f.answer_due < today)))


def refresh(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Bring ``complaint_facts`` up to date; returns the rows rewritten. Idempotent.

    Rewrites the complaints changed since the watermark (minus :data:`MARGIN`), then those whose step
    is still undone and whose due day has passed since (found in SQL by their stored due day: usually
    none, a day's worth on the first run of a day). Batches of :data:`BATCH`, each one short transaction.
    """
    today = workdays.local_day(now, settings.tz)
    rule_days(settings)  # an unknown rule set fails before any work
    with engine.connect() as conn:
        source_until, _ = rollup.mark(conn, MARK)
    days = _Days(settings, today)
    cond = sa.true() if source_until is None else _changed_since(source_until - MARGIN)
    total, newest = _rewrite(engine, settings, days, today, now, cond, join_facts=False)
    swept, _ = _rewrite(engine, settings, days, today, now, _turned_late(today), join_facts=True)
    total += swept
    marks = [m for m in (source_until, newest) if m is not None]
    with engine.begin() as conn:
        # Never past now: a time stamped ahead (another host's clock, a tick run with --now in the future)
        # would otherwise hide the changes made until then; such a row is merely read again next run.
        # Before any complaint exists the mark starts at now: whatever comes later is newer.
        rollup.set_mark(conn, MARK, min(max(marks), now) if marks else now, now)
    return total


def _rewrite(engine: Engine, settings: Settings, days: _Days, today: date, now: datetime,
             cond: sa.ColumnElement[bool], *, join_facts: bool) -> tuple[int, datetime | None]:
    """Recompute the facts of the complaints matching ``cond``; (rows, newest change time seen)."""
    done, after, newest = 0, "", None
    while True:
        q = _select_source()
        if join_facts:
            q = q.join(complaint_facts, complaint_facts.c.uuid == complaints.c.uuid)
        q = q.where(cond, complaints.c.uuid > after).order_by(complaints.c.uuid).limit(BATCH)
        with engine.begin() as conn:
            rows = conn.execute(q).all()
            if not rows:
                return done, newest
            uuids = [r.uuid for r in rows]
            first: dict[str, dict[str, datetime]] = defaultdict(dict)
            e = complaint_events.c
            for ev in conn.execute(
                sa.select(e.complaint_uuid, e.status, sa.func.min(e.at).label("at"))
                .where(e.complaint_uuid.in_(uuids), e.status.in_(FIRST_EVENTS))
                .group_by(e.complaint_uuid, e.status)
            ):
                # min() over a UtcDateTime column comes back as the raw driver value on SQLite.
                first[ev.complaint_uuid][ev.status] = _aware(ev.at)
            facts = [facts_of(r, first.get(r.uuid, {}), days, settings, today, now) for r in rows]
            conn.execute(complaint_facts.delete().where(complaint_facts.c.uuid.in_(uuids)))
            conn.execute(complaint_facts.insert(), facts)
        for r in rows:
            for name in _CHANGE_COLUMNS:
                moment = getattr(r, name)
                if moment is not None and (newest is None or moment > newest):
                    newest = moment
        done += len(rows)
        after = rows[-1].uuid


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- the figures -----------------------------------------------------------------------------------

PROVINCE = Unit(UnitKind.AGENCY, "", "", "")  # handling_total's unit: every agency the reader may see


def median(histogram: dict[int, int]) -> Fraction | None:
    """The exact median of values given as value -> count: the middle value, or the mean of the two
    middle values for an even count. None for no values."""
    n = sum(histogram.values())
    if n == 0:
        return None
    lo_pos, hi_pos = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    lo = hi = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if lo is None and seen > lo_pos:
            lo = value
        if seen > hi_pos:
            hi = value
            break
    return Fraction(lo + hi, 2)


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _scoped(q: sa.Select, agencies: Iterable[str] | None) -> sa.Select:
    return q if agencies is None else q.where(complaint_facts.c.agency_id.in_(sorted(agencies)))


def _in_period(q: sa.Select, period: Period) -> sa.Select:
    f = complaint_facts.c
    return q.where(f.received_day >= period.first, f.received_day <= period.last)


def _count_true(column: sa.ColumnElement) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((column.is_(True), 1), else_=0)), 0)


@dataclass
class _Acc:
    """Additive counts of one agency (or of several merged): every figure is made from these."""

    received: int = 0
    verified_ok: int = 0
    verified_decided: int = 0
    answered_ok: int = 0
    answered_decided: int = 0
    reopened: int = 0
    rating_sum: int = 0
    ratings: int = 0
    backlog: int = 0
    overdue: int = 0
    by_class: Counter = field(default_factory=Counter)
    by_topic: Counter = field(default_factory=Counter)
    by_part: Counter = field(default_factory=Counter)
    verify_hist: Counter = field(default_factory=Counter)
    answer_hist: Counter = field(default_factory=Counter)

    def add(self, other: _Acc) -> None:
        for name in ("received", "verified_ok", "verified_decided", "answered_ok", "answered_decided", "reopened",
                     "rating_sum", "ratings", "backlog", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("by_class", "by_topic", "by_part", "verify_hist", "answer_hist"):
            getattr(self, name).update(getattr(other, name))


def _accumulate(conn: sa.Connection, period: Period, agencies: Iterable[str] | None) -> dict[str, _Acc]:
    """Everything the figures need, per agency, in three queries (two scans of the period's rows and one
    of the open ones): a dashboard reads 100,000 complaints in well under the 300 ms it may take."""
    f = complaint_facts.c
    accs: dict[str, _Acc] = defaultdict(_Acc)
    # 1. Counts and verdicts by agency, class, topic and standard part: at most a few thousand groups,
    #    from which the per-agency sums and the three breakdowns all follow.
    keys = (f.agency_id, f["class"], f.topic, f.standard_part)
    q = sa.select(*keys, sa.func.count(), _count_true(f.verified_on_time), sa.func.count(f.verified_on_time),
                  _count_true(f.answered_on_time), sa.func.count(f.answered_on_time), _count_true(f.reopened),
                  sa.func.coalesce(sa.func.sum(f.citizen_rating), 0), sa.func.count(f.citizen_rating))
    for agency, klass, topic, part, n, v_ok, v_dec, a_ok, a_dec, reop, r_sum, r_n in conn.execute(
            _scoped(_in_period(q, period), agencies).group_by(*keys)):
        acc = accs[agency]
        acc.received += n
        acc.verified_ok += int(v_ok)
        acc.verified_decided += v_dec
        acc.answered_ok += int(a_ok)
        acc.answered_decided += a_dec
        acc.reopened += int(reop)
        acc.rating_sum += int(r_sum)
        acc.ratings += r_n
        acc.by_class[klass] += n
        acc.by_topic[topic] += n
        if part is not None:
            acc.by_part[part] += n
    # 2. The working-day histograms behind the medians.
    keys = (f.agency_id, f.verify_workdays, f.answer_workdays)
    q = sa.select(*keys, sa.func.count()).where(sa.or_(f.verify_workdays.is_not(None), f.answer_workdays.is_not(None)))
    for agency, verify, answer, n in conn.execute(_scoped(_in_period(q, period), agencies).group_by(*keys)):
        acc = accs[agency]
        if verify is not None:
            acc.verify_hist[int(verify)] += n
        if answer is not None:
            acc.answer_hist[int(answer)] += n
    # 3. Backlog and overdue are now, whatever the period.
    q = sa.select(f.agency_id, sa.func.count(), _count_true(f.is_overdue)).where(f.is_open.is_(True))
    for agency, n, late in conn.execute(_scoped(q, agencies).group_by(f.agency_id)):
        accs[agency].backlog, accs[agency].overdue = n, int(late)
    return {k: v for k, v in accs.items() if v.received or v.backlog}


def _figure(unit: Unit, period: Period, acc: _Acc) -> HandlingFigure:
    return HandlingFigure(
        unit=unit,
        period=period,
        received=acc.received,
        by_class=dict(sorted(acc.by_class.items())),
        by_topic=dict(sorted(acc.by_topic.items())),
        by_standard_part=dict(sorted(acc.by_part.items())),
        verified_on_time=_share(acc.verified_ok, acc.verified_decided),
        answered_on_time=_share(acc.answered_ok, acc.answered_decided),
        median_days_to_verify=median(acc.verify_hist),
        median_days_to_answer=median(acc.answer_hist),
        backlog=acc.backlog,
        overdue=acc.overdue,
        reopened=_share(acc.reopened, acc.received),
        citizen_rating=_share(acc.rating_sum, acc.ratings),
        citizen_ratings=acc.ratings,
    )


def handling_overview(conn: sa.Connection, settings: Settings, period: Period,
                      agencies: Iterable[str] | None = None) -> tuple[HandlingFigure, list[HandlingFigure]]:
    """:func:`handling_total` and :func:`handling_by_agency` from one reading (what a page shows together)."""
    accs = _accumulate(conn, period, agencies)
    index = units.index(conn)
    order = {agency_id: i for i, agency_id in enumerate(index.by_kind.get(UnitKind.AGENCY, {}))}

    def unit_of(agency_id: str) -> Unit:
        return PROVINCE if agency_id == "" else index.get(UnitKind.AGENCY, agency_id)

    keys = sorted(accs, key=lambda a: (a == "", order.get(a, len(order)), a))
    total = _Acc()
    for acc in accs.values():
        total.add(acc)
    return _figure(PROVINCE, period, total), [_figure(unit_of(a), period, accs[a]) for a in keys]


def handling_by_agency(conn: sa.Connection, settings: Settings, period: Period,
                       agencies: Iterable[str] | None = None) -> list[HandlingFigure]:
    """One figure per agency with complaints received in ``period`` or open now, in catalog order
    (agencies no longer in the catalog after, then complaints with no agency, id "")."""
    return handling_overview(conn, settings, period, agencies)[1]


def handling_total(conn: sa.Connection, settings: Settings, period: Period,
                   agencies: Iterable[str] | None = None) -> HandlingFigure:
    """The same figures over every complaint the reader may see (the whole province, or an officer's
    agencies), as one figure with unit id "". Medians are of all those complaints, not of the agencies'."""
    return handling_overview(conn, settings, period, agencies)[0]


# --- over time -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """Complaints received per bucket (month or week) and per key (topic, class or agency)."""

    period: Period
    by: str  # "topic", "class" or "agency"
    step: str  # "month" for periods longer than a quarter, else "week" (Monday to Sunday)
    buckets: tuple[date, ...]  # each bucket's first day inside the period
    counts: dict[str, tuple[int, ...]]  # key -> count per bucket; keys by total, largest first

    def total(self, key: str) -> int:
        return sum(self.counts.get(key, ()))


def buckets_of(period: Period) -> tuple[str, tuple[date, ...]]:
    """The buckets a period is drawn in: months when it is longer than a quarter (92 days), else weeks
    starting on Monday; the first bucket starts on the period's first day."""
    if period.days > 92:
        starts, day = [period.first], date(period.first.year, period.first.month, 1)
        while True:
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            if day > period.last:
                return "month", tuple(starts)
            starts.append(day)
    starts, day = [period.first], period.first - timedelta(days=period.first.weekday())
    while True:
        day += timedelta(days=7)
        if day > period.last:
            return "week", tuple(starts)
        starts.append(day)


def handling_series_all(conn: sa.Connection, settings: Settings, period: Period,
                        agencies: Iterable[str] | None = None) -> dict[str, Series]:
    """Complaints per topic, per class and per agency over ``period`` (see :func:`handling_series`), from
    one scan: the bucket is a CASE over the buckets' first days, the same SQL on both databases."""
    f = complaint_facts.c
    step, starts = buckets_of(period)
    bucket = sa.case(*[(f.received_day >= start, i) for i, start in reversed(list(enumerate(starts)))], else_=0)
    keys = (bucket.label("bucket"), f.topic, f["class"], f.agency_id)
    q = _scoped(_in_period(sa.select(*keys, sa.func.count()), period), agencies).group_by(*keys)
    counts: dict[str, dict[str, list[int]]] = {by: {} for by in SERIES_KEYS}
    for i, topic, klass, agency, n in conn.execute(q):
        for by, key in (("topic", topic), ("class", klass), ("agency", agency)):
            counts[by].setdefault(key, [0] * len(starts))[int(i)] += n
    out = {}
    for by, table in counts.items():
        ordered = sorted(table, key=lambda k, t=table: (-sum(t[k]), k))
        out[by] = Series(period, by, step, starts, {k: tuple(table[k]) for k in ordered})
    return out


def handling_series(conn: sa.Connection, settings: Settings, period: Period, agencies: Iterable[str] | None = None,
                    by: str = "topic") -> Series:
    """Complaints per topic, class or agency over ``period``, per month (a semester or a year) or per
    week (a quarter or less)."""
    if by not in SERIES_KEYS:
        raise ValueError(f"by must be one of {SERIES_KEYS}")
    return handling_series_all(conn, settings, period, agencies)[by]
