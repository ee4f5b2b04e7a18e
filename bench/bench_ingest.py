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

Run: python bench/bench_ingest.py [--batches 30] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
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


def serve_bare(db_url: str, port: int, key: str) -> None:
    import base64
    from datetime import UTC, date, datetime
    from typing import Any

    import uvicorn
    from fastapi import Body, FastAPI

    from kiosk.central.db import complaints, devices, open_database, ratings, records
    from kiosk.central.settings import Settings
    from kiosk.domain import sealing

    engine = open_database(Settings(database_url=db_url))
    box = SealedBox(sealing.private_key(key))

    def identity(sealed: dict | None) -> str | None:
        if sealed is None:
            return None
        plain = json.loads(box.decrypt(base64.b64decode(sealed["sealed_box"])))
        return json.dumps({k: plain[k] for k in ("name", "nik", "phone", "email")}, ensure_ascii=False)

    with engine.begin() as conn:
        conn.execute(devices.insert().values(id="BARE", name="bare", office="o", agency_id="bappenda",
                                             token_hash="0" * 64, enrolled_at=datetime.now(UTC)))
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

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class BareServer(Server):
    key: str = ""  # the private key, base64, that opens the batches' sealed identities

    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "--serve-bare", "--db", self.db_url,
                "--port", str(self.port), "--key", self.key]


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


def make_batches(n: int, public_key) -> list[list[dict]]:
    import copy
    import random
    import uuid as uuidlib

    from central.serverkit import complaint_record, rating_record

    from kiosk.domain import sealing, tracking

    rng = random.Random(12)
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


def run_backend(backend: str, batches: list[list[dict]], key: PrivateKey, warmup: int,
                tmp: Path) -> tuple[list[float], list[float]]:
    from kiosk.central.db import identity_keys, now
    from kiosk.domain import sealing

    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    bare = BareServer(database_url(backend, tmp / "a"), log_path=tmp / "bare.log")
    bare.key = sealing.encode_key(key)
    real = Server(database_url(backend, tmp / "b"), log_path=tmp / "real.log")
    bare.start(60)
    real.start(60)
    try:
        engine = real.engine()
        # The server's keyring holds the key the batches were sealed with, as the current key (what
        # enrollment hands to the kiosk).
        with engine.begin() as conn:
            conn.execute(identity_keys.insert().values(
                key_id=sealing.key_id(key.public_key), public_key=sealing.encode_key(key.public_key),
                private_key=sealing.encode_key(key), created_at=now()))
        dev = enroll(real, engine)
        assert dev.identity_public_key == sealing.encode_key(key.public_key), "the bench key is not current"
        engine.dispose()
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
    finally:
        bare.stop()
        real.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=4, help="batches pushed first and not counted")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_bare:
        serve_bare(args.db, args.port, args.key)
        return 0
    key = PrivateKey.generate()
    batches = make_batches(args.warmup + args.batches, key.public_key)
    worst = 0.0
    for backend in args.backends.split(","):
        if backend == "postgres" and (reason := pg_missing_reason()):
            print(f"{backend}: skipped ({reason})")
            continue
        with tempfile.TemporaryDirectory() as d:
            a, b = run_backend(backend, batches, key, args.warmup, Path(d))
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = mb / ma
        worst = max(worst, ratio)
        print(f"{backend}: {len(a)} batches of {BATCH} records (after {args.warmup} not counted)")
        print(f"  (a) bare insert:  median={ma:.1f} ms p95={percentile(a, 95):.1f} ms")
        print(f"  (b) real server:  median={mb:.1f} ms p95={percentile(b, 95):.1f} ms")
        print(f"  ratio b/a: median {ratio:.2f}  p95 {percentile(b, 95) / percentile(a, 95):.2f}  "
              f"target < {TARGET_RATIO}  {'OK' if ratio < TARGET_RATIO else 'OVER TARGET'}")
    return 0 if worst < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
