"""IKM per unit and period (issue 14, item 1), read from the daily rollups ``ikm_days`` and
``ikm_profile_days``, and the refresh that keeps them current (``kiosk central tick``).

A query module (no HTTP). The rules (which rating counts for which unit, skipped elements, the period's
population and minimum sample) are in ``docs/analytics.md``, "IKM per unit"; the arithmetic of the index
itself is ``kiosk/domain/ikm.py``'s, never repeated here.

Why the profile is counted in Python and not with JSON SQL: ``ratings.doc`` is TEXT, and SQLite's
``json_extract`` and PostgreSQL's ``::jsonb ->>`` are different spellings with different failure modes
(a malformed document stops the whole statement on PostgreSQL); the age bands would be a CASE written
twice. Parsing one day's surveys (a few thousand documents) in Python is one code path on both databases
and costs milliseconds; the sums, which are most of the work, stay set-based SQL.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...domain.ikm import ELEMENTS, band, ikm_score, krejcie_morgan
from ..db import (
    devices,
    ikm_days,
    ikm_months,
    ikm_profile_days,
    ikm_profile_months,
    ratings,
    reader,
    service_populations,
)
from ..settings import Settings
from . import periods, rollup, units
from .figures import ElementFigure, IkmFigure, Unit, UnitKind
from .periods import Period

NAME = "ikm"  # the rollup's watermark in rollup_marks
# Ratings are found by received_at; a transaction that took a received_at and committed a little later
# must still be seen, so each refresh re-reads this much before its watermark.
MARGIN = timedelta(minutes=5)

DIMENSIONS = ("jenis_kelamin", "usia", "pendidikan", "pekerjaan")
AGE_BANDS = ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
NOT_GIVEN = ""

_N = len(ELEMENTS)
_ANSWERS = [getattr(ratings.c, f"u{i}") for i in range(1, _N + 1)]
_SUMS = [getattr(ikm_days.c, f"s{i}") for i in range(1, _N + 1)]
_COUNTS = [getattr(ikm_days.c, f"c{i}") for i in range(1, _N + 1)]
# The same text in SELECT and GROUP BY: PostgreSQL refuses a grouped expression whose '' is a bound
# parameter, because two parameters are two different expressions to it.
_EMPTY = sa.literal_column("''")


def age_band(age: object) -> str:
    """``"<20"``, ``"20-29"`` .. ``"60+"``, or ``""`` when the age was not given (or is not a number)."""
    if isinstance(age, bool) or not isinstance(age, int):
        return NOT_GIVEN
    if age < 20:
        return AGE_BANDS[0]
    return AGE_BANDS[min((age - 10) // 10, len(AGE_BANDS) - 1)]


# --- the refresh ---------------------------------------------------------------------------------------


def refresh(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Rewrite the rollup rows of every (local day, kiosk) that received IKM surveys since the watermark
    (less :data:`MARGIN`), then move the watermark. Returns the rollup rows written. Idempotent: a day is
    always rebuilt whole from ``ratings``, so running it twice changes nothing."""
    tz = settings.tz
    with reader(engine) as conn:
        since, _ = rollup.mark(conn, NAME)
        # The source's own clock, read before the days are: a rating received after this is either in
        # a rebuilt day already or found by the next refresh.
        newest = conn.scalar(sa.select(sa.func.max(ratings.c.received_at)))
        touched = _touched_days(conn, tz, since)
    until = max(filter(None, (newest, since)), default=now - MARGIN)
    written = 0
    # One transaction per calendar month: its touched days, then the month's sums from its days.
    months: dict[date, list[date]] = {}
    for day in sorted(touched):
        months.setdefault(day.replace(day=1), []).append(day)
    batches = sorted(months.items()) or [(None, [])]
    for n, (month, days) in enumerate(batches):
        with engine.begin() as conn:
            for day in days:
                written += _rewrite_day(conn, tz, day, touched[day])
            if month is not None:
                kiosks = [touched[d] for d in days]
                written += _rewrite_month(conn, month, None if None in kiosks else frozenset().union(*kiosks))
            if n == len(batches) - 1:
                rollup.set_mark(conn, NAME, until, now)
    return written


