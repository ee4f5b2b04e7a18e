"""What the IKM dashboard pages show, made from the figures (analytics.figures.IkmFigure): the table rows
as display strings, the chart options and the JSON twin. No SQL, no HTTP: the routes of
``dashboard_ikm`` fetch, this shapes.

Numbers as the SKM reports print them: NRR and NRR tertimbang with 3 decimals, IKM with 2, rounded
half-up from the exact value; in Indonesian with a decimal comma (``76,42``). The JSON twin carries the
same rounded numbers with a decimal point, as strings (``"76.42"``), so a page and its JSON compare
digit for digit: these are the published figures (the IKM is defined to two decimals), not floats.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import quote, urlencode

from babel.numbers import format_decimal
from markupsafe import Markup

from ...domain.ikm import BANDS
from ...domain.rating import (
    EDUCATION,
    EDUCATION_LABELS,
    GENDER_LABELS,
    OCCUPATION_LABELS,
    OCCUPATIONS,
)
from ..analytics.figures import IkmFigure, UnitKind
from ..analytics.ikm import AGE_BANDS, DIMENSIONS, NOT_GIVEN
from ..analytics.periods import Period
from . import chart_specs

KIND_LABELS = {  # English msgids, in the order of the tabs
    UnitKind.AGENCY: "Agencies",
    UnitKind.SERVICE: "Services",
    UnitKind.OFFICE: "Offices",
    UnitKind.KIOSK: "Kiosks",
}
KIND_SINGULAR = {UnitKind.AGENCY: "Agency", UnitKind.SERVICE: "Service", UnitKind.OFFICE: "Office",
                 UnitKind.KIOSK: "Kiosk"}
DIMENSION_LABELS = {"jenis_kelamin": "Sex", "usia": "Age", "pendidikan": "Education", "pekerjaan": "Occupation"}
SAMPLE_TOO_SMALL = "Sample too small"
REPORT_FORMATS = ("pdf", "xlsx", "csv")
_LOCALES = {"id": "id_ID", "en": "en_GB"}


def rounded(value: Fraction | Decimal | None, places: int) -> Decimal | None:
    """Half-up to ``places`` decimals from the exact value (never through a float)."""
    if value is None:
        return None
    scale = 10**places
    return Decimal(math.floor(Fraction(value) * scale + Fraction(1, 2))).scaleb(-places)


def fmt(value: Fraction | Decimal | None, places: int, lang: str) -> str:
    r = rounded(value, places)
    if r is None:
        return "–"
    return format_decimal(r, format="#,##0." + "0" * places, locale=_LOCALES.get(lang, "id_ID"))


def count(n: int | None, lang: str) -> str:
    return "–" if n is None else format_decimal(n, format="#,##0", locale=_LOCALES.get(lang, "id_ID"))


def plain(value: Fraction | Decimal | None, places: int) -> str | None:
    r = rounded(value, places)
    return None if r is None else str(r)


def unit_href(kind: UnitKind, unit_id: str, period: Period) -> str:
    return f"/staff/dashboard/ikm/{kind.value}/{quote(unit_id, safe='')}?" + urlencode({"period": period.key})


def report_links(figure: IkmFigure) -> list[tuple[str, str]]:
    """(format, href) of the SKM report files the reports part serves."""
    query = urlencode({"unit": f"{figure.unit.kind.value}:{figure.unit.id}", "period": figure.period.key})
    return [(f, f"/staff/reports/skm.{f}?{query}") for f in REPORT_FORMATS]


def missing_elements(figure: IkmFigure) -> list[str]:
    """The elements nobody answered in the period (why a unit with respondents has no IKM)."""
    return [e.code for e in figure.elements if e.nrr is None] if figure.respondents else []


# --- the list page -----------------------------------------------------------------------------------


def list_columns(t) -> list[str]:
    return [t("Unit"), t("Respondents"), t("Minimum sample"), t("IKM"), t("Mutu"), t("Kinerja"),
            t("Weakest elements"), t("Sample")]


def list_rows(figures: list[IkmFigure], t, lang: str) -> list[list[str]]:
    """The table of the list page; the unit's name links to its own page (Markup escapes the name)."""
    rows = []
    for f in figures:
        rows.append([
            Markup('<a href="{}">{}</a>').format(unit_href(f.unit.kind, f.unit.id, f.period), f.unit.name(lang)),
            count(f.respondents, lang),
            count(f.min_sample, lang),
            fmt(f.score, 2, lang),
            f.band.mutu if f.band else "–",
            (f.band.kinerja_id if lang == "id" else f.band.kinerja_en) if f.band else "–",
            ", ".join(f.weakest) or "–",
            t(SAMPLE_TOO_SMALL) if f.sample_too_small else "",
        ])
    return rows


