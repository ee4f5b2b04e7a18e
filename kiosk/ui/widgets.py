"""Shared widgets: wrapping text, icons, buttons with a pressed state, tiles, pages, folding parts.

Look and sizes live in ``widgets.kv`` (bound to the theme); colours that depend on state are worked out
here, in Python, so KV rules only bind values.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.factory import Factory
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

from .icons import glyph
from .kv import load_kv
from .theme import BUTTON_KINDS, theme


class Txt(Label):
    """Text that wraps to its width and is as tall as its lines: it can never be clipped.

    Text that fits on its lines is rendered as a texture only as wide as its words, placed by
    ``halign``; only text that must wrap gets a texture as wide as the box. (A texture is blended pixel
    by pixel on every frame: twenty full-width lines of short text cost a software renderer as much as
    painting the whole screen once more.)

    Its size comes from ``role`` (a theme text size) times ``scale``, never from ``font_size`` set by a
    use: that would be a second binding on font_size beside the class rule's, and the later of the two
    to fire would win each time the text size changes.
    """

    role = OptionProperty("body", options=("small", "body", "button", "tile_text", "h2", "h1", "code"))
    scale = NumericProperty(1.0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._refit = Clock.create_trigger(self._fit, -1)
        for name in ("width", "text", "font_size", "font_name", "bold"):
            self.fbind(name, self._refit)
        self._refit()

    def _fit(self, *_args) -> None:
        # Measured, not rendered: a line that fits keeps its first (narrow) texture, and only text
        # that must wrap is rendered again, at the width of the box.
        if self.width <= 1 or not self.text:
            return
        widest = max(self._label.get_extents(line)[0] for line in self.text.split("\n"))
        self.text_size = (None, None) if widest <= self.width else (self.width, None)


class Icon(Label):
    icon = StringProperty("")
    # The glyph's size where it is not the theme's icon size. A separate property, not font_size: the
    # class rule binds font_size to theme.icon, and a use that set font_size too lost to it whenever
    # the text size changed (tile icons shrank to button size in large text).
    icon_size = NumericProperty(0)

    def on_icon(self, _w, name: str) -> None:
        self.text = glyph(name)


class Pressable(ButtonBehavior):
    """A touch target with colours for its kind and a pressed state shown at once (Theme.paint)."""

    kind = OptionProperty("secondary", options=BUTTON_KINDS)
    selected = BooleanProperty(False)
    bg_color = ColorProperty((0, 0, 0, 0))
    fg_color = ColorProperty((0, 0, 0, 1))
    edge_color = ColorProperty((0, 0, 0, 0))
    accent_color = ColorProperty((0, 0, 0, 1))  # the icon: the primary colour at rest, the words' when pressed
    soft_color = ColorProperty((0, 0, 0, 1))  # a second line (description, subtitle)
    edge_width = NumericProperty(1.5)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fbind("state", self._paint)
        self.fbind("kind", self._paint)
        self.fbind("selected", self._paint)
        self.fbind("disabled", self._paint)
        self._paint()

    def _paint(self, *_args) -> None:
        paint = theme.paint(self.kind, selected=self.selected, down=self.state == "down", disabled=self.disabled)
        bg = paint.bg
        if self.kind != "bar" and tuple(bg) == tuple(theme.bg):
            bg = (0, 0, 0, 0)  # the page shows through: nothing to fill
        self.bg_color, self.fg_color, self.edge_color = bg, paint.fg, paint.edge
        self.accent_color, self.soft_color = paint.accent, paint.soft
        self.edge_width = 3 if (self.kind == "choice" and self.selected) else 1.5


class KButton(Pressable, BoxLayout):
    """Icon beside words; wraps its label when narrow and grows to fit it."""

    icon = StringProperty("")
    text = StringProperty("")


class PillButton(Pressable, BoxLayout):
    """A short, one-line button as wide as its words (bars, language switch)."""

    icon = StringProperty("")
    text = StringProperty("")


class Tile(Pressable, BoxLayout):
    """A main action on the Home screen: a big icon over a few big words."""

    icon = StringProperty("")
    text = StringProperty("")
    subtitle = StringProperty("")
    highlight = BooleanProperty(False)
    compact = BooleanProperty(False)  # icon beside the words instead of over them (the screen decides)
    content_h = NumericProperty(0)  # height of the icon and words
    needed = NumericProperty(0)  # height its content needs; the screen decides the actual height


class ChoiceGrid(GridLayout):
    """Choices side by side in as many columns as fit (widgets.kv). A choice shorter than the one beside
    it sits at the top of the row, where the eye starts: GridLayout puts it at the bottom."""

    def choice_rows(self) -> list[list]:
        """The choices row by row, left to right (the order they were added)."""
        children, cols = self.children[::-1], max(1, self.cols or 1)
        return [children[start:start + cols] for start in range(0, len(children), cols)]

    def do_layout(self, *args) -> None:
        super().do_layout(*args)
        for row in self.choice_rows():
            top = max(child.top for child in row)
            for child in row:
                child.top = top


class Page(ScrollView):
    """A page of content that scrolls when it does not fit (large text, small screens, the keyboard).

    Unlike Kivy's ScrollView it does not clip with the stencil buffer, which costs two full passes over
    its area on every frame (most of a frame on a software renderer). The frame draws the opaque bars
    above and below the pages after them instead, so scrolled content never shows outside its page.
    """

    def update_from_scroll(self, *largs) -> None:
        # Kivy 2.3's ScrollView binds bar_color again on every update but unbinds it once per half
        # second: each relayout within that half second leaked a callback (thousands over a day).
        self.funbind("bar_color", self._change_bar_color)
        super().update_from_scroll(*largs)


class Card(BoxLayout):
    """A bordered panel; ``filled`` paints its inside (only where it lies over something else)."""

    filled = BooleanProperty(False)


class _Folding:
    """Children are taken off the widget tree while folded: nothing of them is drawn or touched.

    (A transparent widget still costs its full area in fill rate on every frame, which on a software
    renderer is most of the frame, and a disabled one still swallows the touches that land on it.)
    Only the children declared in KV are folded; ``ids`` keep pointing at them.
    """

    shown = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        self._folded: list = []
        super().__init__(**kwargs)

    def add_widget(self, widget, *args, **kwargs):
        if self.shown:
            return super().add_widget(widget, *args, **kwargs)
        self._folded.append(widget)
        return None

    def on_shown(self, _w, shown: bool) -> None:
        if shown:
            folded, self._folded = self._folded, []
            for widget in folded:
                super().add_widget(widget)
        else:
            self._folded = list(reversed(self.children)) + self._folded
            self.clear_widgets()


class Reveal(_Folding, BoxLayout):
    """Part of a screen that is shown or folded away; folded, it takes no room."""


class LazyReveal(Reveal):
    """A Reveal whose content (one widget of the KV class ``content``) is made the first time it shows:
    for parts that the start screen never shows. ``ref`` names it in the parent rule's ``ids``."""

    content = StringProperty("")
    ref = StringProperty("")

    def on_kv_post(self, _base) -> None:
        # Shown from the start (no change of ``shown`` to react to): made on the next frame, if still shown.
        Clock.schedule_once(lambda _dt: self.shown and self._make(), 0)

    def on_shown(self, widget, shown: bool) -> None:
        if shown:
            self._make()
        super().on_shown(widget, shown)

    def _make(self) -> None:
        if self.content and not self.children and not self._folded:
            made = Factory.get(self.content)()
            super().add_widget(made)
            if self.ref and self.parent is not None:
                self.parent.ids[self.ref] = made.proxy_ref


class Overlay(_Folding, FloatLayout):
    """A layer over the whole app. Shown and ``modal``, it takes every touch; otherwise none."""

    modal = BooleanProperty(True)

    def on_touch_down(self, touch):
        if not self.shown:
            return False
        handled = super().on_touch_down(touch)
        return True if self.modal else handled

    def on_touch_move(self, touch):
        if not self.shown:
            return False
        handled = super().on_touch_move(touch)
        return True if self.modal else handled

    def on_touch_up(self, touch):
        if not self.shown:
            return False
        handled = super().on_touch_up(touch)
        return True if self.modal else handled


load_kv(__file__)
