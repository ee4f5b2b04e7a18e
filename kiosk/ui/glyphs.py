"""Which characters the bundled text font can draw, so a text box never shows (or stores) a missing-glyph box.

A USB keyboard, a scanner or a paste can send emoji and other characters Noto Sans has no glyph for; Kivy
would draw each as an empty box, and the complaint would be stored with characters nobody at the office
can read either. The text boxes keep only what :func:`drawable` lets through (issue #13).

The set is read from the font file's own ``cmap`` table, once, when first needed, by reportlab's TrueType
reader (the kiosk already has it for the printed receipt's fonts; about 15 ms), so it follows whatever font
is bundled: no hand-made list to keep in step.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from ..paths import FONTS

TEXT_FONT = FONTS / "NotoSans-Regular.ttf"  # the font every text box uses (theme.register_fonts)

# Typed characters that are not glyphs but are kept: a line break in a multi-line box.
KEEP = frozenset("\n")


def read_cmap(path: Path) -> frozenset[int]:
    """The code points ``path`` maps to a real glyph (glyph 0 is the font's missing-glyph box)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    return frozenset(code for code, glyph in TTFontFile(str(path)).charToGlyph.items() if glyph)


@lru_cache(maxsize=1)
def text_font_codepoints() -> frozenset[int]:
    return read_cmap(TEXT_FONT)


def drawable(text: str) -> str:
    """``text`` without what the text font cannot draw (emoji, other scripts) and without invisible format
    characters (zero-width joiners and emoji variation selectors left behind by a dropped emoji)."""
    if text.isascii() and text.isprintable():
        return text  # the common case, typed key by key: Noto Sans draws all of printable ASCII
    known = text_font_codepoints()
    return "".join(
        ch for ch in text
        if ch in KEEP or (ord(ch) in known and unicodedata.category(ch) not in ("Cc", "Cf"))
    )
