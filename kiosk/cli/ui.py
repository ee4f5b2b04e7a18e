"""`kiosk run`: the touchscreen app. Kivy is imported only when the command runs, so the rest of the
command line works on a machine without a screen or without the ui extra."""

from __future__ import annotations

import argparse
import os

from ..i18n import both
from . import Context, _, number

_PIXELS = number(int, low=200, high=10000)


def window_size(text: str) -> tuple[int, int]:
    """``1920x1080`` as (width, height), each through the same number rule as every other option."""
    width, sep, height = text.lower().partition("x")
    if not sep:
        raise argparse.ArgumentTypeError(both(_("must be WxH, for example 1920x1080")))
    return _PIXELS(width), _PIXELS(height)


def cmd_run(ctx: Context) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    # Kivy's own handlers would take over the root logger and print in their own format; with PYTHON,
    # Kivy's events go through kiosk.logs like everyone else's (one line each, journal priorities).
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    from ..ui.main import run

    run(ctx.config, windowed=ctx.args.windowed, size=ctx.args.size, exit_when_ready=ctx.args.exit_when_ready)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="run the touchscreen app (full screen, locked down)")
    p.add_argument("--windowed", action="store_true", help="a normal window with a cursor (development)")
    p.add_argument("--size", type=window_size, metavar="WxH", help="window size for --windowed, e.g. 1920x1080")
    p.add_argument("--exit-when-ready", action="store_true",
                   help="quit once Home is drawn and the core is open, printing when each happened "
                        "(a release's smoke test; bench/bench_ui_start.py)")
    p.set_defaults(handler=cmd_run)
