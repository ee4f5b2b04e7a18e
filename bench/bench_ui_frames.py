"""Touch to the next frame on screen changes, and memory over thousands of screen visits.

Targets (DESIGN.md): touch-to-next-frame p95 under 50 ms for screen changes; resident memory growth
under 5 MB over 2,000 screen visits. Memory is read between citizens: after every 500 visits nobody
touches the screen for a few seconds, as at a real kiosk, and the app hands back what it freed; the
figure at the end of each burst of touches is printed too, and the count of Python objects (a leak
shows there first). The real app runs in this process (offscreen window, demo catalog
and stored records); a citizen's round is replayed by touches: Home -> information -> an office -> a
service -> Back -> Back -> Home -> complaint -> Home -> survey -> Home -> track -> Home -> search -> Home,
each time another office and service. Latency runs from the finger lifting (the touch-up that fires the
button) to the end of the frame that shows the new screen, with ``glFinish`` so the pixels are really
done; Kivy's frame cap is off so no idle wait is counted.

    python bench/bench_ui_frames.py [--visits 2000] [--size 1920x1080] [--records 20000]
"""

from __future__ import annotations

import argparse
import gc
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--timed-rounds", type=int, default=20)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
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

    timed = Round(d, timed=True)
    timed.step_round()  # first visits build and cache every screen: reported apart
    first = list(timed.samples)
    timed.samples.clear()
    for _ in range(args.timed_rounds):
        timed.step_round()
    report(f"touch to next frame, first visit of each screen ({args.size})", first)
    report(f"touch to next frame, screen changes ({args.size})", timed.samples, 50)

    untimed = Round(d, timed=False)
    while untimed.visits < 200:  # warm up caches, fonts, textures
        untimed.step_round()
    quiet(d)
    before, objects_before = rss_mb(), len(gc.get_objects())
    untimed.visits = 0
    started = time.perf_counter()
    checkpoints = []
    while untimed.visits < args.visits:
        untimed.step_round()
        if untimed.visits >= (len(checkpoints) + 1) * 500:
            burst = rss_mb()
            quiet(d)
            checkpoints.append(f"{untimed.visits}: {burst:.1f} / {rss_mb():.1f}")
    print("RSS (MB) after visits, at the end of the touches / once quiet:", ", ".join(checkpoints))
    after, objects_after = rss_mb(), len(gc.get_objects())
    growth = after - before
    print(f"Python objects: {objects_before:,} -> {objects_after:,} ({objects_after - objects_before:+,})")
    print(
        f"memory: {untimed.visits} screen visits in {time.perf_counter() - started:.0f} s, RSS between citizens "
        f"{before:.1f} -> {after:.1f} MB, growth {growth:+.1f} MB (target < 5 MB) {'OK' if growth < 5 else 'OVER TARGET'}"
    )
    print(f"p95 {percentile(timed.samples, 95):.1f} ms")
    d.stop()


if __name__ == "__main__":
    main()
