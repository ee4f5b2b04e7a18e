"""Issue 14's dashboards, SKM report and transparency page over a province's year: 1,000,000 ratings and
100,000 complaints (kiosk central demo-data's generator) on PostgreSQL, or on SQLite with --sqlite.

Targets (issue 14, "Done when"): each dashboard's queries p95 < 300 ms, the SKM PDF of one unit for one
year < 1 s, the public transparency page p95 < 100 ms over HTTP (the real server in a subprocess, after
one warm request). Also timed: the first ``tick`` over the loaded year (every rollup built from nothing)
and a tick after 1,000 new ratings (the incremental refresh every 5 minutes pays).

The loaded year is kept between runs (var/bench/analytics/: a PostgreSQL cluster whose database
``seed`` holds it, or a SQLite file) and each run works on a fresh copy of it (CREATE DATABASE ...
TEMPLATE, or a file copy), so the first tick always starts from empty rollups and new migrations of
other parts apply to the copy. --rebuild loads the year again; a different size, seed or last day
rebuilds by itself. A module of issue 14 that is not on this branch yet is reported as "not available
yet" and the rest still runs.

Run: python bench/bench_analytics.py [--ratings 1000000] [--complaints 100000] [--runs 30] [--sqlite]
     [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa
from _stats import report
from central.serverkit import PG_BIN, Server, free_port, pg_missing_reason

from kiosk.central import demo_data, demo_data_load
from kiosk.central.analytics import periods, units
from kiosk.central.analytics.figures import UnitKind
from kiosk.central.db import open_database
from kiosk.central.settings import Settings
from kiosk.central.tick import run_tick

CACHE = ROOT / "var" / "bench" / "analytics"
UNTIL = date(2026, 11, 30)  # a fixed last day, so the cached year stays valid across days
QUERY_TARGET_MS, PDF_TARGET_MS, PAGE_TARGET_MS = 300.0, 1000.0, 100.0
TRANSPARENCY_PATH = "/transparansi"


class Cluster:
    """A PostgreSQL cluster kept in ``path`` between runs (tests' PgCluster is thrown away at exit)."""

    def __init__(self, path: Path) -> None:
        self.dir = path
        self.data = path / "data"
        self.port = free_port()
        self.user = None
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # initdb refuses root, as in tests/central/serverkit.py
            self.user = "postgres"
            shutil.chown(path, self.user, None)
            os.chmod(path, 0o700)
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.data, ignore_errors=True)
            self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "iplik", "--auth=trust", "-E", "UTF8",
                       "--no-locale", "--no-sync"])
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(path / "log"), "-w", "-t", "120", "start",
                   "-o", (f"-p {self.port} -k {path} -c listen_addresses=127.0.0.1 -c fsync=off "
                         "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
                         "-c shared_buffers=256MB -c maintenance_work_mem=256MB")])

    def _run(self, cmd: list[str]) -> None:
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://iplik@127.0.0.1:{self.port}/{db}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=iplik dbname=postgres", autocommit=True) as c:
            c.execute(sql)

    def exists(self, db: str) -> bool:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=iplik dbname=postgres", autocommit=True) as c:
            return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone() is not None

    def stop(self) -> None:
        try:
            self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass


def load(settings: Settings, plan: demo_data.Plan) -> None:
    engine = open_database(settings)
    try:
        # Frozen "now" on the day after the last one: the whole year lies in the past.
        at = datetime(UNTIL.year, UNTIL.month, UNTIL.day, tzinfo=UTC) + timedelta(days=1)
        result = demo_data_load.fill(engine, settings, plan, at=at, run_tick=False,
                                     progress=lambda m: print(f"  loaded {m}", flush=True))
        rate = result.ratings / result.seconds["ratings"]
        print(f"load: {result.ratings} ratings in {result.seconds['ratings']:.1f} s ({rate:,.0f}/s), "
              f"{result.complaints} complaints + {result.events} events in {result.seconds['complaints']:.1f} s, "
              f"total {result.seconds['total']:.1f} s")
    finally:
        engine.dispose()


