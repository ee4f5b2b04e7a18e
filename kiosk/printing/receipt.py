"""The printed complaint receipt: one long page as wide as the paper roll, cut after its last line.

What a citizen takes home: where and when they filed, the tracking code in large type, a QR that opens
the tracking page, what they filed, an honest status (recorded at this kiosk, or received by the
complaint centre), what happens next and by when, and how to follow it up. Never any personal data:
:class:`ReceiptInfo` has no field that could carry a name, NIK, phone number or email address.

The layout is computed first (every line wrapped to the roll width, so the page height is known), then
drawn on a reportlab canvas in one pass. Fonts are registered once per process; a receipt takes a few
milliseconds (see ``bench/bench_receipt.py``).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from kiosk.domain.complaint import (
    CLASS_LABELS,
    PRIVACY_LABELS,
    TOPIC_LABELS,
    ComplaintClass,
    Privacy,
    Topic,
)
from kiosk.i18n import translator

from .fonts import BOLD, REGULAR, register_fonts
from .qr import QUIET_ZONE, draw_qr, dot_pt, module_size, qr_matrix


@dataclass(frozen=True)
class ReceiptInfo:
    """Everything a receipt shows, and nothing more: deliberately no identity fields."""

    office_name: str  # the office where the kiosk stands
    kiosk_name: str
    filed_at: datetime  # timezone-aware local time (WITA, UTC+8, in NTB)
    tracking_code: str  # display form, e.g. "K7PM-Q2HX-9RT"
    tracking_url: str  # what the QR encodes
    complaint_class: ComplaintClass
    topic: Topic
    privacy: Privacy
    agency_name: str | None
    service_name: str | None
    confirmed: bool  # True only after the central server acknowledged the complaint
    deadlines: tuple[tuple[str, date], ...]  # (English msgid label, due date)
    demo: bool = False  # prints a "DEMO" line when the kiosk runs on demo data

    def __post_init__(self) -> None:
        if not isinstance(self.filed_at, datetime) or self.filed_at.utcoffset() is None:
            raise ValueError("filed_at must be a timezone-aware datetime")
        for name in ("office_name", "kiosk_name", "tracking_code", "tracking_url"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be non-empty text")
        ComplaintClass(self.complaint_class)
        Topic(self.topic)
        Privacy(self.privacy)


# --- words -----------------------------------------------------------------------------------------
# English msgids; Indonesian in assets/locale/id/LC_MESSAGES/receipt.po.

TITLES = {
    ComplaintClass.PENGADUAN: "Complaint receipt",
    ComplaintClass.ASPIRASI: "Suggestion receipt",
    ComplaintClass.PERMINTAAN_INFORMASI: "Information request receipt",
}
PRIVACY_NOTES = {
    Privacy.BIASA: "The agency sees who you are, so it can answer you.",
    Privacy.ANONIM: "Your identity is hidden from the agency.",
    Privacy.RAHASIA: "Your report is not shown to the public.",
}
MSG_TRACKING_CODE = "Tracking code"
MSG_SCAN = "Scan to follow your report"
MSG_WHAT_FILED = "What you filed"
MSG_TYPE = "Type:"
MSG_TOPIC = "Topic:"
MSG_AGENCY = "Agency:"
MSG_SERVICE = "Service:"
MSG_PRIVACY = "Privacy:"
MSG_STATUS = "Status"
MSG_PENDING = (
    "Recorded at this kiosk and will be sent to the complaint centre when connected. "
    "The tracking code already works at this kiosk."
)
MSG_CONFIRMED = "Received by the complaint centre"
MSG_NEXT = "What happens next"
MSG_WORKING_DAYS = "Deadlines count working days only."
MSG_HOW_TO_TRACK = "How to track"
MSG_TRACK_SCAN = "Scan the QR code with your phone camera."
MSG_TRACK_TYPE = "Or type the tracking code at any iPLiK kiosk, or at:"
MSG_NO_PERSONAL_DATA = "This receipt contains none of your personal data. Keep it to follow your report."
MSG_KIOSK = "Kiosk:"
MSG_DEMO = "DEMO"
MSG_DEMO_NOTE = "This kiosk runs on demo data."

# --- dates -----------------------------------------------------------------------------------------

_DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}
_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}


def format_day(day: date, lang: str) -> str:
    """'Kamis, 26 November 2026' / 'Thursday, 26 November 2026'."""
    lang = lang if lang in _DAYS else "id"
    return f"{_DAYS[lang][day.weekday()]}, {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def zone_name(moment: datetime) -> str:
    """WIB, WITA or WIT for Indonesia's three zones; otherwise 'UTC+05:30' style."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes % 60 == 0 and minutes // 60 in _ZONES:
        return _ZONES[minutes // 60]
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_time(moment: datetime) -> str:
    """'14:05 WITA': the local time the kiosk recorded, not converted."""
    return f"{moment.hour:02d}:{moment.minute:02d} {zone_name(moment)}"


def format_moment(moment: datetime, lang: str) -> str:
    """'Senin, 23 November 2026 14:05 WITA'."""
    return f"{format_day(moment.date(), lang)} {format_time(moment)}"


# --- layout ----------------------------------------------------------------------------------------

Run = tuple[str, str]  # (text, font name)

_WS = re.compile(r"[^\S\u00a0]+")  # whitespace except NO-BREAK SPACE
NBSP = "\u00a0"
# Where a long word without spaces (an address) may break: after these characters.
_BREAK_AFTER = frozenset("/-.?&=_\u00a0")


def _clean(text: str) -> str:
    """One line of text: any whitespace run (newlines too) becomes one space, ends trimmed."""
    return " ".join(text.split())


def _squash(text: str) -> str:
    """Whitespace runs become one space; a leading or trailing space is kept (it separates runs).
    NO-BREAK SPACE stays: it holds a date or "14:05 WITA" together on one line."""
    return _WS.sub(" ", text)


def _nobreak(text: str) -> str:
    return text.replace(" ", NBSP)


def _width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def _words(segments: list[Run]) -> list[list[Run]]:
    """Split runs into words (break opportunities are spaces); a word may mix fonts."""
    words: list[list[Run]] = []
    current: list[Run] = []
    for text, font in segments:
        parts = text.split(" ")
        for i, part in enumerate(parts):
            if i > 0 and current:
                words.append(current)
                current = []
            if part:
                current.append((part, font))
    if current:
        words.append(current)
    return words


def _word_width(word: list[Run], size: float) -> float:
    return sum(_width(text, font, size) for text, font in word)


def _break_point(chars: list[tuple[str, str, float]], start: int, end: int) -> int:
    """Where to end a piece of an over-long word that fits in chars[start:end]: after the last "/"
    in the second half of it (an address breaks between its parts), else after the last "-", "." ...,
    else at ``end``."""
    lowest = start + (end - start) / 2
    for allowed in ("/", _BREAK_AFTER):
        for cut in range(end - 1, start, -1):
            if cut + 1 >= lowest and chars[cut][0] in allowed:
                return cut + 1
    return end


def _split_long(word: list[Run], size: float, width: float) -> list[list[Run]]:
    """Break a word wider than the line into pieces that fit, preferably after "/" or "-"."""
    chars = [(ch, font, _width(ch, font, size)) for text, font in word for ch in text]
    pieces: list[list[Run]] = []
    start = 0
    while start < len(chars):
        used, end = 0.0, start
        while end < len(chars) and (end == start or used + chars[end][2] <= width):
            used += chars[end][2]
            end += 1
        if end < len(chars):
            end = _break_point(chars, start, end)
        piece: list[Run] = []
        for ch, font, _w in chars[start:end]:
            if piece and piece[-1][1] == font:
                piece[-1] = (piece[-1][0] + ch, font)
            else:
                piece.append((ch, font))
        pieces.append(piece)
        start = end
    return pieces


def wrap_runs(segments: list[Run], size: float, width: float) -> list[tuple[list[Run], float]]:
    """Greedy line breaking of mixed-font text; returns lines as (runs, width). Words longer than a
    line are broken between characters, so nothing ever runs past ``width``."""
    lines: list[tuple[list[Run], float]] = []
    line: list[Run] = []
    used = 0.0
    for word in _words([(_squash(text), font) for text, font in segments if text]):
        ww = _word_width(word, size)
        pieces = [word] if ww <= width else _split_long(word, size, width)
        for piece in pieces:
            pw = ww if piece is word else _word_width(piece, size)
            space = _width(" ", line[-1][1], size) if line else 0.0
            if line and used + space + pw > width:
                lines.append((line, used))
                line, used, space = [], 0.0, 0.0
            if line:
                line[-1] = (line[-1][0] + " ", line[-1][1])
                used += space
            for text, font in piece:
                if line and line[-1][1] == font:
                    line[-1] = (line[-1][0] + text, font)
                else:
                    line.append((text, font))
            used += pw
    if line:
        lines.append((line, used))
    # Drawn as ordinary spaces (same width in Noto Sans), so copied or extracted text is plain.
    return [([(text.replace(NBSP, " "), font) for text, font in runs], w) for runs, w in lines]


@dataclass(frozen=True)
class _Style:
    office: float
    title: float
    body: float
    small: float
    label: float
    code_max: float
    qr_target: float  # width of the symbol itself (quiet zone excluded), points
    margin: float
    top: float
    bottom: float


def _style(width_mm: float, margin_mm: float) -> _Style:
    if width_mm >= 70:
        return _Style(office=12.5, title=11.5, body=10, small=9, label=9, code_max=30,
                      qr_target=35 * mm, margin=margin_mm * mm, top=4 * mm, bottom=5 * mm)
    return _Style(office=10.5, title=10, body=9, small=8.5, label=8.5, code_max=24,
                  qr_target=27 * mm, margin=margin_mm * mm, top=3 * mm, bottom=5 * mm)


class _Layout:
    """Places lines top-down (y grows downward from the top edge), then draws them on a canvas."""

    LEADING = 1.28

    def __init__(self, page_width: float, style: _Style):
        self.page_width = page_width
        self.left = style.margin
        self.width = page_width - 2 * style.margin
        self.y = style.top
        self.ops: list[tuple] = []

    def para(self, segments: list[Run], size: float, *, align: str = "left", indent: float = 0.0,
             after: float = 0.0, leading: float | None = None) -> None:
        lead = size * (leading or self.LEADING)
        for runs, w in wrap_runs(segments, size, self.width - indent):
            if align == "center":
                x = self.left + (self.width - w) / 2
            else:
                x = self.left + indent
            baseline = self.y + (lead - size * 1.2) / 2 + size * 0.96
            self.ops.append(("text", x, baseline, size, runs))
            self.y += lead
        self.y += after

    def text(self, text: str, size: float, *, bold: bool = False, **kw) -> None:
        self.para([(text, BOLD if bold else REGULAR)], size, **kw)

    def space(self, height: float) -> None:
        self.y += height

    def rule(self, *, before: float = 2.2 * mm, after: float = 2.6 * mm, weight: float = 0.8) -> None:
        self.y += before
        self.ops.append(("rule", self.left, self.y, self.left + self.width, weight))
        self.y += after

    def qr(self, matrix: list[list[bool]], max_symbol: float) -> None:
        n = len(matrix)
        dot = dot_pt()
        available = self.width  # the quiet zone must fit inside the printable width too
        module = module_size(min(max_symbol / n, available / (n + 2 * QUIET_ZONE)) * n, n)
        if (n + 2 * QUIET_ZONE) * module > available:
            module = module_size(available, n + 2 * QUIET_ZONE)
        symbol = n * module
        # Whole printer dots from the page's left and top edges: every module prints the same size.
        x = math.floor((self.page_width - symbol) / 2 / dot + 0.5) * dot
        top = math.ceil((self.y + QUIET_ZONE * module) / dot - 1e-9) * dot
        self.ops.append(("qr", matrix, x, top + symbol, module))
        self.y = top + symbol + QUIET_ZONE * module

    def boxed(self, text: str, size: float) -> None:
        """A bold word in a frame, centred (the DEMO mark)."""
        w = _width(text, BOLD, size)
        pad_x, pad_y = size * 0.6, size * 0.35
        box_w, box_h = w + 2 * pad_x, size * 1.2 + 2 * pad_y
        x = self.left + (self.width - box_w) / 2
        self.ops.append(("box", x, self.y, box_w, box_h))
        baseline = self.y + pad_y + size * 0.96
        self.ops.append(("text", x + pad_x, baseline, size, [(text, BOLD)]))
        self.y += box_h

    def draw(self, canvas: Canvas, page_height: float) -> None:
        font_state: tuple[str, float] | None = None
        for op in self.ops:
            kind = op[0]
            if kind == "text":
                _, x, baseline, size, runs = op
                y = page_height - baseline
                for text, font in runs:
                    if font_state != (font, size):
                        canvas.setFont(font, size)
                        font_state = (font, size)
                    canvas.drawString(x, y, text)
                    x += _width(text, font, size)
            elif kind == "rule":
                _, x1, y, x2, weight = op
                canvas.setLineWidth(weight)
                canvas.line(x1, page_height - y, x2, page_height - y)
            elif kind == "qr":
                _, matrix, x, bottom, module = op
                draw_qr(canvas, matrix, x, page_height - bottom, module)
            elif kind == "box":
                _, x, top, w, h = op
                canvas.setLineWidth(1.5)
                canvas.rect(x, page_height - top - h, w, h, stroke=1, fill=0)


# --- the receipt -----------------------------------------------------------------------------------

MIN_WIDTH_MM, MAX_WIDTH_MM = 40.0, 120.0


def render_receipt(info: ReceiptInfo, *, lang: str = "id", width_mm: float = 80, margin_mm: float = 3.0) -> bytes:
    """The receipt as a one-page PDF, ``width_mm`` wide (58 or 80 mm rolls) and exactly as tall as its
    content. Text is in ``lang`` ("id" or "en"); fonts are embedded subsets of Noto Sans."""
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be between {MIN_WIDTH_MM:g} and {MAX_WIDTH_MM:g}")
    if not 0 <= margin_mm <= width_mm / 4:
        raise ValueError("margin_mm is out of range")
    register_fonts()
    _ = translator(lang)
    lang = lang if lang in _DAYS else "id"
    st = _style(width_mm, margin_mm)
    page_width = width_mm * mm
    lay = _Layout(page_width, st)

    # Where and when.
    lay.text(info.office_name, st.office, bold=True, align="center", after=1.2 * mm)
    lay.text(_(TITLES[ComplaintClass(info.complaint_class)]), st.title, bold=True, align="center", after=0.6 * mm)
    when = f"{_nobreak(format_day(info.filed_at.date(), lang))} {_nobreak(format_time(info.filed_at))}"
    lay.text(when, st.small, align="center")
    lay.rule()

    # The code, as large as the roll allows, and the QR.
    lay.text(_(MSG_TRACKING_CODE), st.label, align="center", after=0.4 * mm)
    code = _clean(info.tracking_code)
    code_size = min(st.code_max, lay.width / max(_width(code, BOLD, 1.0), 1e-6) * 0.98)
    code_size = max(code_size, st.body)  # an unexpectedly long code wraps rather than shrinks to nothing
    lay.text(code, code_size, bold=True, align="center", leading=1.15)
    lay.qr(qr_matrix(info.tracking_url), st.qr_target)
    lay.text(_(MSG_SCAN), st.small, align="center")
    lay.rule()

    # What was filed.
    lay.text(_(MSG_WHAT_FILED), st.body, bold=True, after=0.6 * mm)
    rows: list[tuple[str, str]] = [
        (MSG_TYPE, _(CLASS_LABELS[ComplaintClass(info.complaint_class)])),
        (MSG_TOPIC, _(TOPIC_LABELS[Topic(info.topic)])),
    ]
    if info.agency_name and info.agency_name.strip():
        rows.append((MSG_AGENCY, info.agency_name))
    if info.service_name and info.service_name.strip():
        rows.append((MSG_SERVICE, info.service_name))
    rows.append((MSG_PRIVACY, _(PRIVACY_LABELS[Privacy(info.privacy)])))
    for label, value in rows:
        lay.para([(_(label) + " ", REGULAR), (value, BOLD)], st.body, after=0.5 * mm)
    lay.text(_(PRIVACY_NOTES[Privacy(info.privacy)]), st.small)
    lay.rule()

    # The honest status.
    lay.text(_(MSG_STATUS), st.body, bold=True, after=0.6 * mm)
    if info.confirmed:
        lay.text(_(MSG_CONFIRMED), st.body, bold=True)
    else:
        lay.text(_(MSG_PENDING), st.body)

    # What happens next, by when.
    if info.deadlines:
        lay.space(2.4 * mm)
        lay.text(_(MSG_NEXT), st.body, bold=True, after=0.6 * mm)
        for label, due in info.deadlines:
            lay.para([(_(label) + " ", REGULAR), (_nobreak(format_day(due, lang)), BOLD)], st.body, after=0.8 * mm)
        lay.text(_(MSG_WORKING_DAYS), st.small)
    lay.rule()

    # How to follow it up.
    lay.text(_(MSG_HOW_TO_TRACK), st.body, bold=True, after=0.6 * mm)
    lay.text(_(MSG_TRACK_SCAN), st.body, after=0.5 * mm)
    lay.text(_(MSG_TRACK_TYPE), st.body)
    lay.text(info.tracking_url, st.body, bold=True)
    lay.rule()

    lay.text(_(MSG_NO_PERSONAL_DATA), st.small, after=1.0 * mm)
    lay.para([(_(MSG_KIOSK) + " ", REGULAR), (info.kiosk_name, REGULAR)], st.small)
    if info.demo:
        lay.space(2.5 * mm)
        lay.boxed(_(MSG_DEMO), st.title + 2)
        lay.space(0.8 * mm)
        lay.text(_(MSG_DEMO_NOTE), st.small, align="center")

    dot = dot_pt()
    page_height = math.ceil((lay.y + st.bottom) / dot) * dot
    out = io.BytesIO()
    canvas = Canvas(
        out,
        pagesize=(page_width, page_height),
        pageCompression=1,
        initialFontName=REGULAR,
        initialFontSize=st.body,
    )
    canvas.setTitle(f"{_(TITLES[ComplaintClass(info.complaint_class)])} {code}")
    canvas.setAuthor("iPLiK Kiosk")
    canvas.setCreator("iPLiK Kiosk")
    lay.draw(canvas, page_height)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
