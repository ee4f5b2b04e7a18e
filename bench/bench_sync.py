"""Sync throughput against a real local central server, on SQLite and on PostgreSQL.

1. One kiosk with 50,000 queued records (a year of a busy province: 40,000 complaints, 10,000 IKM
   surveys) pushed with ``kiosk sync --once``'s code path. Target (DESIGN.md): under 30 s.
2. 50 kiosks pushing at once (1,000 records each, one worker thread per kiosk): the server's ingest rate.
3. History (issue 12, item 17): the same push of 5,000 records from a kiosk whose outbox already holds
   1,000,000 sent rows (years of use: sent rows are kept) and from an empty one; printed as a ratio.
   The worker reads the outbox counts after every batch, so a count that walks the sent rows shows here.

Run: python bench/bench_sync.py [--records 50000] [--kiosks 50] [--per-kiosk 1000] [--backends sqlite,postgres]
     [--parts one,many,history] [--history 1000000] [--history-records 5000]
PostgreSQL is started in a temp dir when its binaries are installed, else that backend is skipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid as uuidlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa
from central.serverkit import Server, database_url, pg_missing_reason
from sync.conftest import add_ratings, enroll_kiosk, file_complaints, kiosk_config

from kiosk.central.db import records
from kiosk.store.db import Store
from kiosk.sync.worker import Backoff, SyncWorker

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


def add_sent_history(store: Store, n: int) -> None:
    """n outbox rows already sent, as the worker leaves them: batches of 200 share one sent_at."""
    t0 = time.perf_counter()
    db = store.db

    def at(i: int) -> str:
        b = i // 200
        return f"2025-{1 + b // 40000 % 12:02d}-{1 + b // 1440 % 28:02d}T{b // 60 % 24:02d}:{b % 60:02d}:00.000000+00:00"

    with db.atomic():
        for start in range(0, n, 50_000):
            # UUIDs in order: the setup appends to the unique index instead of scattering pages.
            db.conn.executemany(
                "INSERT INTO outbox (kind, record_uuid, created_at, attempts, sent_at) VALUES ('rating', ?, ?, 1, ?)",
                [(str(uuidlib.UUID(int=i)), at(i), at(i)) for i in range(start, min(n, start + 50_000))],
            )
    print(f"  {n:,} sent rows put in the outbox in {time.perf_counter() - t0:.1f} s (setup, not timed)", flush=True)


def push_with_history(srv: Server, engine, tmp: Path, n: int, history: int, repeat: int = 3) -> tuple[float, float]:
    """Median push time of n records from an empty outbox and from one holding ``history`` sent rows,
    the two kiosks taking turns so that a busy moment of the machine hits both alike."""
    kiosks = {}
    for name, rows in (("empty", 0), ("history", history)):
        cfg = kiosk_config(tmp / f"hist-{name}", srv.url, timeout=60)
        enroll_kiosk(cfg, srv, engine)
        store = Store(cfg.db_path)
        if rows:
            add_sent_history(store, rows)
        kiosks[name] = (cfg, store, [])
    for _ in range(repeat):
        for cfg, store, times in kiosks.values():
            fill(store, n)
            worker = SyncWorker(cfg, store=store, batch_size=200)
            t0 = time.perf_counter()
            st = worker.run_once()
            times.append(time.perf_counter() - t0)
            worker.stop()
            assert st.state == "idle" and st.pending == 0, st
    for _cfg, store, _times in kiosks.values():
        store.close()
    return statistics.median(kiosks["empty"][2]), statistics.median(kiosks["history"][2])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--kiosks", type=int, default=50)
    ap.add_argument("--per-kiosk", type=int, default=1_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--parts", default="one,many,history")
    ap.add_argument("--history", type=int, default=1_000_000)
    ap.add_argument("--history-records", type=int, default=5_000)
    args = ap.parse_args()
    parts = set(args.parts.split(","))
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
                if "one" in parts:
                    elapsed = one_kiosk(srv, engine, tmp, args.records)
                    ok = elapsed < TARGET_S
                    failed |= not ok
                    print(f"  one kiosk, {args.records:,} queued records: {elapsed:.1f} s "
                          f"({args.records / elapsed:,.0f} records/s)  target < {TARGET_S:.0f} s: {'OK' if ok else 'MISSED'}")
                if "many" in parts:
                    total = args.kiosks * args.per_kiosk
                    elapsed = many_kiosks(srv, engine, tmp, args.kiosks, args.per_kiosk)
                    print(f"  {args.kiosks} kiosks at once, {total:,} records: {elapsed:.1f} s "
                          f"({total / elapsed:,.0f} records/s ingested)")
                if "history" in parts:
                    empty, full = push_with_history(srv, engine, tmp, args.history_records, args.history)
                    print(f"  push of {args.history_records:,} records (median of 3): empty outbox {empty:.2f} s, "
                          f"with {args.history:,} sent rows {full:.2f} s: ratio {full / empty:.2f}x", flush=True)
            finally:
                srv.stop()
                engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