def prepare(args, plan: demo_data.Plan) -> tuple[Settings, Callable[[], None]]:
    """The settings of a fresh copy of the loaded year, and what to call when done."""
    # What demo-data writes depends on its generation and on the tables installed (yearly users and
    # discarded taps go in only when their parts' tables exist): either changing rebuilds the year.
    # (By content: a part may change its migration before merging, or the lead re-chain it.)
    migrations = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(
        (ROOT / "kiosk/central/migrations/versions").glob("0*.py")))).hexdigest()
    stamp = {"ratings": plan.ratings, "complaints": plan.complaints, "seed": plan.seed, "days": plan.days,
             "until": UNTIL.isoformat(), "generation": demo_data.GENERATION, "migrations": migrations}
    if args.sqlite:
        seed_file = CACHE / "seed.sqlite"
        stamp_file = CACHE / "seed.sqlite.json"
        if args.rebuild or not seed_file.exists() or _stamp(stamp_file) != stamp:
            CACHE.mkdir(parents=True, exist_ok=True)
            for p in CACHE.glob("seed.sqlite*"):
                p.unlink()
            load(Settings(database_url=f"sqlite:///{seed_file}"), plan)
            _checkpoint(seed_file)
            stamp_file.write_text(json.dumps(stamp))
        else:
            print(f"load: reusing {seed_file}")
        run_file = CACHE / "run.sqlite"
        for p in CACHE.glob("run.sqlite*"):
            p.unlink()
        shutil.copyfile(seed_file, run_file)
        return Settings(database_url=f"sqlite:///{run_file}"), lambda: None
    cluster = Cluster(CACHE / "pg")
    stamp_file = CACHE / "pg-seed.json"
    if args.rebuild or not cluster.exists("seed") or _stamp(stamp_file) != stamp:
        cluster.admin('DROP DATABASE IF EXISTS "seed"')
        cluster.admin('CREATE DATABASE "seed"')
        load(Settings(database_url=cluster.url("seed")), plan)
        stamp_file.write_text(json.dumps(stamp))
    else:
        print(f"load: reusing the cluster in {cluster.dir}")
    start = time.perf_counter()
    cluster.admin('DROP DATABASE IF EXISTS "run"')
    cluster.admin('CREATE DATABASE "run" TEMPLATE "seed"')
    print(f"copy of the loaded year: {time.perf_counter() - start:.1f} s")
    return Settings(database_url=cluster.url("run")), cluster.stop


