"""The SKM report's data as rows: ``skm_xlsx`` and ``skm_csv`` write the same rows, so they hold the same
numbers, and the PDF takes its profile tables from here too.

Numbers stay numbers: a row holds ``int`` (counts) and ``Decimal`` already rounded as the report prints
them (NRR 3 decimals, IKM 2, shares 1), so the XLSX gets real numeric cells with a matching number format
and the CSV writes them with a decimal point. Text that a spreadsheet would run as a formula (starting
with = + - @, or a tab or carriage return) gets a leading apostrophe: a unit's name comes from the catalog,
and an export must never become a way to run something on the reader's computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ...domain.rating import (
    EDUCATION,
    EDUCATION_LABELS,
    GENDER_LABELS,
    GENDERS,
    OCCUPATION_LABELS,
    OCCUPATIONS,
    PROFILE_LABELS,
)
from ...i18n import translator
from ..analytics.figures import IkmFigure
from .numbers import NRR_PLACES, PERCENT_PLACES, rounded, share

Value = str | int | Decimal | None
Row = list[Value]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PROFILE_DIMENSIONS = ("jenis_kelamin", "usia", "pendidikan", "pekerjaan")
_VALUE_LABELS = {"jenis_kelamin": GENDER_LABELS, "pendidikan": EDUCATION_LABELS, "pekerjaan": OCCUPATION_LABELS}
_VALUE_ORDER = {"jenis_kelamin": GENDERS, "pendidikan": EDUCATION, "pekerjaan": OCCUPATIONS}
MSG_NOT_GIVEN = "Not given"


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str  # the XLSX sheet's name ("IKM", "Profil"), also the CSV section's first cell
    rows: list[Row]


def guard(value: Value) -> Value:
    """A text cell a spreadsheet would read as a formula, made plain text (numbers pass unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _age_key(band: str) -> tuple[int, str]:
    # "<20", "20-29", ..., "60+": by the first number; "<20" before all, not given ("") last.
    if not band:
        return (10_000, band)
    digits = "".join(ch if ch.isdigit() else " " for ch in band).split()
    start = int(digits[0]) if digits else 9_999
    return (start - 1 if band.startswith("<") else start, band)


def profile_values(dimension: str, counts: dict[str, int]) -> list[str]:
    """The values of one profile dimension in the questionnaire's order; unknown ones after, "" last."""
    if dimension == "usia":
        return sorted(counts, key=_age_key)
    order = _VALUE_ORDER.get(dimension, ())
    known = [v for v in order if v in counts]
    rest = sorted(v for v in counts if v not in order and v)
    return known + rest + ([""] if "" in counts else [])


def value_label(dimension: str, value: str, t: Callable[[str], str]) -> str:
    if not value:
        return t(MSG_NOT_GIVEN)
    label = _VALUE_LABELS.get(dimension, {}).get(value)
    return t(label) if label else value


def profile_table(figure: IkmFigure, dimension: str, t: Callable[[str], str]) -> list[tuple[str, int, Fraction | None]]:
    """(label, respondents, exact share of all respondents in percent) for one dimension."""
    counts = figure.profile.get(dimension, {})
    return [(value_label(dimension, v, t), counts[v], share(counts[v], figure.respondents))
            for v in profile_values(dimension, counts)]


def _r(value: Fraction | Decimal | None, places: int) -> Decimal | None:
    return None if value is None else rounded(value, places)


def skm_sheets(figure: IkmFigure, lang: str = "id") -> list[Sheet]:
    """The report's two tables: the nine elements with the IKM, and the respondent profile."""
    t = translator(lang)
    band = figure.band
    ikm: list[Row] = [
        [t("Unit"), figure.unit.name(lang)],
        [t("Period"), figure.period.label(lang)],
        [t("Respondents"), figure.respondents],
        [t("Minimum sample (Krejcie-Morgan)"), figure.min_sample],
        [t("Sample too small"), t("Yes") if figure.sample_too_small else t("No")],
        [],
        [t("Code"), t("Element"), t("Answers"), t("NRR"), t("Weighted NRR")],
    ]
    for e in figure.elements:
        ikm.append([e.code, e.name_en if lang == "en" else e.name_id, e.answers,
                    _r(e.nrr, NRR_PLACES), _r(e.nrr_weighted, NRR_PLACES)])
    weighted = [e.nrr_weighted for e in figure.elements]
    total = sum(weighted, Fraction(0)) if all(w is not None for w in weighted) else None
    ikm += [
        ["", t("Sum of weighted NRR"), None, None, _r(total, NRR_PLACES)],
        ["", t("IKM (sum of weighted NRR x 25)"), None, None, figure.score],
        ["", t("Service quality (mutu)"), None, None, band.mutu if band else None],
        ["", t("Performance (kinerja)"), None, None, (band.kinerja_en if lang == "en" else band.kinerja_id) if band else None],
        ["", t("Weakest elements"), None, None, ", ".join(figure.weakest)],
    ]
    profile: list[Row] = [[t("Profile"), t("Value"), t("Respondents"), t("Percent")]]
    for dimension in PROFILE_DIMENSIONS:
        for label, count, pct in profile_table(figure, dimension, t):
            profile.append([t(PROFILE_LABELS[dimension]), label, count, _r(pct, PERCENT_PLACES)])
    return [Sheet("IKM", [[guard(v) for v in row] for row in ikm]),
            Sheet("Profil", [[guard(v) for v in row] for row in profile])]


def _number_format(value: Decimal) -> str:
    places = max(0, -value.as_tuple().exponent)
    return "0." + "0" * places if places else "0"


def skm_xlsx(figure: IkmFigure, lang: str = "id") -> bytes:
    """The workbook: sheets "IKM" and "Profil", numbers as numeric cells with their decimals as format."""
    from openpyxl import Workbook  # imported when a workbook is asked for: the server starts without it

    book = Workbook()
    book.remove(book.active)
    for sheet in skm_sheets(figure, lang):
        ws = book.create_sheet(sheet.name)
        for row in sheet.rows:
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, Decimal):
                    cell.number_format = _number_format(cell.value)
                elif isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text (guard() already marked it)
        ws.column_dimensions["A"].width = 34
        ws.column_dimensions["B"].width = 44
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def skm_csv(figure: IkmFigure, lang: str = "id") -> str:
    """Both tables one after the other (a blank line and the sheet's name between), UTF-8 with a BOM so
    that a spreadsheet opens the Indonesian text right; decimals with a point."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for n, sheet in enumerate(skm_sheets(figure, lang)):
        if n:
            writer.writerow([])
        writer.writerow([sheet.name])
        for row in sheet.rows:
            writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()