def _touched_days(conn, tz: ZoneInfo, since: datetime | None) -> dict[date, frozenset[str] | None]:
    """Local day -> the kiosks whose surveys of that day arrived since ``since`` (None: every kiosk)."""
    ikm = ratings.c.kind == "ikm"
    if since is None:
        # First run: every day from the oldest survey to the newest, all kiosks (one pass, no list of
        # a million timestamps).
        first, last = conn.execute(sa.select(sa.func.min(ratings.c.created_at),
                                             sa.func.max(ratings.c.created_at)).where(ikm)).one()
        if first is None:
            return {}
        d0, d1 = periods.local_day(first, tz), periods.local_day(last, tz)
        return {d0 + timedelta(days=i): None for i in range((d1 - d0).days + 1)}
    # The kind is checked in Python: with it in the WHERE, SQLite would pick ratings_service over
    # ratings_received and read every survey; the rows since the watermark are a tick's few hundred.
    rows = conn.execute(sa.select(ratings.c.device_id, ratings.c.created_at, ratings.c.kind)
                        .where(ratings.c.received_at >= since - MARGIN)).all()
    found: dict[date, set[str]] = {}
    for row in rows:
        if row.kind != "ikm":
            continue
        found.setdefault(periods.local_day(row.created_at, tz), set()).add(row.device_id)
    return {day: frozenset(ids) for day, ids in found.items()}


def _rewrite_day(conn, tz: ZoneInfo, day: date, kiosks: frozenset[str] | None) -> int:
    start, end = periods.utc_bounds(periods.date_range(day, day), tz)
    source = [ratings.c.kind == "ikm", ratings.c.created_at >= start, ratings.c.created_at < end]
    if kiosks is not None:
        source.append(ratings.c.device_id.in_(sorted(kiosks)))
    for table in (ikm_days, ikm_profile_days):
        stale = table.delete().where(table.c.local_day == day)
        if kiosks is not None:
            stale = stale.where(table.c.device_id.in_(sorted(kiosks)))
        conn.execute(stale)

    agency = sa.func.coalesce(ratings.c.agency_id, _EMPTY)
    service = sa.func.coalesce(ratings.c.service_id, _EMPTY)
    sums = sa.select(
        sa.literal(day, sa.Date), ratings.c.device_id, agency, service, sa.func.count(),
        *[sa.func.coalesce(sa.func.sum(u), 0) for u in _ANSWERS],
        *[sa.func.count(u) for u in _ANSWERS],
    ).where(*source).group_by(ratings.c.device_id, agency, service)
    names = ["local_day", "device_id", "agency_id", "service_id", "respondents",
             *[c.name for c in _SUMS], *[c.name for c in _COUNTS]]
    written = conn.execute(ikm_days.insert().from_select(names, sums)).rowcount or 0

    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    docs = conn.execute(sa.select(ratings.c.device_id, ratings.c.agency_id, ratings.c.service_id, ratings.c.doc)
                        .where(*source))
    for row in docs:
        key = (row.device_id, row.agency_id or NOT_GIVEN, row.service_id or NOT_GIVEN)
        for dimension, value in _profile_values(row.doc):
            counts[(*key, dimension, value)] += 1
    if counts:
        conn.execute(ikm_profile_days.insert(), [
            {"local_day": day, "device_id": d, "agency_id": a, "service_id": s, "dimension": dim, "value": v, "n": n}
            for (d, a, s, dim, v), n in counts.items()
        ])
    return written + len(counts)


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _rewrite_month(conn, month: date, kiosks: frozenset[str] | None) -> int:
    """The month's rows of ikm_months and ikm_profile_months summed again from its days (of ``kiosks``)."""
    written = 0
    for days, months, extra, measures in (
        (ikm_days, ikm_months, [], ["respondents", *[c.name for c in _SUMS + _COUNTS]]),
        (ikm_profile_days, ikm_profile_months, ["dimension", "value"], ["n"]),
    ):
        stale = months.delete().where(months.c.month == month)
        where = [days.c.local_day >= month, days.c.local_day <= _month_end(month)]
        if kiosks is not None:
            stale = stale.where(months.c.device_id.in_(sorted(kiosks)))
            where.append(days.c.device_id.in_(sorted(kiosks)))
        conn.execute(stale)
        group = [days.c.device_id, days.c.agency_id, days.c.service_id, *[days.c[k] for k in extra]]
        sums = (sa.select(sa.literal(month, sa.Date), *group, *[sa.func.sum(days.c[m]) for m in measures])
                .where(*where).group_by(*group))
        names = ["month", "device_id", "agency_id", "service_id", *extra, *measures]
        written += conn.execute(months.insert().from_select(names, sums)).rowcount or 0
    return written


