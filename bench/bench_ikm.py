"""The IKM rollup and its queries (analytics/ikm.py) over a province's year of surveys.

Seeds N IKM surveys (default 1,000,000) over 2026 across 60 kiosks in 20 offices, 34 agencies with 3
services each (a kiosk's surveys mostly about its own agency's services), with profiles; then times the first refresh (every day rebuilt), an incremental refresh
after a 5-minute tick's worth of new surveys (300), and the dashboard queries (ikm_by_unit for each kind
over the year and a quarter, ikm_for_unit of an agency and a service). Target: each query p95 < 300 ms.

Run: python bench/bench_ikm.py [--backend postgres|sqlite] [--surveys 1000000] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa
from _stats import report
from central import ikmkit as kit
from central.serverkit import database_url, pg_missing_reason

from kiosk.central.analytics import ikm, periods
from kiosk.central.analytics.figures import Unit, UnitKind
from kiosk.central.db import devices, open_database, ratings, records
from kiosk.central.settings import Settings

TARGET_MS = 300.0
SEXES, EDU, JOBS = ("L", "P", None), ("SD", "SMP", "SMA", "S1", "S2", None), ("PNS", "Swasta", "Wirausaha", None)


def seed(engine, n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    agencies = [f"ag{i:02d}" for i in range(34)]
    services = {f"{a}-s{j}": a for a in agencies for j in range(3)}
    kit.publish(engine, services, agencies)
    kiosks = [f"k{i:02d}" for i in range(60)]
    with engine.begin() as conn:
        conn.execute(devices.insert(), [{"id": k, "name": k, "office": f"Kantor {i % 20:02d}", "agency_id": agencies[i % 34],
                                         "token_hash": uuidlib.uuid4().hex * 2, "enrolled_at": datetime(2025, 1, 1, tzinfo=UTC)}
                                        for i, k in enumerate(kiosks)])
    start = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)
    service_ids = list(services)
    batch = 20_000
    for b in range(0, n, batch):
        recs, rows = [], []
        for _ in range(min(batch, n - b)):
            uid = str(uuidlib.uuid4())
            at = start + timedelta(seconds=rng.randrange(365 * 86400))
            # A kiosk stands in an office of one agency: most of its surveys are about that agency's
            # services, one in five about any other (a Mal Pelayanan Publik's shared kiosks).
            ki = rng.randrange(len(kiosks))
            k = kiosks[ki]
            s = rng.choice(service_ids) if rng.random() < 0.2 else f"{agencies[ki % 34]}-s{rng.randrange(3)}"
            prof = {"jenis_kelamin": rng.choice(SEXES), "usia": rng.choice((None, rng.randrange(15, 90))),
                    "pendidikan": rng.choice(EDU), "pekerjaan": rng.choice(JOBS)}
            recs.append({"uuid": uid, "kind": "rating", "device_id": k, "body_hash": "0" * 64, "received_at": at})
            rows.append({"uuid": uid, "device_id": k, "created_at": at, "received_at": at, "kind": "ikm",
                         "service_id": s, "agency_id": services[s] if rng.random() < 0.9 else None, "face": None,
                         "doc": json.dumps({"kind": "ikm", "service_id": s, "profile": prof}),
                         **{f"u{i}": rng.choice((2, 3, 3, 4)) for i in range(1, 10)}})
        with engine.begin() as conn:
            conn.execute(records.insert(), recs)
            conn.execute(ratings.insert(), rows)
    return agencies, service_ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--surveys", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if args.backend == "postgres" and (reason := pg_missing_reason()):
        print(f"[postgres] skipped: {reason}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-ikm-"))
    settings = Settings(database_url=database_url(args.backend, tmp), timezone="Asia/Makassar")
    engine = open_database(settings)
    rng = random.Random(14)
    t0 = time.perf_counter()
    _agencies, services = seed(engine, args.surveys, rng)
    print(f"[{args.backend}] seeded {args.surveys} surveys in {time.perf_counter() - t0:.1f} s")
    if args.backend == "postgres":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")

    now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    t0 = time.perf_counter()
    rows = ikm.refresh(engine, settings, now=now)
    print(f"[{args.backend}] first refresh: {rows} rollup rows in {time.perf_counter() - t0:.1f} s")

    # A 5-minute tick: 300 new surveys on today's day from 10 kiosks.
    with engine.begin() as conn:
        recs, new = [], []
        for i in range(300):
            uid = str(uuidlib.uuid4())
            at = now + timedelta(seconds=i)
            recs.append({"uuid": uid, "kind": "rating", "device_id": f"k{i % 10:02d}", "body_hash": "0" * 64,
                         "received_at": at})
            new.append({"uuid": uid, "device_id": f"k{i % 10:02d}", "created_at": at, "received_at": at, "kind": "ikm",
                        "service_id": services[i % 100], "agency_id": None, "face": None, "doc": "{}",
                        **{f"u{j}": 3 for j in range(1, 10)}})
        conn.execute(records.insert(), recs)
        conn.execute(ratings.insert(), new)
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        ikm.refresh(engine, settings, now=now + timedelta(minutes=5))
        samples.append((time.perf_counter() - t0) * 1000)
    report(f"[{args.backend}] incremental refresh (300 new surveys, today)", samples, 1000.0)

    year, quarter = periods.year(2026), periods.quarter(2026, 2)
    cases = [(f"ikm_by_unit {kind.value} {p.key}", lambda c, k=kind, p=p: ikm.ikm_by_unit(c, settings, k, p))
             for p in (year, quarter) for kind in UnitKind]
    cases += [
        ("ikm_by_unit service 2026 officer", lambda c: ikm.ikm_by_unit(c, settings, UnitKind.SERVICE, year, {"ag03"})),
        ("ikm_for_unit agency 2026", lambda c: ikm.ikm_for_unit(c, settings, Unit(UnitKind.AGENCY, "ag03", "", ""), year)),
        ("ikm_for_unit service 2026", lambda c: ikm.ikm_for_unit(c, settings, Unit(UnitKind.SERVICE, services[7], "", ""),
                                                                 year)),
        ("ikm_for_unit office 2026", lambda c: ikm.ikm_for_unit(c, settings, Unit(UnitKind.OFFICE, "Kantor 03", "", ""),
                                                                year)),
    ]
    for name, fn in cases:
        times = []
        with engine.connect() as conn:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                fn(conn)
                times.append((time.perf_counter() - t0) * 1000)
        report(f"[{args.backend}] {name}", times, TARGET_MS)
    with engine.connect() as conn:
        print(f"[{args.backend}] ikm_days rows: {conn.scalar(sa.select(sa.func.count()).select_from(ikm.ikm_days))}, "
              f"profile rows: {conn.scalar(sa.select(sa.func.count()).select_from(ikm.ikm_profile_days))}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
