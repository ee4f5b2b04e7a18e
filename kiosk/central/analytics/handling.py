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

import bisect
import functools
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
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
    """Working-day arithmetic with memory: thousands of complaints share a few hundred day pairs."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.between = functools.lru_cache(maxsize=65536)(cal.working_days_between)
        self.add = functools.lru_cache(maxsize=65536)(cal.add_working_days)


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


def _undecided_open() -> sa.ColumnElement[bool]:
    """Facts that the passing of days alone can change: not final, a verdict still open."""
    f = complaint_facts.c
    return sa.and_(f.status.not_in(TERMINAL_VALUES),
                   sa.or_(f.verified_on_time.is_(None), f.answered_on_time.is_(None)))


def refresh(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Bring ``complaint_facts`` up to date; returns the rows rewritten. Idempotent.

    Rewrites the complaints changed since the watermark (minus :data:`MARGIN`) and, on the first run of
    each local day, every complaint whose verdict the new day may turn late. Batches of :data:`BATCH`,
    each one short transaction.
    """
    today = workdays.local_day(now, settings.tz)
    rule_days(settings)  # an unknown rule set fails before any work
    with engine.connect() as conn:
        source_until, refreshed_at = rollup.mark(conn, MARK)
        oldest = conn.scalar(sa.select(sa.func.min(complaints.c.received_at)))
    # Holidays from the oldest complaint's year on (a calendar no wider than needed: counting working
    # days walks its holidays).
    first_year = workdays.local_day(_aware(oldest), settings.tz).year if oldest is not None else today.year
    days = _Days(WorkCalendar(workdays.holiday_dates(settings, min(first_year, today.year), today.year + 1)))
    cond = sa.true() if source_until is None else _changed_since(source_until - MARGIN)
    total, newest = _rewrite(engine, settings, days, today, now, cond, join_facts=False)
    if refreshed_at is not None and workdays.local_day(refreshed_at, settings.tz) < today:
        swept, _ = _rewrite(engine, settings, days, today, now, _undecided_open(), join_facts=True)
        total += swept
    marks = [m for m in (source_until, newest) if m is not None]
    with engine.begin() as conn:
        # Before any complaint exists the mark starts at now: whatever comes later is newer.
        rollup.set_mark(conn, MARK, max(marks) if marks else now, now)
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

    def __post_init__(self) -> None:
        self.by_class: dict[str, int] = {}
        self.by_topic: dict[str, int] = {}
        self.by_part: dict[str, int] = {}
        self.verify_hist: dict[int, int] = {}
        self.answer_hist: dict[int, int] = {}


def _accumulate(conn: sa.Connection, period: Period, agencies: Iterable[str] | None,
                per_agency: bool) -> dict[str, _Acc]:
    """Everything the figures need, grouped by agency (or all in one, key ""), in seven grouped queries."""
    f = complaint_facts.c
    agencies = None if agencies is None else sorted(agencies)
    accs: dict[str, _Acc] = defaultdict(_Acc)

    def grouped(*cols, extra: tuple = (), where=(), of_period=True):
        keys = ((f.agency_id,) if per_agency else ()) + extra
        q = sa.select(*keys, *cols).where(*where)
        q = _scoped(_in_period(q, period) if of_period else q, agencies)
        if keys:
            q = q.group_by(*keys)
        for row in conn.execute(q):
            key = row[0] if per_agency else ""
            yield accs[key], tuple(row)[1:] if per_agency else tuple(row)

    for acc, (n, v_ok, v_dec, a_ok, a_dec, reop, r_sum, r_n) in grouped(
            sa.func.count(), _count_true(f.verified_on_time), sa.func.count(f.verified_on_time),
            _count_true(f.answered_on_time), sa.func.count(f.answered_on_time), _count_true(f.reopened),
            sa.func.coalesce(sa.func.sum(f.citizen_rating), 0), sa.func.count(f.citizen_rating)):
        if not n:
            continue
        acc.received, acc.verified_ok, acc.verified_decided = int(n), int(v_ok), int(v_dec)
        acc.answered_ok, acc.answered_decided, acc.reopened = int(a_ok), int(a_dec), int(reop)
        acc.rating_sum, acc.ratings = int(r_sum), int(r_n)
    for column, target in ((f["class"], "by_class"), (f.topic, "by_topic"), (f.standard_part, "by_part")):
        for acc, (value, n) in grouped(sa.func.count(), extra=(column,), where=(column.is_not(None),)):
            getattr(acc, target)[value] = int(n)
    for column, target in ((f.verify_workdays, "verify_hist"), (f.answer_workdays, "answer_hist")):
        for acc, (value, n) in grouped(sa.func.count(), extra=(column,), where=(column.is_not(None),)):
            getattr(acc, target)[int(value)] = int(n)
    # Backlog and overdue are now, whatever the period.
    for acc, (n, late) in grouped(sa.func.count(), _count_true(f.is_overdue), where=(f.is_open.is_(True),),
                                  of_period=False):
        acc.backlog, acc.overdue = int(n), int(late)
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


def handling_by_agency(conn: sa.Connection, settings: Settings, period: Period,
                       agencies: Iterable[str] | None = None) -> list[HandlingFigure]:
    """One figure per agency with complaints received in ``period`` or open now, in catalog order
    (agencies no longer in the catalog after, then complaints with no agency, id "")."""
    accs = _accumulate(conn, period, agencies, per_agency=True)
    index = units.index(conn)
    order = {agency_id: i for i, agency_id in enumerate(index.by_kind.get(UnitKind.AGENCY, {}))}

    def unit_of(agency_id: str) -> Unit:
        return PROVINCE if agency_id == "" else index.get(UnitKind.AGENCY, agency_id)

    keys = sorted(accs, key=lambda a: (a == "", order.get(a, len(order)), a))
    return [_figure(unit_of(a), period, accs[a]) for a in keys]


def handling_total(conn: sa.Connection, settings: Settings, period: Period,
                   agencies: Iterable[str] | None = None) -> HandlingFigure:
    """The same figures over every complaint the reader may see (the whole province, or an officer's
    agencies), as one figure with unit id ""."""
    acc = _accumulate(conn, period, agencies, per_agency=False).get("", _Acc())
    return _figure(PROVINCE, period, acc)


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


def handling_series(conn: sa.Connection, settings: Settings, period: Period, agencies: Iterable[str] | None = None,
                    by: str = "topic") -> Series:
    """Complaints per topic, class or agency over ``period``, per month (a semester or a year) or per
    week (a quarter or less). Grouped by day in SQL, put in buckets here (the same SQL on both databases)."""
    if by not in SERIES_KEYS:
        raise ValueError(f"by must be one of {SERIES_KEYS}")
    f = complaint_facts.c
    column = {"topic": f.topic, "class": f["class"], "agency": f.agency_id}[by]
    step, starts = buckets_of(period)
    q = _scoped(_in_period(sa.select(f.received_day, column, sa.func.count()), period), agencies)
    counts: dict[str, list[int]] = {}
    for day, key, n in conn.execute(q.group_by(f.received_day, column)):
        if isinstance(day, str):  # SQLite without type info on a grouped column
            day = date.fromisoformat(day)
        row = counts.setdefault(key, [0] * len(starts))
        row[bisect.bisect_right(starts, day) - 1] += int(n)
    ordered = sorted(counts, key=lambda k: (-sum(counts[k]), k))
    return Series(period, by, step, starts, {k: tuple(counts[k]) for k in ordered})