def list_chart(figures: list[IkmFigure], lang: str) -> dict[str, Any]:
    """IKM per unit, horizontal bars on the 0..100 scale, with the lower edges of mutu C, B and A."""
    spec = chart_specs.bar([f.unit.name(lang) for f in figures], [("IKM", [f.score for f in figures])],
                           horizontal=True)
    spec["xAxis"].update(min=0, max=100)
    edges = [b for b in BANDS if b.mutu != "D"]
    spec["series"][0]["markLine"] = {
        "silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": "#505a5f"},
        "label": {"formatter": "{b}", "position": "end"},
        "data": [{"name": b.mutu, "xAxis": float(b.low)} for b in edges],
    }
    return spec


def list_json(figures: list[IkmFigure], kind: UnitKind, lang: str) -> dict[str, Any]:
    """The figures of the list page, for ``dashboard_page.json_twin`` (which adds the period)."""
    return {"kind": kind.value, "units": [unit_json(f, lang, with_elements=False) for f in figures]}


def unit_json(f: IkmFigure, lang: str, *, with_elements: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": f.unit.kind.value,
        "id": f.unit.id,
        "name": f.unit.name(lang),
        "respondents": f.respondents,
        "population": f.population,
        "min_sample": f.min_sample,
        "sample_too_small": f.sample_too_small,
        "ikm": plain(f.score, 2),
        "mutu": f.band.mutu if f.band else None,
        "kinerja": (f.band.kinerja_id if lang == "id" else f.band.kinerja_en) if f.band else None,
        "weakest": list(f.weakest),
    }
    if with_elements:
        out["elements"] = [{"code": e.code, "name": e.name_id if lang == "id" else e.name_en, "answers": e.answers,
                            "nrr": plain(e.nrr, 3), "nrr_weighted": plain(e.nrr_weighted, 3)} for e in f.elements]
        out["missing_elements"] = missing_elements(f)
        out["profile"] = {d: f.profile.get(d, {}) for d in DIMENSIONS}
    return out


# --- the unit page -----------------------------------------------------------------------------------


def element_columns(t) -> list[str]:
    return [t("Element"), t("Answers"), t("NRR"), t("NRR tertimbang")]


def element_rows(f: IkmFigure, lang: str) -> list[list[str]]:
    return [[f"{e.code} {e.name_id if lang == 'id' else e.name_en}", count(e.answers, lang), fmt(e.nrr, 3, lang),
             fmt(e.nrr_weighted, 3, lang)] for e in f.elements]


def element_chart(f: IkmFigure) -> dict[str, Any]:
    spec = chart_specs.bar([e.code for e in f.elements], [("NRR", [e.nrr for e in f.elements])])
    spec["yAxis"].update(min=0, max=4)
    return spec


def _value_order(dimension: str) -> tuple[str, ...]:
    return {"jenis_kelamin": ("L", "P"), "usia": AGE_BANDS, "pendidikan": EDUCATION,
            "pekerjaan": OCCUPATIONS}[dimension] + (NOT_GIVEN,)


def _value_label(dimension: str, value: str, t) -> str:
    if value == NOT_GIVEN:
        return t("Not given")
    table = {"jenis_kelamin": GENDER_LABELS, "pendidikan": EDUCATION_LABELS, "pekerjaan": OCCUPATION_LABELS}
    msgid = table.get(dimension, {}).get(value)
    return t(msgid) if msgid else value


def _counts_axis(spec: dict[str, Any]) -> dict[str, Any]:
    spec["xAxis"]["minInterval"] = 1  # people come whole: no 0.5 on the axis
    return spec


def profile_charts(f: IkmFigure, t, lang: str) -> list[dict[str, Any]]:
    """One chart per dimension: (id, title, spec, columns, rows); values in the questionnaire's order,
    each with its respondents and share."""
    out = []
    for dimension in DIMENSIONS:
        counts = f.profile.get(dimension, {})
        order = list(_value_order(dimension)) + sorted(v for v in counts if v not in _value_order(dimension))
        items = [(v, counts.get(v, 0)) for v in order if counts.get(v, 0)]
        total = sum(n for _, n in items)
        labels = [_value_label(dimension, v, t) for v, _ in items]
        rows = [[label, count(n, lang), fmt(Fraction(100 * n, total), 1, lang) + "%"]
                for label, (_, n) in zip(labels, items, strict=True)]
        out.append({
            "id": f"profile-{dimension.replace('_', '-')}",
            "title": t(DIMENSION_LABELS[dimension]),
            "spec": _counts_axis(chart_specs.bar(labels, [(t("Respondents"), [n for _, n in items])], horizontal=True)),
            "columns": [t(DIMENSION_LABELS[dimension]), t("Respondents"), t("Share")],
            "rows": rows,
        })
    return out
