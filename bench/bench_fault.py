"""Sync on a flaky network: how long 5,000 queued records take to drain through the fault proxy.

For each backend (SQLite, PostgreSQL) the central server runs in a subprocess; between it and the kiosk
sits ``tests/sync/faultproxy.py``. Two runs in the same bench, each from a fresh kiosk holding the same
records (4/5 complaints, 1/5 IKM surveys):

* fault-free: every request passes the proxy;
* one-in-three: a third of the requests are broken (dropped, cut, reset, delayed past the timeout,
  answered 500/503/429 or by a captive portal), drawn from a fixed seed.

The worker runs as in production (``SyncWorker.start()``: its own thread, its default batch size and
backoff); only the request timeout is short (``--timeout``) so a held answer costs seconds, not 15 s.
Printed: each drain time, and the ratio one-in-three / fault-free. Target (issue 12): under 3x.

Run: python bench/bench_fault.py [--records 5000] [--backends sqlite,postgres] [--repeat 1] [--cap-s 600]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from central.serverkit import Server, database_url, pg_missing_reason
from sync.conftest import add_ratings, enroll_kiosk, file_complaints, kiosk_config
from sync.faultproxy import FaultProxy, random_plan

from kiosk.store.db import Store
from kiosk.sync.worker import SyncWorker

TARGET_RATIO = 3.0


def drain(srv: Server, engine, tmp: Path, n: int, rate: float, seed: int, timeout: float, cap_s: float
          ) -> tuple[float, int, dict[str, int]]:
    """Seconds until the outbox is empty (or ``cap_s``), records sent, and the proxy's counts."""
    plan = random_plan(rate=rate, seed=seed) if rate else None
    with FaultProxy(srv.port, plan, delay_s=timeout * 1.3) as proxy:
        cfg = kiosk_config(tmp, proxy.url, timeout=timeout)
        enroll_kiosk(cfg, srv, engine)
        store = Store(cfg.db_path)
        file_complaints(store, n * 4 // 5)
        add_ratings(store, n - n * 4 // 5)
        worker = SyncWorker(cfg, store=store)
        t0 = time.perf_counter()
        worker.start()
        left = n
        while time.perf_counter() - t0 < cap_s:
            (left,) = store.db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()
            if left == 0:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        worker.stop(timeout=timeout + 5)
        store.close()
        return elapsed, n - left, dict(proxy.counts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=5_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1.0, help="the kiosk's request timeout (server.timeout_s)")
    ap.add_argument("--cap-s", type=float, default=600.0, help="stop a run that has not drained by then")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    missed = False
    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := pg_missing_reason()):
            print(f"== {backend}: skipped ({reason})")
            continue
        print(f"== {backend}: {args.records:,} records, timeout {args.timeout:g} s")
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            srv = Server(database_url(backend, tmp), log_path=tmp / "server.log").start()
            engine = srv.engine()
            try:
                times: dict[str, list[float]] = {"fault-free": [], "one-in-three": []}
                capped = False
                for i in range(args.repeat):
                    for name, rate in (("fault-free", 0.0), ("one-in-three", 1 / 3)):
                        elapsed, sent, counts = drain(srv, engine, tmp / f"{name}-{i}", args.records, rate,
                                                      args.seed + i, args.timeout, args.cap_s)
                        times[name].append(elapsed)
                        requests = sum(counts.values())
                        broken = requests - counts.get("pass", 0)
                        if sent < args.records:
                            capped = True
                            print(f"  {name}: > {args.cap_s:.0f} s, stopped ({sent:,} of {args.records:,} sent; "
                                  f"{requests} requests, {broken} broken)")
                        else:
                            print(f"  {name}: drained in {elapsed:.1f} s ({requests} requests, {broken} broken)")
                clean, faulty = statistics.median(times["fault-free"]), statistics.median(times["one-in-three"])
                ratio = faulty / clean
                ok = ratio < TARGET_RATIO and not capped
                missed |= not ok
                print(f"  median fault-free {clean:.1f} s, one-in-three {'>' if capped else ''}{faulty:.1f} s: "
                      f"ratio {'>' if capped else ''}{ratio:.1f}x  target < {TARGET_RATIO:g}x: {'OK' if ok else 'MISSED'}")
            finally:
                srv.stop()
                engine.dispose()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
