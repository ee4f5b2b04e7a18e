"""Start to an interactive Home screen, as a ratio to a bare Kivy window started the same way.

Target (DESIGN.md): at most 1.3x, with the demo catalog and 100,000 stored records. Both programs run
as fresh processes with the same environment (offscreen SDL, same window size, same KIVY_HOME); the
clock runs from spawning the process to the first frame flipped on screen (for the kiosk: Home drawn,
its event loop turning). Runs alternate, after one warm-up run each (cold disk caches are not what a
kiosk that boots every morning sees either). The kiosk's code is byte-compiled and its KV rules parsed
ahead first, as ``deploy/update.sh`` installs a release. Also reported: when the kiosk core (store, catalog) is
open on the backend thread, which happens in parallel with the first frames.

The kiosk takes Kivy's own rules (style.kv) from its KV cache instead of having Kivy parse them at
every start (kiosk/ui/kv.py); that alone is about 45 ms, more than the app's own screens cost. So the
bare window is also timed with that same cache, which shows what the app itself adds to a Kivy start.

    python bench/bench_ui_start.py [--runs 7] [--records 100000] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = r"""
import os, sys, time
if os.environ.get("BENCH_KIVY_STYLE_CACHE"):
    from kiosk.ui.kv import kivy_style_from_cache
    kivy_style_from_cache()
from kivy.config import Config
w, h = os.environ["BENCH_SIZE"].split("x")
Config.set("graphics", "width", w); Config.set("graphics", "height", h)
if os.environ.get("BENCH_MULTISAMPLES"):
    Config.set("graphics", "multisamples", os.environ["BENCH_MULTISAMPLES"])
from kivy.app import App
from kivy.uix.label import Label
from kivy.core.window import Window

def first(*_):
    print("FIRST_FRAME", time.time(), flush=True)
    App.get_running_app().stop()

class Hello(App):
    def build(self):
        return Label(text="hello")
    def on_start(self):
        Window.bind(on_flip=first)

