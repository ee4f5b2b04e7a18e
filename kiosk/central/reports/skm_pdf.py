"""The SKM report on A4 (PermenPANRB 14/2017): what a unit publishes each period about its survey.

Cover, method (the nine elements, the 1-4 scale, the index with its exact 1/9 weight, the grades, the
sample against the Krejcie-Morgan minimum), the respondent profile, the nine-element table with the IKM
and its grade, the weakest elements, and a follow-up plan with empty rows the unit fills in by hand.
Every page has its number ("Halaman 2 dari 5") and the time the report was made.

The text is set in the kiosk's bundled Noto Sans (``kiosk.printing.fonts``), embedded as a subset, so
Indonesian prints alike on every viewer. Numbers go through ``numbers.text``: the Indonesian report
writes "3,125", the English one "3.125".
"""

from __future__ import annotations

import io
from datetime import datetime
from fractions import Fraction
from xml.sax.saxutils import escape

from babel.dates import format_datetime
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ...domain.ikm import BANDS, ELEMENTS
from ...i18n import fill, translator
from ...printing.fonts import BOLD, REGULAR, register_fonts
from ..analytics.figures import IkmFigure, UnitKind
from ..analytics.ikm import period_population
from .numbers import NRR_PLACES, PERCENT_PLACES, SCORE_PLACES, text
from .skm_tables import PROFILE_DIMENSIONS, profile_table

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
FOLLOW_UP_ROWS = 5  # rows of the plan: the weakest elements named, the rest blank for the pen

# English msgids; Indonesian in assets/locale/id/LC_MESSAGES/reports.po.
MSG_TITLE = "Public Satisfaction Survey Report"
MSG_SUBTITLE = "Survei Kepuasan Masyarakat (SKM) under PermenPANRB No. 14 of 2017"
MSG_DEMO = "DEMO DATA"
MSG_DEMO_NOTE = "Made from demo data: not a real survey result."
MSG_UNIT = "Unit"
MSG_PERIOD = "Period"
MSG_PROVINCE = "Province"
MSG_KIND = {UnitKind.AGENCY: "Agency", UnitKind.SERVICE: "Service", UnitKind.OFFICE: "Office", UnitKind.KIOSK: "Kiosk"}
MSG_RESULT = "IKM {score}, quality {mutu} ({kinerja})"
MSG_NO_RESULT = "No IKM: not every element has answers in this period."
MSG_METHOD = "1. Method"
MSG_METHOD_TEXT = ("Respondents answer nine elements (unsur) of the service on a scale of 1 (worst) to 4 (best). "
                   "The average of an element's answers is its NRR (nilai rata-rata); the NRR times the weight 1/9 "
                   "is its weighted NRR. The index is IKM = (sum of NRR x 1/9) x 25, from 25 to 100.")
MSG_WEIGHT_TEXT = ("The weight is exactly 1/9, not the rounded 0.111 of many spreadsheets: with 0.111 a unit whose "
                   "every answer is 4 would score 99.90 instead of 100.00. NRR are printed with three decimals and "
                   "the IKM with two, rounded once, at the end.")
MSG_ELEMENTS = "The nine elements"
MSG_BANDS = "Grades"
MSG_SAMPLE = "Sample"
MSG_SAMPLE_TEXT = ("{respondents} respondents. Of the {population} service users a year, {period_users} fall in this "
                   "period; the Krejcie-Morgan minimum sample for them is {minimum}.")
MSG_SAMPLE_NO_POPULATION = ("{respondents} respondents. The unit's yearly number of service users is not set, so the "
                            "minimum sample cannot be computed.")
MSG_SAMPLE_WARNING = ("Warning: the sample is too small. The result may not represent the unit's service users; "
                      "survey more respondents before relying on it.")
