"""QR codes for receipts: a module matrix, vector drawing for PDFs, and a PNG for the screen.

On paper the symbol is drawn as filled vector rectangles (one path, no hairline seams between modules),
with module sizes that are whole printer dots, so a 203 dpi thermal head prints every module the same
width. The quiet zone (white margin the scanner needs) is 4 modules, the minimum of ISO/IEC 18004.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

QUIET_ZONE = 4  # modules of white around the symbol
THERMAL_DPI = 203

Matrix = list[list[bool]]


def qr_matrix(data: str) -> Matrix:
    """The QR symbol for ``data``: error correction M, the smallest version that fits, no border.

    ``matrix[row][col]`` is True for a dark module; row 0 is the top.
    """
    if not isinstance(data, str) or not data:
        raise ValueError("QR data must be a non-empty string")
    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def dot_pt(dpi: int = THERMAL_DPI) -> float:
    """One printer dot, in points."""
    return 72.0 / dpi


def module_size(max_width_pt: float, modules: int, *, dpi: int = THERMAL_DPI) -> float:
    """The largest module size, in points and a whole number of printer dots, such that ``modules``
    modules fit in ``max_width_pt``. Never less than one dot."""
    dot = dot_pt(dpi)
    return max(1, math.floor(max_width_pt / modules / dot + 1e-9)) * dot


def draw_qr(canvas, matrix: Sequence[Sequence[bool]], x: float, y: float, module: float) -> None:
    """Draw the dark modules of ``matrix`` with the symbol's bottom-left corner at (x, y), in points.

    Horizontal runs of dark modules become one rectangle each, all in a single filled path. Each is
    inset by a hair (0.3 % of a module): an edge lying exactly on a pixel boundary would otherwise
    blacken the neighbouring pixel too in some rasterizers (poppler's, without anti-aliasing), and a
    203 dpi printer would print every module one dot too wide. The caller keeps ``QUIET_ZONE``
    modules free around the symbol.
    """
    n = len(matrix)
    e = module * 0.003
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + (n - r) * module
        c = 0
        width = len(row)
        while c < width:
            if row[c]:
                start = c
                while c < width and row[c]:
                    c += 1
                path.rect(x + start * module + e, top - module + e, (c - start) * module - 2 * e, module - 2 * e)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class QRFlowable(Flowable):
    """A QR code for platypus documents (forms on A4): the symbol plus its quiet zone.

    ``width`` is the largest the whole thing (quiet zone included) may be; the module size is rounded
    down to whole printer dots at ``dpi``.
    """

    def __init__(self, data: str, width: float = 35 * mm, *, dpi: int = THERMAL_DPI, hAlign: str = "CENTER"):
        super().__init__()
        self.data = data
        self.matrix = qr_matrix(data)
        total_modules = len(self.matrix) + 2 * QUIET_ZONE
        self.module = module_size(width, total_modules, dpi=dpi)
        self.size = total_modules * self.module
        self.hAlign = hAlign

    def wrap(self, availWidth, availHeight):  # noqa: N802 (reportlab's names)
        return self.size, self.size

    def draw(self):
        offset = QUIET_ZONE * self.module
        draw_qr(self.canv, self.matrix, offset, offset, self.module)


def qr_png(data: str, box_px: int, *, border: int = QUIET_ZONE) -> bytes:
    """A black-on-white PNG of the QR for ``data``: ``box_px`` pixels per module, ``border`` modules
    of quiet zone (4 by default). For the on-screen receipt when the printer is out of paper."""
    if box_px < 1:
        raise ValueError("box_px must be at least 1")
    matrix = qr_matrix(data)
    n = len(matrix)
    side = n + 2 * border
    small = Image.new("L", (side, side), 255)
    small.putdata(
        [
            0 if (border <= r < border + n and border <= c < border + n and matrix[r - border][c - border]) else 255
            for r in range(side)
            for c in range(side)
        ]
    )
    image = small.resize((side * box_px, side * box_px), Image.NEAREST).convert("1")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
