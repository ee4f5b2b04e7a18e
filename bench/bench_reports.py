"""The SKM report and the public transparency page over a province's year of surveys.

Seeds N IKM surveys (default 1,000,000) exactly as bench_ikm.py does (60 kiosks, 34 agencies with 3
services each, profiles), builds the IKM rollup, then times:

- the SKM report of one unit for the year 2026: the figure (ikm_for_unit) and the PDF, and the XLSX;
  target < 1 s each (issue 14);
- the transparency page's figures computed afresh (what one visitor a minute pays) and as served from
  the in-process cache (what every other visitor pays); target p95 < 100 ms for the page.

Run: python bench/bench_reports.py [--backend postgres|sqlite] [--surveys 1000000] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from _stats import report
from bench_ikm import seed
from central.serverkit import database_url, pg_missing_reason

from kiosk.central import transparency
from kiosk.central.analytics import ikm, periods
from kiosk.central.analytics.figures import Unit, UnitKind
from kiosk.central.db import open_database
from kiosk.central.reports.skm_pdf import skm_pdf
from kiosk.central.reports.skm_tables import skm_xlsx
from kiosk.central.settings import Settings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--surveys", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if args.backend == "postgres" and (reason := pg_missing_reason()):
        print(f"[postgres] skipped: {reason}")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    settings = Settings(database_url=database_url(args.backend, tmp), timezone="Asia/Makassar")
    engine = open_database(settings)
    t0 = time.perf_counter()
    _agencies, services = seed(engine, args.surveys, random.Random(14))
    print(f"[{args.backend}] seeded {args.surveys} surveys in {time.perf_counter() - t0:.1f} s")
    if args.backend == "postgres":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    ikm.refresh(engine, settings, now=datetime(2026, 12, 31, 16, 0, tzinfo=UTC))

    year = periods.year(2026)
    made = datetime(2027, 1, 5, 9, 0, tzinfo=settings.tz)
    with engine.connect() as conn:  # fonts registered once per process, as in the server
        skm_pdf(ikm.ikm_for_unit(conn, settings, Unit(UnitKind.AGENCY, "ag03", "", ""), year), province="NTB",
                generated_at=made)
    for label, unit in (("agency", Unit(UnitKind.AGENCY, "ag03", "ag03", "ag03", "ag03")),
                        ("service", Unit(UnitKind.SERVICE, services[7], services[7], services[7], "ag02"))):
        pdf, xlsx = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with engine.connect() as conn:
                figure = ikm.ikm_for_unit(conn, settings, unit, year)
            skm_pdf(figure, province="NTB", generated_at=made)
            pdf.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            with engine.connect() as conn:
                figure = ikm.ikm_for_unit(conn, settings, unit, year)
            skm_xlsx(figure)
            xlsx.append((time.perf_counter() - t0) * 1000)
        report(f"[{args.backend}] SKM PDF, one {label}, 2026 (figure + PDF)", pdf, 1000.0)
        report(f"[{args.backend}] SKM XLSX, one {label}, 2026 (figure + XLSX)", xlsx, 1000.0)

    today = date(2026, 12, 31)
    fresh = []
    for _ in range(max(3, args.runs // 4)):
        t0 = time.perf_counter()
        transparency.compute(engine, settings, today)
        fresh.append((time.perf_counter() - t0) * 1000)
    report(f"[{args.backend}] transparency figures computed (once a minute)", fresh)
    now = datetime(2026, 12, 31, 10, 0, tzinfo=settings.tz)
    transparency.forget()
    served = []
    for _ in range(args.runs * 50):
        t0 = time.perf_counter()
        transparency.public_figures(engine, settings, now=now)
        served.append((time.perf_counter() - t0) * 1000)
    report(f"[{args.backend}] transparency figures per visit (cache, first visit included)", served, 100.0)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
