"""Sync throughput against a real local central server, on SQLite and on PostgreSQL.

1. One kiosk with 50,000 queued records (a year of a busy province: 40,000 complaints, 10,000 IKM
   surveys) pushed with ``kiosk sync --once``'s code path. Target (DESIGN.md): under 30 s.
2. 50 kiosks pushing at once (1,000 records each, one worker thread per kiosk): the server's ingest rate.

Run: python bench/bench_sync.py [--records 50000] [--kiosks 50] [--per-kiosk 1000] [--backends sqlite,postgres]
PostgreSQL is started in a temp dir when its binaries are installed, else that backend is skipped.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402

from central.serverkit import Server, database_url, pg_missing_reason  # noqa: E402
from kiosk.central.db import records  # noqa: E402
from kiosk.store.db import Store  # noqa: E402
from kiosk.sync.worker import Backoff, SyncWorker  # noqa: E402
from sync.conftest import add_ratings, enroll_kiosk, file_complaints, kiosk_config  # noqa: E402

TARGET_S = 30.0


def count(engine) -> int:
    with engine.connect() as c:
        return c.scalar(sa.select(sa.func.count()).select_from(records))


def fill(store: Store, n: int) -> None:
    complaints = n * 4 // 5
    file_complaints(store, complaints)
    add_ratings(store, n - complaints)


def one_kiosk(srv: Server, engine, tmp: Path, n: int) -> float:
    cfg = kiosk_config(tmp / "one", srv.url, timeout=60)
    enroll_kiosk(cfg, srv, engine)
    store = Store(cfg.db_path)
    t0 = time.perf_counter()
    fill(store, n)
    print(f"  queued {n:,} records on the kiosk in {time.perf_counter() - t0:.1f} s (setup, not timed)")
    worker = SyncWorker(cfg, store=store, batch_size=500)
    before = count(engine)
    t0 = time.perf_counter()
    st = worker.run_once()
    elapsed = time.perf_counter() - t0
    worker.stop()
    store.close()
    assert st.state == "idle" and st.pending == 0, st
    assert count(engine) - before == n, "records missing on the server"
    return elapsed


def many_kiosks(srv: Server, engine, tmp: Path, kiosks: int, per_kiosk: int) -> float:
    workers = []
    for i in range(kiosks):
        cfg = kiosk_config(tmp / f"k{i:02d}", srv.url, timeout=60)
        enroll_kiosk(cfg, srv, engine)
        store = Store(cfg.db_path)
        fill(store, per_kiosk)
        workers.append(SyncWorker(cfg, store=store, batch_size=100, backoff=Backoff(base_s=0.05, cap_s=1.0)))
    before = count(engine)
    barrier = threading.Barrier(kiosks + 1)
    states = []

    def run(w: SyncWorker) -> None:
        barrier.wait()
        # Backpressure (503 from a busy SQLite) is part of the measure: keep going until drained.
        for _ in range(200):
            st = w.run_once()
            if st.pending == 0:
                break
            time.sleep(0.05)
        states.append(st.state)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    for w in workers:
        w.stop()
        w.store.close()
    got = count(engine) - before
    assert got == kiosks * per_kiosk, f"{got} of {kiosks * per_kiosk} records on the server"
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--kiosks", type=int, default=50)
    ap.add_argument("--per-kiosk", type=int, default=1_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    failed = False
    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := pg_missing_reason()):
            print(f"== {backend}: skipped ({reason})")
            continue
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            srv = Server(database_url(backend, tmp), log_path=tmp / "server.log").start()
            engine = srv.engine()
            try:
                print(f"== {backend}")
                elapsed = one_kiosk(srv, engine, tmp, args.records)
                ok = elapsed < TARGET_S
                failed |= not ok
                print(f"  one kiosk, {args.records:,} queued records: {elapsed:.1f} s "
                      f"({args.records / elapsed:,.0f} records/s)  target < {TARGET_S:.0f} s: {'OK' if ok else 'MISSED'}")
                total = args.kiosks * args.per_kiosk
                elapsed = many_kiosks(srv, engine, tmp, args.kiosks, args.per_kiosk)
                print(f"  {args.kiosks} kiosks at once, {total:,} records: {elapsed:.1f} s "
                      f"({total / elapsed:,.0f} records/s ingested)")
            finally:
                srv.stop()
                engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
