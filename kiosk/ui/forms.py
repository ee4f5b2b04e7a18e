"""Widgets for answering and reading: choices, text fields with their errors, wizard steps, sections,
badges and QR codes. Kept apart from ``widgets`` so the Home screen starts without them (and without
Kivy's TextInput); every screen that asks or shows more than Home imports this module.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from .glyphs import drawable
from .kv import load_kv
from .widgets import Card, Pressable

# The counter under a box shows from this share of its limit on: early enough to plan the last words,
# late enough not to nag on every short answer.
COUNTER_FROM = 0.8


class Choice(Pressable, BoxLayout):
    """One big answer to a one-question screen: icon, title, plain explanation, a tick when chosen."""

    icon = StringProperty("")
    text = StringProperty("")
    description = StringProperty("")
    value = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("kind", "choice")
        super().__init__(**kwargs)


class KTextInput(TextInput):
    """A text box for the on-screen keyboard: keeps focus while keys are tapped, says which layout.

    Everything typed arrives through :meth:`insert_text` (on-screen keys, a physical keyboard's text
    events, a paste), so that is where input stops at ``max_chars`` and loses what the font cannot draw.
    """

    osk = OptionProperty("text", options=("text", "digits", "email"))
    # False while a hardware keyboard (a USB scanner) types into the box: no on-screen keyboard then,
    # until a finger touches the box.
    keyboard_wanted = BooleanProperty(True)
    # The most characters the box takes (0: no limit); set from the validator's limit for the field, so the
    # citizen is stopped at the limit instead of being refused after typing past it (issue #13).
    max_chars = NumericProperty(0)
    # Room kept free at the right end of the box for the clear button over it (set by Field).
    clear_room = NumericProperty(0)

    def insert_text(self, substring, from_undo=False):
        if isinstance(substring, bytes):
            substring = substring.decode("utf8")
        text = drawable(substring)
        if self.max_chars:
            text = text[:max(0, int(self.max_chars) - len(self.text))]
        if text:
            super().insert_text(text, from_undo=from_undo)

    def on_focus(self, _w, focused: bool) -> None:
        if not focused:
            self.keyboard_wanted = True
        app = App.get_running_app()
        if app is not None and hasattr(app, "input_focused"):
            app.input_focused(self, focused)

    def on_touch_down(self, touch):
        if self.focus and not self.keyboard_wanted and self.collide_point(*touch.pos):
            self.keyboard_wanted = True
            app = App.get_running_app()
            if app is not None and hasattr(app, "input_focused"):
                app.input_focused(self, True)
        return super().on_touch_down(touch)


class Field(BoxLayout):
    """A labelled text box with an example under it and, when needed, a plain error next to it."""

    label = StringProperty("")
    hint = StringProperty("")
    error = StringProperty("")
    text = StringProperty("")
    multiline = BooleanProperty(False)
    osk = StringProperty("text")
    lines = NumericProperty(1)
    input_filter = ObjectProperty(None, allownone=True)
    max_chars = NumericProperty(0)  # from the domain's rule for the field; 0: no limit, no counter
    counting = BooleanProperty(False)  # near the limit: the counter shows
    at_limit = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fbind("text", self._count)
        self.fbind("max_chars", self._count)

    def _count(self, *_args) -> None:
        limit, count = self.max_chars, len(self.text)
        counting = bool(limit) and count >= COUNTER_FROM * limit
        self.at_limit = bool(limit) and count >= limit
        if counting and not self.counting:
            self._keep_in_view()  # the counter appears under the box while typing
        self.counting = counting

    def _keep_in_view(self) -> None:
        """While this field is typed in, scroll all of it (label, box, counter, message) into view once
        the new line has its height (two frames: the layout pass, then the scroll)."""
        if "ti" not in self.ids or not self.ids.ti.focus:
            return
        app = App.get_running_app()
        if app is not None and hasattr(app, "scroll_into_view"):
            Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt2: app.scroll_into_view(self)), 0)

    def clear(self) -> None:
        self.ids.ti.text = ""
        self.error = ""

    def clear_text(self) -> None:
        """The clear button: empty the box and keep typing in it (the keyboard stays up)."""
        ti = self.ids.ti
        ti.text = ""
        ti.focus = True


def typed_in(widget) -> bool:
    """Whether any text box in ``widget`` holds words (typed, not yet saved by a Next)."""
    return any(isinstance(w, KTextInput) and w.text.strip() for w in widget.walk(restrict=True))


class ClearButton(Pressable, Label):
    """The "x" at the right end of a text box that empties it. ``label`` names it for a screen reader
    and for tests; it takes no touches while the box is empty (the box under it gets them)."""

    shown = BooleanProperty(False)
    label = StringProperty("")

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("kind", "key")
        super().__init__(**kwargs)

    def on_touch_down(self, touch):
        if not self.shown:
            return False
        return super().on_touch_down(touch)


class ErrorLine(BoxLayout):
    text = StringProperty("")


class StepBar(BoxLayout):
    """'Langkah 3 dari 7' and a row of dots, for wizards."""

    step = NumericProperty(1)
    total = NumericProperty(1)


class Section(Card):
    """A card with a heading and an icon; its content is added below the heading."""

    title = StringProperty("")
    icon = StringProperty("")


class CheckItem(Choice):
    """A line of a checklist the citizen can tick while reading ("do I have this?")."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fbind("selected", self._tick)
        self._tick()

    def on_release(self) -> None:
        self.selected = not self.selected

    def _tick(self, *_args) -> None:
        self.icon = "checkbox-marked-outline" if self.selected else "checkbox-blank-outline"


class NumberedStep(BoxLayout):
    number = NumericProperty(1)
    text = StringProperty("")


class Badge(BoxLayout):
    """A word on a coloured ground, with an icon: status is never colour alone."""

    text = StringProperty("")
    icon = StringProperty("")
    color = ColorProperty((0, 0, 0, 1))


class QRCodeView(Widget):
    """A QR symbol drawn crisp at any size from its module matrix (quiet zone included)."""

    matrix = ListProperty([])
    texture = ObjectProperty(None, allownone=True)
    quiet = NumericProperty(4)

    def on_matrix(self, _w, matrix) -> None:
        if not matrix:
            self.texture = None
            return
        n = len(matrix)
        size = n + 2 * int(self.quiet)
        buf = bytearray([255]) * (size * size)
        for r, row in enumerate(matrix):
            # Texture rows run bottom-up.
            base = (size - 1 - (r + int(self.quiet))) * size + int(self.quiet)
            for c, dark in enumerate(row):
                if dark:
                    buf[base + c] = 0
        tex = Texture.create(size=(size, size), colorfmt="luminance")
        tex.mag_filter = "nearest"
        tex.min_filter = "nearest"
        tex.blit_buffer(bytes(buf), colorfmt="luminance", bufferfmt="ubyte")
        self.texture = tex


load_kv(__file__)
