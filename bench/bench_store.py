"""Search per keystroke over 1,500 services, and complaint insert with its outbox row.

Targets (DESIGN.md): search-as-you-type p95 < 10 ms per keystroke. Run: python bench/bench_store.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import report  # noqa: E402
from gen_catalog import make_catalog  # noqa: E402

from kiosk.actions import Kiosk  # noqa: E402
from kiosk.config import load_config  # noqa: E402

WORDS = ["pajak kendaraan", "izin usaha", "rekomendasi", "legalisir ijazah", "surat keterangan", "stnk",
         "laboratorium", "pelatihan teknis", "bantuan sosial", "sertifikat", "lombok timur", "perpustakaan"]

COMPLAINT = {
    "class": "pengaduan", "topic": "lambat", "privacy": "rahasia",
    "description": "Antrean di loket sangat lambat, saya menunggu tiga jam tanpa kejelasan.",
    "identity": {"name": "Lalu Ahmad", "phone": "081234567890"}, "consent_version": "pdp-2026-11",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = Kiosk.open(load_config().with_data_dir(tmp))
        catalog_file = Path(tmp) / "catalog.json"
        import json

        catalog_file.write_text(json.dumps(make_catalog(1500)), encoding="utf-8")
        info = kiosk.load_catalog(catalog_file)
        print(f"catalog: {info.services} services")
        samples = []
        for _ in range(5):
            for phrase in WORDS:
                for n in range(1, len(phrase) + 1):  # one search per keystroke, as the screen does
                    t = time.perf_counter()
                    kiosk.search(phrase[:n])
                    samples.append((time.perf_counter() - t) * 1000)
        report("search per keystroke (1,500 services)", samples, 10)

        samples = []
        for _ in range(300):
            t = time.perf_counter()
            kiosk.file_complaint(COMPLAINT)
            samples.append((time.perf_counter() - t) * 1000)
        report("complaint insert + outbox row (synchronous=FULL)", samples)

        code = kiosk.file_complaint(COMPLAINT).tracking_code
        samples = []
        for _ in range(100):
            t = time.perf_counter()
            kiosk.receipt_pdf(code)
            samples.append((time.perf_counter() - t) * 1000)
        report("complaint confirmed -> receipt PDF ready", samples, 100)
        kiosk.close()


if __name__ == "__main__":
    main()
