"""The alerts on PostgreSQL over a province's complaints: what the hub and the alerts page pay per visit
(``current_alerts`` for the province and for one officer), and what the tick pays once a day to plan the
digests of one officer per agency plus the desk. Target: each page's queries p95 under 300 ms (issue 14).

The complaints are seeded by bench/backoffice_seed.py (received over the last 120 days, every status),
then one real tick marks the overdue ones, then VACUUM ANALYZE (what autovacuum does on a live server). The drop alerts read the ikm and quick parts' rollups when
those parts are installed; without them this measures the spike and overdue queries alone.

Run: python bench/bench_alerts.py [--complaints 100000] [--agencies 200] [--runs 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import catalog_samples
import sqlalchemy as sa
from _stats import report
from backoffice_seed import agency_ids, seed
from central.serverkit import pg_missing_reason, postgres

from kiosk.central import alert_digest, catalog
from kiosk.central.analytics import alerts, periods
from kiosk.central.db import complaints, open_database, staff_agencies, staff_users
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick

TARGET_MS = 300.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--agencies", type=int, default=200)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    if reason := pg_missing_reason():
        print(f"[postgres] skipped: {reason}")
        return 0
    settings = Settings(database_url=postgres().new_database(), timezone="Asia/Makassar")
    engine = open_database(settings)
    t0 = time.perf_counter()
    ids = agency_ids(args.agencies)
    catalog.publish(engine, catalog_samples.catalog(
        "bench-1", [catalog_samples.agency(a, f"Dinas Bench {i}", f"DB{i}") for i, a in enumerate(ids)], []))
    seed(engine, settings, args.complaints, agencies=args.agencies)
    tick = run_tick(engine, settings, holder="bench")
    with engine.begin() as conn:
        for i, a in enumerate(ids):
            uid = conn.execute(staff_users.insert().values(
                username=f"officer{i}", display_name=f"Officer {i}", role="officer", email=f"o{i}@bench.example",
                password_hash="x", password_changed_at=datetime.now(UTC), created_at=datetime.now(UTC)
            )).inserted_primary_key[0]
            conn.execute(staff_agencies.insert().values(user_id=uid, agency_id=a))
        conn.execute(staff_users.insert().values(
            username="desk", display_name="Desk", role="desk", email="desk@bench.example", password_hash="x",
            password_changed_at=datetime.now(UTC), created_at=datetime.now(UTC)))
        n = conn.scalar(sa.select(sa.func.count()).select_from(complaints))
    # What autovacuum does on a live server after such a load: statistics, and the visibility map that
    # lets the covering indexes answer without reading the table (index-only scans).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE complaints")
    print(f"[postgres] seeded {n:,} complaints over {args.agencies} agencies, {tick.marked_overdue:,} marked "
          f"overdue, in {time.perf_counter() - t0:.0f} s (set-up, not timed)")

    today = periods.local_day(datetime.now(UTC), settings.tz)
    for label, scope in (("province", None), ("one officer", [ids[0]])):
        samples = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with engine.connect() as conn:
                found = alerts.current_alerts(conn, settings, today, scope)
            samples.append((time.perf_counter() - t0) * 1000)
        report(f"[postgres] current_alerts, {label} ({len(found)} alerts)", samples, TARGET_MS)
    t0 = time.perf_counter()
    planned = alert_digest.plan(engine, settings, datetime.now(settings.tz).replace(hour=12))
    print(f"[postgres] digest plan for {args.agencies} officers and the desk: {len(planned)} digests in "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms (once a day, in the tick)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
