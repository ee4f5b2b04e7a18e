"""Quick ratings (the one-tap faces) per unit: face shares, a satisfaction index, a weekday x hour heatmap,
a weekly trend, and the taps the kiosks' repeated-tap filter discarded (issue 14, item 2).

A query module (no HTTP). Pages read :func:`quick_by_unit`; ``kiosk central tick`` calls :func:`refresh`,
which keeps the rollups ``quick_hours`` (per hour) and ``quick_days`` (per day) current from ``ratings``.
The rules, with a worked example, are in docs/analytics.md ("Quick ratings").

Time: a tap belongs to the local day and hour of its kiosk time ``created_at`` in the server's time zone
(settings.tz; NTB is WITA). PostgreSQL converts with the zone itself; SQLite has no time zones, so it
adds the zone's offset at refresh time, which is exact for WIB, WITA and WIT (no daylight saving).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import devices, quick_days, quick_hours, ratings, tap_discards
from ..settings import Settings
from . import units as unit_names
from .figures import QuickFigure, Unit, UnitKind
from .periods import Period
from .rollup import mark, set_mark

NAME = "quick"
# A rating stored by a transaction that began before the last refresh but committed after it carries a
# received_at just before the watermark: look back this far so it is not missed.
MARGIN = timedelta(minutes=5)
FACE_POINTS = 25  # index = mean face x 25: all faces 1 -> 25.00, all faces 4 -> 100.00

# Day numbers count from a Monday, so day % 7 is the weekday (0 Monday) and day - day % 7 its week's Monday.
_MONDAY = date(1970, 1, 5)


# --- local time in SQL ------------------------------------------------------------------------------


def _text(value: str):
    """A constant written into the SQL, not bound: PostgreSQL matches a GROUP BY expression with the
    SELECT's only when they are the same text, and two binds of one value are two different texts."""
    return sa.literal_column("'" + value.replace("'", "''") + "'")


def _int(value: int):
    return sa.literal_column(str(int(value)), sa.Integer)


def _local(conn: sa.Connection, settings: Settings, moment, *, now: datetime):
    """(local day, local hour) of a UTC timestamp column, as SQL expressions of this dialect."""
    if conn.dialect.name == "postgresql":
        local = sa.func.timezone(_text(settings.timezone), moment)
        return sa.cast(local, sa.Date), sa.cast(sa.extract("hour", local), sa.Integer)
    offset = now.astimezone(settings.tz).utcoffset() or timedelta(0)
    shift = _text(f"{int(offset.total_seconds() // 60):+d} minutes")
    return sa.func.date(moment, shift), sa.cast(sa.func.strftime(_text("%H"), moment, shift), sa.Integer)


def _day_number(conn: sa.Connection, day):
    """Days from Monday 1970-01-05 to a DATE column, as an integer SQL expression."""
    if conn.dialect.name == "postgresql":
        return sa.cast(day - sa.cast(_text(_MONDAY.isoformat()), sa.Date), sa.Integer)
    return sa.cast(sa.func.julianday(day) - sa.func.julianday(_text(_MONDAY.isoformat())), sa.Integer)


# --- the rollup ---------------------------------------------------------------------------------------