def _profile_values(doc: str) -> Iterable[tuple[str, str]]:
    """(dimension, value) for each of the four dimensions, '' where the respondent left it empty."""
    try:
        profile = json.loads(doc).get("profile") or {}
    except (ValueError, AttributeError):
        profile = {}
    if not isinstance(profile, dict):
        profile = {}
    for dimension in DIMENSIONS:
        value = profile.get(dimension)
        if dimension == "usia":
            yield dimension, age_band(value)
        else:
            yield dimension, value if isinstance(value, str) and value else NOT_GIVEN


# --- the queries ---------------------------------------------------------------------------------------


@dataclass
class _Totals:
    respondents: int = 0
    sums: list[int] = field(default_factory=lambda: [0] * _N)
    counts: list[int] = field(default_factory=lambda: [0] * _N)
    profile: dict[str, dict[str, int]] = field(default_factory=dict)


def ikm_by_unit(conn, settings: Settings, kind: UnitKind, period: Period, agencies: Iterable[str] | None = None,
                *, profile: bool = False) -> list[IkmFigure]:
    """One figure per unit of ``kind`` with respondents in ``period``, sorted by name. ``agencies`` (an
    officer's) keeps only surveys about those agencies' services, for every kind of unit. The profile is
    filled only with ``profile=True`` (a list page does not show it and it is the larger table)."""
    kind = UnitKind(kind)
    index = units.index(conn)
    totals = _totals(conn, kind, period, agencies, None, profile)
    yearly = _yearly_users(conn)
    catalog = units.current_catalog(conn)
    figures = [_figure(index.get(kind, key), period, t, _population(kind, key, yearly, catalog))
               for key, t in totals.items() if t.respondents]
    return sorted(figures, key=lambda f: (f.unit.name_id.casefold(), f.unit.id))


def ikm_for_unit(conn, settings: Settings, unit: Unit, period: Period,
                 agencies: Iterable[str] | None = None) -> IkmFigure:
    """The figure of one unit, with its profile; respondents 0 (and no score) when none answered."""
    totals = _totals(conn, unit.kind, period, agencies, unit.id, True).get(unit.id, _Totals())
    yearly = _yearly_users(conn)
    return _figure(unit, period, totals, _population(unit.kind, unit.id, yearly, units.current_catalog(conn)))


def _service_agencies(conn) -> dict[str, str]:
    catalog = units.current_catalog(conn)
    return {} if catalog is None else {s.id: s.agency_id for s in catalog.services}


