"""`kiosk central tick` over a province's open complaints, on PostgreSQL: the issue #11 target is under
5 s for 100,000 open complaints.

The complaints are seeded once (bench/backoffice_seed.py, received over the last 120 days, every status
open: sent, verified, forwarded, followed up, on hold) into a template database; each run gets a fresh
copy (CREATE DATABASE ... TEMPLATE), so every "first run" does the full work: tens of thousands of
overdue marks and thousands of automatic closings, each with its event and audit row. The second run
on the same copy measures the steady state (nothing left to do: what the timer pays every 5 minutes),
and a third, one day later on the same copy, a day's worth of new deadlines passing.

The first run is the catch-up a database makes once (the job switched on over a year of complaints no
tick ever saw); with the timer running every 5 minutes, a run sees the second or third kind of work.

Run: python bench/bench_tick.py [--complaints 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from _stats import report  # noqa: E402
from backoffice_seed import publish_agencies, seed  # noqa: E402

from central.serverkit import pg_missing_reason, postgres  # noqa: E402
from kiosk.central.db import complaints, open_database  # noqa: E402
from kiosk.central.db import now as utc_now  # noqa: E402
from kiosk.central.settings import Settings  # noqa: E402
from kiosk.central.tick import run_tick  # noqa: E402

TARGET_MS = 5000.0
OPEN_MIX = [("sent", 0.15), ("verified", 0.07), ("forwarded", 0.40), ("followed_up", 0.33), ("on_hold", 0.05)]


def admin(cluster, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=iplik dbname=postgres", autocommit=True) as c:
        c.execute(sql)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--agencies", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if reason := pg_missing_reason():
        print(f"[postgres] skipped: {reason}")
        return 0
    cluster = postgres()
    admin(cluster, 'CREATE DATABASE "tick_seed"')
    settings = Settings(database_url=cluster.url("tick_seed"))
    engine = open_database(settings)
    t0 = time.perf_counter()
    publish_agencies(engine, args.agencies)
    seed(engine, settings, args.complaints, agencies=args.agencies, status_mix=OPEN_MIX)
    with engine.connect() as conn:
        open_count = conn.scalar(sa.select(sa.func.count()).select_from(complaints)
                                 .where(complaints.c.status.notin_(["closed", "not_authority"])))
    engine.dispose()
    print(f"[postgres] seeded {open_count:,} open complaints over {args.agencies} agencies "
          f"in {time.perf_counter() - t0:.0f} s (set-up, not timed)")

    first_ms, second_ms, day_ms = [], [], []
    for i in range(args.runs):
        name = f"tick_run_{i}"
        admin(cluster, f'CREATE DATABASE "{name}" TEMPLATE "tick_seed"')
        run_settings = Settings(database_url=cluster.url(name))
        engine = open_database(run_settings)
        with engine.connect() as conn:  # a fresh copy has no statistics: as a live server would have
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        t0 = time.perf_counter()
        result = run_tick(engine, run_settings, holder="bench")
        first_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        again = run_tick(engine, run_settings, holder="bench")
        second_ms.append((time.perf_counter() - t0) * 1000)
        assert again.closed == again.marked_overdue == 0, again
        t0 = time.perf_counter()
        later = run_tick(engine, run_settings, now=utc_now() + timedelta(days=1), holder="bench")
        day_ms.append((time.perf_counter() - t0) * 1000)
        print(f"  run {i + 1}: first {first_ms[-1] / 1000:.2f} s ({result.summary()}), "
              f"second {second_ms[-1] / 1000:.2f} s, a day later {day_ms[-1] / 1000:.2f} s ({later.summary()})")
        engine.dispose()
        admin(cluster, f'DROP DATABASE "{name}"')
    report(f"[postgres] tick, first run over {open_count:,} open complaints", first_ms, TARGET_MS)
    report(f"[postgres] tick, second run (nothing to do) over {open_count:,} open complaints", second_ms, TARGET_MS)
    report(f"[postgres] tick, a day later over {open_count:,} open complaints", day_ms, TARGET_MS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
