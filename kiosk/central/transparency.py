"""What the public transparency page shows, per agency: aggregates only, computed at most once a minute.

For each agency of the newest catalog: its IKM and mutu for the last complete quarter and for the
current year so far, with the respondents (a unit whose sample is below the Krejcie-Morgan minimum
shows no score, only that the sample is not yet enough); the share of complaints answered within the
SP4N-LAPOR! deadlines in the last complete quarter; the Ombudsman compliance zone; and the award
ranking of the last complete year. No HTTP here, and nothing about a person: every value is a count,
a share or a score of a whole agency.

The page is public and may be opened by many phones at once (a QR on every kiosk's service page), so
the result is kept in-process for ``CACHE_SECONDS``: the queries read rollups, and a minute-old figure
is as true as a fresh one for a quarter that has ended. A part of issue 14 that is missing from this
build (an analytics module that cannot be imported) is named in ``missing`` and its column left empty,
rather than failing the whole page.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from .analytics import compliance, handling, ikm, periods, ranking, units
from .analytics.figures import (
    ComplianceFigure,
    HandlingFigure,
    IkmFigure,
    Ranking,
    Unit,
    UnitKind,
)
from .analytics.periods import Kind, Period
from .settings import Settings

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class AgencyFigures:
    agency: Unit
    quarter: IkmFigure | None  # the last complete quarter
    year: IkmFigure | None  # the current year so far
    handling: HandlingFigure | None  # complaints received in the last complete quarter
    compliance: ComplianceFigure | None
    rank: int | None  # the agency's place in the award ranking, when agencies are ranked


@dataclass(frozen=True, slots=True)
class PublicFigures:
    today: date
    quarter: Period
    year: Period  # the current year from 1 January to today (what "so far" means)
    ranking_year: Period
    agencies: tuple[AgencyFigures, ...]
    ranking: Ranking
    demo: bool


_lock = threading.Lock()  # guards _cache
_computing = threading.Lock()  # held by the one thread computing the figures
_cache: dict[tuple[str, date], tuple[float, PublicFigures]] = {}


def compute(engine: sa.Engine, settings: Settings, today: date) -> PublicFigures:
    """The page's figures, straight from the database (no cache)."""
    quarter = periods.last_complete(Kind.QUARTER, today)
    # So far: to today, so the minimum sample is that of the days gone by, not of the whole year.
    this_year = periods.date_range(date(today.year, 1, 1), today)
    ranking_year = periods.last_complete(Kind.YEAR, today)
    with engine.connect() as conn:
        index = units.index(conn)
        catalog = units.current_catalog(conn)
        agencies = index.of_kind(UnitKind.AGENCY)
        q = {f.unit.id: f for f in ikm.ikm_by_unit(conn, settings, UnitKind.AGENCY, quarter)}
        y = {f.unit.id: f for f in ikm.ikm_by_unit(conn, settings, UnitKind.AGENCY, this_year)}
        h = {f.unit.id: f for f in handling.handling_by_agency(conn, settings, quarter)}
        c = {f.unit.id: f for f in compliance.compliance_by_agency(conn)}
        board = ranking.ranking(conn, settings, ranking_year)
    ranks = {rc.unit.id: n for n, rc in board.ranked if rc.unit.kind is UnitKind.AGENCY}
    rows = tuple(AgencyFigures(a, q.get(a.id), y.get(a.id), h.get(a.id), c.get(a.id), ranks.get(a.id)) for a in agencies)
    return PublicFigures(today, quarter, this_year, ranking_year, rows, board, bool(catalog and catalog.demo))


def public_figures(engine: sa.Engine, settings: Settings, *, now: datetime | None = None) -> PublicFigures:
    """The figures for today (local day), from the cache when computed less than a minute ago.

    One thread computes at a time: when the minute is up, the first visitor recomputes and the others
    are answered with the figures of the minute before meanwhile (a crowd scanning the QR never starts
    a crowd of the same queries); only the very first visit of a day waits for the computation."""
    today = periods.local_day(now or datetime.now(settings.tz), settings.tz)
    key = (str(engine.url), today)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    if not _computing.acquire(blocking=hit is None):
        return hit[1]  # somebody is already refreshing: the minute-old figures meanwhile
    try:
        with _lock:
            again = _cache.get(key)
        if again is not None and again is not hit and time.monotonic() - again[0] < CACHE_SECONDS:
            return again[1]  # computed while this thread waited
        figures = compute(engine, settings, today)
        with _lock:
            _cache.clear()  # one entry: yesterday's page is never asked for again
            _cache[key] = (time.monotonic(), figures)
        return figures
    finally:
        _computing.release()


def forget() -> None:
    """Drop the cached figures (tests; a catalog publish could call it too)."""
    with _lock:
        _cache.clear()
