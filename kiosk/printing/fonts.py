"""The bundled Noto Sans, registered with reportlab once per process.

reportlab embeds TrueType fonts as subsets (only the glyphs a document uses), so every PDF the kiosk
prints carries its own font and looks the same on any printer driver or viewer. Parsing the two TTF
files takes tens of milliseconds: it happens at the first call and never again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from kiosk.paths import FONTS

REGULAR = "KioskSans"
BOLD = "KioskSans-Bold"

_FILES = {REGULAR: "NotoSans-Regular.ttf", BOLD: "NotoSans-Bold.ttf"}

_lock = threading.Lock()
_registered = False


def register_fonts(font_dir: Path | None = None) -> tuple[str, str]:
    """Register "KioskSans" and "KioskSans-Bold" (idempotent, thread-safe); return their names.

    ``font_dir`` is only read on the first call; later calls return at once.
    """
    global _registered
    if _registered:
        return REGULAR, BOLD
    with _lock:
        if not _registered:
            directory = Path(font_dir) if font_dir is not None else FONTS
            registered = set(pdfmetrics.getRegisteredFontNames())
            for name, filename in _FILES.items():
                if name not in registered:
                    pdfmetrics.registerFont(TTFont(name, str(directory / filename)))
            # So that <b> in platypus Paragraphs picks the bold face (there is no italic: use regular).
            for bold, italic, face in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
                addMapping(REGULAR, bold, italic, face)
            _registered = True
    return REGULAR, BOLD