MSG_PROFILE = "2. Respondent profile"
MSG_NO_PROFILE = "No respondent gave this."
MSG_RESULTS = "3. Result per element"
MSG_WEAKEST = "4. Weakest elements"
MSG_WEAKEST_TEXT = "The elements with the lowest NRR, which the follow-up plan should address first:"
MSG_NO_WEAKEST = "No element has answers in this period."
MSG_PLAN = "5. Follow-up plan"
MSG_PLAN_TEXT = "To be filled in by the unit and published with this report."
MSG_ACTION = "Action"
MSG_WHEN = "When"
MSG_WHO = "Who is responsible"
MSG_PAGE = "Page {page} of {pages}"
MSG_MADE = "Made by iPLiK on {when}"
MSG_CODE = "Code"
MSG_ELEMENT = "Element"
MSG_ANSWERS = "Answers"
MSG_NRR = "NRR"
MSG_WEIGHTED = "Weighted NRR"
MSG_SUM = "Sum of weighted NRR"
MSG_IKM_ROW = "IKM (sum of weighted NRR x 25)"
MSG_MUTU = "Service quality (mutu)"
MSG_KINERJA = "Performance (kinerja)"
MSG_INTERVAL = "IKM interval"
MSG_VALUE = "Value"
MSG_RESPONDENTS = "Respondents"
MSG_PERCENT = "Percent"
MSG_PROFILE_LABELS = {"jenis_kelamin": "Gender", "usia": "Age", "pendidikan": "Education", "pekerjaan": "Occupation"}

_LOCALES = {"id": "id_ID", "en": "en_GB"}
GRID = colors.Color(0.55, 0.55, 0.55)
HEAD = colors.Color(0.88, 0.90, 0.93)


class _Styles:
    def __init__(self) -> None:
        self.body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, spaceAfter=4)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8.5, leading=11, spaceAfter=0)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=9, leading=11.5, spaceAfter=0)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName=BOLD, fontSize=14, leading=18, spaceBefore=10, spaceAfter=6)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=BOLD, fontSize=11, leading=14, spaceBefore=6, spaceAfter=4)
        self.title = ParagraphStyle("title", parent=self.body, fontName=BOLD, fontSize=22, leading=28, alignment=TA_CENTER)
        self.center = ParagraphStyle("center", parent=self.body, fontSize=12, leading=17, alignment=TA_CENTER)
        self.big = ParagraphStyle("big", parent=self.center, fontName=BOLD, fontSize=16, leading=22)
        self.warn = ParagraphStyle("warn", parent=self.body, fontName=BOLD, textColor=colors.Color(0.6, 0.1, 0.05))
        self.demo = ParagraphStyle("demo", parent=self.big, fontSize=20, leading=26, textColor=colors.Color(0.6, 0.1, 0.05))


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value), style)


