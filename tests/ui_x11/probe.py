"""`kiosk run` with a window onto what the app shows, for the X11 lock-down tests (test code, not shipped).

Runs exactly what the console script runs (``kiosk.cli.main``), after hooking one read-only observer into
Kivy's clock right after the app set Kivy up. The observer records every widget ever added to the window,
every rotation, size and fullscreen value the window took and the key codes it received, and answers a
question file: the test writes a token to ``STATE.ask``, the observer writes ``STATE`` (JSON, with the
token) on its next tick. Nothing here changes what the app does.

Usage: python probe.py STATE -- <kiosk command line>
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

STATE = Path(sys.argv[1])
ASK = STATE.with_name(STATE.name + ".ask")
KIOSK_ARGV = sys.argv[sys.argv.index("--") + 1:]

seen: dict = {"added": [], "rotations": [], "sizes": [], "fullscreens": [], "keys": []}


def _name(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _watch(window) -> None:
    seen["added"].extend(_name(w) for w in window.children)
    seen["sizes"].append(list(window.size))
    seen["rotations"].append(window.rotation)
    seen["fullscreens"].append(window.fullscreen)
    window.bind(
        children=lambda _w, children: seen["added"].extend(_name(w) for w in children),
        size=lambda _w, size: seen["sizes"].append(list(size)),
        rotation=lambda _w, r: seen["rotations"].append(r),
        fullscreen=lambda _w, f: seen["fullscreens"].append(f),
        on_key_down=lambda _w, key, *_a: seen["keys"].append(key) and False,
    )


def _answer(_dt) -> None:
    from kivy.app import App
    from kivy.base import EventLoop
    from kivy.config import Config
    from kivy.modules import Modules

    window = EventLoop.window
    app = App.get_running_app()
    if window is None or app is None or app.root is None:
        return
    if not seen["sizes"]:
        _watch(window)
    try:
        token = ASK.read_text()
    except FileNotFoundError:
        return
    state = {
        "token": token,
        "pid": os.getpid(),
        "current": app.current,
        "window_children": [_name(w) for w in window.children],
        "tree": sorted({_name(w) for child in window.children for w in child.walk(restrict=True)}),
        "size": list(window.size),
        "system_size": list(window.system_size),
        "rotation": window.rotation,
        "fullscreen": window.fullscreen,
        "config_filename": Config.filename,
        "kivy_rotation": Config.get("graphics", "rotation"),
        "modules_active": sorted(n for n, m in Modules.mods.items() if m.get("activated")),
        "app_settings": _name(app._app_settings) if getattr(app, "_app_settings", None) else None,
        **seen,
    }
    tmp = STATE.with_name(STATE.name + ".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, STATE)
    ASK.unlink(missing_ok=True)


def main() -> int:
    # As `kiosk run` (kiosk.cli.ui.cmd_run) sets them, but before kiosk.ui.main imports Kivy here.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    import kiosk.ui.main as ui_main

    prepare = ui_main.prepare_process

    def prepare_and_observe(**kwargs) -> None:
        prepare(**kwargs)
        from kivy.clock import Clock  # after the app's Kivy set-up, as in `kiosk run`

        Clock.schedule_interval(_answer, 0.05)

    ui_main.prepare_process = prepare_and_observe
    from kiosk.cli import main as kiosk_main

    return kiosk_main(KIOSK_ARGV)


if __name__ == "__main__":
    sys.exit(main())
