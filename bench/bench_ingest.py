"""Server ingest against a bare insert of the same rows (issue 12, item 18), on SQLite and PostgreSQL.

Two servers run under uvicorn in subprocesses on loopback, each on its own fresh database made by our
migrations:

(a) a bare FastAPI app whose one endpoint takes the same JSON and inserts the same final rows into the
    same tables (``records``, ``complaints``, ``ratings``) with one executemany per table: no
    validation, no replay detection, no per-record answers beyond a count. The final row of a
    complaint holds the opened identity, so it opens each sealed box too (with the same key, held in
    memory): that is producing the row, not checking it;
(b) the real central server (``python -m kiosk.central serve``).

The records are what a kiosk sends today: each complaint's identity (a different name, NIK, phone and
e-mail per complaint, so no per-value cache flatters the real server) sealed for the server's key, its
own sealed box each. Both servers run on the same engine settings (``open_database``: on SQLite the
same WAL and synchronous=FULL), one uvicorn worker each.

The same N batches of 500 records (400 complaints, 100 IKM surveys, like bench_sync's mix) are pushed to
each, one batch at a time, interleaved (a b, b a, a b, ...: each goes first half the time) so that both
see the same machine load. The first batches warm both up and are not counted. Prints the median and
p95 per batch of each and the ratio b/a. Target: ratio of medians under 1.5.

That is the latency of one kiosk against one worker. Production runs ``kiosk central serve --workers N``
for many kiosks at once, so ``--throughput`` (or ``--workers N --clients K``; default N=2, K=4, the
build machine has 2 cores) also runs the throughput mode: the real server started as production starts
it (``python -m kiosk.central serve --workers N``) and the bare app under N uvicorn workers on the same
engine settings; K distinct enrolled kiosks push at once, each its own sealed batches of 500, one after
another. Each round pushes ``--per-round`` batches per kiosk to one server, then the same batches to the
other (a b, b a, ...; one warm-up batch per kiosk not counted). Prints records per second of each over
the counted rounds' wall time, the per-batch median and p95, and the "ingest cost ratio" bare records/s
over real records/s, after the single-client figure. Any 429 (the per-device quota; the bench raises
it, as ``FAST_LIMITS`` does) or other failed push is counted, never taken as stored, and fails the run.

Run: python bench/bench_ingest.py [--batches 30] [--backends sqlite,postgres]
                                  [--throughput | --workers N --clients K] [--rounds 4 --per-round 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests
from _stats import percentile
from central.serverkit import Server, database_url, enroll, pg_missing_reason
from nacl.public import PrivateKey, SealedBox

TARGET_RATIO = 1.5
BATCH = 500


# --- (a) the bare app, run as ``bench_ingest.py --serve-bare --db URL --port P`` ----------------------


def serve_bare(db_url: str, port: int, key: str, workers: int = 1) -> None:
    """Set the bare database up once (as ``serve`` migrates once), then run its app in one process or in
    ``workers`` uvicorn worker processes, each building its app from the environment as ``serve`` does."""
    import os
    from datetime import UTC, datetime

    import uvicorn

    from kiosk.central.db import devices, open_database
    from kiosk.central.settings import Settings

    engine = open_database(Settings(database_url=db_url))
    with engine.begin() as conn:
        conn.execute(devices.insert().values(id="BARE", name="bare", office="o", agency_id="bappenda",
                                             token_hash="0" * 64, enrolled_at=datetime.now(UTC)))
    engine.dispose()
    options = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False,
               "timeout_keep_alive": 30}
    if workers <= 1:
        uvicorn.run(bare_app(db_url, key), **options)
        return
    os.environ.update({"BENCH_BARE_DB": db_url, "BENCH_BARE_KEY": key})
    uvicorn.run("bench_ingest:bare_app_from_env", factory=True, workers=workers,
                app_dir=str(Path(__file__).resolve().parent), **options)


def bare_app_from_env():
    """The bare app of one uvicorn worker process."""
    import os

    return bare_app(os.environ["BENCH_BARE_DB"], os.environ["BENCH_BARE_KEY"])


def bare_app(db_url: str, key: str):
    import base64
    from datetime import UTC, date, datetime
    from typing import Any

    from fastapi import Body, FastAPI

    from kiosk.central.db import complaints, open_database, ratings, records
    from kiosk.central.settings import Settings
    from kiosk.domain import sealing

    engine = open_database(Settings(database_url=db_url))
    box = SealedBox(sealing.private_key(key))

    def identity(sealed: dict | None) -> str | None:
        if sealed is None:
            return None
        plain = json.loads(box.decrypt(base64.b64decode(sealed["sealed_box"])))
        return json.dumps({k: plain[k] for k in ("name", "nik", "phone", "email")}, ensure_ascii=False)

    app = FastAPI()

    def digest(body: Any) -> str:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @app.get("/api/v1/health")
    def health() -> dict:
        return {"ok": True}

    @app.post("/api/v1/sync/push")
    def push(payload: dict = Body(...)) -> dict:  # noqa: B008
        at = datetime.now(UTC)
        rec_rows, c_rows, r_rows = [], [], []
        for rec in payload["records"]:
            b = rec["body"]
            rec_rows.append({"uuid": rec["uuid"], "kind": rec["kind"], "device_id": "BARE",
                             "body_hash": digest(b), "received_at": at})
            if rec["kind"] == "complaint":
                c = b["complaint"]
                c_rows.append({
                    "uuid": rec["uuid"], "device_id": "BARE", "tracking_code": b["tracking_code"],
                    "created_at": datetime.fromisoformat(b["created_at"]), "received_at": at,
                    "class": c["class"], "topic": c["topic"], "agency_id": c["agency_id"],
                    "service_id": c["service_id"], "standard_part": c.get("standard_part"),
                    "privacy": c["privacy"], "description": c["description"],
                    "incident_date": c["incident_date"],
                    "identity": identity(c["identity"]),
                    "consent_version": c["consent_version"], "consent_at": datetime.fromisoformat(c["consent_at"]),
                    "handling_agency_id": c["agency_id"], "status": "terkirim", "status_at": at,
                    "due_on": date.today(),
                })
            else:
                r = b["rating"]
                scores = {a["code"].lower(): a["score"] for a in r["answers"]}
                r_rows.append({"uuid": rec["uuid"], "device_id": "BARE", "received_at": at,
                               "created_at": datetime.fromisoformat(b["created_at"]), "kind": r["kind"],
                               "service_id": r["service_id"], "agency_id": b["agency_id"],
                               **{f"u{i}": scores.get(f"u{i}") for i in range(1, 10)}, "face": None,
                               "doc": json.dumps(r, ensure_ascii=False, sort_keys=True)})
        with engine.begin() as conn:
            conn.execute(records.insert(), rec_rows)
            if c_rows:
                conn.execute(complaints.insert(), c_rows)
            if r_rows:
                conn.execute(ratings.insert(), r_rows)
        return {"stored": len(rec_rows)}

    return app


class BareServer(Server):
    key: str = ""  # the private key, base64, that opens the batches' sealed identities
    workers: int = 1

    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "--serve-bare", "--db", self.db_url,
                "--port", str(self.port), "--key", self.key, "--workers", str(self.workers)]


class RealServer(Server):
    """The real server as production starts it: ``python -m kiosk.central serve --workers N``."""

    workers: int = 1

    def command(self) -> list[str]:
        return [*super().command(), "--workers", str(self.workers)]


# --- the batches -----------------------------------------------------------------------------------

_NAMES = ["Siti Rahmawati", "Budi Santoso", "I Made Sudarma", "Ni Luh Putu Ayu", "Lalu Muhammad Zaini",
          "Baiq Nurul Aini", "Ahmad Fauzi", "Dewi Lestari", "Yohanes Kristian", "Nurhayati"]
_MOBILE = ["811", "812", "813", "821", "822", "852", "853", "855", "856", "857", "858", "877", "878",
           "895", "896", "897", "898", "899"]


def _identity(rng) -> dict:
    """A plausible, different identity per complaint: its NIK, phone and e-mail in their stored form."""
    from kiosk.domain.errors import ValidationError
    from kiosk.domain.identity import normalize_phone, validate_nik

    while True:
        phone = "+62" + rng.choice(_MOBILE) + "".join(rng.choice("0123456789") for _ in range(rng.choice((7, 8))))
        try:
            return_phone = normalize_phone(phone)
        except ValidationError:  # an unallocated range: draw again
            return_phone = None
        if return_phone:
            phone = return_phone
            break
    nik = (f"5271{rng.randint(1, 20):02d}{rng.randint(1, 28) + rng.choice((0, 40)):02d}{rng.randint(1, 12):02d}"
           f"{rng.randint(50, 99):02d}{rng.randint(1, 9999):04d}")
    validate_nik(nik)
    name = rng.choice(_NAMES)
    return {"name": name, "nik": nik, "phone": phone,
            "email": f"{name.split()[0].lower()}{rng.randint(1, 99999)}@example.com"}


def make_batches(n: int, public_key, seed: int = 12) -> list[list[dict]]:
    import copy
    import random
    import uuid as uuidlib

    from central.serverkit import complaint_record, rating_record

    from kiosk.domain import sealing, tracking

    rng = random.Random(seed)
    one_c, one_r = complaint_record(), rating_record()
    batches = []
    for _ in range(n):
        batch = []
        for i in range(BATCH):
            rec = copy.deepcopy(one_c if i % 5 else one_r)
            rec["uuid"] = str(uuidlib.uuid4())
            if rec["kind"] == "complaint":
                rec["body"]["tracking_code"] = tracking.generate()
                doc = {**rec["body"]["complaint"], "identity": _identity(rng)}
                # As the kiosk does when it stores the complaint: its own sealed box per identity.
                rec["body"]["complaint"] = sealing.seal_identity(doc, public_key)
            batch.append(rec)
        batches.append(batch)
    return batches


@contextmanager
def _pair(backend: str, tmp: Path, key: PrivateKey, *, workers: int, clients: int, start_s: float):
    """The bare endpoint and the real server, each with ``workers`` processes on its own fresh database;
    the real server's keyring holds ``key`` as its current key (what enrollment hands to a kiosk), and
    ``clients`` kiosks are enrolled. Yields (bare, real, devices); stops both servers after."""
    from kiosk.central.db import identity_keys, now
    from kiosk.domain import sealing

    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    bare = BareServer(database_url(backend, tmp / "a"), log_path=tmp / "bare.log")
    bare.key = sealing.encode_key(key)
    bare.workers = workers
    real = RealServer(database_url(backend, tmp / "b"), log_path=tmp / "real.log")
    real.workers = workers
    bare.start(start_s)
    real.start(start_s)
    try:
        engine = real.engine()
        with engine.begin() as conn:
            conn.execute(identity_keys.insert().values(
                key_id=sealing.key_id(key.public_key), public_key=sealing.encode_key(key.public_key),
                private_key=sealing.encode_key(key), created_at=now()))
        devs = [enroll(real, engine) for _ in range(clients)]
        assert all(d.identity_public_key == sealing.encode_key(key.public_key) for d in devs), \
            "the bench key is not current"
        engine.dispose()
        yield bare, real, devs
    finally:
        bare.stop()
        real.stop()


def run_backend(backend: str, batches: list[list[dict]], key: PrivateKey, warmup: int,
                tmp: Path) -> tuple[list[float], list[float]]:
    with _pair(backend, tmp, key, workers=1, clients=1, start_s=60) as (bare, real, (dev,)):
        times_a: list[float] = []
        times_b: list[float] = []
        headers = {"Content-Type": "application/json"}
        with requests.Session() as sa_, requests.Session() as sb:

            def post_bare(data: bytes) -> float:
                t0 = time.perf_counter()
                r = sa_.post(bare.url + "/api/v1/sync/push", data=data, headers=headers, timeout=120)
                ms = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200 and r.json()["stored"] == BATCH, r.text[:300]
                return ms

            def post_real(data: bytes) -> float:
                t0 = time.perf_counter()
                r = sb.post(real.url + "/api/v1/sync/push", data=data, headers={**headers, **dev.headers},
                            timeout=120)
                ms = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200, r.text[:300]
                assert all(x["status"] == "stored" for x in r.json()["results"]), r.text[:300]
                return ms

            for n, batch in enumerate(batches):
                data = json.dumps({"records": batch}).encode()
                if n % 2:
                    tb, ta = post_real(data), post_bare(data)
                else:
                    ta, tb = post_bare(data), post_real(data)
                if n >= warmup:
                    times_a.append(ta)
                    times_b.append(tb)
        return times_a, times_b


# --- throughput: K kiosks at once against N workers ------------------------------------------------


@dataclass
class Flow:
    """What one server did in the throughput mode: wall time of each counted round, per-batch times."""

    records: int = 0
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    refused: int = 0  # 429 answers: counted, never taken as stored; any fails the bench
    failed: list[str] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return self.records / self.wall_s if self.wall_s else 0.0


def _push_round(url: str, headers: list[dict], work: list[list[bytes]], bare: bool, flow: Flow | None) -> None:
    """K clients at once, client i pushing its own batches ``work[i]`` one after another with its own
    device's token. ``flow`` None: a warm-up round, checked but not counted."""
    start = threading.Barrier(len(work) + 1)
    lat: list[list[float]] = [[] for _ in work]
    stored = [0] * len(work)
    refused = [0] * len(work)
    failed: list[str] = []

    def client(i: int) -> None:
        with requests.Session() as s:
            h = {"Content-Type": "application/json", **headers[i]}
            start.wait()
            for data in work[i]:
                t0 = time.perf_counter()
                try:
                    r = s.post(url + "/api/v1/sync/push", data=data, headers=h, timeout=300)
                except requests.RequestException as e:
                    failed.append(f"client {i}: {e!r}"[:300])
                    continue
                lat[i].append((time.perf_counter() - t0) * 1000)
                if r.status_code == 429:
                    refused[i] += 1
                elif r.status_code != 200:
                    failed.append(f"client {i}: {r.status_code} {r.text[:200]}")
                elif bare:
                    stored[i] += r.json()["stored"]
                else:
                    res = r.json()["results"]
                    ok = sum(x["status"] == "stored" for x in res)
                    if ok != len(res):
                        failed.append(f"client {i}: {len(res) - ok} of {len(res)} records not stored")
                    stored[i] += ok

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if flow is None:
        if failed or any(refused):
            raise RuntimeError(f"warm-up failed: {failed[:3]} refused={sum(refused)}")
        return
    flow.wall_s += wall
    flow.records += sum(stored)
    flow.latencies += [x for li in lat for x in li]
    flow.refused += sum(refused)
    flow.failed += failed


