"""What sealing identities costs: filing at the kiosk, and ingest at the server, each beside the same
work with the identity in the clear (issue 12 item 10).

Run: python bench/bench_sealing.py [batches]
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid as uuidlib
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import report

from kiosk import sealing as kiosk_sealing
from kiosk.actions import Kiosk
from kiosk.config import load_config
from kiosk.domain import sealing, tracking
from kiosk.domain.complaint import complaint_to_dict, validate_complaint
from kiosk.sync import wire

COMPLAINT = {
    "class": "pengaduan", "topic": "lambat", "agency_id": "bappenda", "privacy": "rahasia",
    "description": "Antrean di loket sangat lambat, saya menunggu tiga jam tanpa kejelasan.",
    "identity": {"name": "Lalu Ahmad", "nik": "5271010101900003", "phone": "081234567890"},
    "consent_version": "pdp-2026-11",
}


def filing(n: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = Kiosk.open(load_config().with_data_dir(tmp))
        kiosk.load_catalog()
        plain_seal = kiosk_sealing.seal_complaint
        for label, sealer in (("file_complaint, identity in the clear (bare)", lambda _cfg, doc: dict(doc)),
                              ("file_complaint, identity sealed", plain_seal)):
            kiosk_sealing.seal_complaint = sealer
            samples = []
            for _ in range(n):
                t = time.perf_counter()
                kiosk.file_complaint(COMPLAINT)
                samples.append((time.perf_counter() - t) * 1000)
            report(label, samples)
        kiosk_sealing.seal_complaint = plain_seal
        kiosk.close()


def ingest(batches: int = 10, size: int = 500) -> None:
    from kiosk.central import devices, identity_keys, ingest
    from kiosk.central.db import open_database
    from kiosk.central.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(Settings(database_url=f"sqlite:///{tmp}/central.db"))
        code = devices.create_enroll_code(engine, office="Bench", agency_id="bappenda").code
        device_id = devices.enroll(engine, code=code, name="bench").device_id
        key = sealing.public_key(identity_keys.current(engine).public_key)
        now = datetime.now(UTC)
        doc = complaint_to_dict(validate_complaint(COMPLAINT, today=now.date(), now=now))
        medians = {}
        for label, make in (("ingest 500 complaints, identity in the clear (bare)", lambda: doc),
                            ("ingest 500 complaints, identity sealed", lambda: sealing.seal_identity(doc, key))):
            samples = []
            for _ in range(batches):
                batch = [{"uuid": str(uuidlib.uuid4()), "kind": wire.COMPLAINT,
                          "body": wire.complaint_body(tracking.generate(), now.isoformat(timespec="seconds"), make())}
                         for _ in range(size)]
                t = time.perf_counter()
                results = ingest.push(engine, device_id, batch)
                samples.append((time.perf_counter() - t) * 1000)
                assert all(r["status"] == "stored" for r in results), results[0]
            report(label, samples)
            medians[label] = sorted(samples)[len(samples) // 2]
        bare, sealed = medians.values()
        print(f"ingest ratio sealed/bare (medians): {sealed / bare:.2f}")
        engine.dispose()


if __name__ == "__main__":
    filing()
    ingest(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
