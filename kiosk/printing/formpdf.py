"""An application form on A4: the agency's letterhead, the title, the fields filled or left for the pen,
the documents to attach, the signature block and a QR with the form's reference.

Laid out like the receipt: every block (a field row, a section heading, the signatures) is measured
first, then blocks are placed on pages top-down, never split (a block that does not fit starts the next
page, under a short running header), and finally drawn on a reportlab canvas with page numbers known.

What a clerk and a citizen look for on paper:
- fields that the kiosk did not fill (left empty, written by hand, or for the office) are printed as
  empty boxes or lines with a hint on how to write them; NIK and dates in character boxes;
- long labels and values wrap inside their column, never past the margin;
- the signature block has the place and the date in Indonesian ("Mataram, 23 November 2026"), or
  dotted gaps on a blank form;
- the QR names the form, its version and the reference of this print (no personal data).
"""

from __future__ import annotations

import io
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..domain.tracking import ALPHABET
from ..i18n import translator
from .fonts import BOLD, REGULAR, register_fonts
from .forms import FieldSpec, FormSpec, Section, Text
from .qr import QUIET_ZONE, draw_qr, module_size, qr_matrix
from .receipt import _MONTHS, Run, wrap_runs

PAGE_W, PAGE_H = 210 * mm, 297 * mm
# Box edges sit on a 1/150 inch grid, so that at 150, 300 and 600 dpi every separator of a row of
# character boxes falls on a pixel boundary and prints alike (else a few come out darker than the rest).
GRID = 72 / 150
ML = MR = 18 * mm
MT = 13 * mm
FOOTER_H = 17 * mm  # reserved at the bottom of every page
CW = PAGE_W - ML - MR
LABEL_W = 56 * mm
GAP = 4 * mm
VX = math.ceil((ML + LABEL_W + GAP) / GRID) * GRID
VW = ML + CW - VX
BOTTOM = PAGE_H - FOOTER_H

BOX_W, BOX_H = 30 * GRID, 6.4 * mm  # one character box, 5.08 mm wide
TICK = 3.8 * mm  # a check box
HAND_LINE = 7.5 * mm  # line spacing for handwriting
QR_SIZE = 24 * mm  # quiet zone included
PRINT_DPI = 300  # module sizes in whole dots of a 300/600 dpi office printer

INK = 0.0
LABEL_INK = 0.15
SOFT_INK = 0.38  # hints, captions, the English under Indonesian (4.5:1 and more on white paper)
RULE_INK = 0.35
FILL_GREY = 0.90

# --- layout words (English msgids; Indonesian in assets/locale/id/LC_MESSAGES/forms.po) -------------
MSG_REQUIRED_NOTE = "Fields marked * must be filled in."
MSG_ATTACHMENTS = "Documents to attach"
MSG_ATTACHMENTS_NOTE = "Tick each document you hand in with this form."
MSG_FOR_OFFICE = "For the office"
MSG_SIGN_NAME = "full name and signature"
MSG_STAMP = "Stamp duty Rp10,000"
MSG_PAGE = "Page {page} of {pages}"
MSG_PRINTED_AT = "Printed at {kiosk}, {when}"
MSG_FREE = "This form is free of charge. Report illegal fees at any iPLiK kiosk or at lapor.go.id."
MSG_REFERENCE = "Reference: {ref}"
MSG_BLANK_FORM = "Blank form: fill it in by hand in block letters."
MSG_CONTINUED = "continued"
MSG_DAY = "day"
MSG_MONTH = "month"
MSG_YEAR = "year"
MSG_LEGAL_BASIS = "Legal basis:"
MSG_DEMO = "DEMO: sample form from demo data, not valid for a real application."
MSG_LOGO = "LOGO"
MSG_FORM_NUMBER = "Form {number}"
MSG_EXAMPLE = "For example: {example}"


@dataclass(frozen=True)
class FormContext:
    """What the page says about where it comes from (the facade fills it from the catalog and config)."""

    agency_name: str = ""
    agency_address: str = ""
    agency_phone: str = ""
    agency_email: str = ""
    government: str = "Provinsi Nusa Tenggara Barat"
    kiosk_name: str = ""
    printed_at: datetime | None = None  # local, timezone-aware; None: now
    ref: str | None = None  # the reference printed and in the QR; None on a filled form: a new one
    demo: bool = False


