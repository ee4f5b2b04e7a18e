"""A question over the whole app before something the citizen made is thrown away (issue #13, item 6).

Two big answers: keeping is the first, primary and default one (a touch beside the card, or the idle
countdown taking over, keeps too); discarding is the second, marked as the dangerous one. Made the first
time it is needed (:meth:`KioskApp.layer`): the start screen never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.properties import StringProperty

from .kv import load_kv
from .widgets import Overlay


class ConfirmDialog(Overlay):
    """Shows while ``question`` is set; :meth:`ask` sets it, :meth:`keep` and :meth:`discard` answer."""

    question = StringProperty("")  # a msgid: translated in KV, so a language switch redraws it
    detail = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._on_discard: Callable[[], None] | None = None

    def ask(self, question: str, detail: str, on_discard: Callable[[], None]) -> None:
        self._on_discard = on_discard
        self.detail = detail
        self.question = question

    def keep(self) -> None:
        self.close()

    def discard(self) -> None:
        on_discard = self._on_discard
        self.close()
        if on_discard is not None:
            on_discard()

    def close(self) -> None:
        self._on_discard = None
        self.question = ""

    def on_touch_up(self, touch):
        # A touch beside the card is not a yes: the safe answer.
        if self.shown and not any(child.collide_point(*touch.pos) for child in self.children):
            self.keep()
            return True
        return super().on_touch_up(touch)


load_kv(__file__)
