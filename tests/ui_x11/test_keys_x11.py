"""The real kiosk (`kiosk run`, full screen) in a real X11 window, with real key events from a keyboard.

A USB keyboard or a barcode scanner (a keyboard too) plugged into a kiosk must not reach anything that is
not the kiosk's own: F1 used to open Kivy's settings panel, whose Rotation choice was written to
KIVY_HOME/config.ini and turned the kiosk sideways at the next start. Here a bare X server (Xvfb, no
window manager, as on a plain X kiosk) runs the app started the way systemd starts it, xdotool types
every function key and the usual combinations through XTEST (the same path as a physical keyboard), and
the app is watched from inside (tests/ui_x11/probe.py) and from the X server (xwininfo).

One app start serves every test of this module (about 10 s on a 2-core machine).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("probe.py")
SCREEN = (1920, 1080)
FULL_SCREEN = [('"iPLiK Kiosk"', f"{SCREEN[0]}x{SCREEN[1]}+0+0")]  # the app's window, covering the screen

_missing = [tool for tool in ("Xvfb", "xdotool", "xwininfo") if shutil.which(tool) is None]
pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(bool(_missing), reason=f"needs {', '.join(_missing)} (deploy/dev-system-deps.sh installs them)"),
]

# Every function key alone and with each modifier, Escape and the usual ways out of a program, and
# Ctrl/Alt/Super with every letter (Ctrl+E is Kivy's inspector, Ctrl+Q quits many programs).
FUNCTION_KEYS = [f"F{n}" for n in range(1, 13)]
KEYS = (
    FUNCTION_KEYS
    + [f"{mod}+{key}" for mod in ("shift", "ctrl", "alt", "super", "ctrl+alt") for key in FUNCTION_KEYS]
    + ["Escape", "alt+F4", "ctrl+q", "ctrl+w", "ctrl+shift+q", "ctrl+shift+i", "ctrl+shift+Escape", "alt+Tab",
       "alt+space", "ctrl+alt+BackSpace", "ctrl+alt+Delete", "ctrl+alt+t", "Menu", "shift+F10", "Print",
       "alt+Print", "super", "ctrl+Escape"]
    + [f"{mod}+{letter}" for mod in ("ctrl", "alt", "super", "ctrl+shift") for letter in string.ascii_lowercase]
)
# A key nothing binds (Home has no text box with focus), sent after a batch: once the app has received it, it has received the whole batch.
SENTINEL, SENTINEL_CODE = "KP_Divide", 267

HOSTILE_KIVY_CONFIG = """\
[kivy]
exit_on_escape = 1
[graphics]
rotation = 90
fullscreen = 0
width = 640
height = 480
[modules]
inspector =
keybinding =
monitor =
"""


class X11Kiosk:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.state_path = root / "state.json"
        self.kivy_home = root / "kivy-home"
        self.xvfb: subprocess.Popen | None = None
        self.app: subprocess.Popen | None = None
        self.display = ""
        self.log = root / "app.log"
        self.questions = itertools.count(1)

    # --- processes --------------------------------------------------------------------------------

    def start(self) -> X11Kiosk:
        read_fd, write_fd = os.pipe()
        # -displayfd: Xvfb picks a free display itself and writes its number once it accepts clients.
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            raise AssertionError("Xvfb did not start")
        self.display = f":{number}"

        cfg_path = self._kiosk_config()
        # A config.ini as the settings panel left it on a kiosk (sideways, windowed, Kivy's debug modules)
        # and the same through Kivy's KCFG_ environment: the app must take neither.
        self.kivy_home.mkdir()
        (self.kivy_home / "config.ini").write_text(HOSTILE_KIVY_CONFIG)
        self.kivy_home_before = self.snapshot_kivy_home()
        env = {
            **os.environ, "DISPLAY": self.display, "SDL_VIDEODRIVER": "x11", "KIVY_HOME": str(self.kivy_home),
            "KCFG_GRAPHICS_ROTATION": "270", "KCFG_KIVY_EXIT_ON_ESCAPE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(REPO)])),
        }
        env.pop("KIVY_NO_CONFIG", None)
        env.pop("KIVY_NO_ENV_CONFIG", None)
        with self.log.open("w") as log:
            self.app = subprocess.Popen(
                [sys.executable, str(PROBE), str(self.state_path), "--", "--config", str(cfg_path), "run"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
            )
        self.state = self.ask(lambda s: s["current"] == "home", timeout=90, what="Home on the screen")
        return self

    def _kiosk_config(self) -> Path:
        from kiosk.actions import Kiosk
        from kiosk.config import DEFAULT_CONFIG, load_config

        text = DEFAULT_CONFIG.read_text(encoding="utf-8")
        text = text.replace('data_dir = "var"', f'data_dir = "{self.root / "data"}"')
        assert "fullscreen = true" in text  # the kiosk's own setting: full screen, locked
        path = self.root / "config.toml"
        path.write_text(text, encoding="utf-8")
        Kiosk.open(load_config(path)).close()
        return path

    def stop(self) -> None:
        for proc in (self.app, self.xvfb):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    # --- looking ----------------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.app is not None and self.app.poll() is None

    def ask(self, predicate=lambda _s: True, timeout: float = 10.0, what: str = "the app's state") -> dict:
        """The app's state, as soon as ``predicate`` holds for it (AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise AssertionError(f"the app ended while waiting for {what}:\n{self.log.read_text()[-3000:]}")
            token = str(next(self.questions))  # never repeats: an old answer is never taken for a new one
            ask = self.state_path.with_name(self.state_path.name + ".ask")
            ask.write_text(token)
            answered = time.monotonic() + 2.0
            while time.monotonic() < min(answered, deadline):
                try:
                    state = json.loads(self.state_path.read_text())
                except (FileNotFoundError, json.JSONDecodeError):
                    state = None
                if state and state["token"] == token:
                    if predicate(state):
                        return state
                    break
                time.sleep(0.02)
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last state: {state}")

    def x(self, *args: str) -> str:
        out = subprocess.run(list(args), env={**os.environ, "DISPLAY": self.display}, capture_output=True, check=False,
                             text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def top_level_windows(self) -> list[tuple[str, str]]:
        """(name, geometry) of the root window's mapped children: what is on the screen."""
        found = []
        tree = self.x("xwininfo", "-root", "-children")
        for wid in re.findall(r"^\s+(0x[0-9a-f]+) ", tree, re.MULTILINE):
            info = self.x("xwininfo", "-id", wid)
            if "IsViewable" not in info:
                continue
            geometry = re.search(r"-geometry (\S+)", info).group(1)
            name = re.search(r'xwininfo: Window id: 0x[0-9a-f]+ (.*)', info).group(1)
            found.append((name, geometry))
        return found

    def wait_for_windows(self, expected, timeout: float = 10.0) -> list[tuple[str, str]]:
        """The top-level windows once they are ``expected`` (the window settles a few frames after
        Home is drawn), or as they are after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (windows := self.top_level_windows()) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        return windows

    def app_window(self) -> str:
        return self.x("xdotool", "search", "--sync", "--onlyvisible", "--pid", str(self.app.pid)).split()[0]

    def press(self, keys: list[str]) -> dict:
        """Type ``keys`` into the app's window through XTEST, as a keyboard does; the state once all arrived."""
        wid = self.app_window()
        self.x("xdotool", "windowfocus", "--sync", wid)
        before = len(self.ask()["keys"])
        self.x("xdotool", "key", "--delay", "15", *keys, SENTINEL)
        return self.ask(lambda s: SENTINEL_CODE in s["keys"][before:], timeout=30, what="every key of the batch")

    def snapshot_kivy_home(self) -> dict[str, tuple[int, bytes]]:
        return {str(p.relative_to(self.kivy_home)): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
                for p in sorted(self.kivy_home.rglob("*"))}


@pytest.fixture(scope="module")
def kiosk_x11(tmp_path_factory):
    k = X11Kiosk(tmp_path_factory.mktemp("x11-kiosk"))
    try:
        yield k.start()
    finally:
        k.stop()


def _foreign(names) -> list[str]:
    """Widgets that are not the kiosk's own."""
    return [n for n in names if not n.startswith("kiosk.")]


def test_full_screen_on_a_bare_x_server_covers_the_screen(kiosk_x11):
    """Without a window manager nobody honours SDL's full-screen request: the window stayed 800x600."""
    windows = kiosk_x11.wait_for_windows(FULL_SCREEN)
    assert windows == FULL_SCREEN, windows
    state = kiosk_x11.ask()
    assert tuple(state["size"]) == SCREEN and state["rotation"] == 0


def test_f1_opens_nothing(kiosk_x11):
    state = kiosk_x11.press(["F1"])
    assert kiosk_x11.alive()
    assert not _foreign(state["added"]), f"F1 put {_foreign(state['added'])} on the screen"
    assert not [n for n in state["tree"] if n.startswith("kivy.uix.settings")]
    assert state["app_settings"] is None


def test_no_key_or_combination_opens_or_changes_anything(kiosk_x11):
    state = kiosk_x11.press(KEYS)
    assert kiosk_x11.alive(), "a key closed the kiosk"
    assert not _foreign(state["added"]), f"keys put {_foreign(state['added'])} on the screen"
    assert not [n for n in state["tree"] if n.startswith(("kivy.uix.settings", "kivy.modules"))]
    assert state["app_settings"] is None
    assert set(state["rotations"]) == {0}, state["rotations"]
    assert state["modules_active"] == []
    assert set(map(str, state["fullscreens"])) <= {"auto", "False"}, state["fullscreens"]
    assert tuple(state["size"]) == SCREEN
    # Still the one window, full screen; no other program's window appeared.
    assert kiosk_x11.top_level_windows() == FULL_SCREEN


def test_kivy_config_is_neither_read_nor_written(kiosk_x11):
    """The sideways config.ini (and KCFG_ variables) are ignored, and nothing is written to KIVY_HOME."""
    state = kiosk_x11.ask()
    assert state["config_filename"] in (None, ""), "Kivy's Config has a file to write to"
    assert state["kivy_rotation"] == "0" and state["rotation"] == 0
    assert state["modules_active"] == []
    assert kiosk_x11.snapshot_kivy_home() == kiosk_x11.kivy_home_before
