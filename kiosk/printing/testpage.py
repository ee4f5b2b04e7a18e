"""The printer test page staff print after changing the roll or the printer: a short receipt that shows
whether the width is right (a ruler reaching both edges), the text is sharp, the QR scans and the
cutter cuts below the last line."""

from __future__ import annotations

import io
import math
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..i18n import translator
from .fonts import REGULAR, register_fonts
from .qr import dot_pt, qr_matrix
from .receipt import MAX_WIDTH_MM, MIN_WIDTH_MM, _Layout, _nobreak, _style, format_day, format_time

MSG_TITLE = "Printer test"
MSG_WIDTH = "Roll width: {width} mm"
MSG_RULER = "The ruler below should reach both edges of the paper."
MSG_SCAN = "Scan the QR code: it shows the kiosk's name."
MSG_CUT = "The cut should be just below the last line."
MSG_LAST = "End of the test page."


def render_test_page(*, office_name: str, kiosk_name: str, kiosk_id: str, now: datetime, lang: str = "id",
                     width_mm: float = 80) -> bytes:
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be between {MIN_WIDTH_MM:g} and {MAX_WIDTH_MM:g}")
    register_fonts()
    _ = translator(lang)
    st = _style(width_mm, 3.0)
    page_width = width_mm * mm
    lay = _Layout(page_width, st)
    lay.text(office_name, st.office, bold=True, align="center", after=1 * mm)
    lay.text(_(MSG_TITLE), st.title, bold=True, align="center")
    lay.text(f"{_nobreak(format_day(now.date(), lang))} {_nobreak(format_time(now))}", st.small, align="center")
    lay.rule()
    lay.text(_(MSG_WIDTH).format(width=f"{width_mm:g}"), st.body, bold=True)
    lay.text(_(MSG_RULER), st.small, after=1.5 * mm)
    ruler_top = lay.y
    lay.space(5 * mm)
    lay.text(_(MSG_SCAN), st.small)
    lay.qr(qr_matrix(f"iplik-test:{kiosk_id}:{kiosk_name}"), st.qr_target * 0.8)
    lay.text(kiosk_name, st.small, align="center")
    lay.rule()
    lay.text(_(MSG_CUT), st.small)
    lay.text(_(MSG_LAST), st.body, bold=True, align="center")
    dot = dot_pt()
    page_height = math.ceil((lay.y + st.bottom) / dot) * dot
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(page_width, page_height), pageCompression=1, initialFontName=REGULAR)
    canvas.setTitle(_(MSG_TITLE))
    canvas.setCreator("iPLiK Kiosk")
    lay.draw(canvas, page_height)
    # A ruler across the whole width: ticks every 5 mm, longer every 10 mm.
    y = page_height - ruler_top - 4 * mm
    canvas.setLineWidth(0.6)
    canvas.line(0, y, page_width, y)
    for i in range(int(width_mm) + 1):
        if i % 5 == 0:
            tick = 3 * mm if i % 10 == 0 else 1.8 * mm
            x = min(i * mm, page_width - 0.3)
            canvas.line(x, y, x, y + tick)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
