"""The on-screen keyboard, docked at the bottom of the frame (not Kivy's floating VKeyboard).

It types into the focused :class:`~kiosk.ui.widgets.KTextInput` and picks its layout from the field:
letters for names and descriptions, a big keypad for NIK and phone numbers, and an email layout with
``@ . _ - .com``. The frame gives the keyboard its own strip below the content, so the content area
shrinks instead of being covered, and the focused field is scrolled into view above it.

Backspace held down repeats, as on every phone and PC keyboard: after :data:`REPEAT_DELAY_S`, then
:data:`REPEAT_RATE` characters a second until the finger lifts.

A physical keyboard or a USB QR scanner (which types like a keyboard) keeps working: the text box
still receives Kivy's system keyboard events while this widget is shown.
"""

from __future__ import annotations

import weakref

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from .kv import load_kv
from .theme import theme
from .widgets import Pressable

# Special keys. Everything else types its own text.
BKSP, SHIFT, SPACE, ENTER, HIDE = "\x08", "\x0f", " ", "\n", "\x1b"

KEY_ICONS = {
    BKSP: "backspace-outline",
    SHIFT: "apple-keyboard-shift",
    SPACE: "keyboard-space",
    ENTER: "keyboard-return",
    HIDE: "keyboard-close",
}

# A held backspace: the first repeat after this long (a normal tap is well under it), then this many a second.
REPEAT_DELAY_S = 0.5
REPEAT_RATE = 12

# Rows of (key, relative width).
Layout = list[list[tuple[str, float]]]


def _row(chars: str, width: float = 1.0) -> list[tuple[str, float]]:
    return [(c, width) for c in chars]


LAYOUTS: dict[str, Layout] = {
    "text": [
        _row("1234567890") + [(BKSP, 1.6)],
        _row("qwertyuiop") + [("-", 1.0)],
        _row("asdfghjkl") + [("'", 1.0), (ENTER, 1.6)],
        [(SHIFT, 1.5)] + _row("zxcvbnm") + _row(",.?") + [(SHIFT, 1.0)],
        [("/", 1.0), ("(", 1.0), (")", 1.0), (SPACE, 6.0), ("!", 1.0), (":", 1.0), (HIDE, 1.6)],
    ],
    "email": [
        _row("1234567890") + [(BKSP, 1.6)],
        _row("qwertyuiop") + [("-", 1.0)],
        _row("asdfghjkl") + [("_", 1.0), (ENTER, 1.6)],
        _row("zxcvbnm") + [("@", 1.4), (".", 1.4), (".com", 1.8), (".co.id", 2.0)],
    ],
    "digits": [
        _row("123"),
        _row("456"),
        _row("789"),
        [(BKSP, 1.0), ("0", 1.0), (ENTER, 1.0)],
    ],
}
# The keypad is narrow: three keys of this many key-units each.
DIGIT_KEY_UNITS = 2.2


class Key(Pressable, Label):
    """One key: types on release, like every phone keyboard (a brush of the finger can slide off)."""

    value_key = StringProperty("")
    icon = StringProperty("")
    units = NumericProperty(1.0)
    unit_px = NumericProperty(76)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("kind", "key")
        super().__init__(**kwargs)


