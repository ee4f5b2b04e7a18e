"""Writing the demo year of :mod:`.demo_data` into a central database, fast: ``kiosk central demo-data``.

A database that holds anything real is refused (a device, complaint or staff account not marked demo,
or a catalog that is not the demo catalog): demo rows mixed into real figures would be a scandal, not a
convenience, so there is no override. A database that already has the demo year is refused too.

SQLite takes the rows through SQLAlchemy executemany in one transaction per day; PostgreSQL through
``COPY ... FROM STDIN`` on the engine's psycopg connection (a million ratings in a minute or two instead
of the better part of an hour). Then one ``tick`` brings the rollups up to date.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from time import perf_counter

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .. import __version__
from ..errors import KioskError
from ..paths import DEMO_CATALOG
from . import catalog, db, demo_data
from .db import (
    catalog_versions,
    complaint_events,
    complaints,
    devices,
    now,
    ratings,
    records,
    staff_users,
)
from .demo import MARK, PREFIX
from .devices import apply_heartbeat
from .ingest import heartbeat_row
from .settings import Settings


class NotADemoDatabase(KioskError):
    """The database holds real data, or the demo year already."""


@dataclass
class LoadResult:
    ratings: int = 0
    complaints: int = 0
    events: int = 0
    devices: int = 0
    first: str = ""
    until: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # phase -> wall time

    def describe(self) -> str:
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return (f"Demo data {self.first}..{self.until}: {self.ratings} ratings, {self.complaints} complaints "
                f"({self.events} events) from {self.devices} [DEMO] kiosks. Improving: {demo_data.IMPROVING}, "
                f"worsening: {demo_data.WORSENING}, pungli spike: {demo_data.SPIKE_AGENCY} "
                f"(last {demo_data.SPIKE_DAYS} days).\nTook {phases}.")


def refusal(conn: Connection) -> str | None:
    """Why this database must not get the demo year, or None."""
    d, c, s = devices.c, complaints.c, staff_users.c
    checks = (
        (sa.select(sa.func.count()).select_from(devices).where(sa.not_(d.name.startswith(MARK, autoescape=True))),
         "it has kiosks that are not demo kiosks"),
        (sa.select(sa.func.count()).select_from(complaints)
         .where(sa.not_(c.description.startswith(MARK, autoescape=True))), "it has complaints that are not demo"),
        (sa.select(sa.func.count()).select_from(staff_users)
         .where(sa.not_(s.username.startswith(PREFIX, autoescape=True))), "it has staff accounts that are not demo"),
        (sa.select(sa.func.count()).select_from(devices)
         .where(d.id.startswith(demo_data.DEVICE_PREFIX, autoescape=True)), "it already has the demo data"),
    )
    for query, reason in checks:
        if conn.scalar(query):
            return reason
    newest = conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1))
    if newest is not None and json.loads(newest).get("demo") is not True:
        return "its catalog is not the demo catalog"
    return None


def fill(engine: Engine, settings: Settings, plan: demo_data.Plan, *, at: datetime | None = None,
         run_tick: bool = True, progress: Callable[[str], None] = lambda _msg: None) -> LoadResult:
    """Fill a (migrated) central database with the demo year; NotADemoDatabase if it holds real data."""
    clock = perf_counter()
    with engine.connect() as conn:
        reason = refusal(conn)
    if reason:
        raise NotADemoDatabase(f"This database is not an empty or demo database ({reason}); demo data goes "
                               "only into a fresh database or one made by `kiosk central demo`.")
    with engine.connect() as conn:
        has_catalog = conn.scalar(sa.select(sa.func.count()).select_from(catalog_versions))
    if not has_catalog:
        catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    with engine.connect() as conn:
        doc = json.loads(conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1)))
    w = demo_data.world(settings, doc, plan, at or now())
    result = LoadResult(first=w.first.isoformat(), until=w.until.isoformat())
    with engine.begin() as conn:
        # The demo catalog (refusal() checked that it is) counts as in force all year: compliance is
        # read "as published by the end of a period", and a catalog published today has no past.
        start = datetime.combine(w.first, time(0), w.tz)
        # Every version of it (the demo publishes it again with its evidence photo), so that the history
        # keeps its order: backdating only the newest made it older than the one it replaced.
        conn.execute(catalog_versions.update().where(catalog_versions.c.published_at > start)
                     .values(published_at=start))
    writer = _copy_rows if engine.dialect.name == "postgresql" else _insert_rows
    with engine.begin() as conn:
        rows = demo_data.device_rows(w)
        conn.execute(devices.insert(), rows)
        result.devices = len(rows)
        # Each kiosk's newest heartbeat, through the same check and store as a pushed one, so the fleet
        # page has a fleet to show (and the tick below opens the incidents of the demo's story).
        version = conn.scalar(sa.select(catalog_versions.c.version).order_by(catalog_versions.c.id.desc()).limit(1))
        for device_id, body, received in demo_data.fleet_heartbeats(w, __version__, version or ""):
            apply_heartbeat(conn, device_id, heartbeat_row(body, None)["body"], received)
    start = perf_counter()
    quick_taps: Counter = Counter()
    for recs, rows in demo_data.rating_batches(w, plan):
        with engine.begin() as conn:
            writer(conn, records, recs)
            writer(conn, ratings, rows)
        result.ratings += len(rows)
        quick_taps.update((r["device_id"], r["created_at"].astimezone(w.tz).date()) for r in rows if r["kind"] == "quick")
    progress(f"{result.ratings} ratings")
    _discards(engine, plan, quick_taps, writer)
    result.seconds["ratings"] = perf_counter() - start
    start = perf_counter()
    for recs, rows, events in demo_data.complaint_batches(w, plan):
        with engine.begin() as conn:
            writer(conn, records, recs)
            writer(conn, complaints, rows)
            writer(conn, complaint_events, events)
        result.complaints += len(rows)
        result.events += len(events)
    progress(f"{result.complaints} complaints")
    result.seconds["complaints"] = perf_counter() - start
    _populations(engine, w, plan)
    if engine.dialect.name == "postgresql":
        start = perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")  # the planner must know the tables are no longer empty
        result.seconds["analyze"] = perf_counter() - start
    if run_tick:
        from .tick import run_tick as tick

        start = perf_counter()
        tick(engine, settings, now=w.as_of)
        result.seconds["tick"] = perf_counter() - start
    result.seconds["total"] = perf_counter() - clock
    return result


def add_ratings(engine: Engine, settings: Settings, plan: demo_data.Plan, n: int, *, day: date) -> int:
    """``n`` more ratings on ``day`` from the kiosks of a database ``fill`` made with ``plan`` (the bench's
    incremental tick); returns how many were made (those later than now are not)."""
    extra = dataclasses.replace(plan, days=1, ratings=n, complaints=0, until=day, stream=f"+{day}")
    with engine.connect() as conn:
        doc = json.loads(conn.scalar(sa.select(catalog_versions.c.doc).order_by(catalog_versions.c.id.desc()).limit(1)))
    w = demo_data.world(settings, doc, extra, now())
    writer = _copy_rows if engine.dialect.name == "postgresql" else _insert_rows
    made = 0
    for recs, rows in demo_data.rating_batches(w, extra):
        with engine.begin() as conn:
            writer(conn, records, recs)
            writer(conn, ratings, rows)
        made += len(rows)
    return made


def _populations(engine: Engine, w: demo_data.World, plan: demo_data.Plan) -> None:
    """Services' yearly users, when the IKM part's table is installed (the minimum sample needs them)."""
    table = getattr(db, "service_populations", None)
    if table is None:
        return
    at = now()
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"service_id": sid, "yearly_users": n, "updated_at": at, "updated_by": "demo-data"}
                                      for sid, n in demo_data.yearly_users(w, plan).items()])


def _discards(engine: Engine, plan: demo_data.Plan, quick_taps: Counter, writer) -> None:
    """Taps the kiosks' repeated-tap filter dropped, when the quick part's table is installed (kiosks
    report them in their heartbeats; the quick-rating dashboard shows them)."""
    table = getattr(db, "tap_discards", None)
    if table is None:
        return
    rows = [{"device_id": dev, "local_day": day, "count": n}
            for (dev, day), n in demo_data.discarded_taps(plan, quick_taps).items()]
    with engine.begin() as conn:
        writer(conn, table, rows)


def _insert_rows(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _copy_rows(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    """COPY on the connection's own psycopg cursor: inside the same transaction as everything else."""
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
