"""The frame every screen sits in: top bar, the screens, bottom bar, keyboard strip, overlays.

Top bar: office name, clock, a calm offline mark, language switch, text-size switch. Bottom bar: Back
and Home. The top-left corner hides the staff gesture (five taps within three seconds).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import NumericProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label

from .kv import load_kv
from .widgets import Overlay

ADMIN_TAPS = 5
ADMIN_WINDOW_S = 3.0


class SecretCorner(ButtonBehavior, Label):
    """The office name. Five taps in three seconds open the staff PIN pad; nothing shows on a tap."""

    __events__ = ("on_secret",)

    taps_needed = NumericProperty(ADMIN_TAPS)
    window_s = NumericProperty(ADMIN_WINDOW_S)
    # The name's width on one line: the top bar stays one row when the name and the controls fit.
    natural_width = NumericProperty(0)

    def __init__(self, now: Callable[[], float] = time.monotonic, **kwargs) -> None:
        super().__init__(**kwargs)
        self._now = now
        self._taps: list[float] = []
        measure = Clock.create_trigger(self._measure, -1)  # once per frame, whatever changed
        for name in ("text", "font_size", "bold", "font_name"):
            self.fbind(name, measure)
        measure()

    def _measure(self, *_args) -> None:
        line = CoreLabel(text=self.text, font_size=self.font_size, bold=self.bold, font_name=self.font_name)
        self.natural_width = line.get_extents(self.text)[0] if self.text else 0

    def on_release(self) -> None:
        now = self._now()
        self._taps = [t for t in self._taps if now - t <= self.window_s] + [now]
        if len(self._taps) >= self.taps_needed:
            self._taps.clear()
            self.dispatch("on_secret")

    def on_secret(self) -> None:
        pass


class IdleOverlay(Overlay):
    """"Masih di sana?": its buttons answer; a touch anywhere else means "still here"."""

    __events__ = ("on_outside",)

    def on_touch_up(self, touch):
        if not self.shown:
            return False
        if not any(child.collide_point(*touch.pos) for child in self.children):
            self.dispatch("on_outside")
        return super().on_touch_up(touch)

    def on_outside(self) -> None:
        pass


class BusyChip(Overlay):
    """"Please wait..." while a call the citizen made takes more than a moment."""


class MessageChip(Overlay):
    """A short message for the citizen, gone after a few seconds."""


class KioskRoot(FloatLayout):
    """The app's root widget; ``ids`` has topbar, sm, bottombar and keyboard_dock."""


load_kv(__file__)
