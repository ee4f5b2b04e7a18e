"""Colours and sizes of the kiosk, in one place.

Sizes are designed for a 1080-pixel-high landscape screen (UI-GUIDE.md: body text at least 24 px,
headings 40-56 px, button labels 28 px or more, targets at least 48 px, main tiles at least 90 px,
16 px between targets) and scale with the window's shorter side, so a 1080x1920 portrait kiosk gets the
same sizes as a 1920x1080 one and a 1280x800 tablet a proportionally smaller set. Large-text mode
multiplies text and the targets that hold text by 1.3; gaps only follow the window.

Colours: dark text on a light background, one primary colour from the config (white or near-black text
on it, whichever contrasts more), green/amber/red for status, always with a word or icon beside them.
Every text colour / background pair the screens use is listed in :meth:`Theme.text_pairs` and tested for a
contrast of at least 4.5:1 (WCAG 2.2, 1.4.3).

Buttons take their colours from :meth:`Theme.paint`, for every kind and state. A press must be unmistakable
to someone who cannot see well and is not sure the touch "took": the pressed fill differs from the resting
fill by at least 3:1 (a light button turns mid-grey, a filled one turns white with coloured words) and its
words still read at 4.5:1; :meth:`Theme.press_pairs` lists them for the tests.
"""

from __future__ import annotations

from typing import NamedTuple

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty

DESIGN_SHORT_SIDE = 1080.0
LARGE_TEXT_FACTOR = 1.3
MIN_SCALE = 0.6

# Sizes in pixels at 1080p, normal text.
TEXT_SIZES = {
    "small": 24,  # notes, hints: still the minimum body size
    "body": 28,
    "button": 30,
    "h2": 40,
    "h1": 52,
    "tile": 38,
    "code": 64,  # a tracking code in large type
    "icon": 40,
    "tile_icon": 96,
    "face_icon": 120,
}
# Heights of things that hold text: grow with large text.
TARGET_SIZES = {
    "target": 80,  # secondary buttons (>= 48)
    "key": 76,  # on-screen keyboard keys (>= 64)
    "tile": 240,  # main tiles (>= 90)
    "bar": 84,  # top and bottom bars
    "field": 76,  # one-line text fields
}
# Spacing: follows the window only.
GAP_SIZES = {"gap": 16, "pad": 32, "radius": 14}


def hex_to_rgba(value: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = value.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b, alpha)


def relative_luminance(rgba) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg, bg) -> float:
    """WCAG contrast ratio of two opaque colours, from 1.0 to 21.0."""
    a, b = relative_luminance(fg), relative_luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


WHITE = hex_to_rgba("#FFFFFF")
NEAR_BLACK = hex_to_rgba("#111418")


def text_on(background) -> tuple[float, float, float, float]:
    """White or near-black, whichever reads better on ``background``."""
    if contrast_ratio(WHITE, background) >= contrast_ratio(NEAR_BLACK, background):
        return WHITE
    return NEAR_BLACK


def mix(a, b, t: float) -> tuple[float, float, float, float]:
    return tuple(x + (y - x) * t for x, y in zip(a[:3], b[:3])) + (1.0,)  # type: ignore[return-value]


def readable_primary(hex_color: str, page=WHITE, minimum: float = 4.5) -> tuple[float, float, float, float]:
    """The province's colour, darkened just enough to carry white text and to be read as text on the
    page (both need ``minimum`` contrast). A pale colour in config.toml can never make text unreadable."""
    colour = hex_to_rgba(hex_color)
    step = 0.0
    while contrast_ratio(colour, page) < minimum and step < 1.0:
        step += 0.05
        colour = mix(hex_to_rgba(hex_color), NEAR_BLACK, step)
    return colour


class Paint(NamedTuple):
    """A button's colours in one state: fill, words, edge, its icon (accent) and its second line (soft)."""

    bg: tuple
    fg: tuple
    edge: tuple
    accent: tuple
    soft: tuple


