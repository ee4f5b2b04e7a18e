"""The award ranking's and the compliance page's queries over a province's year (analytics/ranking.py,
analytics/compliance.py). Issue 14: each dashboard's queries p95 under 300 ms on PostgreSQL.

Seeds IKM surveys (bench_ikm.seed: 34 agencies, 60 kiosks, over 2026) and complaints
(backoffice_seed.seed, the last 120 days), publishes 50 more catalogs whose checklists change, brings the
three rollups up to date (not timed), then times, warm:

- ``ranking(conn, settings, year)``: IKM of every agency, their handling, compliance as of the year's end;
- the compliance page's queries: every agency's newest figure and one agency's history.

Run: python bench/bench_ranking.py [--backend postgres|sqlite] [--surveys 1000000] [--complaints 100000]
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from _stats import report
from backoffice_seed import seed as seed_complaints
from bench_ikm import seed as seed_surveys
from catalog_samples import agency, catalog, standard
from central.serverkit import pg_missing_reason, postgres

from kiosk.central import catalog as central_catalog
from kiosk.central.analytics import compliance, handling, ikm, periods
from kiosk.central.analytics.ranking import ranking
from kiosk.central.db import open_database, reader
from kiosk.central.settings import Settings

TARGET_MS = 300.0
ASPECTS = ["standar_pelayanan", "maklumat", "sistem_informasi", "sarana_prasarana", "pelayanan_khusus",
           "pengelolaan_pengaduan", "penilaian_kinerja", "visi_misi_motto", "atribut"]


def publish_checklists(engine, agencies: list[str], versions: int, rng: random.Random) -> None:
    services = [{"id": f"{a}-s{j}", "agency_id": a, "name": f"{a}-s{j}".upper(), "name_en": f"{a}-s{j}", "keywords": [],
                 "standard": standard(0)} for a in agencies for j in range(3)]
    for v in range(versions):
        docs = [agency(a, a.upper(), a[:8], [{"aspect": x, "status": rng.choice(("ada", "ada", "sebagian", "belum")),
                                              "evidence": "Foto"} for x in ASPECTS]) for a in agencies]
        central_catalog.publish(engine, catalog(f"bench-compliance-{v}", copy.deepcopy(docs), services))


def timed(fn, runs: int) -> list[float]:
    fn()  # warm the catalog cache and the database's pages
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--surveys", type=int, default=1_000_000)
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if args.backend == "postgres":
        if reason := pg_missing_reason():
            print(f"[postgres] skipped: {reason}")
            return 0
        url = postgres().new_database()
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-ranking-')) / 'central.db'}"
    tag = f"[{args.backend}]"
    settings = Settings(database_url=url)
    engine = open_database(settings)
    rng = random.Random(14)
    t0 = time.perf_counter()
    agencies, _ = seed_surveys(engine, args.surveys, rng)
    seed_complaints(engine, settings, args.complaints, agencies=34)
    publish_checklists(engine, agencies, 50, rng)
    now = datetime.now(UTC) + timedelta(days=16)
    for module in (ikm, handling, compliance):
        module.refresh(engine, settings, now=now)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    print(f"{tag} seeded {args.surveys:,} surveys, {args.complaints:,} complaints, 51 catalogs and refreshed in "
          f"{time.perf_counter() - t0:.0f} s (set-up, not timed)")
    year = periods.year(2026)
    with reader(engine) as conn:
        result = ranking(conn, settings, year)
        print(f"{tag} ranking 2026: {len(result.ranked)} ranked, {len(result.apart)} apart")
        report(f"{tag} ranking(conn, settings, 2026)", timed(lambda: ranking(conn, settings, year), args.runs), TARGET_MS)
        report(f"{tag} compliance page queries", timed(lambda: (compliance.compliance_by_agency(conn),
                                                                 compliance.compliance_history(conn, agencies[0])),
                                                         args.runs), TARGET_MS)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