class OnScreenKeyboard(BoxLayout):
    """Shows itself when a field is focused; types into it; hides when nothing is focused."""

    layout = OptionProperty("text", options=tuple(LAYOUTS))
    shift = BooleanProperty(False)
    shown = BooleanProperty(False)
    unit = NumericProperty(76)  # width of a one-unit key, in pixels

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fbind("width", self._fit)
        theme.fbind("key", self._fit)
        theme.fbind("gap", self._fit)
        self._fit()
        self._target = None
        self._built: dict[tuple[str, bool], list[BoxLayout]] = {}
        self._rows: list[BoxLayout] = []
        self._repeat_ev = None
        self._repeated = False  # the held backspace has repeated: its release deletes nothing more

    def _fit(self, *_args) -> None:
        """Keys as wide as a comfortable key, or narrower when the widest row would not fit."""
        units = max(sum(w for _k, w in row) for spec in LAYOUTS.values() for row in spec)
        keys = max(len(row) for spec in LAYOUTS.values() for row in spec)
        spacing = theme.gap * 0.6
        room = self.width - 2 * theme.gap - spacing * (keys - 1)
        self.unit = max(1.0, min(theme.key * 1.25, room / units))

    # --- target -----------------------------------------------------------------------------------

    @property
    def target(self):
        return self._target() if self._target is not None else None

    def attach(self, textinput) -> None:
        self._target = weakref.ref(textinput)
        self.shift = False
        self.layout = getattr(textinput, "osk", "text")
        self._show_rows()
        self.shown = True

    def detach(self, textinput=None) -> None:
        if textinput is not None and self.target is not textinput:
            return
        self._target = None
        self._stop_repeat()
        self.shown = False
        # Off the tree while hidden: nothing to draw, nothing to touch.
        self.clear_widgets()
        self._rows = []

    # --- keys -------------------------------------------------------------------------------------

    def press(self, key: str) -> None:
        ti = self.target
        if ti is None:
            return
        if key == BKSP:
            ti.do_backspace()
        elif key == SHIFT:
            self.shift = not self.shift
            self._show_rows()
            return
        elif key == ENTER:
            if ti.multiline:
                ti.insert_text("\n")
            else:
                ti.dispatch("on_text_validate")
                ti.focus = False
        elif key == HIDE:
            ti.focus = False
        else:
            ti.insert_text(key.upper() if self.shift else key)
            if self.shift:
                self.shift = False
                self._show_rows()

    def _show_rows(self) -> None:
        want = self._rows_for(self.layout, self.shift)
        if want is self._rows:
            return
        self.clear_widgets()
        for row in want:
            self.add_widget(row)
        self._rows = want

    def _rows_for(self, layout: str, shift: bool) -> list[BoxLayout]:
        cache_key = (layout, shift and layout == "text")
        rows = self._built.get(cache_key)
        if rows is None:
            rows = [self._make_row(spec, layout, cache_key[1]) for spec in LAYOUTS[layout]]
            self._built[cache_key] = rows
        return rows

    def _make_row(self, spec, layout: str, upper: bool) -> BoxLayout:
        row = KeyRow()
        if layout == "digits":
            row.size_hint_x = None
            row.bind(minimum_width=row.setter("width"))
        for value, width in spec:
            icon = KEY_ICONS.get(value, "")
            key = Key(
                text="" if icon else (value.upper() if upper else value),
                icon=icon,
                value_key=value,
                units=width * (DIGIT_KEY_UNITS if layout == "digits" else 1.0),
                unit_px=self.unit,
                selected=value == SHIFT and upper,
            )
            key.bind(on_release=self._on_key)
            if value == BKSP:
                key.bind(state=self._on_backspace_state)
            self.fbind("unit", key.setter("unit_px"))
            row.add_widget(key)
        return row

    def _on_key(self, key: Key) -> None:
        if key.value_key == BKSP and self._repeated:
            self._repeated = False  # held: it deleted while held, the release is only the end of it
            return
        self.press(key.value_key)

    # --- held backspace ---------------------------------------------------------------------------

    def _on_backspace_state(self, _key: Key, state: str) -> None:
        # "normal" comes when the finger lifts (on the key or beside it): the repeat ends.
        self._stop_repeat()
        if state == "down":
            self._repeated = False
            self._repeat_ev = Clock.schedule_once(self._start_repeat, REPEAT_DELAY_S)

    def _start_repeat(self, _dt) -> None:
        self._repeated = True
        self.press(BKSP)
        self._repeat_ev = Clock.schedule_interval(lambda _dt: self.press(BKSP), 1.0 / REPEAT_RATE)

    def _stop_repeat(self) -> None:
        if self._repeat_ev is not None:
            self._repeat_ev.cancel()
            self._repeat_ev = None


class KeyRow(BoxLayout):
    pass


load_kv(__file__)