def refresh(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Recount ``quick_hours`` and ``quick_days`` for every (kiosk, local day) that received a quick
    rating since the watermark (less MARGIN); the first run counts everything. Idempotent: a day is
    deleted and counted again whole, so a repeat, or a kiosk's late week of ratings, gives the same rows.
    Returns the ``quick_hours`` rows written."""
    with engine.begin() as conn:
        since, _refreshed = mark(conn, NAME)
        day, hour = _local(conn, settings, ratings.c.created_at, now=now)
        quick = ratings.c.kind == "quick"
        agency = sa.func.coalesce(ratings.c.agency_id, devices.c.agency_id, _text(""))
        service = sa.func.coalesce(ratings.c.service_id, _text(""))
        faces = [sa.func.sum(sa.case((ratings.c.face == _int(f), _int(1)), else_=_int(0))) for f in (1, 2, 3, 4)]
        with_device = ratings.outerjoin(devices, devices.c.id == ratings.c.device_id)
        if since is None:
            conn.execute(quick_hours.delete())
            source = (sa.select(day, hour, ratings.c.device_id, agency, service, *faces)
                      .select_from(with_device).where(quick)
                      .group_by(day, hour, ratings.c.device_id, agency, service))
        else:
            # The touched (kiosk, local day) pairs, found through the index (kind, received_at), each with
            # its day's UTC bounds, so the recount reads each day through (kind, device_id, created_at).
            pairs = sa.select(ratings.c.device_id, day.label("local_day")).where(
                quick, _rare(conn, ratings.c.received_at >= since - MARGIN)).distinct().subquery("touched")
            first, after = _day_bounds(conn, settings, pairs.c.local_day, now=now)
            touched = sa.select(pairs.c.device_id, pairs.c.local_day, first.label("first"),
                                after.label("after")).subquery("days")
            conn.execute(quick_hours.delete().where(sa.tuple_(quick_hours.c.device_id, quick_hours.c.local_day)
                                                    .in_(sa.select(pairs.c.device_id, pairs.c.local_day))))
            source = (sa.select(touched.c.local_day, hour, ratings.c.device_id, agency, service, *faces)
                      .select_from(touched.join(ratings, sa.and_(
                          quick, ratings.c.device_id == touched.c.device_id,
                          ratings.c.created_at >= touched.c.first, ratings.c.created_at < touched.c.after))
                          .outerjoin(devices, devices.c.id == ratings.c.device_id))
                      .group_by(touched.c.local_day, hour, ratings.c.device_id, agency, service))
        names = ["local_day", "hour", "device_id", "agency_id", "service_id", "f1", "f2", "f3", "f4"]
        # RETURNING counts the rows: psycopg's rowcount of an INSERT ... SELECT came back 0 here.
        written = len(conn.execute(quick_hours.insert().from_select(names, source).returning(quick_hours.c.hour)).all())
        _days_from_hours(conn, None if since is None else pairs)
        set_mark(conn, NAME, now, now)
    return written


def _days_from_hours(conn: sa.Connection, pairs) -> None:
    """``quick_days`` again for the touched (kiosk, day) pairs (all of them when ``pairs`` is None), summed
    from their fresh ``quick_hours`` rows: totals and weeks read a 24th of the rows."""
    keys = [quick_hours.c.local_day, quick_hours.c.device_id, quick_hours.c.agency_id, quick_hours.c.service_id]
    days = sa.select(*keys, *[sa.func.sum(quick_hours.c[f"f{f}"]) for f in (1, 2, 3, 4)]).group_by(*keys)
    if pairs is None:
        conn.execute(quick_days.delete())
    else:
        chosen = sa.select(pairs.c.device_id, pairs.c.local_day)
        conn.execute(quick_days.delete().where(
            sa.tuple_(quick_days.c.device_id, quick_days.c.local_day).in_(chosen)))
        days = days.where(sa.tuple_(quick_hours.c.device_id, quick_hours.c.local_day).in_(chosen))
    conn.execute(quick_days.insert().from_select(
        ["local_day", "device_id", "agency_id", "service_id", "f1", "f2", "f3", "f4"], days))


def _rare(conn: sa.Connection, condition):
    """``condition``, marked for SQLite's planner as true for few rows: otherwise, with ANALYZE's
    statistics, it walked every quick rating through (kind, device_id, created_at) to get the DISTINCT
    in order (40 s at a million ratings) instead of the few new ones through (kind, received_at)."""
    if conn.dialect.name == "sqlite":
        return sa.func.likelihood(condition, sa.literal_column("0.001"))
    return condition


def _day_bounds(conn: sa.Connection, settings: Settings, local_day, *, now: datetime):
    """[first, after) in UTC of a local DATE column, comparable with ratings.created_at on this dialect
    (SQLite keeps it as text 'YYYY-MM-DD HH:MM:SS.ffffff'; 'YYYY-MM-DD HH:MM:SS' sorts just before it)."""
    if conn.dialect.name == "postgresql":
        midnight = sa.cast(local_day, sa.DateTime)
        return (sa.func.timezone(_text(settings.timezone), midnight),
                sa.func.timezone(_text(settings.timezone), midnight + sa.literal_column("INTERVAL '1 day'")))
    offset = now.astimezone(settings.tz).utcoffset() or timedelta(0)
    shift = _text(f"{-int(offset.total_seconds() // 60):+d} minutes")
    return sa.func.datetime(local_day, shift), sa.func.datetime(local_day, _text("+1 day"), shift)


# --- the figures ----------------------------------------------------------------------------------------


def satisfaction_index(faces: Iterable[int]) -> Decimal | None:
    """Mean face x 25, rounded half-up to two decimals (exact: Fraction); None without taps.
    ``faces`` are the counts of face 1..4: (1, 0, 1, 2) is faces 1, 3, 4, 4 -> mean 3 -> 75.00."""
    counts = tuple(faces)
    taps = sum(counts)
    if not taps:
        return None
    value = Fraction(sum(n * face for face, n in enumerate(counts, start=1)) * FACE_POINTS, taps)
    return Decimal(floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def _unit_key(table: sa.Table, kind: UnitKind):
    """The column of ``table`` (quick_hours or quick_days; devices, joined, for an office) naming a unit."""
    return {
        UnitKind.AGENCY: table.c.agency_id,
        UnitKind.SERVICE: table.c.service_id,
        UnitKind.OFFICE: devices.c.office,
        UnitKind.KIOSK: table.c.device_id,
    }[kind]


def _discard_key(kind: UnitKind):
    return {UnitKind.AGENCY: devices.c.agency_id, UnitKind.OFFICE: devices.c.office,
            UnitKind.KIOSK: tap_discards.c.device_id}.get(kind)


def _scope(table: sa.Table, kind: UnitKind, period: Period, agencies: Iterable[str] | None, unit_id: str | None):
    """(unit column, FROM, WHERE) of one rollup table for these units, period and agencies."""
    key = _unit_key(table, kind).label("unit")
    source = table.join(devices, devices.c.id == table.c.device_id) if kind is UnitKind.OFFICE else table
    where = [table.c.local_day >= period.first, table.c.local_day <= period.last]
    if kind is UnitKind.SERVICE:
        where.append(table.c.service_id != "")
    if agencies is not None:
        where.append(table.c.agency_id.in_(list(agencies)))
    if unit_id is not None:
        where.append(_unit_key(table, kind) == unit_id)
        if kind is UnitKind.OFFICE:
            # The office's kiosks first, so the rows are read through (device_id, local_day), not all scanned.
            where.append(table.c.device_id.in_(sa.select(devices.c.id).where(devices.c.office == unit_id)))
    return key, source, where


def quick_by_unit(conn: sa.Connection, settings: Settings, kind: UnitKind, period: Period,
                  agencies: Iterable[str] | None = None, *, unit_id: str | None = None,
                  detail: bool = True) -> list[QuickFigure]:
    """The quick-rating figures of every unit of ``kind`` with taps or discarded taps in ``period``
    (or only ``unit_id``), by unit name. ``detail=False`` leaves the heatmap and the weekly trend empty
    (an overview or an alert needs the totals only: one scan of the daily rollup).

    ``agencies`` (an officer's) keeps the taps of those agencies only; their discarded taps are those of
    the agencies' own kiosks. A service has no discarded taps (0): the filter drops a tap before it knows
    the service."""
    kind = UnitKind(kind)
    key, source, where = _scope(quick_days, kind, period, agencies, unit_id)
    faces = [sa.func.sum(quick_days.c[f"f{f}"]) for f in (1, 2, 3, 4)]
    totals = {r.unit: tuple(int(v) for v in r[1:]) for r in conn.execute(
        sa.select(key, *faces).select_from(source).where(*where).group_by(key))}

    heat: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    weeks: dict[str, list[tuple[date, int, Decimal | None]]] = defaultdict(list)
    if detail:
        daynum = _day_number(conn, quick_days.c.local_day)
        monday = (daynum - daynum % _int(7)).label("monday")
        for r in conn.execute(sa.select(key, monday, *faces).select_from(source).where(*where)
                              .group_by(key, monday).order_by(key, monday)):
            counts = tuple(int(v) for v in r[2:])
            weeks[r.unit].append((_MONDAY + timedelta(days=int(r.monday)), sum(counts), satisfaction_index(counts)))
        hkey, hsource, hwhere = _scope(quick_hours, kind, period, agencies, unit_id)
        hdaynum = _day_number(conn, quick_hours.c.local_day)
        weekday = (hdaynum % _int(7)).label("weekday")
        taps = quick_hours.c.f1 + quick_hours.c.f2 + quick_hours.c.f3 + quick_hours.c.f4
        for r in conn.execute(sa.select(hkey, weekday, quick_hours.c.hour, sa.func.sum(taps)).select_from(hsource)
                              .where(*hwhere).group_by(hkey, weekday, quick_hours.c.hour)):
            heat[r.unit][(int(r.weekday), int(r.hour))] = int(r[3])

    discarded = _discarded(conn, kind, period, agencies, unit_id)
    index = unit_names.index(conn)
    out = []
    for unit in set(totals) | set(discarded):
        counts = totals.get(unit, (0, 0, 0, 0))
        out.append(QuickFigure(
            unit=index.get(kind, unit), period=period, taps=sum(counts), faces=counts,
            index=satisfaction_index(counts), discarded=discarded.get(unit, 0),
            heatmap=heat.get(unit, {}), weekly=tuple(weeks.get(unit, ())),
        ))
    return sorted(out, key=lambda f: (f.unit.name_id.casefold(), f.unit.id))


def _discarded(conn: sa.Connection, kind: UnitKind, period: Period, agencies: Iterable[str] | None,
               unit_id: str | None) -> dict[str, int]:
    """Discarded taps per unit in the period: the sum over the unit's kiosks and days."""
    dkey = _discard_key(kind)
    if dkey is None:
        return {}
    where = [tap_discards.c.local_day >= period.first, tap_discards.c.local_day <= period.last]
    if agencies is not None:
        where.append(devices.c.agency_id.in_(list(agencies)))
    if unit_id is not None:
        where.append(dkey == unit_id)
    rows = conn.execute(sa.select(dkey.label("unit"), sa.func.sum(tap_discards.c.count))
                        .select_from(tap_discards.join(devices, devices.c.id == tap_discards.c.device_id))
                        .where(*where).group_by(dkey))
    return {r.unit: int(r[1]) for r in rows if r[1]}


def visible_unit(conn: sa.Connection, kind: UnitKind, unit_id: str, agencies: Iterable[str] | None) -> Unit | None:
    """The unit a detail page is about, or None when the server knows no such unit or ``agencies`` (an
    officer's) have no part in it: an agency of theirs, an office with one of their kiosks, their kiosk."""
    kind = UnitKind(kind)
    allowed = None if agencies is None else set(agencies)
    names = unit_names.index(conn)
    if kind is UnitKind.AGENCY:
        known = unit_id in names.by_kind[UnitKind.AGENCY] or conn.scalar(
            sa.select(sa.literal(1)).where(sa.or_(
                sa.exists().where(quick_hours.c.agency_id == unit_id),
                sa.exists().where(devices.c.agency_id == unit_id))))
        return names.get(kind, unit_id) if known and (allowed is None or unit_id in allowed) else None
    if kind is UnitKind.SERVICE:
        unit = names.by_kind[UnitKind.SERVICE].get(unit_id)
        return unit if unit is not None and (allowed is None or unit.agency_id in allowed) else None
    column = devices.c.office if kind is UnitKind.OFFICE else devices.c.id
    found = set(conn.scalars(sa.select(devices.c.agency_id).where(column == unit_id)))
    if not found or (allowed is not None and not found & allowed):
        return None
    return names.get(kind, unit_id)


def quick_of_unit(conn: sa.Connection, settings: Settings, unit: Unit, period: Period,
                  agencies: Iterable[str] | None = None) -> QuickFigure:
    """One unit's figure for a detail page; all zeros when it had no taps in the period."""
    found = quick_by_unit(conn, settings, unit.kind, period, agencies, unit_id=unit.id)
    if found:
        return found[0]
    return QuickFigure(unit=unit, period=period, taps=0, faces=(0, 0, 0, 0), index=None, discarded=0)
