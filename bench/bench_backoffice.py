"""The back office at a province's scale: 100,000 complaints, 200 agencies each with an officer, on
PostgreSQL (and SQLite for comparison), through the real server over HTTP.

Targets (issue #11): inbox page p95 < 150 ms, complaint page p95 < 50 ms, `tick` over every open
complaint < 5 s.

Run: python bench/bench_backoffice.py [--complaints 100000] [--agencies 200] [--requests 200] [--backends postgres,sqlite]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from _stats import report  # noqa: E402
from backoffice_seed import agency_ids, publish_agencies, seed  # noqa: E402

from central.serverkit import Server, database_url, pg_missing_reason  # noqa: E402
from central.staffkit import make_user, web_sign_in  # noqa: E402
from kiosk.central.db import complaints, open_database  # noqa: E402
from kiosk.central.settings import Settings  # noqa: E402
from kiosk.domain import tracking  # noqa: E402

INBOX_P95_MS = 150.0
DETAIL_P95_MS = 50.0
TICK_S = 5.0


def timed_get(session, url: str) -> float:
    t0 = time.perf_counter()
    r = session.get(url, timeout=30)
    ms = (time.perf_counter() - t0) * 1000
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return ms


def run_backend(backend: str, args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-bo-{backend}-"))
    url = database_url(backend, tmp)
    settings = Settings(database_url=url)
    engine = open_database(settings)
    t0 = time.perf_counter()
    publish_agencies(engine, args.agencies)
    seed(engine, settings, args.complaints, agencies=args.agencies)
    ids = agency_ids(args.agencies)
    password = "bench password 12345"
    desk_id, desk_secret = make_user(engine, "bench-desk", "desk", password=password, totp=True)
    for i, agency in enumerate(ids):
        make_user(engine, f"bench-officer-{i:03d}", "officer", agencies=(agency,), password=password)
    print(f"[{backend}] seeded {args.complaints:,} complaints, {args.agencies} agencies and officers "
          f"in {time.perf_counter() - t0:.0f} s (set-up, not timed)")

    server = Server(url, env={"IPLIK_CENTRAL_COOKIE_SECURE": "0"}, log_path=tmp / "server.log").start(timeout=120)
    try:
        desk = web_sign_in(server, "bench-desk", password, desk_secret)
        officer = web_sign_in(server, "bench-officer-007", password)
        with engine.connect() as conn:
            codes = [tracking.display(c) for c in conn.scalars(
                sa.select(complaints.c.tracking_code).where(complaints.c.handling_agency_id == ids[7],
                                                            complaints.c.forwarded_at.is_not(None)).limit(50))]
            all_codes = [tracking.display(c) for c in conn.scalars(sa.select(complaints.c.tracking_code).limit(2000))]
        rnd = random.Random(2)
        base = server.url + "/staff/complaints"
        views = {
            "inbox, desk, first page": lambda: base,
            "inbox, desk, status=forwarded": lambda: base + "?status=forwarded",
            "inbox, desk, overdue": lambda: base + "?overdue=1",
            "inbox, desk, agency + topic": lambda: base + f"?agency={rnd.choice(ids)}&topic=pungli",
            "inbox, desk, search 'kipas'": lambda: base + "?q=kipas",
        }
        for _ in range(5):  # warm the pools and the caches the server keeps by design
            desk.get(base, timeout=30)
        for name, make in views.items():
            report(f"[{backend}] {name}", [timed_get(desk, make()) for _ in range(args.requests)], INBOX_P95_MS)
        report(f"[{backend}] inbox, officer (one agency)", [timed_get(officer, base) for _ in range(args.requests)],
               INBOX_P95_MS)
        # The second page, through the cursor the first page links to.
        first = desk.get(base, timeout=30).text
        marker = 'href="/staff/complaints?'
        nxt = [part.split('"')[0] for part in first.split(marker)[1:] if "cursor=" in part.split('"')[0]]
        if nxt:
            page2 = base + "?" + nxt[0].replace("&amp;", "&")
            report(f"[{backend}] inbox, desk, next page", [timed_get(desk, page2) for _ in range(args.requests)],
                   INBOX_P95_MS)
        report(f"[{backend}] complaint page, desk",
               [timed_get(desk, f"{base}/{rnd.choice(all_codes)}") for _ in range(args.requests)], DETAIL_P95_MS)
        report(f"[{backend}] complaint page, officer",
               [timed_get(officer, f"{base}/{rnd.choice(codes)}") for _ in range(args.requests)], DETAIL_P95_MS)
    finally:
        server.stop()

    from kiosk.central.tick import run_tick

    with engine.connect() as conn:
        open_count = conn.scalar(sa.select(sa.func.count()).select_from(complaints)
                                 .where(complaints.c.status.notin_(["closed", "not_authority"])))
    t0 = time.perf_counter()
    result = run_tick(engine, settings, holder="bench")
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_tick(engine, settings, holder="bench")
    second = time.perf_counter() - t0
    verdict = "OK" if first < TICK_S else "OVER TARGET"
    print(f"[{backend}] tick over {open_count:,} open complaints: first run {first:.2f} s ({result}), "
          f"second run {second:.2f} s; target < {TICK_S:g} s, ratio {first / TICK_S:.2f} {verdict}")
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--complaints", type=int, default=100_000)
    ap.add_argument("--agencies", type=int, default=200)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--backends", default="postgres,sqlite")
    args = ap.parse_args()
    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := pg_missing_reason()):
            print(f"[postgres] skipped: {reason}")
            continue
        run_backend(backend, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