def run_throughput(backend: str, key: PrivateKey, workers: int, clients: int, rounds: int, per_round: int,
                   tmp: Path) -> tuple[Flow, Flow]:
    # Every round pushes new records (a replay is cheaper than a new record, and the bare table would
    # refuse a second insert); the same batches go to both servers.
    n = clients * (1 + rounds * per_round)
    batches = [json.dumps({"records": b}).encode() for b in make_batches(n, key.public_key, seed=34)]
    with _pair(backend, tmp, key, workers=workers, clients=clients, start_s=120) as (bare, real, devs):
        real_h = [d.headers for d in devs]
        bare_h = [{} for _ in devs]
        it = iter(batches)

        def take(k: int) -> list[list[bytes]]:
            return [[next(it) for _ in range(k)] for _ in range(clients)]

        warm = take(1)
        _push_round(bare.url, bare_h, warm, True, None)
        _push_round(real.url, real_h, warm, False, None)
        a, b = Flow(), Flow()
        for r in range(rounds):
            work = take(per_round)
            if r % 2:
                _push_round(real.url, real_h, work, False, b)
                _push_round(bare.url, bare_h, work, True, a)
            else:
                _push_round(bare.url, bare_h, work, True, a)
                _push_round(real.url, real_h, work, False, b)
        return a, b