def _stamp(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _checkpoint(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def module(name: str):
    """An issue-14 module, or None while its part has not landed on this branch."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):  # the module itself (or its package) is missing
            return None
        raise


def cases(engine, settings: Settings) -> list[tuple[str, str, str, Callable[[object], Callable[[], object]], float]]:
    """(name, module, attribute, make(module) -> one call, target ms)."""
    year = periods.year(UNTIL.year)
    quarter = periods.last_complete(periods.Kind.QUARTER, UNTIL + timedelta(days=1))

    def with_conn(call):
        def run():
            with engine.connect() as conn:
                return call(conn)
        return run

    out = []
    an = "kiosk.central.analytics."
    for kind in UnitKind:
        for label, period in (("year", year), ("quarter", quarter)):
            out.append((f"ikm_by_unit {kind.value} {label}", an + "ikm", "ikm_by_unit",
                        lambda m, k=kind, p=period: with_conn(lambda c: m.ikm_by_unit(c, settings, k, p)),
                        QUERY_TARGET_MS))
    def unit(conn, kind: UnitKind, unit_id: str):
        return units.index(conn).get(kind, unit_id)

    service, office = (UnitKind.SERVICE, "bappenda-pkb-tahunan"), (UnitKind.OFFICE, "UPTB Samsat Mataram")
    out.append(("ikm_for_unit service year", an + "ikm", "ikm_for_unit",
                lambda m: with_conn(lambda c: m.ikm_for_unit(c, settings, unit(c, *service), year)), QUERY_TARGET_MS))
    for kind in (UnitKind.AGENCY, UnitKind.OFFICE, UnitKind.KIOSK):
        # The overview page reads totals only (detail=False); one unit's page reads its heatmap and weeks.
        out.append((f"quick_by_unit {kind.value} quarter", an + "quick", "quick_by_unit",
                    lambda m, k=kind: with_conn(lambda c: m.quick_by_unit(c, settings, k, quarter, detail=False)),
                    QUERY_TARGET_MS))
    for label, period in (("year", year), ("quarter", quarter)):
        out.append((f"quick_of_unit office {label}", an + "quick", "quick_of_unit",
                    lambda m, p=period: with_conn(lambda c: m.quick_of_unit(c, settings, unit(c, *office), p)),
                    QUERY_TARGET_MS))
        out.append((f"handling_by_agency {label}", an + "handling", "handling_by_agency",
                    lambda m, p=period: with_conn(lambda c: m.handling_by_agency(c, settings, p)), QUERY_TARGET_MS))
        out.append((f"handling_total {label}", an + "handling", "handling_total",
                    lambda m, p=period: with_conn(lambda c: m.handling_total(c, settings, p)), QUERY_TARGET_MS))
        for by in ("topic", "agency"):
            out.append((f"handling_series by {by} {label}", an + "handling", "handling_series",
                        lambda m, p=period, b=by: with_conn(lambda c: m.handling_series(c, settings, p, by=b)),
                        QUERY_TARGET_MS))
        out.append((f"ranking {label}", an + "ranking", "ranking",
                    lambda m, p=period: with_conn(lambda c: m.ranking(c, settings, p)), QUERY_TARGET_MS))
    out.append(("compliance_by_agency", an + "compliance", "compliance_by_agency",
                lambda m: with_conn(lambda c: m.compliance_by_agency(c)), QUERY_TARGET_MS))

    def skm(m):
        # The whole report: the unit's figure from the rollups, then the PDF drawn from it.
        ikm = importlib.import_module(an + "ikm")

        def run():
            with engine.connect() as conn:
                figure = ikm.ikm_for_unit(conn, settings, unit(conn, *service), year)
            return m.skm_pdf(figure, province="Provinsi Nusa Tenggara Barat", generated_at=datetime.now(UTC),
                             demo=True)
        return run

    out.append(("skm_pdf service year (figure + PDF)", "kiosk.central.reports.skm_pdf", "skm_pdf", skm, PDF_TARGET_MS))
    return out


def run_cases(engine, settings: Settings, runs: int, only: str | None) -> None:
    for name, mod_name, attr, make, target in cases(engine, settings):
        if only and only not in name:
            continue
        mod = module(mod_name)
        if mod is None or not hasattr(mod, attr):
            print(f"{name}: not available yet ({mod_name}.{attr} is not on this branch)")
            continue
        call = make(mod)
        try:
            call()  # the first call warms caches (catalog, units) as a running server's would be
            samples = timed(call, runs)
        except Exception as exc:  # noqa: BLE001 - a part's bug must not hide the other figures
            print(f"{name}: FAILED {type(exc).__name__}: {str(exc)[:300]}")
            continue
        report(name, samples, target)


def transparency(settings: Settings, runs: int) -> None:
    tmp = CACHE / "server"
    tmp.mkdir(parents=True, exist_ok=True)
    server = Server(settings.database_url, log_path=tmp / "server.log").start(timeout=120)
    try:
        import requests

        with requests.Session() as http:
            start = time.perf_counter()
            first = http.get(server.url + TRANSPARENCY_PATH, timeout=60)
            if first.status_code == 404:
                print(f"transparency page: not available yet ({TRANSPARENCY_PATH} answers 404)")
                return
            print(f"transparency page, first (cold) request: {(time.perf_counter() - start) * 1000:.0f} ms, "
                  f"status {first.status_code}")

            def get():
                r = http.get(server.url + TRANSPARENCY_PATH, timeout=30)
                assert r.status_code == 200, r.status_code

            report(f"transparency page GET {TRANSPARENCY_PATH}", timed(get, runs), PAGE_TARGET_MS)
    finally:
        server.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ratings", type=int, default=1_000_000)
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL (slower)")
    ap.add_argument("--rebuild", action="store_true", help="load the year again instead of reusing the cache")
    ap.add_argument("--only", help="run only the cases whose name contains this")
    args = ap.parse_args()
    if not args.sqlite and (reason := pg_missing_reason()):
        print(f"[postgres] skipped: {reason}")
        return 0
    plan = demo_data.Plan(days=365, ratings=args.ratings, complaints=args.complaints, seed=args.seed, until=UNTIL)
    print(f"== bench_analytics on {'SQLite' if args.sqlite else 'PostgreSQL'}: {plan.ratings} ratings, "
          f"{plan.complaints} complaints, {UNTIL - timedelta(days=364)}..{UNTIL}")
    print("load average (1, 5, 15 min) at the start: {:.1f} {:.1f} {:.1f} on {} cores".format(*os.getloadavg(),
                                                                                       os.cpu_count()))
    settings, done = prepare(args, plan)
    try:
        start = time.perf_counter()
        engine = open_database(settings)  # migrations that landed after the load apply to the copy
        print(f"migrate the copy: {time.perf_counter() - start:.1f} s")
        end = datetime(UNTIL.year, UNTIL.month, UNTIL.day, 23, 59, tzinfo=settings.tz)
        start = time.perf_counter()
        first = run_tick(engine, settings, now=end)
        print(f"tick, first refresh over the year: {time.perf_counter() - start:.2f} s ({first.rollup_rows} rollup "
              f"rows, {first.marked_overdue} marked overdue, {first.closed} closed)")
        day = UNTIL + timedelta(days=1)
        added = demo_data_load.add_ratings(engine, settings, plan, 1000, day=day)
        start = time.perf_counter()
        again = run_tick(engine, settings, now=datetime(day.year, day.month, day.day, 23, 59, tzinfo=settings.tz))
        print(f"tick after {added} new ratings (incremental): {time.perf_counter() - start:.2f} s "
              f"({again.rollup_rows} rollup rows)")
        with engine.connect() as conn:
            counts = {t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in ("ratings", "complaints")}
        print(f"rows: {counts}")
        run_cases(engine, settings, args.runs, args.only)
        engine.dispose()
        if not args.only or "transparency" in args.only:
            transparency(settings, args.runs)
        print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    finally:
        done()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
