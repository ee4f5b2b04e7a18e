"""What the public tracking lookup costs now that its limits live in the database (issue #12, item 12).

Against a real local central server (a subprocess), with the production limits and 127.0.0.1 trusted
as the reverse proxy, each request speaking for its own client address through X-Forwarded-For (many
citizens, as in production; one address would soon meet the overall cap):

- hit: ``GET /api/v1/track/{code}`` of a code that exists (one bucket write, one lookup);
- miss: a well-formed code that does not exist (two bucket writes, one lookup);
- refused: a flood of guesses from one address once it is throttled (answered from the process's
  memory of refused keys, no transaction);
- bare: ``GET /api/v1/health`` on the same server, the floor of a request through the same stack.

Ratios are to ``bare`` in the same run. Run: python bench/bench_tracking.py [--n 400] [--backends sqlite,postgres]
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
sys.path.insert(0, str(ROOT / "bench"))

import requests
from _stats import report
from central.serverkit import (
    complaint_record,
    database_url,
    enroll,
    pg_missing_reason,
    start_server,
)

from kiosk.central.settings import Settings
from kiosk.domain import tracking


def timed(http: requests.Session, url: str, headers: dict, expect: int) -> float:
    t = time.perf_counter()
    r = http.get(url, headers=headers, timeout=30)
    ms = (time.perf_counter() - t) * 1000
    assert r.status_code == expect, (url, r.status_code, r.text[:200])
    return ms


def run(backend: str, n: int) -> None:
    d = Settings()
    env = {"IPLIK_CENTRAL_TRACK_BURST": str(d.track_burst), "IPLIK_CENTRAL_TRACK_PER_MINUTE": str(d.track_per_minute),
           "IPLIK_CENTRAL_TRACK_MISSES_PER_10MIN": str(d.track_misses_per_10min),
           "IPLIK_CENTRAL_TRUSTED_PROXIES": "127.0.0.1"}
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(database_url(backend, Path(tmp)), Path(tmp), **env)
        try:
            engine = server.engine()
            device = enroll(server, engine)
            codes = []
            for _ in range(20):
                rec = complaint_record()
                requests.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers, timeout=30)
                codes.append(rec["body"]["tracking_code"])
            engine.dispose()
            http = requests.Session()
            addr = iter(f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(1, 10**7))
            for _ in range(50):  # warm up
                timed(http, server.url + "/api/v1/health", {}, 200)
            figures = {}
            for name, make, expect in (
                ("bare", lambda _i: ("/api/v1/health", {}), 200),
                ("hit", lambda i: (f"/api/v1/track/{codes[i % len(codes)]}", {"X-Forwarded-For": next(addr)}), 200),
                ("miss", lambda _i: (f"/api/v1/track/{tracking.generate()}", {"X-Forwarded-For": next(addr)}), 404),
            ):
                samples = []
                for i in range(n):
                    path, headers = make(i)
                    samples.append(timed(http, server.url + path, headers, expect))
                figures[name] = samples
            flood = {"X-Forwarded-For": "192.0.2.99"}
            for _ in range(d.track_misses_per_10min):
                timed(http, server.url + f"/api/v1/track/{tracking.generate()}", flood, 404)
            figures["refused"] = [timed(http, server.url + f"/api/v1/track/{tracking.generate()}", flood, 429)
                                  for _ in range(n)]
            bare = statistics.median(figures["bare"])
            for name, samples in figures.items():
                report(f"{backend} {name}", samples)
                print(f"{backend} {name}: median ratio to bare {statistics.median(samples) / bare:.2f}")
        finally:
            server.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=400)
    p.add_argument("--backends", default="sqlite,postgres")
    args = p.parse_args()
    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := pg_missing_reason()):
            print(f"postgres skipped: {reason}")
            continue
        run(backend, args.n)


if __name__ == "__main__":
    main()
