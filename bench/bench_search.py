"""Search as a citizen types, over 1,500 services in a real SQLite store: every keystroke of realistic
queries, spelt right and with typos (which the exact prefix search misses and the fuzzy fallback answers).

Target (DESIGN.md, issue #13): p95 < 10 ms per keystroke. Run: python bench/bench_search.py [--rounds 5]
The fuzzy index is built on the first miss after a catalog change; that one-off cost is printed apart.
Wall time counts waiting for a core too; on a busy machine the CPU time of the searching thread is printed
beside it, which is what the kiosk's own (otherwise idle) core would see.
"""

from __future__ import annotations

import argparse
import json
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

# What people type at a lobby kiosk: short, lower case, Indonesian, often one word and a half.
SPELT_RIGHT = ["pajak kendaraan", "izin usaha", "rekomendasi", "legalisir ijazah", "surat keterangan", "stnk",
               "laboratorium", "pelatihan teknis", "bantuan sosial", "sertifikat", "lombok timur",
               "perpustakaan", "akta kelahiran", "rumah sakit", "balik nama"]
# The same kind of words with the slips of a hurried thumb: a wrong, missing, doubled or swapped letter,
# a spoken spelling ("akte"), a word part ("lahir" for "kelahiran").
WITH_TYPOS = ["pajek kendaraan", "izin usahs", "rekomendsi", "legalisr ijasah", "surat keterangn", "stnk tahuanan",
              "laboratorum", "pelatiahn teknis", "bantuan sosail", "sertifkat", "lombok timr",
              "perpustakan", "akte lahir", "rumah sakot", "balk nama", "pajak motr", "kartu pegawal",
              "izin penelitan", "pengaduan masarakat", "sewa gedng"]


def keystrokes(phrase: str) -> list[str]:
    """The text after each key, as the screen searches it (a space alone changes nothing to search)."""
    return [phrase[:n] for n in range(1, len(phrase) + 1) if not phrase[:n].endswith(" ")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = Kiosk.open(load_config().with_data_dir(tmp))
        catalog_file = Path(tmp) / "catalog.json"
        catalog_file.write_text(json.dumps(make_catalog(args.services)), encoding="utf-8")
        info = kiosk.load_catalog(catalog_file)
        print(f"catalog: {info.services} services")

        t = time.perf_counter()
        kiosk.search("qqqq zzzz")  # the first miss builds the fuzzy index
        print(f"fuzzy index build (once per catalog): {(time.perf_counter() - t) * 1000:.1f} ms")

        close = 0
        for label, phrases in (("spelt right", SPELT_RIGHT), ("with typos", WITH_TYPOS)):
            wall: list[float] = []
            cpu: list[float] = []
            for _ in range(args.rounds):
                for phrase in phrases:
                    for text in keystrokes(phrase):
                        t, c = time.perf_counter(), time.thread_time()
                        hits = kiosk.search(text)
                        wall.append((time.perf_counter() - t) * 1000)
                        cpu.append((time.thread_time() - c) * 1000)
                        close += bool(hits and hits[0].close)
            report(f"search per keystroke, {label} ({info.services:,} services), wall", wall, 10)
            report(f"search per keystroke, {label} ({info.services:,} services), CPU", cpu, 10)
        misses = [p for p in WITH_TYPOS if not kiosk.search(p)]
        print(f"typo queries answered: {len(WITH_TYPOS) - len(misses)}/{len(WITH_TYPOS)}"
              + (f" (nothing for {', '.join(misses)})" if misses else ""))
        print(f"keystrokes answered by the fuzzy fallback: {close // args.rounds} per round")
        kiosk.close()


if __name__ == "__main__":
    main()
