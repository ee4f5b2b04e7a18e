"""Which characters the bundled text font can draw, so a text box never shows (or stores) a missing-glyph box.

A USB keyboard, a scanner or a paste can send emoji and other characters Noto Sans has no glyph for; Kivy
would draw each as an empty box, and the complaint would be stored with characters nobody at the office
can read either. The text boxes keep only what :func:`drawable` lets through (issue #13).

The set is read from the font file's own ``cmap`` table, once, when first needed (about a millisecond), so it
follows whatever font is bundled: no hand-made list to keep in step. fontTools is not a dependency of the
kiosk; the two ``cmap`` subtable formats a TrueType text font uses (4: the Basic Multilingual Plane, 12:
everything) are small enough to read here.
"""

from __future__ import annotations

import struct
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..paths import FONTS

TEXT_FONT = FONTS / "NotoSans-Regular.ttf"  # the font every text box uses (theme.register_fonts)

# Typed characters that are not glyphs but are kept: a line break in a multi-line box.
KEEP = frozenset("\n")


def read_cmap(path: Path) -> frozenset[int]:
    """The code points ``path`` maps to a real glyph (glyph 0 is the font's missing-glyph box)."""
    data = path.read_bytes()
    num_tables = struct.unpack_from(">H", data, 4)[0]
    cmap = None
    for i in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        raise ValueError(f"{path.name} has no cmap table")
    _version, count = struct.unpack_from(">HH", data, cmap)
    # The fullest Unicode subtable wins: format 12 covers everything format 4 covers.
    best: tuple[int, int] | None = None
    for i in range(count):
        platform, encoding, sub = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, cmap + sub)[0]
        unicode_table = platform == 0 or (platform == 3 and encoding in (1, 10))
        if unicode_table and fmt in (4, 12) and (best is None or fmt > best[0]):
            best = (fmt, cmap + sub)
    if best is None:
        raise ValueError(f"{path.name} has no Unicode cmap subtable of format 4 or 12")
    fmt, at = best
    return _format12(data, at) if fmt == 12 else _format4(data, at)


def _format4(data: bytes, at: int) -> frozenset[int]:
    seg_count = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends_at = at + 14
    starts_at = ends_at + 2 * seg_count + 2  # past the reserved pad
    deltas_at = starts_at + 2 * seg_count
    ranges_at = deltas_at + 2 * seg_count
    ends = struct.unpack_from(f">{seg_count}H", data, ends_at)
    starts = struct.unpack_from(f">{seg_count}H", data, starts_at)
    deltas = struct.unpack_from(f">{seg_count}h", data, deltas_at)
    range_offsets = struct.unpack_from(f">{seg_count}H", data, ranges_at)
    found = set()
    for seg, (start, end, delta, range_offset) in enumerate(zip(starts, ends, deltas, range_offsets)):
        for code in range(start, end + 1):
            if code == 0xFFFF:
                continue
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                # idRangeOffset is relative to its own place in the table (the spec's pointer trick).
                where = ranges_at + 2 * seg + range_offset + 2 * (code - start)
                glyph = struct.unpack_from(">H", data, where)[0]
                if glyph:
                    glyph = (glyph + delta) & 0xFFFF
            if glyph:
                found.add(code)
    return frozenset(found)


def _format12(data: bytes, at: int) -> frozenset[int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    found = set()
    for i in range(groups):
        start, end, first_glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        found.update(range(max(start, 1 if first_glyph == 0 else start), end + 1))
    return frozenset(found)


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