def _single(backend: str, batches, key, warmup: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        a, b = run_backend(backend, batches, key, warmup, Path(d))
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = mb / ma
    print(f"{backend} single client, 1 worker: {len(a)} batches of {BATCH} records (after {warmup} not counted)")
    print(f"  (a) bare insert:  median={ma:.1f} ms p95={percentile(a, 95):.1f} ms")
    print(f"  (b) real server:  median={mb:.1f} ms p95={percentile(b, 95):.1f} ms")
    print(f"  ratio b/a: median {ratio:.2f}  p95 {percentile(b, 95) / percentile(a, 95):.2f}  "
          f"target < {TARGET_RATIO}  {'OK' if ratio < TARGET_RATIO else 'OVER TARGET'}", flush=True)
    return ratio


def _throughput(backend: str, key, workers: int, clients: int, rounds: int, per_round: int) -> tuple[float, bool]:
    with tempfile.TemporaryDirectory() as d:
        a, b = run_throughput(backend, key, workers, clients, rounds, per_round, Path(d))
    print(f"{backend} throughput, {workers} workers, {clients} kiosks at once: {rounds} rounds (a b, b a, ...) of "
          f"{per_round} batches of {BATCH} per kiosk (after 1 warm-up batch each)")
    for name, f in (("(a) bare insert:", a), ("(b) real server:", b)):
        print(f"  {name:17} {f.per_s:7.0f} records/s  ({f.records} in {f.wall_s:.1f} s)  per batch "
              f"median={statistics.median(f.latencies):.1f} ms p95={percentile(f.latencies, 95):.1f} ms  "
              f"429s={f.refused} failures={len(f.failed)}")
    for msg in (a.failed + b.failed)[:5]:
        print("   ", msg)
    ratio = a.per_s / b.per_s if b.per_s else float("inf")
    clean = not (a.refused or b.refused or a.failed or b.failed)
    print(f"  ingest cost ratio (bare records/s / real records/s): {ratio:.2f}  target < {TARGET_RATIO}  "
          f"{'OK' if ratio < TARGET_RATIO else 'OVER TARGET'}"
          + ("" if clean else "  INVALID: refused or failed pushes"), flush=True)
    return ratio, clean


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=30, help="single-client batches (0: skip that mode)")
    ap.add_argument("--warmup", type=int, default=4, help="batches pushed first and not counted")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--throughput", action="store_true",
                    help="also run the throughput mode (default --workers 2 --clients 4)")
    ap.add_argument("--workers", type=int, help="throughput mode: uvicorn workers of each server")
    ap.add_argument("--clients", type=int, help="throughput mode: kiosks pushing at once")
    ap.add_argument("--rounds", type=int, default=4, help="throughput mode: interleaved rounds per server")
    ap.add_argument("--per-round", type=int, default=5, help="throughput mode: batches per kiosk per round")
    ap.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_bare:
        serve_bare(args.db, args.port, args.key, args.workers or 1)
        return 0
    throughput = args.throughput or args.workers is not None or args.clients is not None
    workers, clients = args.workers or 2, args.clients or 4
    key = PrivateKey.generate()
    batches = make_batches(args.warmup + args.batches, key.public_key) if args.batches else []
    worst, clean = 0.0, True
    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := pg_missing_reason()):
            print(f"{backend}: skipped ({reason})")
            continue
        if batches:
            worst = max(worst, _single(backend, batches, key, args.warmup))
        if throughput:
            ratio, ok = _throughput(backend, key, workers, clients, args.rounds, args.per_round)
            worst, clean = max(worst, ratio), clean and ok
    return 0 if worst < TARGET_RATIO and clean else 1


if __name__ == "__main__":
    sys.exit(main())
