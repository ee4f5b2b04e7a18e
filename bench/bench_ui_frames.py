"""Touch to the next frame on screen changes, and memory over thousands of screen visits.

Targets (DESIGN.md): touch-to-next-frame p95 under 50 ms for screen changes; resident memory growth
under 5 MB over 2,000 screen visits. The real app runs in this process (offscreen window, demo catalog
and stored records); a citizen's round is replayed by touches: Home -> information -> an office -> a
service -> Back -> Back -> Home -> complaint -> Home -> survey -> Home -> track -> Home -> search -> Home,
each time another office and service.

Latency runs from the finger lifting (the touch-up that fires the button) to the end of the frame that
shows the new screen, with ``glFinish`` so the pixels are really done; Kivy's frame cap is off so no idle
wait is counted.

Memory is read between citizens, as a kiosk lives: after every 100 visits the idle reset clears the
last citizen's screens and nobody touches the kiosk for a few seconds (the app hands freed memory
back then). The readings after the same reset, with the same widgets, textures and Python heap, still
differ by up to 50 MB: native buffers, mostly the software renderer's (Mesa's llvmpipe), are held or
not depending on the last frames drawn. Those swings sit on top of a floor, and a leak lifts the floor, so
growth is the lowest reading of the last third minus the lowest of the first third, after 200 visits of
warm-up. Medians and a least-squares slope over all readings are printed too, with the count of Python
objects (a leak in Python shows there first). The memory part runs in a process of its own with
llvmpipe's rasterizer threads off (``LP_NUM_THREADS=0``): they hold about 100 MB of the process and
most of the swings (measured: up to 28 MB without them); ``--renderer-threads`` runs it with them on. A kiosk with a GPU keeps
none of this in its own memory.

    python bench/bench_ui_frames.py [--visits 2000] [--size 1920x1080] [--records 20000]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import percentile, report  # noqa: E402
from bench_ui_start import make_data  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def quiet(driver, seconds: float | None = None) -> None:
    """A citizen walks away: nobody touches the screen for a few seconds, so the app's quiet-time work
    (handing freed memory back, kiosk/ui/heap.py; building screens not yet visited) runs as it does
    between two people at a real kiosk."""
    from kiosk.ui.heap import QUIET_S

    gc.collect()
    end = time.monotonic() + (QUIET_S + 1.0 if seconds is None else seconds)
    while time.monotonic() < end:
        time.sleep(0.1)
        driver.frames(1)


class Round:
    """One citizen's round of screen changes; ``step()`` makes the next change and times it."""

    def __init__(self, driver, timed: bool) -> None:
        from kivy.base import EventLoop
        from kivy.graphics.opengl import glFinish

        self.d = driver
        self.app = driver.app
        self.timed = timed
        self.samples: list[float] = []
        self.visits = 0
        self.n = 0
        self._loop = EventLoop
        self._finish = glFinish

    def touch(self, widget) -> None:
        d = self.d
        d.frames(1)
        d.bring_into_view(widget)
        x, y = widget.to_window(*widget.center)
        touch = d.touch(x, y, up=False)
        if self.timed:
            self._finish()
        started = time.perf_counter()
        self._loop.post_dispatch_input("end", touch)
        self._loop.idle()
        if self.timed:
            self._finish()
            self.samples.append((time.perf_counter() - started) * 1000)
        self.visits += 1
        d.settle()

    def step_round(self) -> None:
        app, d = self.app, self.d
        bar = app.root.ids.bottombar.ids
        self.touch(app.screens.get("home").ids.tile_info)
        agencies = app.screen.ids.listing.children
        self.touch(agencies[self.n % len(agencies)])
        services = app.screen.ids.listing.children
        if services:
            self.touch(services[self.n % len(services)])
            self.touch(bar.back)
        self.touch(bar.back)
        self.touch(bar.home)
        for tile in ("tile_complaint", "tile_survey", "tile_track", "search"):
            self.touch(app.screens.get("home").ids[tile])
            d.app.clear_focus()
            self.touch(bar.home)
        self.n += 1