def _totals(conn, kind: UnitKind, period: Period, agencies: Iterable[str] | None, only: str | None,
            with_profile: bool) -> dict[str, _Totals]:
    """Unit id -> its totals, from the rollups; ``only`` narrows the SQL to one unit."""
    service_agency = _service_agencies(conn)
    allowed = None if agencies is None else frozenset(agencies)
    out: dict[str, _Totals] = {}
    # Offices are grouped by kiosk in SQL and the kiosks put in their offices here: a join with devices
    # in every grouped query costs more than the few thousand rows it would save.
    office_of = dict(conn.execute(sa.select(devices.c.id, devices.c.office)).all()) if kind is UnitKind.OFFICE else {}
    kiosks = sorted(d for d, o in office_of.items() if o == only) if kind is UnitKind.OFFICE and only else None

    def unit_of(row) -> str | None:
        # The rating's own agency; a survey that named none belongs to its service's agency.
        agency = row.agency_id or service_agency.get(row.service_id, "")
        if allowed is not None and agency not in allowed:
            return None
        if kind is UnitKind.AGENCY:
            return agency or None  # an agency nobody can name is counted only on the other views
        return office_of.get(row.unit) if kind is UnitKind.OFFICE else row.unit

    scoped = allowed is not None
    for t, first, last in _pieces(period, ikm_days, ikm_months):
        rows = conn.execute(_grouped(t, kind, first, last, only, service_agency, kiosks, scoped,
                                     [sa.func.sum(t.c.respondents).label("respondents"),
                                      *[sa.func.sum(t.c[c.name]).label(c.name) for c in _SUMS + _COUNTS]])).all()
        for row in rows:
            key = unit_of(row)
            if key is None:
                continue
            acc = out.setdefault(key, _Totals())
            values = tuple(row)  # unit, agency, service, respondents, s1..s9, c1..c9
            acc.respondents += int(values[3])
            for i in range(_N):
                acc.sums[i] += int(values[4 + i])
                acc.counts[i] += int(values[4 + _N + i])
    if with_profile:
        for p, first, last in _pieces(period, ikm_profile_days, ikm_profile_months):
            rows = conn.execute(_grouped(p, kind, first, last, only, service_agency, kiosks, scoped,
                                         [p.c.dimension, p.c.value, sa.func.sum(p.c.n).label("n")],
                                         extra=[p.c.dimension, p.c.value])).all()
            for row in rows:
                key = unit_of(row)
                if key is None or key not in out:
                    continue
                dim = out[key].profile.setdefault(row.dimension, {})
                dim[row.value] = dim.get(row.value, 0) + int(row.n)
    return out


def _pieces(period: Period, days: sa.Table, months: sa.Table) -> list[tuple[sa.Table, date, date]]:
    """The period as (table, first, last): its whole calendar months from the monthly table, the days
    before and after them from the daily one. A quarter, semester or year is whole months only."""
    first_month = period.first if period.first.day == 1 else _month_end(period.first) + timedelta(days=1)
    last_month = period.last.replace(day=1) if period.last == _month_end(period.last) else (
        period.last.replace(day=1) - timedelta(days=1)).replace(day=1)
    if first_month > last_month:  # no whole month inside
        return [(days, period.first, period.last)]
    out = [(months, first_month, last_month)]
    if period.first < first_month:
        out.append((days, period.first, first_month - timedelta(days=1)))
    if _month_end(last_month) < period.last:
        out.append((days, _month_end(last_month) + timedelta(days=1), period.last))
    return out


