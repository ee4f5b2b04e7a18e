"""Complaint handling figures over 100,000 complaints: the facts rollup (analytics/handling.refresh, run
by every `kiosk central tick`) and the dashboard's queries. Issue 14: each dashboard's queries p95 under
300 ms on PostgreSQL; a tick should stay under a few seconds.

The complaints are seeded once (bench/backoffice_seed.py: received over the last 120 days, every status,
with their timeline events). Timed:

- the first refresh (every complaint's facts: what a database pays once, when the rollup is switched on),
- a steady refresh (nothing changed since the last: what the 5-minute timer pays),
- the first refresh of the next local day (the verdicts whose due day has just passed),
- the page's queries (handling_overview: the total and every agency; handling_series_all: per topic, class
  and agency over time), for this quarter and this year, as the admin (every agency) sees them.

Run: python bench/bench_handling.py [--backend postgres|sqlite] [--complaints 100000] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa
from _stats import report
from backoffice_seed import seed
from central.serverkit import pg_missing_reason, postgres

from kiosk.central import catalog, workdays
from kiosk.central.analytics import handling, periods
from kiosk.central.db import complaint_facts, open_database, reader
from kiosk.central.db import now as utc_now
from kiosk.central.settings import Settings
from kiosk.paths import DEMO_CATALOG

QUERY_TARGET_MS = 300.0
TICK_TARGET_MS = 3000.0


def page_queries(engine, settings, period) -> None:
    with reader(engine) as conn:
        handling.handling_overview(conn, settings, period)
        handling.handling_series_all(conn, settings, period)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--agencies", type=int, default=34)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    if args.backend == "postgres":
        if reason := pg_missing_reason():
            print(f"[postgres] skipped: {reason}")
            return 0
        url = postgres().new_database()
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-handling-')) / 'central.db'}"
    tag = f"[{args.backend}]"
    settings = Settings(database_url=url)
    engine = open_database(settings)
    t0 = time.perf_counter()
    # The demo catalog (34 agencies) for the names; the seed's agency ids are not in it, so every figure
    # is named by its id, as a removed agency's would be: the same lookups either way.
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    seed(engine, settings, args.complaints, agencies=args.agencies)
    print(f"{tag} seeded {args.complaints:,} complaints over {args.agencies} agencies in "
          f"{time.perf_counter() - t0:.0f} s (set-up, not timed)")

    # The seed stamps each complaint's later steps up to about 15 days after its arrival (the newest
    # arrived now): the run's clock stands after them all, as a server's does, so nothing is stamped ahead.
    now = utc_now() + timedelta(days=16)
    t0 = time.perf_counter()
    rows = handling.refresh(engine, settings, now=now)
    print(f"{tag} first refresh: {rows:,} facts in {time.perf_counter() - t0:.2f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE complaint_facts")
            conn.commit()

    steady = []
    for i in range(5):
        t0 = time.perf_counter()
        handling.refresh(engine, settings, now=now + timedelta(minutes=5 * (i + 1)))
        steady.append((time.perf_counter() - t0) * 1000)
    report(f"{tag} refresh with nothing changed", steady, TICK_TARGET_MS)

    next_day = now + timedelta(days=1)
    with engine.connect() as conn:
        late = conn.scalar(sa.select(sa.func.count()).select_from(complaint_facts)
                           .where(handling._turned_late(workdays.local_day(next_day, settings.tz))))
    t0 = time.perf_counter()
    swept = handling.refresh(engine, settings, now=next_day)
    day_ms = (time.perf_counter() - t0) * 1000
    print(f"{tag} first refresh of the next day: {swept:,} facts ({late:,} turned late) in {day_ms / 1000:.2f} s")

    today = workdays.local_day(now, settings.tz)
    for period in (periods.containing(periods.Kind.QUARTER, today), periods.containing(periods.Kind.YEAR, today)):
        page_queries(engine, settings, period)  # warm the catalog cache and the database's pages
        samples = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            page_queries(engine, settings, period)
            samples.append((time.perf_counter() - t0) * 1000)
        report(f"{tag} complaints dashboard queries, {period.key}", samples, QUERY_TARGET_MS)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