# Every kind of Pressable and whether it can be shown selected.
BUTTON_KINDS = ("primary", "secondary", "choice", "danger", "bar", "key")


class Theme(EventDispatcher):
    """Observable sizes and colours; KV rules bind to them, so a resize or A+ reflows everything."""

    large = BooleanProperty(False)
    scale = NumericProperty(1.0)  # window-derived
    k = NumericProperty(1.0)  # scale x large-text factor
    # Bumped once all sizes are set: text sizes follow it (see size()).
    revision = NumericProperty(0)

    # text sizes
    small = NumericProperty(TEXT_SIZES["small"])
    body = NumericProperty(TEXT_SIZES["body"])
    button = NumericProperty(TEXT_SIZES["button"])
    h2 = NumericProperty(TEXT_SIZES["h2"])
    h1 = NumericProperty(TEXT_SIZES["h1"])
    tile_text = NumericProperty(TEXT_SIZES["tile"])
    code = NumericProperty(TEXT_SIZES["code"])
    icon = NumericProperty(TEXT_SIZES["icon"])
    tile_icon = NumericProperty(TEXT_SIZES["tile_icon"])
    face_icon = NumericProperty(TEXT_SIZES["face_icon"])
    # targets
    target = NumericProperty(TARGET_SIZES["target"])
    key = NumericProperty(TARGET_SIZES["key"])
    tile = NumericProperty(TARGET_SIZES["tile"])
    bar = NumericProperty(TARGET_SIZES["bar"])
    field = NumericProperty(TARGET_SIZES["field"])
    # spacing
    gap = NumericProperty(GAP_SIZES["gap"])
    pad = NumericProperty(GAP_SIZES["pad"])
    radius = NumericProperty(GAP_SIZES["radius"])

    # colours
    # White pages, like GOV.UK: buttons and cards are drawn as outlines and need no fill of their own,
    # which keeps every frame cheap on a kiosk PC that renders in software.
    bg = ColorProperty(hex_to_rgba("#FFFFFF"))
    panel = ColorProperty(hex_to_rgba("#EEF0F3"))  # the keyboard's tray
    surface = ColorProperty(hex_to_rgba("#FFFFFF"))
    text = ColorProperty(hex_to_rgba("#14181F"))
    muted = ColorProperty(hex_to_rgba("#4A5260"))
    line = ColorProperty(hex_to_rgba("#767E8C"))  # edges of controls: >= 3:1 on bg and surface
    primary = ColorProperty(hex_to_rgba("#0B5394"))
    text_on_primary = ColorProperty(WHITE)
    primary_soft = ColorProperty(hex_to_rgba("#E3ECF6"))  # selected choice background
    primary_down = ColorProperty(hex_to_rgba("#083A68"))  # a selected bar button, pressed
    # A light button while pressed: mid-grey, >= 3:1 against white, the panel and a selected choice, and
    # still 4.5:1 under the dark text (the window for both is narrow: luminance 0.22 to 0.24).
    pressed = ColorProperty(hex_to_rgba("#798494"))
    ok = ColorProperty(hex_to_rgba("#1B6B32"))
    warn = ColorProperty(hex_to_rgba("#8A4B00"))
    error = ColorProperty(hex_to_rgba("#A8201A"))
    error_soft = ColorProperty(hex_to_rgba("#FBEAE9"))
    topbar = ColorProperty(hex_to_rgba("#0B5394"))
    text_on_topbar = ColorProperty(WHITE)
    scrim = ColorProperty((0.05, 0.07, 0.1, 0.72))

    def set_primary(self, hex_color: str) -> None:
        p = readable_primary(hex_color, self.bg)
        self.primary = p
        self.text_on_primary = text_on(p)
        self.topbar = p
        self.text_on_topbar = self.text_on_primary
        self.primary_soft = mix(p, WHITE, 0.88)
        self.primary_down = mix(p, NEAR_BLACK, 0.3)

    def paint(self, kind: str, *, selected: bool = False, down: bool = False, disabled: bool = False) -> Paint:
        """The colours of a button of ``kind`` in one state (Pressable paints itself with these)."""
        if disabled:
            # Grey fill, dark grey words: plainly not available now, and still readable ("Please wait...").
            return Paint(self.panel, self.muted, self.line, self.muted, self.muted)
        if kind == "primary":
            if down:  # inverted: white with the primary colour's words and edge
                return Paint(self.surface, self.primary, self.primary, self.primary, self.primary)
            fg = self.text_on_primary
            return Paint(self.primary, fg, self.primary, fg, fg)
        if kind == "bar":
            if selected:
                if down:
                    fg = self.text_on_primary
                    return Paint(self.primary_down, fg, self.primary_down, fg, fg)
                return Paint(self.surface, self.primary, self.surface, self.primary, self.primary)
            if down:
                return Paint(self.surface, self.primary, self.surface, self.primary, self.primary)
            fg = self.text_on_topbar
            return Paint(self.topbar, fg, fg, fg, fg)
        if kind == "danger":
            if down:
                return Paint(self.error, WHITE, self.error, WHITE, WHITE)
            return Paint(self.surface, self.error, self.error, self.error, self.muted)
        if down:  # secondary, choice, key: mid-grey, everything on it in the text colour
            return Paint(self.pressed, self.text, self.text, self.text, self.text)
        if selected and kind in ("choice", "key"):
            return Paint(self.primary_soft, self.text, self.primary, self.primary, self.muted)
        return Paint(self.surface, self.text, self.line, self.primary, self.muted)

    def resting_ground(self, kind: str) -> tuple:
        """What is around a button of ``kind`` (keys sit on the keyboard's tray, bar buttons on the bar)."""
        return {"key": self.panel, "bar": self.topbar}.get(kind, self.bg)

    def press_pairs(self) -> dict[str, tuple]:
        """(pressed fill, resting fill) for every kind and selection; tested for 3:1. A resting fill the
        same as the page is drawn as no fill, so what shows is the ground the button lies on."""
        pairs = {}
        for kind in BUTTON_KINDS:
            for selected in (False, True):
                rest = self.paint(kind, selected=selected).bg
                if tuple(rest) == tuple(self.bg) and kind != "bar":
                    rest = self.resting_ground(kind)
                pairs[f"{kind}{' selected' if selected else ''}"] = (self.paint(kind, selected=selected, down=True).bg, rest)
        return pairs

    def paint_pairs(self) -> dict[str, tuple[tuple, tuple, float]]:
        """(colour, fill, minimum) for the words (4.5:1), second lines (4.5:1) and icons (3:1) of every
        kind in every state."""
        pairs = {}
        for kind in BUTTON_KINDS:
            for selected in (False, True):
                for down in (False, True):
                    for disabled in (False, True):
                        p = self.paint(kind, selected=selected, down=down, disabled=disabled)
                        name = f"{kind} selected={selected} down={down} disabled={disabled}"
                        pairs[f"words of {name}"] = (p.fg, p.bg, 4.5)
                        pairs[f"second line of {name}"] = (p.soft, p.bg, 4.5)
                        pairs[f"icon of {name}"] = (p.accent, p.bg, 3.0)
        return pairs

    def resize(self, width: float, height: float) -> None:
        self.scale = max(MIN_SCALE, min(width, height) / DESIGN_SHORT_SIDE)

    def on_scale(self, *_):
        self._apply()

    def on_large(self, *_):
        self._apply()

    def _apply(self) -> None:
        s = self.scale
        self.k = k = s * (LARGE_TEXT_FACTOR if self.large else 1.0)
        # The class rules' defaults first (Txt's body, Icon's icon). A use that sets its own size in KV
        # is a second binding on the same property, and when both change the last one to fire wins: set
        # after body, "font_size: theme.small" stays small (set before it, small labels turned body-sized
        # after a switch of text size).
        self.body = round(TEXT_SIZES["body"] * k)
        self.icon = round(TEXT_SIZES["icon"] * k)
        self.small = round(TEXT_SIZES["small"] * k)
        self.button = round(TEXT_SIZES["button"] * k)
        self.h2 = round(TEXT_SIZES["h2"] * k)
        self.h1 = round(TEXT_SIZES["h1"] * k)
        self.tile_text = round(TEXT_SIZES["tile"] * k)
        self.code = round(TEXT_SIZES["code"] * k)
        self.tile_icon = round(TEXT_SIZES["tile_icon"] * s)
        self.face_icon = round(TEXT_SIZES["face_icon"] * s)
        self.target = round(TARGET_SIZES["target"] * k)
        self.key = round(TARGET_SIZES["key"] * s)
        self.tile = round(TARGET_SIZES["tile"] * s)
        self.bar = round(TARGET_SIZES["bar"] * k)
        self.field = round(TARGET_SIZES["field"] * k)
        self.gap = round(GAP_SIZES["gap"] * s)
        self.pad = round(GAP_SIZES["pad"] * s)
        self.radius = round(GAP_SIZES["radius"] * s)
        self.revision += 1

    def size(self, role: str, _revision: int = 0) -> float:
        """The text size for a role ("body", "small", "h1"...). Txt's KV rule passes ``revision`` so it is
        bound to that one property: a label's size then comes from one binding, its role, and cannot be
        overwritten by another binding on a size set a moment later (which is what happened while the
        class rule and a use's own rule were both bound to font_size)."""
        return getattr(self, role)

    def text_pairs(self) -> dict[str, tuple]:
        """Every (text colour, background) pair in use, by name; tested for 4.5:1."""
        return {
            "text on bg": (self.text, self.bg),
            "text on surface": (self.text, self.surface),
            "muted on bg": (self.muted, self.bg),
            "muted on surface": (self.muted, self.surface),
            "text on selected": (self.text, self.primary_soft),
            "text on pressed": (self.text, self.pressed),
            "muted on panel (disabled buttons)": (self.muted, self.panel),
            "text on panel": (self.text, self.panel),
            "primary on bg": (self.primary, self.bg),
            "primary on surface": (self.primary, self.surface),
            "text_on_primary on primary": (self.text_on_primary, self.primary),
            "text_on_primary on primary_down": (self.text_on_primary, self.primary_down),
            "text_on_topbar on topbar": (self.text_on_topbar, self.topbar),
            "ok on surface": (self.ok, self.surface),
            "warn on surface": (self.warn, self.surface),
            "error on surface": (self.error, self.surface),
            "error on bg": (self.error, self.bg),
            "error on error_soft": (self.error, self.error_soft),
            "white on ok": (WHITE, self.ok),
            "white on warn": (WHITE, self.warn),
            "white on error": (WHITE, self.error),
        }

    def edge_pairs(self) -> dict[str, tuple]:
        """Control edges and icons against what surrounds them; tested for 3:1 (WCAG 1.4.11)."""
        return {
            "line on bg": (self.line, self.bg),
            "line on surface": (self.line, self.surface),
            "icon (primary) on selected": (self.primary, self.primary_soft),
            "selected edge (primary) on bg": (self.primary, self.bg),
        }


theme = Theme()


def register_fonts() -> None:
    """Noto Sans for every label and text box (it covers Indonesian and English fully), and the icons."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    from ..paths import FONTS
    from .icons import FONT_FILE, FONT_NAME

    regular, bold = str(FONTS / "NotoSans-Regular.ttf"), str(FONTS / "NotoSans-Bold.ttf")
    LabelBase.register(DEFAULT_FONT, regular, None, bold, None)
    LabelBase.register(FONT_NAME, str(FONTS / FONT_FILE))
