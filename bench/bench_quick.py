"""Quick-rating figures at scale (issue 14, item 2): N quick ratings over a year from 40 kiosks of 10
agencies in 15 offices; times the full rollup, an incremental refresh after 1,000 new ratings, and
quick_by_unit per kind for the year (p95 of 20 runs). PostgreSQL (a throwaway cluster) or SQLite.

    PYTHONPATH=. python bench/bench_quick.py --backend postgres --ratings 1000000
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from central.serverkit import database_url

from kiosk.central.analytics import periods
from kiosk.central.analytics.figures import UnitKind
from kiosk.central.analytics.quick import (
    quick_by_unit,
    quick_of_unit,
    refresh,
    visible_unit,
)
from kiosk.central.db import devices, open_database
from kiosk.central.settings import Settings

START = datetime(2026, 1, 1, tzinfo=UTC)


def fill(engine, n: int) -> None:
    with engine.begin() as conn:
        conn.execute(devices.insert(), [
            {"id": f"k{i:02d}", "name": f"Kios {i}", "office": f"Kantor {i % 15}", "agency_id": f"ag{i % 10}",
             "token_hash": f"{i:064d}", "enrolled_at": START} for i in range(40)])
    pg = engine.dialect.name == "postgresql"
    step = int(365 * 86400 / n) or 1
    created = (f"(TIMESTAMPTZ '2026-01-01 00:00:00+00' + (i * {step}) * INTERVAL '1 second')" if pg
               else f"datetime('2026-01-01 00:00:00', '+' || (i * {step}) || ' seconds')")
    series = ("generate_series(1, :n) AS g(i)" if pg else
              "(WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) SELECT i FROM g) AS g")
    with engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO records (uuid, kind, device_id, body_hash, received_at) "
                             f"SELECT 'q' || i, 'rating', 'k' || lpad(CAST(i % 40 AS TEXT), 2, '0'), '0', {created} "
                             f"FROM {series}") if pg else sa.text(
                             f"INSERT INTO records (uuid, kind, device_id, body_hash, received_at) "
                             f"SELECT 'q' || i, 'rating', 'k' || substr('0' || (i % 40), -2), '0', {created} FROM {series}"),
                     {"n": n})
        conn.execute(sa.text(
            "INSERT INTO ratings (uuid, device_id, created_at, received_at, kind, agency_id, face, doc) "
            "SELECT uuid, device_id, received_at, received_at, 'quick', NULL, "
            "1 + (length(uuid) * 7 + CAST(substr(uuid, 2) AS INTEGER)) % 4, '{}' FROM records WHERE uuid LIKE 'q%'"))


def timed(fn, runs=20):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def explain(engine, settings, year) -> None:
    """EXPLAIN ANALYZE of each statement quick_by_unit runs for the agencies over the year."""
    seen = []

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", grab)
    with engine.connect() as conn:
        quick_by_unit(conn, settings, UnitKind.AGENCY, year)
        unit = visible_unit(conn, UnitKind.OFFICE, "Kantor 3", None)
        quick_of_unit(conn, settings, unit, year)
    sa.event.remove(engine, "before_cursor_execute", grab)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters in seen:
            if "quick_hours" not in statement and "quick_days" not in statement:
                continue
            cur.execute("EXPLAIN ANALYZE " + statement, parameters)
            print("\n".join(r[0] for r in cur.fetchall()), "\n")
    finally:
        raw.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    ap.add_argument("--ratings", type=int, default=1_000_000)
    ap.add_argument("--explain", action="store_true", help="PostgreSQL: print the plans of the figures' queries")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-quick-"))
    settings = Settings(database_url=database_url(args.backend, tmp))
    engine = open_database(settings)
    t0 = time.perf_counter()
    fill(engine, args.ratings)
    print(f"filled {args.ratings:,} quick ratings in {time.perf_counter() - t0:.1f} s")
    now = datetime(2027, 1, 2, tzinfo=UTC)
    t0 = time.perf_counter()
    rows = refresh(engine, settings, now=now)
    print(f"full refresh: {rows:,} quick_hours rows in {time.perf_counter() - t0:.2f} s")
    with engine.begin() as conn:  # what autovacuum does after a bulk load; without it the plans guess
        conn.exec_driver_sql("ANALYZE")
    with engine.begin() as conn:  # 1,000 late ratings from 10 kiosks spread over the year, received now
        late = now + timedelta(minutes=10)
        for i in range(1000):
            uid = f"late{i}"
            conn.execute(sa.text("INSERT INTO records VALUES (:u, 'rating', :d, '0', :r)"),
                         {"u": uid, "d": f"k{i % 10:02d}", "r": late})
            conn.execute(sa.text("INSERT INTO ratings (uuid, device_id, created_at, received_at, kind, face, doc) "
                                 "VALUES (:u, :d, :c, :r, 'quick', 4, '{}')"),
                         {"u": uid, "d": f"k{i % 10:02d}", "c": START + timedelta(hours=8 * i + 1), "r": late})
    t0 = time.perf_counter()
    rows = refresh(engine, settings, now=late + timedelta(minutes=1))
    print(f"incremental refresh after 1,000 late ratings: {rows:,} rows in {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    refresh(engine, settings, now=late + timedelta(minutes=10))
    print(f"refresh again within the 5-minute margin (recounts the same days): {(time.perf_counter() - t0) * 1000:.0f} ms")
    for label, drop in (("with", False), ("without", True)):
        if drop:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ratings_quick_received")
        minutes = itertools.count(30, 10)  # each run past the last one's margin: truly nothing new

        def idle(minutes=minutes):
            refresh(engine, settings, now=late + timedelta(minutes=next(minutes)))
        med, p95 = timed(idle, runs=10)
        print(f"refresh with nothing new, {label} index (kind, received_at): median {med:.0f} ms, p95 {p95:.0f} ms")
    if args.explain:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE INDEX ratings_quick_received ON ratings (kind, received_at)")
    year = periods.year(2026)
    if args.explain:
        explain(engine, settings, year)
    for kind in (UnitKind.AGENCY, UnitKind.OFFICE, UnitKind.KIOSK):
        for detail in (False, True):
            def run(kind=kind, detail=detail):
                with engine.connect() as conn:
                    quick_by_unit(conn, settings, kind, year, detail=detail)
            med, p95 = timed(run)
            what = "with heatmap and weeks" if detail else "totals (the overview page)"
            print(f"quick_by_unit {kind.value:6s} year, {what}: median {med:.0f} ms, p95 {p95:.0f} ms")

    def detail():
        with engine.connect() as conn:
            unit = visible_unit(conn, UnitKind.OFFICE, "Kantor 3", None)
            quick_of_unit(conn, settings, unit, year)
    med, p95 = timed(detail)
    print(f"one office's detail, year: median {med:.0f} ms, p95 {p95:.0f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