Hello().run()
"""

# The kiosk starts exactly as its systemd unit starts it: the `kiosk` command, `run` (windowed here, as
# offscreen SDL has no screen to fill), told to print when Home is drawn and when the core is open.
KIOSK_ARGS = ["run", "--windowed", "--exit-when-ready"]


def make_data(data_dir: Path, records: int) -> Path:
    """A data directory with the demo catalog and ``records`` stored complaints and ratings."""
    from kiosk.actions import Kiosk
    from kiosk.config import DEFAULT_CONFIG, load_config
    from kiosk.domain import tracking
    from kiosk.domain.ikm import ELEMENTS
    from kiosk.store import records as store_records

    data_dir.mkdir(parents=True, exist_ok=True)
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace('data_dir = "var"', f'data_dir = "{data_dir}"')
    config_path = data_dir / "config.toml"
    config_path.write_text(text.replace("fullscreen = true", "fullscreen = false"), encoding="utf-8")
    kiosk = Kiosk.open(load_config(config_path))
    try:
        kiosk.load_catalog()
        services = [s for a in kiosk.agencies() for s in kiosk.services(a.id)]
        db = kiosk.store.db
        db.execute("PRAGMA synchronous=OFF")  # setting up the bench, not measuring it
        start = datetime(2026, 1, 5, tzinfo=timezone.utc)
        with db.atomic():
            for i in range(records):
                service = services[i % len(services)]
                at = (start + timedelta(minutes=i)).isoformat(timespec="seconds")
                if i % 2:
                    store_records.insert_complaint(
                        db, uuid=str(uuid.uuid4()), tracking_code=tracking.generate(), created_at=at,
                        status="received_at_kiosk",
                        doc={"class": "pengaduan", "topic": "lambat", "agency_id": service.agency_id,
                             "service_id": service.id, "privacy": "anonim", "consent_version": "pdp-2026-11",
                             "description": "Antrean sangat lambat di loket pelayanan."},
                    )
                else:
                    scores = {e.code: 1 + (i + n) % 4 for n, e in enumerate(ELEMENTS)}
                    store_records.insert_rating(
                        db, uuid=str(uuid.uuid4()), created_at=at, kind="ikm", service_id=service.id,
                        agency_id=service.agency_id, scores=scores, face=None,
                        doc={"kind": "ikm", "service_id": service.id, "answers": scores},
                    )
        db.execute("PRAGMA synchronous=FULL")
    finally:
        kiosk.close()
    return config_path


def run_child(command: list[str], env: dict) -> dict[str, float]:
    spawned = time.time()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    marks = {}
    for line in out.stdout.splitlines():
        name, _, value = line.partition(" ")
        if name in ("FIRST_FRAME", "CORE_READY"):
            marks[name] = float(value) - spawned
    if "FIRST_FRAME" not in marks:
        raise SystemExit(f"child failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        config_path = make_data(Path(tmp) / "data", args.records)
        print(f"data: demo catalog + {args.records:,} records in {time.perf_counter() - t:.1f} s")
        env = {
            **os.environ,
            "SDL_VIDEODRIVER": os.environ.get("SDL_VIDEODRIVER", "offscreen"),
            "KIVY_NO_ARGS": "1",
            "KIVY_LOG_MODE": "PYTHON",
            "KIVY_NO_FILELOG": "1",
            "KIVY_HOME": str(Path(tmp) / "kivy"),
            "BENCH_SIZE": args.size,
            "PYTHONPATH": str(ROOT),
        }
        # As deploy/update.sh installs a release: bytecode compiled, KV rules parsed ahead (a kiosk user
        # cannot write into the release, so without these every start would compile them again).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kiosk")], check=True, env=env)
        subprocess.run([sys.executable, "-m", "kiosk.ui.kv"], check=True, env=env, capture_output=True)
        bare_py = Path(tmp) / "bare.py"
        bare_py.write_text(BARE, encoding="utf-8")
        bare_cmd = [sys.executable, str(bare_py)]
        kiosk_cmd = [str(Path(sys.executable).parent / "kiosk"), "--config", str(config_path), *KIOSK_ARGS,
                     "--size", args.size]
        # The baseline opens its window as the kiosk does (no multisampling, see kiosk/ui/lockdown.py);
        # Kivy's defaults (2x multisampling) are timed too, for reference.
        same_env = {**env, "BENCH_MULTISAMPLES": "0"}
        cached_env = {**same_env, "BENCH_KIVY_STYLE_CACHE": "1"}
        run_child(bare_cmd, env)  # warm-up: Kivy writes its config.ini, caches fill
        run_child(bare_cmd, same_env)
        run_child(bare_cmd, cached_env)
        run_child(kiosk_cmd, env)
        bare, bare_default, bare_cached, kiosk, core = [], [], [], [], []
        for _ in range(args.runs):
            bare.append(run_child(bare_cmd, same_env)["FIRST_FRAME"])
            bare_default.append(run_child(bare_cmd, env)["FIRST_FRAME"])
            bare_cached.append(run_child(bare_cmd, cached_env)["FIRST_FRAME"])
            marks = run_child(kiosk_cmd, env)
            kiosk.append(marks["FIRST_FRAME"])
            core.append(marks.get("CORE_READY", float("nan")))
    b, k, c = statistics.median(bare), statistics.median(kiosk), statistics.median(core)
    bd, bc = statistics.median(bare_default), statistics.median(bare_cached)
    ratio = k / b

    def spread(xs: list[float]) -> str:
        return f"median {statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"

    print(f"bare Kivy window, same window settings:  {spread(bare)}")
    print(f"bare Kivy window, Kivy's defaults:       {spread(bare_default)}")
    print(f"bare Kivy window, style.kv from cache:   {spread(bare_cached)}")
    print(f"kiosk app, spawn to interactive Home:    {spread(kiosk)}")
    print(f"kiosk core open on the backend thread:   median {c * 1000:.0f} ms")
    print(f"ratio kiosk/bare (same settings): {ratio:.2f}x (target <= 1.3x) {'OK' if ratio <= 1.3 else 'OVER TARGET'}")
    print(f"ratio kiosk/bare (Kivy's defaults): {k / bd:.2f}x")
    print(f"ratio kiosk/bare (both with Kivy's style from the cache: what the app adds): {k / bc:.2f}x")
    print(json.dumps({"bare_ms": round(b * 1000), "bare_default_ms": round(bd * 1000), "bare_cached_ms": round(bc * 1000),
                      "kiosk_ms": round(k * 1000), "ratio": round(ratio, 3), "ratio_default": round(k / bd, 3),
                      "ratio_cached": round(k / bc, 3)}))


if __name__ == "__main__":
    main()