def new_reference() -> str:
    """A reference for one printed form, "F-K7PM-Q2HX": random, in the tracking codes' alphabet (no 0/O,
    1/I/L), but starting with F so nobody types it into the complaint tracker."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"F-{raw[:4]}-{raw[4:]}"


def qr_payload(spec: FormSpec, ref: str | None) -> str:
    """What the form's QR holds: ``iplik-form:<id>:v<version>[:<ref>]``."""
    base = f"iplik-form:{spec.id}:v{spec.version}"
    return f"{base}:{ref}" if ref else base


# Area codes with two digits after the 0 (Jakarta, Bandung, Semarang, Surabaya, Medan); the rest of
# Indonesia, NTB's 0370 included, has three.
_SHORT_AREA_CODES = ("21", "22", "24", "31", "61")


def national_phone(e164: str) -> str:
    """+6281234567890 -> '0812 3456 7890'; +62370634567 -> '0370 634567', as people write them."""
    if not e164.startswith("+62"):
        return e164
    national = e164[3:]
    if national.startswith("8"):
        digits = "0" + national
        return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))
    area = 2 if national.startswith(_SHORT_AREA_CODES) else 3
    return f"0{national[:area]} {national[area:]}"


def indonesian_date(day: date) -> str:
    """'23 November 2026': the date on a signature line is written in Indonesian on every form."""
    return f"{day.day} {_MONTHS['id'][day.month - 1]} {day.year}"


# --- blocks ------------------------------------------------------------------------------------------


