"""A4 application form generation: p95 must stay under 250 ms (issue 5); the receipt under 100 ms.

Renders every form in forms/ blank and filled with its example values (validation included, as the
facade does), in Indonesian and English, each print with its own reference (nothing per form can be
cached), after a warm-up that pays the one-time font registration. Then the same for receipts at 58 and
80 mm through the facade's own path. Prints median and p95 in milliseconds and p95 as a fraction of the
target.

    .venv/bin/python bench/bench_forms.py [ROUNDS]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import percentile, report  # noqa: E402
from bench_receipt import make_info  # noqa: E402
from kiosk.paths import FORMS  # noqa: E402
from kiosk.printing import formpdf  # noqa: E402
from kiosk.printing.forms import load_forms  # noqa: E402
from kiosk.printing.receipt import render_receipt  # noqa: E402

FORM_TARGET_MS = 250.0
RECEIPT_TARGET_MS = 100.0
WITA = timezone(timedelta(hours=8))
TODAY = date(2026, 11, 23)


def main(rounds: int = 5) -> dict[str, float]:
    specs = list(load_forms(FORMS).values())
    ctx = dict(agency_name="Badan Kesatuan Bangsa dan Politik Dalam Negeri Provinsi Nusa Tenggara Barat",
               agency_address="Jl. Pejanggik No. 14, Mataram", agency_phone="(0370) 631274",
               agency_email="bakesbangpoldagri@ntbprov.go.id", kiosk_name="Kiosk Lobi Kantor Gubernur", demo=True)
    t0 = time.perf_counter()
    formpdf.render(specs[0], None, context=formpdf.FormContext(**ctx))
    first_ms = (time.perf_counter() - t0) * 1000

    times: list[float] = []
    for r in range(rounds):
        for spec in specs:
            for filled in (False, True):
                lang = ("id", "en")[(r + filled) % 2]
                t = time.perf_counter()
                values = spec.validate_values(spec.example_values(), today=TODAY) if filled else None
                ref = formpdf.new_reference() if filled else None
                context = formpdf.FormContext(**ctx, ref=ref, printed_at=datetime(2026, 11, 23, 14, 5, tzinfo=WITA))
                pdf = formpdf.render(spec, values, lang=lang, context=context)
                times.append((time.perf_counter() - t) * 1000)
                assert pdf.startswith(b"%PDF-")
    print(f"forms: {len(specs)} files, {len(times)} renders (first call incl. font loading {first_ms:.1f} ms)")
    report("A4 form (validate + render)", times, FORM_TARGET_MS)

    # Receipts, the other document the kiosk prints, at both roll widths.
    rng = random.Random(5)
    rtimes = []
    for i in range(200):
        info = make_info(i, rng)
        t = time.perf_counter()
        render_receipt(info, lang=("id", "en")[i % 2], width_mm=(80, 58)[(i // 2) % 2])
        rtimes.append((time.perf_counter() - t) * 1000)
    report("receipt 58/80 mm", rtimes, RECEIPT_TARGET_MS)
    return {"form_p95_ms": percentile(times, 95), "receipt_p95_ms": percentile(rtimes, 95)}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
