"""Starting the touchscreen app: Kivy's settings first, then the window, then the app.

``run(config)`` is what ``kiosk run`` calls; ``python -m kiosk.ui`` does the same from a shell.
"""

from __future__ import annotations

import argparse
import gc
import os
from pathlib import Path

from ..config import Config, load_config
from .kv import kivy_style_from_cache
from .lockdown import InstanceLock, configure_kivy, stop_on_signals

DEV_SIZE = (1280, 800)


def prepare_process(*, fullscreen: bool, size: tuple[int, int] | None) -> None:
    """What comes before Kivy is imported. The cycle collector is paused for the whole start-up: Kivy's
    modules and the app's widgets are objects that live as long as the process, and collecting while
    they are made only walks them again and again (12 ms of the start here). KioskApp turns it back on,
    with those objects frozen, once the core is open. Kivy's own KV rules come from the parse cache."""
    gc.disable()
    kivy_style_from_cache()
    configure_kivy(fullscreen=fullscreen, size=size)


def run(cfg: Config, *, windowed: bool = False, size: tuple[int, int] | None = None,
        exit_when_ready: bool = False) -> None:
    """Run the kiosk app until staff exit. ``windowed`` is for developers (a normal window, a cursor)."""
    fullscreen = cfg.ui.fullscreen and not windowed
    prepare_process(fullscreen=fullscreen, size=size or (None if fullscreen else DEV_SIZE))
    lock = InstanceLock(cfg.data_dir)
    lock.acquire()
    try:
        from .app import KioskApp  # creates the window: after configure_kivy

        app = KioskApp(cfg, fullscreen=fullscreen, exit_when_ready=exit_when_ready)
        stop_on_signals(app.staff_exit)
        app.run()
    finally:
        lock.release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui", description="Run the kiosk touchscreen app.")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: config.toml of the repo)")
    parser.add_argument("--data-dir", metavar="DIR", help="folder of the kiosk database (overrides the config)")
    parser.add_argument("--windowed", action="store_true", help="a normal window with a cursor (development)")
    parser.add_argument("--size", metavar="WxH", help="window size, e.g. 1920x1080")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    if args.data_dir:
        cfg = cfg.with_data_dir(Path(args.data_dir))
    size = tuple(int(v) for v in args.size.lower().split("x")) if args.size else None
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    run(cfg, windowed=args.windowed, size=size)  # type: ignore[arg-type]
    return 0