def _w(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


class Block:
    """Drawing operations relative to the block's top-left corner, and its height."""

    def __init__(self, *, keep_with_next: bool = False) -> None:
        self.ops: list[tuple] = []
        self.h = 0.0
        self.keep_with_next = keep_with_next

    def grow(self, bottom: float) -> None:
        self.h = max(self.h, bottom)

    def line_text(self, x: float, top: float, size: float, runs: list[Run], *, ink: float = INK,
                  lead: float = 1.25) -> float:
        """One line of runs with its line box starting at ``top``; returns the line box's bottom."""
        box = size * lead
        baseline = top + (box - size * 1.2) / 2 + size * 0.96
        self.ops.append(("text", x, baseline, size, runs, ink))
        self.grow(top + box)
        return top + box

    def para(self, segments: list[Run], size: float, x: float, top: float, width: float, *,
             align: str = "left", ink: float = INK, lead: float = 1.25) -> float:
        """Wrapped text; "\\n" in a run starts a new line. Returns the bottom of the last line."""
        y = top
        for piece in _split_lines(segments):
            if not piece:
                y += size * lead
                continue
            for runs, w in wrap_runs(piece, size, width):
                dx = (width - w) / 2 if align == "center" else (width - w if align == "right" else 0.0)
                y = self.line_text(x + dx, y, size, runs, ink=ink, lead=lead)
        self.grow(y)
        return y

    def rule(self, x1: float, y: float, x2: float, *, width: float = 0.5, ink: float = RULE_INK,
             dash: tuple[float, ...] | None = None) -> None:
        self.ops.append(("line", x1, y, x2, y, width, ink, dash))
        self.grow(y + width / 2)

    def rect(self, x: float, y: float, w: float, h: float, *, width: float = 0.6, ink: float = RULE_INK,
             fill: float | None = None, dash: tuple[float, ...] | None = None) -> None:
        self.ops.append(("rect", x, y, w, h, width, ink, fill, dash))
        self.grow(y + h)

    def cross(self, x: float, y: float, size: float) -> None:
        """An X in a check box whose top-left corner is (x, y)."""
        p = size * 0.2
        self.ops.append(("line", x + p, y + p, x + size - p, y + size - p, 1.3, INK, None))
        self.ops.append(("line", x + p, y + size - p, x + size - p, y + p, 1.3, INK, None))


def _split_lines(segments: list[Run]) -> list[list[Run]]:
    lines: list[list[Run]] = [[]]
    for text, font in segments:
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if part:
                lines[-1].append((part, font))
    return lines


def _text_height(segments: list[Run], size: float, width: float, lead: float = 1.25) -> float:
    probe = Block()
    return probe.para(segments, size, 0, 0, width, lead=lead)


# --- the renderer ------------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, spec: FormSpec, values: Mapping[str, Any] | None, lang: str, ctx: FormContext) -> None:
        self.spec = spec
        self.values = dict(values or {})
        self.blank = values is None
        self.lang = "en" if lang == "en" else "id"
        self.ctx = ctx
        self._ = translator(self.lang)
        self._id = translator("id")
        self.printed_at = ctx.printed_at or datetime.now().astimezone()
        self.ref = None if self.blank else (ctx.ref or new_reference())

    # Words in the page's language; in English the Indonesian follows, smaller, for the clerk.
    def label_runs(self, text: Text, *, bold: bool = False) -> list[Run]:
        return [(text(self.lang), BOLD if bold else REGULAR)]

    def second(self, text: Text) -> str | None:
        if self.lang == "en" and text.en and text.en != text.id:
            return text.id
        return None

    # --- page furniture ---------------------------------------------------------------------------

    def letterhead(self) -> Block:
        b = Block()
        logo = 22 * mm
        b.rect(ML, 0, logo, logo, width=0.6, ink=SOFT_INK, dash=(2, 2))
        word = self._(MSG_LOGO)
        b.line_text(ML + (logo - _w(word, REGULAR, 7)) / 2, logo / 2 - 4.5, 7, [(word, REGULAR)], ink=SOFT_INK)
        # QR with the form's reference, top right, whole printer dots.
        matrix = qr_matrix(qr_payload(self.spec, self.ref))
        n = len(matrix)
        module = module_size(QR_SIZE, n + 2 * QUIET_ZONE, dpi=PRINT_DPI)
        total = (n + 2 * QUIET_ZONE) * module
        qx = ML + CW - total
        b.ops.append(("qr", matrix, qx + QUIET_ZONE * module, QUIET_ZONE * module + n * module, module))
        b.grow(total)
        # The letterhead text between the two.
        tx = ML + logo + 4 * mm
        tw = qx - tx - 2 * mm
        gov = self.ctx.government.strip()
        agency = (self.ctx.agency_name or self.spec.agency_name).strip()
        if gov and agency.lower().endswith(" " + gov.lower()):
            agency = agency[: -len(gov) - 1].strip()  # "Dinas Sosial Provinsi NTB" under "Pemerintah Provinsi NTB"
        y = 0.6 * mm
        if gov:
            y = b.para([(f"PEMERINTAH {gov.upper()}", BOLD)], 11, tx, y, tw, align="center", lead=1.2)
        y = b.para([(agency.upper(), BOLD)], 12.5, tx, y, tw, align="center", lead=1.2)
        contact = [self.ctx.agency_address]
        if self.ctx.agency_phone:
            contact.append(f"Telepon {self.ctx.agency_phone}")
        if self.ctx.agency_email:
            contact.append(self.ctx.agency_email)
        line = "  ·  ".join(c for c in contact if c)
        if line:
            y = b.para([(line, REGULAR)], 8.5, tx, y + 0.8 * mm, tw, align="center", lead=1.25)
        ref_text = self._(MSG_REFERENCE).format(ref=self.ref) if self.ref else ""
        if ref_text:
            # Under the QR, ending at the margin (it is wider than the symbol).
            rw = _w(ref_text, REGULAR, 7)
            b.line_text(ML + CW - rw, total - 0.6 * mm, 7, [(ref_text, REGULAR)], ink=LABEL_INK)
        bottom = max(b.h, y) + 2.2 * mm
        b.rule(ML, bottom, ML + CW, width=2.0, ink=INK)
        b.rule(ML, bottom + 2.0, ML + CW, width=0.6, ink=INK)
        b.h = bottom + 2.0 + 4 * mm
        return b

    def running_header(self) -> Block:
        b = Block()
        agency = self.ctx.agency_name or self.spec.agency_name
        text = f"{agency}  ·  {self.spec.title(self.lang)} ({self._(MSG_CONTINUED)})"
        y = b.para([(text, REGULAR)], 8, ML, 0, CW, ink=SOFT_INK)
        b.rule(ML, y + 1.5 * mm, ML + CW, width=0.6, ink=RULE_INK)
        b.h = y + 5 * mm
        return b

    def title(self) -> Block:
        b = Block()
        y = b.para([(self.spec.title(self.lang).upper(), BOLD)], 13, ML, 0, CW, align="center", lead=1.2)
        second = self.second(self.spec.title)
        if second:
            y = b.para([(second, REGULAR)], 9, ML, y, CW, align="center", ink=SOFT_INK)
        bits = []
        if self.spec.number:
            bits.append(self._(MSG_FORM_NUMBER).format(number=self.spec.number))
        bits.append(self._(MSG_BLANK_FORM) if self.blank else self._(MSG_REQUIRED_NOTE))
        if self.blank:
            bits.append(self._(MSG_REQUIRED_NOTE))
        y = b.para([("  ·  ".join(bits), REGULAR)], 8, ML, y + 1 * mm, CW, align="center", ink=SOFT_INK)
        b.h = y + 3.5 * mm
        return b

    def paragraph(self, text: Text, size: float = 9.5, *, after: float = 2.5 * mm,
                  keep_with_next: bool = False) -> Block:
        b = Block(keep_with_next=keep_with_next)
        y = b.para([(text(self.lang), REGULAR)], size, ML, 0, CW)
        second = self.second(text)
        if second:
            y = b.para([(second, REGULAR)], size - 1.5, ML, y + 0.5 * mm, CW, ink=SOFT_INK)
        b.h = y + after
        return b

    def heading(self, letter: str, section: Section) -> Block:
        b = Block(keep_with_next=True)
        title = section.title(self.lang)
        text: list[Run] = [(f"{letter}. {title.upper()}", BOLD)]
        second = self.second(section.title)
        if second:
            text.append((f"   {second}", REGULAR))
        height = _text_height(text, 9.5, CW - 4 * mm, lead=1.2) + 2.4 * mm
        b.rect(ML, 0, CW, height, width=0, fill=FILL_GREY, ink=FILL_GREY)
        b.para(text, 9.5, ML + 2 * mm, 1.2 * mm, CW - 4 * mm, lead=1.2)
        y = height
        if section.note:
            y = b.para([(section.note(self.lang), REGULAR)], 8, ML, y + 1 * mm, CW, ink=SOFT_INK)
        b.h = y + 2.5 * mm
        return b

    # --- fields -----------------------------------------------------------------------------------

    def field_row(self, f: FieldSpec) -> Block:
        value = None if (self.blank or not f.asked) else self.values.get(f.id)
        if f.type == "checkbox":
            return self.checkbox_row(f, bool(value))
        b = Block()
        # The label column.
        label: list[Run] = [(f.label(self.lang), REGULAR)]
        if f.required:
            label.append(("\u00a0*", BOLD))  # no-break space: the star never wraps alone
        y = b.para(label, 9.5, ML, 0, LABEL_W, ink=LABEL_INK)
        second = self.second(f.label)
        if second:
            y = b.para([(second, REGULAR)], 7.5, ML, y, LABEL_W, ink=SOFT_INK)
        hint = f.hint(self.lang) if f.hint else None
        if hint is None and f.example and (f.type in ("phone", "email") or f.pattern):
            hint = self._(MSG_EXAMPLE).format(example=f.example)  # the shape is not obvious: show one
        if value is None and hint:
            y = b.para([(hint, REGULAR)], 7.5, ML, y + 0.4 * mm, LABEL_W, ink=SOFT_INK)
        # The value column.
        if f.type in ("nik", "digits") and (f.type == "nik" or (f.length and f.length <= 22)):
            bottom = self.char_boxes(b, str(value or ""), 16 if f.type == "nik" else f.length or 0)
        elif f.type == "date":
            bottom = self.date_boxes(b, value)
        elif f.type == "choice":
            bottom = self.choices(b, f, value)
        elif f.type == "multiline":
            bottom = self.text_box(b, value, f.lines)
        else:
            shown = None if value is None else self.display(f, value)
            bottom = self.text_lines(b, shown, f.lines if value is None else 1)
        b.h = max(y, bottom) + 2.6 * mm
        return b

    def display(self, f: FieldSpec, value: Any) -> str:
        if f.type == "phone" and isinstance(value, str):
            return national_phone(value)
        if f.type == "digits" and f.thousands and str(value).isdigit():
            return f"{int(value):,}".replace(",", ".")  # 150.000.000, as rupiah are written
        return str(value)

    def char_boxes(self, b: Block, text: str, count: int) -> float:
        per_line = max(1, int(VW // BOX_W))
        rows = max(1, math.ceil(count / per_line))
        for r in range(rows):
            n = min(per_line, count - r * per_line)
            top = r * (BOX_H + 1.5 * mm)
            b.rect(VX, top, n * BOX_W, BOX_H, width=0.7, ink=LABEL_INK)
            for i in range(1, n):
                b.ops.append(("line", VX + i * BOX_W, top, VX + i * BOX_W, top + BOX_H, 0.5, RULE_INK, None))
            for i, ch in enumerate(text[r * per_line: r * per_line + n]):
                cw = _w(ch, BOLD, 11)
                b.line_text(VX + i * BOX_W + (BOX_W - cw) / 2, top + (BOX_H - 11 * 1.25) / 2, 11, [(ch, BOLD)])
        return rows * BOX_H + (rows - 1) * 1.5 * mm

    def date_boxes(self, b: Block, value: Any) -> float:
        digits = ""
        if value:
            day = date.fromisoformat(str(value))
            digits = f"{day.day:02d}{day.month:02d}{day.year:04d}"
        x = VX
        pos = 0
        for group, caption in ((2, MSG_DAY), (2, MSG_MONTH), (4, MSG_YEAR)):
            b.rect(x, 0, group * BOX_W, BOX_H, width=0.7, ink=LABEL_INK)
            for i in range(1, group):
                b.ops.append(("line", x + i * BOX_W, 0, x + i * BOX_W, BOX_H, 0.5, RULE_INK, None))
            for i, ch in enumerate(digits[pos:pos + group]):
                cw = _w(ch, BOLD, 11)
                b.line_text(x + i * BOX_W + (BOX_W - cw) / 2, (BOX_H - 11 * 1.25) / 2, 11, [(ch, BOLD)])
            word = self._(caption)
            b.line_text(x + (group * BOX_W - _w(word, REGULAR, 6.5)) / 2, BOX_H + 0.3 * mm, 6.5,
                        [(word, REGULAR)], ink=SOFT_INK)
            pos += group
            x += group * BOX_W
            if group == 2:
                b.line_text(x + 0.9 * mm, (BOX_H - 11 * 1.25) / 2, 11, [("-", REGULAR)], ink=SOFT_INK)
                x += 19 * GRID
        return BOX_H + 3 * mm

    def text_lines(self, b: Block, value: str | None, lines: int) -> float:
        if value is None:
            for i in range(lines):
                b.rule(VX, (i + 1) * HAND_LINE - 1 * mm, VX + VW, width=0.5, ink=RULE_INK, dash=(1, 1.5))
            return lines * HAND_LINE
        y = 0.6 * mm
        for runs, _w_ in wrap_runs([(value, BOLD)], 10.5, VW):
            bottom = b.line_text(VX, y, 10.5, runs, lead=1.35)
            b.rule(VX, bottom - 0.4 * mm, VX + VW, width=0.4, ink=RULE_INK, dash=(1, 1.5))
            y = bottom
        return y

    def text_box(self, b: Block, value: str | None, lines: int) -> float:
        pad = 1.8 * mm
        if value is None:
            height = lines * HAND_LINE + pad
            b.rect(VX, 0, VW, height, width=0.6, ink=RULE_INK)
            for i in range(1, lines + 1):
                y = i * HAND_LINE - 0.5 * mm
                if y < height - 1 * mm:
                    b.rule(VX + pad, y, VX + VW - pad, width=0.4, ink=RULE_INK, dash=(1, 1.5))
            return height
        inner = Block()
        bottom = inner.para([(value, REGULAR)], 10, VX + pad, pad, VW - 2 * pad, lead=1.3)
        height = max(bottom + pad, HAND_LINE)
        b.rect(VX, 0, VW, height, width=0.6, ink=RULE_INK)
        b.ops.extend(inner.ops)
        return height

    def choices(self, b: Block, f: FieldSpec, value: Any) -> float:
        """Options in a grid of equal columns (the clerk's eye runs down them); an option too long for
        its cell wraps inside it."""
        items = []
        for opt in f.options:
            text = opt.label(self.lang)
            second = self.second(opt.label)
            if second:
                text = f"{text} / {second}"
            chosen = value == opt.value
            items.append((text, chosen))
        gutter = 4 * mm
        lead_in = TICK + 1.6 * mm
        # Columns as wide as three options in four need; the odd long one wraps inside its cell.
        widths = sorted(lead_in + _w(text, BOLD, 9.5) for text, _c in items)
        typical = widths[min(len(widths) - 1, (3 * len(widths)) // 4)]
        cols = max(1, min(len(items), int((VW + gutter) // (typical + gutter))))
        col_w = (VW + gutter) / cols - gutter
        y = 0.4 * mm
        for start in range(0, len(items), cols):
            row_bottom = y + 6.2 * mm
            for i, (text, chosen) in enumerate(items[start:start + cols]):
                x = VX + i * (col_w + gutter)
                b.rect(x, y + 0.6 * mm, TICK, TICK, width=0.7, ink=LABEL_INK)
                if chosen:
                    b.cross(x, y + 0.6 * mm, TICK)
                end = b.para([(text, BOLD if chosen else REGULAR)], 9.5, x + lead_in, y, col_w - lead_in,
                              ink=INK if chosen else LABEL_INK)
                row_bottom = max(row_bottom, end + 1.2 * mm)
            y = row_bottom
        return y

    def checkbox_row(self, f: FieldSpec, ticked: bool) -> Block:
        b = Block()
        b.rect(ML, 0.5 * mm, TICK, TICK, width=0.7, ink=LABEL_INK)
        if ticked:
            b.cross(ML, 0.5 * mm, TICK)
        text: list[Run] = [(f.label(self.lang), REGULAR)]
        if f.required:
            text.append(("\u00a0*", BOLD))
        tx = ML + TICK + 2.5 * mm
        y = b.para(text, 9.5, tx, 0, CW - TICK - 2.5 * mm, ink=INK)
        second = self.second(f.label)
        if second:
            y = b.para([(second, REGULAR)], 7.5, tx, y, CW - TICK - 2.5 * mm, ink=SOFT_INK)
        b.h = max(y, TICK + 1 * mm) + 2.6 * mm
        return b

    # --- the end of the form ----------------------------------------------------------------------

    def attachments(self) -> Block:
        b = Block()
        title = self._(MSG_ATTACHMENTS)
        height = 9.5 * 1.2 + 2.4 * mm
        b.rect(ML, 0, CW, height, width=0, fill=FILL_GREY, ink=FILL_GREY)
        b.para([(title.upper(), BOLD)], 9.5, ML + 2 * mm, 1.2 * mm, CW - 4 * mm, lead=1.2)
        y = b.para([(self._(MSG_ATTACHMENTS_NOTE), REGULAR)], 8, ML, height + 1 * mm, CW, ink=SOFT_INK) + 1 * mm
        for item in self.spec.attachments:
            b.rect(ML, y + 0.5 * mm, TICK, TICK, width=0.7, ink=LABEL_INK)
            y = b.para([(item(self.lang), REGULAR)], 9.5, ML + TICK + 2.5 * mm, y, CW - TICK - 2.5 * mm)
            second = self.second(item)
            if second:
                y = b.para([(second, REGULAR)], 7.5, ML + TICK + 2.5 * mm, y, CW - TICK - 2.5 * mm, ink=SOFT_INK)
            y += 1.4 * mm
        b.h = y + 2 * mm
        return b

    def signatures(self) -> Block:
        b = Block()
        col = 72 * mm
        right = ML + CW - col
        size = 10
        if self.blank:
            place_date = f"{self.spec.place}, ....................................... 20........"
        else:
            place_date = f"{self.spec.place}, {indonesian_date(self.printed_at.date())}"
        role_top = b.para([(place_date, REGULAR)], size, right, 0, col, align="center")
        y = b.para([(self.spec.signature(self.lang) + ",", REGULAR)], size, right, role_top, col, align="center")
        second = self.second(self.spec.signature)
        if second:
            y = b.para([(second, REGULAR)], 7.5, right, y, col, align="center", ink=SOFT_INK)
        sign_top = y
        name_top = sign_top + 21 * mm
        if self.spec.stamp_duty:
            sw, sh = 24 * mm, 15 * mm
            sx = right + 2 * mm
            b.rect(sx, sign_top + 3 * mm, sw, sh, width=0.6, ink=SOFT_INK, dash=(2, 2))
            b.para([(self._(MSG_STAMP), REGULAR)], 7, sx + 1 * mm, sign_top + 3 * mm + sh / 2 - 5, sw - 2 * mm,
                   align="center", ink=SOFT_INK)
        signer = self.values.get(self.spec.signer) if (self.spec.signer and not self.blank) else None
        if signer:
            y = b.para([(f"( {signer} )", BOLD)], size, right, name_top, col, align="center")
        else:
            b.rule(right + 6 * mm, name_top + 4.5 * mm, right + col - 6 * mm, width=0.6, ink=LABEL_INK, dash=(1, 1.5))
            y = name_top + 5.5 * mm
        y = b.para([(self._(MSG_SIGN_NAME), REGULAR)], 7.5, right, y, col, align="center", ink=SOFT_INK)
        if self.spec.officer_signature:
            # The office's side, on the left, always completed by hand.
            b.para([(self.spec.officer_signature(self.lang) + ",", REGULAR)], size, ML, role_top, col, align="center")
            b.rule(ML + 6 * mm, name_top + 4.5 * mm, ML + col - 6 * mm, width=0.6, ink=LABEL_INK, dash=(1, 1.5))
            b.para([("NIP", REGULAR)], 7.5, ML, name_top + 5.5 * mm, col, align="center", ink=SOFT_INK)
        b.h = y + 4 * mm
        return b

    def officer_section(self, letter: str, section: Section) -> Block:
        """The office's part, framed, always empty."""
        inner = [self.heading(letter, section), *(self.field_row(f) for f in section.fields)]
        b = Block()
        pad = 2.5 * mm
        y = pad
        for blk in inner:
            for op in blk.ops:
                b.ops.append(_shift(op, y))
            y += blk.h
        b.rect(ML - pad, 0, CW + 2 * pad, y + pad / 2, width=0.8, ink=LABEL_INK, dash=(3, 2))
        b.h = y + pad
        return b

    def legal(self) -> Block:
        b = Block()
        y = b.para([(self._(MSG_LEGAL_BASIS) + " ", BOLD), (self.spec.legal_basis, REGULAR)], 7.5, ML, 0, CW,
                   ink=SOFT_INK)
        b.h = y + 2 * mm
        return b

    def footer(self, canvas: Canvas, page: int, pages: int) -> None:
        top = PAGE_H - FOOTER_H + 5 * mm
        y = PAGE_H - top
        canvas.setStrokeGray(RULE_INK)
        canvas.setLineWidth(0.5)
        canvas.setDash()
        canvas.line(ML, y, ML + CW, y)
        canvas.setFillGray(SOFT_INK)
        canvas.setFont(REGULAR, 7.5)
        when = f"{self.printed_at:%d-%m-%Y %H:%M}"
        ident = f"{self.spec.number or self.spec.id} · v{self.spec.version}"
        left = f"{ident} · " + self._(MSG_PRINTED_AT).format(kiosk=self.ctx.kiosk_name or "iPLiK", when=when)
        canvas.drawString(ML, y - 10, left)
        right = self._(MSG_PAGE).format(page=page, pages=pages)
        canvas.drawRightString(ML + CW, y - 10, right)
        canvas.drawString(ML, y - 20, self._(MSG_FREE))
        if self.ctx.demo:
            canvas.setFillGray(INK)
            canvas.setFont(BOLD, 7.5)
            canvas.drawString(ML, y - 30, self._(MSG_DEMO))
        canvas.setFillGray(INK)

    # --- assembling ---------------------------------------------------------------------------------

    def blocks(self) -> list[Block]:
        out: list[Block] = [self.title()]
        if self.spec.addressed_to:
            out.append(self.paragraph(self.spec.addressed_to))
        if self.spec.intro:
            out.append(self.paragraph(self.spec.intro))
        letter = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        officer = []
        for section in self.spec.sections:
            if section.officer:
                officer.append(section)
                continue
            out.append(self.heading(next(letter), section))
            out.extend(self.field_row(f) for f in section.fields)
        if self.spec.attachments:
            out.append(self.attachments())
        if self.spec.declaration:
            # The statement is what the citizen signs: never on another page than the signature.
            out.append(self.paragraph(self.spec.declaration, 9.5, keep_with_next=True))
        out.append(self.signatures())
        for section in officer:
            out.append(self.officer_section(next(letter), section))
        if self.spec.legal_basis:
            out.append(self.legal())
        return out

    def paginate(self) -> list[list[tuple[float, Block]]]:
        pages: list[list[tuple[float, Block]]] = []
        first = self.letterhead()
        page = [(MT, first)]
        y = MT + first.h
        blocks = self.blocks()
        for i, blk in enumerate(blocks):
            need = blk.h
            if blk.keep_with_next and i + 1 < len(blocks):
                need += blocks[i + 1].h
            if y + need > BOTTOM and len(page) > 1:
                pages.append(page)
                head = self.running_header()
                page = [(MT, head)]
                y = MT + head.h
            page.append((y, blk))
            y += blk.h
        pages.append(page)
        return pages


def _shift(op: tuple, dy: float) -> tuple:
    kind = op[0]
    if kind == "text":
        return (kind, op[1], op[2] + dy, *op[3:])
    if kind == "line":
        return (kind, op[1], op[2] + dy, op[3], op[4] + dy, *op[5:])
    if kind == "rect":
        return (kind, op[1], op[2] + dy, *op[3:])
    if kind == "qr":
        return (kind, op[1], op[2], op[3] + dy, op[4])
    raise AssertionError(kind)


def _draw(canvas: Canvas, ops: list[tuple], dy: float) -> None:
    font: tuple[str, float] | None = None
    for op in ops:
        kind = op[0]
        if kind == "text":
            _, x, baseline, size, runs, ink = op
            canvas.setFillGray(ink)
            y = PAGE_H - (baseline + dy)
            for text, face in runs:
                if font != (face, size):
                    canvas.setFont(face, size)
                    font = (face, size)
                canvas.drawString(x, y, text)
                x += _w(text, face, size)
        elif kind == "line":
            _, x1, y1, x2, y2, width, ink, dash = op
            canvas.setStrokeGray(ink)
            canvas.setLineWidth(width)
            canvas.setDash(*(dash,) if dash else ())
            canvas.line(x1, PAGE_H - (y1 + dy), x2, PAGE_H - (y2 + dy))
        elif kind == "rect":
            _, x, y, w, h, width, ink, fill, dash = op
            canvas.setDash(*(dash,) if dash else ())
            if fill is not None:
                canvas.setFillGray(fill)
            if width:
                canvas.setStrokeGray(ink)
                canvas.setLineWidth(width)
            canvas.rect(x, PAGE_H - (y + dy) - h, w, h, stroke=1 if width else 0, fill=1 if fill is not None else 0)
        elif kind == "qr":
            _, matrix, x, bottom, module = op
            draw_qr(canvas, matrix, x, PAGE_H - (bottom + dy), module)
    canvas.setDash()
    canvas.setFillGray(INK)


def render(spec: FormSpec, values: Mapping[str, Any] | None, *, lang: str = "id",
           context: FormContext | None = None) -> bytes:
    register_fonts()
    r = _Renderer(spec, values, lang, context or FormContext(agency_name=spec.agency_name))
    pages = r.paginate()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H), pageCompression=1, initialFontName=REGULAR,
                    initialFontSize=10)
    canvas.setTitle(f"{spec.title('id')} ({spec.id})")
    canvas.setAuthor("iPLiK Kiosk")
    canvas.setCreator("iPLiK Kiosk")
    canvas.setSubject(qr_payload(spec, r.ref))
    for number, page in enumerate(pages, 1):
        for top, blk in page:
            _draw(canvas, blk.ops, top)
        r.footer(canvas, number, len(pages))
        canvas.showPage()
    canvas.save()
    return out.getvalue()


__all__ = ["FormContext", "indonesian_date", "new_reference", "qr_payload", "render"]
