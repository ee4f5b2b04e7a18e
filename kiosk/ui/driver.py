"""Driving the real app without a person: for tests, screenshots and benchmarks.

Starts :class:`KioskApp` in the current process (Kivy allows one window per process) and pumps Kivy's
event loop frame by frame. Touches are real ``MotionEvent``\\ s dispatched through the window at a
widget's centre, so they go through the same hit-testing, pressed states and idle bookkeeping as a
finger. Set ``SDL_VIDEODRIVER=offscreen`` for a window without a display (see MACHINE-NOTES.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..config import Config
from .lockdown import configure_kivy


def prepare_environment(kivy_home: Path | None = None) -> None:
    """Environment for an offscreen Kivy, set before Kivy is first imported."""
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    # Kivy's records go to Python's logging (pytest shows them on failure); uncaught errors still print.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    if kivy_home is not None:
        os.environ.setdefault("KIVY_HOME", str(kivy_home))


_TOUCH = None


def _touch_class():
    """A finger as Kivy's input providers report one (made once: Kivy is imported late)."""
    global _TOUCH
    if _TOUCH is None:
        from kivy.input.motionevent import MotionEvent

        class DriverTouch(MotionEvent):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("is_touch", True)
                kwargs.setdefault("type_id", "touch")
                super().__init__(*args, **kwargs)
                self.profile = ["pos"]

            def depack(self, args):
                self.sx, self.sy = args["x"], args["y"]
                super().depack(args)

        _TOUCH = DriverTouch
    return _TOUCH


class Driver:
    def __init__(self, cfg: Config, *, size: tuple[int, int] = (1920, 1080), opener=None) -> None:
        configure_kivy(fullscreen=False, size=size)
        from kivy.config import Config as KivyConfig

        # No input providers: the only touches are the ones this driver makes.
        for name, _value in KivyConfig.items("input"):
            KivyConfig.remove_option("input", name)
        from .app import KioskApp

        self.app = KioskApp(cfg, fullscreen=False, opener=opener)
        self.app.survive_errors = False
        self._touch_id = 1000

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> Driver:
        from kivy.base import EventLoop

        self.app._run_prepare()
        EventLoop.status = "started"
        self.frames(2)
        return self

    def stop(self) -> None:
        from kivy.base import stopTouchApp

        self.app.dispatch("on_stop")
        stopTouchApp()

    # --- frames -----------------------------------------------------------------------------------

    def frames(self, n: int = 1) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()

    def wait(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Pump frames until ``predicate()`` is truthy; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self.frames(1)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for the backend to finish everything queued and its answers to land."""
        self.app.backend.wait_idle(timeout)
        self.frames(2)  # answers scheduled by the worker land on the next frame
        self.wait(lambda: self.app.backend.pending == 0, timeout, "backend answers")
        self.wait(lambda: self.app.building == 0, timeout, "pages built")

    # --- input ------------------------------------------------------------------------------------

    def touch(self, x: float, y: float, *, up: bool = True):
        from kivy.base import EventLoop

        win = EventLoop.window
        self._touch_id += 1
        t = _touch_class()("driver", self._touch_id, {"x": x / max(1, win.width - 1), "y": y / max(1, win.height - 1)})
        EventLoop.post_dispatch_input("begin", t)
        self.frames(1)
        if up:
            EventLoop.post_dispatch_input("end", t)
            self.frames(1)
        return t

    def tap(self, widget, frames: int = 2) -> None:
        """Touch down and up at the widget's centre (in window coordinates)."""
        self.frames(1)  # what a person touches has been laid out and drawn
        if widget.get_root_window() is None:
            raise AssertionError(f"{widget!r} is not on the window")
        if widget.disabled:
            raise AssertionError(f"{widget!r} is disabled")
        self.bring_into_view(widget)
        x, y = widget.to_window(*widget.center)
        self.touch(x, y)
        self.frames(frames)

    def bring_into_view(self, widget) -> None:
        """Scroll the pages holding ``widget`` until its centre shows, as a person would."""
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and parent is not parent.parent:  # the window is its own parent
            if isinstance(parent, ScrollView):
                cx, cy = widget.to_window(*widget.center)
                left, bottom = parent.to_window(parent.x, parent.y)
                if not (left <= cx <= left + parent.width and bottom <= cy <= bottom + parent.height):
                    parent.scroll_to(widget, padding=10, animate=False)
                    self.frames(2)
            parent = parent.parent

    def type(self, text: str) -> None:
        """Type through the on-screen keyboard's keys (letters, digits, space, punctuation)."""
        kb = self.app.keyboard
        for ch in text:
            key = self.key_for(ch)
            if key is None:
                raise AssertionError(f"no key for {ch!r} on the {kb.layout} layout")
            if ch.isupper() and not kb.shift:
                self.tap(self.key_for("\x0f"), frames=0)
            self.tap(self.key_for(ch), frames=0)
        self.frames(1)

    def key_for(self, ch: str):
        kb = self.app.keyboard
        want = ch.lower() if ch.isalpha() else ch
        for row in kb.children:
            for key in row.children:
                if key.value_key == want:
                    return key
        return None

    def press_keys(self, text: str, *, enter: bool = False) -> None:
        """Type as a physical keyboard or a USB scanner does (Window key events into the focused box)."""
        from kivy.core.window import Window

        self.frames(1)
        for ch in text:
            Window.dispatch("on_key_down", ord(ch.lower()) if ch.isalpha() else ord(ch), 0, ch, [])
            # SDL sends text only while a text box holds the keyboard (SDL_StartTextInput); keys always.
            if getattr(Window, "_sdl_keyboard", None) is not None:
                Window.dispatch("on_textinput", ch)
            Window.dispatch("on_key_up", ord(ch.lower()) if ch.isalpha() else ord(ch), 0)
        if enter:
            Window.dispatch("on_key_down", 13, 40, None, [])
            Window.dispatch("on_key_up", 13, 40)
        self.frames(1)

    # --- finding things ---------------------------------------------------------------------------

    def walk(self, root=None) -> Iterator[Any]:
        root = root or self.app.root
        yield from root.walk(restrict=True)

    def screen(self, name: str | None = None):
        return self.app.screens.get(name) if name else self.app.screen

    def screenshot(self, path: Path) -> Path:
        from kivy.core.window import Window

        path.parent.mkdir(parents=True, exist_ok=True)
        self.frames(1)
        written = Window.screenshot(name=str(path))
        # Kivy numbers screenshots (name0001.png); keep the name the caller asked for.
        if written and Path(written) != path:
            Path(written).replace(path)
        return path
