"""What a step shows when it refuses to go on: the faulty fields marked, and a summary of them at its top.

Modelled on the GOV.UK Design System's error pattern: every faulty field gets a thick bar at its left
and a red edge around its box, next to the message with its icon (never colour alone); a step with more
than one field also lists every message in a box at its top ("Ada yang perlu diperbaiki"), and touching
an entry brings that field into view and puts the cursor in it. Messages go as soon as the answer is
right: the steps check again while the citizen types or ticks, and the summary follows the fields.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, InstructionGroup, Line, Rectangle
from kivy.properties import ListProperty
from kivy.uix.boxlayout import BoxLayout

from .kv import load_kv
from .theme import theme
from .widgets import Pressable


class FaultMark:
    """Draws the mark of a faulty answer on ``group`` (the bar at its left) and ``box`` (a red edge),
    while ``owner.<prop>`` holds a message."""

    def __init__(self, owner, prop: str, group, box=None) -> None:
        self.owner, self.prop, self.group, self.box = owner, prop, group, box
        self._drawn = InstructionGroup()
        group.canvas.after.add(self._drawn)
        owner.fbind(prop, self.redraw)
        for widget in (group, box):
            if widget is not None:
                widget.fbind("pos", self.redraw)
                widget.fbind("size", self.redraw)
        self.redraw()

    def redraw(self, *_args) -> None:
        self._drawn.clear()
        if not getattr(self.owner, self.prop):
            return
        g = self.group
        bar = max(4.0, theme.gap * 0.5)
        self._drawn.add(Color(*theme.error))
        # In the page's margin, left of the label, the example, the box and the message alike.
        self._drawn.add(Rectangle(pos=(g.x - bar - theme.gap * 0.5, g.y), size=(bar, g.height)))
        if self.box is not None:
            b = self.box
            self._drawn.add(Line(rectangle=(b.x, b.y, b.width, b.height), width=3, joint="miter", cap="none"))


def mark_field(field) -> FaultMark:
    """The mark on a ``forms.Field``: its whole group, and the edge of its text box."""
    return FaultMark(field, "error", field, field.ids.ti)


class SummaryEntry(Pressable, BoxLayout):
    """One line of the summary: the message; touching it goes to the field."""

    text = ListProperty([])  # [message] (a list, so the KV rule can show it wrapped)


class ErrorSummary(BoxLayout):
    """The box at the top of a step listing what needs correcting; empty (and folded) when nothing does.

    ``faults`` holds (message, go) pairs; ``go()`` brings the field into view and focuses it.
    """

    faults = ListProperty([])

    def on_faults(self, _w, faults: list[tuple[str, Callable[[], None]]]) -> None:
        box = self.ids.entries
        box.clear_widgets()
        for message, go in faults:
            entry = SummaryEntry(text=[message])
            entry.bind(on_release=lambda _e, go=go: go())
            box.add_widget(entry)


load_kv(__file__)