def _table(rows: list[list], widths: list[float], *, total_rows: int = 0, numeric_from: int | None = None) -> Table:
    """A ruled table with a shaded header row; ``total_rows`` last rows in bold; numbers right-aligned."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), REGULAR, 9),
        ("FONT", (0, 0), (-1, 0), BOLD, 9),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))  # headers too, over their numbers
    if total_rows:
        style.append(("FONT", (0, -total_rows), (-1, -1), BOLD, 9))
    table.setStyle(TableStyle(style))
    return table


class _Numbered(Canvas):
    """A canvas that holds its pages until the end, so each footer can say how many pages there are."""

    footer: tuple[str, str] = ("", "")  # (page msg already translated, made-at text)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        page_msg, made = self.footer
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(REGULAR, 8)
            self.setFillGray(0.3)
            self.drawString(MARGIN, 10 * mm, made)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, fill(page_msg, {"page": number, "pages": total}))
            super().showPage()
        super().save()


def skm_pdf(figure: IkmFigure, *, lang: str = "id", province: str, generated_at: datetime, demo: bool = False) -> bytes:
    """The report for one unit and one period, as PDF bytes."""
    register_fonts()
    t = translator(lang)
    st = _Styles()

    def num(value, places: int) -> str:
        return text(value, places, lang)

    story: list = []
    # --- cover ---
    story += [Spacer(1, 40 * mm), _p(t(MSG_TITLE), st.title), Spacer(1, 4 * mm), _p(t(MSG_SUBTITLE), st.center),
              Spacer(1, 18 * mm)]
    story += [_p(f"{t(MSG_KIND[figure.unit.kind])}: {figure.unit.name(lang)}", st.big), Spacer(1, 3 * mm),
              _p(f"{t(MSG_PERIOD)}: {figure.period.label(lang)} ({figure.period.first.isoformat()} – "
                 f"{figure.period.last.isoformat()})", st.center),
              _p(f"{t(MSG_PROVINCE)}: {province}", st.center), Spacer(1, 12 * mm)]
    if figure.score is not None and figure.band is not None:
        kinerja = figure.band.kinerja_en if lang == "en" else figure.band.kinerja_id
        story.append(_p(fill(t(MSG_RESULT), {"score": num(figure.score, SCORE_PLACES), "mutu": figure.band.mutu,
                                             "kinerja": kinerja}), st.big))
    else:
        story.append(_p(t(MSG_NO_RESULT), st.center))
    if demo:
        story += [Spacer(1, 14 * mm), _p(t(MSG_DEMO), st.demo), _p(t(MSG_DEMO_NOTE), st.center)]
    story.append(PageBreak())

    # --- 1. method ---
    story += [_p(t(MSG_METHOD), st.h1), _p(t(MSG_METHOD_TEXT), st.body), _p(t(MSG_WEIGHT_TEXT), st.body),
              _p(t(MSG_ELEMENTS), st.h2)]
    rows = [[t(MSG_CODE), t(MSG_ELEMENT)]]
    rows += [[e.code, _p(e.name_en if lang == "en" else e.name_id, st.cell)] for e in ELEMENTS]
    story.append(_table(rows, [20 * mm, WIDTH - 20 * mm]))
    story.append(_p(t(MSG_BANDS), st.h2))
    rows = [[t(MSG_MUTU), t(MSG_INTERVAL), t(MSG_KINERJA)]]
    rows += [[b.mutu, f"{num(b.low, SCORE_PLACES)} – {num(b.high, SCORE_PLACES)}", b.kinerja_en if lang == "en" else b.kinerja_id]
             for b in BANDS]
    story.append(_table(rows, [30 * mm, 50 * mm, WIDTH - 80 * mm]))
    story.append(_p(t(MSG_SAMPLE), st.h2))
    if figure.population is not None and figure.min_sample is not None:
        # The minimum is for the period's share of the yearly users (docs/analytics.md, "IKM per unit"):
        # both numbers are printed, so the reader can check it against the Krejcie-Morgan table.
        period_users = period_population(figure.population, figure.period)
        story.append(_p(fill(t(MSG_SAMPLE_TEXT), {
            "respondents": text(figure.respondents, 0, lang), "population": text(figure.population, 0, lang),
            "period_users": text(period_users, 0, lang), "minimum": text(figure.min_sample, 0, lang)}), st.body))
    else:
        story.append(_p(fill(t(MSG_SAMPLE_NO_POPULATION), {"respondents": figure.respondents}), st.body))
    if figure.sample_too_small:
        story.append(_p(t(MSG_SAMPLE_WARNING), st.warn))

    # --- 2. respondent profile ---
    story.append(_p(t(MSG_PROFILE), st.h1))
    for dimension in PROFILE_DIMENSIONS:
        entries = profile_table(figure, dimension, t)
        heading = _p(t(MSG_PROFILE_LABELS[dimension]), st.h2)
        if not entries:
            story.append(KeepTogether([heading, _p(t(MSG_NO_PROFILE), st.small)]))
            continue
        rows = [[t(MSG_VALUE), t(MSG_RESPONDENTS), t(MSG_PERCENT)]]
        rows += [[_p(label, st.cell), str(count), num(pct, PERCENT_PLACES)] for label, count, pct in entries]
        story.append(KeepTogether([heading, _table(rows, [WIDTH - 70 * mm, 35 * mm, 35 * mm], numeric_from=1)]))

    # --- 3. the nine elements ---
    rows = [[t(MSG_CODE), t(MSG_ELEMENT), t(MSG_ANSWERS), t(MSG_NRR), t(MSG_WEIGHTED)]]
    for e in figure.elements:
        rows.append([e.code, _p(e.name_en if lang == "en" else e.name_id, st.cell), str(e.answers),
                     num(e.nrr, NRR_PLACES), num(e.nrr_weighted, NRR_PLACES)])
    weighted = [e.nrr_weighted for e in figure.elements]
    total = sum(weighted, Fraction(0)) if weighted and all(w is not None for w in weighted) else None
    band = figure.band
    rows += [
        ["", t(MSG_SUM), "", "", num(total, NRR_PLACES)],
        ["", t(MSG_IKM_ROW), "", "", num(figure.score, SCORE_PLACES)],
        ["", t(MSG_MUTU), "", "", band.mutu if band else "-"],
        ["", t(MSG_KINERJA), "", "", (band.kinerja_en if lang == "en" else band.kinerja_id) if band else "-"],
    ]
    story.append(KeepTogether([_p(t(MSG_RESULTS), st.h1),
                               _table(rows, [16 * mm, WIDTH - 106 * mm, 24 * mm, 28 * mm, 38 * mm], total_rows=4,
                                      numeric_from=2)]))
    if figure.sample_too_small:
        story += [Spacer(1, 3 * mm), _p(t(MSG_SAMPLE_WARNING), st.warn)]

    # --- 4. weakest elements ---
    story.append(_p(t(MSG_WEAKEST), st.h1))
    by_code = {e.code: e for e in figure.elements}
    if figure.weakest:
        story.append(_p(t(MSG_WEAKEST_TEXT), st.body))
        rows = [[t(MSG_CODE), t(MSG_ELEMENT), t(MSG_NRR)]]
        for code in figure.weakest:
            e = by_code[code]
            rows.append([code, _p(e.name_en if lang == "en" else e.name_id, st.cell), num(e.nrr, NRR_PLACES)])
        story.append(_table(rows, [16 * mm, WIDTH - 46 * mm, 30 * mm], numeric_from=2))
    else:
        story.append(_p(t(MSG_NO_WEAKEST), st.body))

    # --- 5. follow-up plan ---
    plan = [_p(t(MSG_PLAN), st.h1), _p(t(MSG_PLAN_TEXT), st.body)]
    rows = [[t(MSG_ELEMENT), t(MSG_ACTION), t(MSG_WHEN), t(MSG_WHO)]]
    named = [f"{c} {by_code[c].name_en if lang == 'en' else by_code[c].name_id}" for c in figure.weakest]
    for i in range(FOLLOW_UP_ROWS):
        rows.append([_p(named[i], st.cell) if i < len(named) else "", "", "", ""])
    table = _table(rows, [45 * mm, WIDTH - 115 * mm, 30 * mm, 40 * mm])
    table.setStyle(TableStyle([("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
                               ("TOPPADDING", (0, 1), (-1, -1), 9), ("BOTTOMPADDING", (0, 1), (-1, -1), 9)]))
    plan.append(table)
    story.append(KeepTogether(plan))

    out = io.BytesIO()
    made = fill(t(MSG_MADE), {"when": format_datetime(generated_at, "d MMMM y, HH:mm" if lang == "en" else "d MMMM y, HH.mm",
                                                      locale=_LOCALES.get(lang, "id_ID"))})
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, title=f"SKM {figure.unit.name(lang)} {figure.period.key}",
                            author="iPLiK", lang=lang)
    canvas_class = type("_Footer", (_Numbered,), {"footer": (t(MSG_PAGE), made)})
    doc.build(story, canvasmaker=canvas_class)
    return out.getvalue()