def _grouped(t: sa.Table, kind: UnitKind, first: date, last: date, only: str | None, service_agency: dict[str, str],
             kiosks: list[str] | None, scoped: bool, measures: list, extra: list | None = None) -> sa.Select:
    """SELECT unit, agency_id, service_id, measures FROM t (a daily or monthly rollup) from ``first`` to
    ``last`` (its local days, or its months' first days), grouped. An office's unit is its kiosk (the
    caller puts kiosks in offices); ``kiosks`` are the kiosks of the one office asked for.

    The agency and service are kept apart only where Python needs them: for an officer (``scoped``),
    whose surveys are told by their agency, and for an agency's surveys that named none (found through
    their service). Otherwise a year of a province's kiosks groups to one row per unit, not per unit,
    agency and service."""
    unit_col = {
        UnitKind.AGENCY: _EMPTY,
        UnitKind.SERVICE: t.c.service_id,
        UnitKind.KIOSK: t.c.device_id,
        UnitKind.OFFICE: t.c.device_id,
    }[kind]
    when = t.c.month if "month" in t.c else t.c.local_day
    where = [when >= first, when <= last]
    if only is not None:
        if kind is UnitKind.AGENCY:
            services = sorted(s for s, a in service_agency.items() if a == only)
            where.append(sa.or_(t.c.agency_id == only,
                                sa.and_(t.c.agency_id == "", t.c.service_id.in_(services))) if services
                         else t.c.agency_id == only)
        elif kind is UnitKind.OFFICE:
            where.append(t.c.device_id.in_(kiosks or []))
        else:
            where.append(unit_col == only)
    agency, service = t.c.agency_id, t.c.service_id
    if not scoped and kind is UnitKind.AGENCY:
        service = sa.case((t.c.agency_id == _EMPTY, t.c.service_id), else_=_EMPTY)
    elif not scoped:
        agency = service = _EMPTY
    group = [unit_col, agency, service, *(extra or [])]
    group = [g for g in group if g is not _EMPTY]
    return (sa.select(unit_col.label("unit"), agency.label("agency_id"), service.label("service_id"), *measures)
            .where(*where).group_by(*group))


# --- population and the minimum sample -----------------------------------------------------------------


def _yearly_users(conn) -> dict[str, int]:
    return dict(conn.execute(sa.select(service_populations.c.service_id, service_populations.c.yearly_users)).all())


def _population(kind: UnitKind, unit_id: str, yearly: dict[str, int], catalog) -> int | None:
    """The unit's yearly users: a service's own; an agency's the sum over its catalog services that have
    one (None when none has). Offices and kiosks have none: a service's users are counted province-wide,
    not per place."""
    if kind is UnitKind.SERVICE:
        return yearly.get(unit_id)
    if kind is UnitKind.AGENCY and catalog is not None:
        known = [yearly[s.id] for s in catalog.services if s.agency_id == unit_id and s.id in yearly]
        return sum(known) if known else None
    return None


def period_population(yearly_users: int, period: Period) -> int:
    """The users a period is expected to serve: ``ceil(yearly x days in the period / days in its year)``;
    a range across New Year adds each year's share (with that year's length) before rounding up."""
    share = Fraction(0)
    day = period.first
    while day <= period.last:
        year_end = date(day.year, 12, 31)
        last = min(year_end, period.last)
        year_days = 366 if _leap(day.year) else 365
        share += Fraction((last - day).days + 1, year_days)
        day = last + timedelta(days=1)
    return math.ceil(yearly_users * share)


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _figure(unit: Unit, period: Period, totals: _Totals, population: int | None) -> IkmFigure:
    elements = []
    for i, element in enumerate(ELEMENTS):
        answers = totals.counts[i]
        nrr = Fraction(totals.sums[i], answers) if answers else None
        elements.append(ElementFigure(element.code, element.name_id, element.name_en, answers, nrr,
                                      None if nrr is None else nrr / _N))
    # The index needs all nine elements: one that nobody answered leaves the unit without a score (the
    # page says which element), rather than an index of eight elements that is not the official one.
    score = ikm_score({e.code: e.nrr for e in elements}) if all(e.nrr is not None for e in elements) else None
    # Lowest NRR first; a tie keeps the element order (U1 before U2), so the list is the same every time.
    order = [e for _, e in sorted(((e.nrr, i), e) for i, e in enumerate(elements) if e.nrr is not None)]
    min_sample = krejcie_morgan(period_population(population, period)) if population else None
    return IkmFigure(
        unit=unit,
        period=period,
        respondents=totals.respondents,
        elements=tuple(elements),
        score=score,
        band=None if score is None else band(score),
        population=population,
        min_sample=min_sample,
        weakest=tuple(e.code for e in order[:3]),
        profile=totals.profile,
    )