def start_app(args) -> object:
    size = tuple(int(v) for v in args.size.split("x"))
    tmp = tempfile.mkdtemp(prefix="bench-ui-")
    config_path = make_data(Path(tmp) / "data", args.records)

    from kiosk.ui.driver import prepare_environment

    prepare_environment(Path(tmp) / "kivy")
    from kiosk.config import load_config
    from kiosk.ui import driver as ui_driver

    d = ui_driver.Driver(load_config(config_path), size=size)  # type: ignore[arg-type]
    from kivy.clock import Clock

    Clock._max_fps = 0  # measure work, not the wait for the next 60 Hz slot
    d.start()
    d.settle()
    quiet(d, 8.0)  # switched on before the office opens: the app prepares its screens meanwhile
    return d


def measure_latency(args) -> None:
    d = start_app(args)
    timed = Round(d, timed=True)
    timed.step_round()  # first visits build and cache every screen: reported apart
    first = list(timed.samples)
    timed.samples.clear()
    for _ in range(args.timed_rounds):
        timed.step_round()
    report(f"touch to next frame, first visit of each screen ({args.size})", first)
    report(f"touch to next frame, screen changes ({args.size})", timed.samples, 50)
    print(f"p95 {percentile(timed.samples, 95):.1f} ms")
    d.stop()


def slope_per_visit(xs: list[float], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def measure_memory(args) -> None:
    d = start_app(args)
    rounds = Round(d, timed=False)
    readings: list[tuple[int, float, int]] = []  # (visits, RSS MB, Python objects)
    bursts: list[float] = []

    def between_citizens() -> None:
        bursts.append(rss_mb())
        d.app.reset_now()  # what the idle timeout does when a citizen walks away
        d.settle()
        quiet(d)
        readings.append((rounds.visits, rss_mb(), len(gc.get_objects())))

    while rounds.visits < args.warmup:  # first visits build screens, fill caches, load font sizes
        rounds.step_round()
    rounds.visits = 0
    between_citizens()
    started = time.perf_counter()
    while rounds.visits < args.visits:
        rounds.step_round()
        if rounds.visits >= len(readings) * args.every:
            between_citizens()
    elapsed = time.perf_counter() - started
    d.stop()

    visits = [float(v) for v, _, _ in readings]
    rss = [r for _, r, _ in readings]
    print("RSS between citizens (MB), by visits:", ", ".join(f"{v}: {r:.1f}" for v, r, _ in readings))
    print(f"RSS at the end of each burst of touches, before the reset: median {statistics.median(bursts):.1f} MB")
    third = max(1, len(rss) // 3)
    before, after = min(rss[:third]), min(rss[-third:])
    growth = after - before
    objects = [o for _, _, o in readings]
    print(f"Python objects: {objects[0]:,} -> {objects[-1]:,} ({objects[-1] - objects[0]:+,})")
    print(f"medians of the first and last {third} readings: {statistics.median(rss[:third]):.1f} -> "
          f"{statistics.median(rss[-third:]):.1f} MB; least-squares slope "
          f"{slope_per_visit(visits, rss) * 2000:+.1f} MB per 2,000 visits; readings spread {min(rss):.1f}-{max(rss):.1f} MB")
    threads = "off (LP_NUM_THREADS=0)" if os.environ.get("LP_NUM_THREADS") == "0" else "on"
    print(
        f"memory: {rounds.visits} screen visits in {elapsed:.0f} s, renderer threads {threads}; lowest RSS between "
        f"citizens in the first and the last {third} readings {before:.1f} -> {after:.1f} MB, growth {growth:+.1f} MB "
        f"(target < 5 MB) {'OK' if growth < 5 else 'OVER TARGET'}"
    )

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200, help="visits before the first memory reading")
    parser.add_argument("--every", type=int, default=100, help="visits between two memory readings")
    parser.add_argument("--timed-rounds", type=int, default=20)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--part", choices=("all", "latency", "memory"), default="all")
    parser.add_argument("--renderer-threads", action="store_true",
                        help="memory part with llvmpipe's rasterizer threads on (readings swing, see above)")
    args = parser.parse_args()
    if args.part in ("all", "latency"):
        measure_latency(args)
    if args.part == "memory":
        measure_memory(args)
    elif args.part == "all":
        # A process of its own: the renderer reads LP_NUM_THREADS once, when the window's GL starts.
        env = dict(os.environ)
        if not args.renderer_threads:
            env["LP_NUM_THREADS"] = "0"
        command = [sys.executable, __file__, "--part", "memory", "--visits", str(args.visits),
                   "--warmup", str(args.warmup), "--every", str(args.every), "--records", str(args.records),
                   "--size", args.size] + (["--renderer-threads"] if args.renderer_threads else [])
        subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()
