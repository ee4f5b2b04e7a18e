"""What the quick-rating dashboard shows, from :class:`~..analytics.figures.QuickFigure`: the tables (the
numbers exactly as displayed), the chart options, and the JSON twin of each page.

No SQL and no HTTP: ``dashboard_quick`` fetches the figures and renders; this module only arranges them,
so a page's table and its ``.json`` come from one function and cannot disagree. Faces are always named
in words (never by colour alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from ...domain.rating import FACES
from ..analytics.figures import QuickFigure
from . import chart_specs

Translate = Callable[..., str]

# The office day the heatmap's table spells out hour by hour; the rest is one "other hours" column.
OFFICE_HOURS = tuple(range(7, 18))  # 07..17
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NONE = "–"


def share_text(part: int, whole: int) -> str:
    """A face's share in percent, one decimal, half-up ("50.0"); a dash without taps."""
    if not whole:
        return NONE
    return str(Decimal(floor(Fraction(part * 1000, whole) + Fraction(1, 2))).scaleb(-1))


def index_text(index: Decimal | None) -> str:
    return NONE if index is None else f"{index:.2f}"


def shown(text: str, lang: str) -> str:
    """A neutral number ("75.00", "1204") as the page writes it: "75,00" and "1.204" in Indonesian,
    "75.00" and "1,204" in English (the JSON's figures keep the neutral form)."""
    if text == NONE:
        return text
    whole, _, part = text.partition(".")
    grouped = f"{int(whole):,}"
    if lang == "id":
        return grouped.replace(",", ".") + (f",{part}" if part else "")
    return grouped + (f".{part}" if part else "")


def face_names(t: Translate) -> list[str]:
    return [t(en) for _value, _id, en in FACES]


# --- the overview: one row per unit ------------------------------------------------------------------


def overview_table(figures: Sequence[QuickFigure], t: Translate, lang: str) -> tuple[list[str], list[list[str]]]:
    columns = [t("Unit"), t("Taps"), *[f"{name} (%)" for name in face_names(t)], t("Satisfaction index"),
               t("Discarded taps")]
    rows = [[f.unit.name(lang), shown(str(f.taps), lang), *[shown(share_text(n, f.taps), lang) for n in f.faces],
             shown(index_text(f.index), lang), shown(str(f.discarded), lang)] for f in figures]
    return columns, rows


def overview_chart(figures: Sequence[QuickFigure], t: Translate, lang: str) -> dict[str, Any]:
    """Face shares per unit as one stacked horizontal bar each (percent of the unit's taps)."""
    units = [f.unit.name(lang) for f in figures]
    series = [(name, [float(Fraction(f.faces[i] * 100, f.taps)) if f.taps else 0.0 for f in figures])
              for i, name in enumerate(face_names(t))]
    return chart_specs.bar(units, series, horizontal=True, percent=True, stack=True)  # a unit's four add to 100


def overview_json(figures: Sequence[QuickFigure], t: Translate, lang: str) -> dict[str, Any]:
    columns, rows = overview_table(figures, t, lang)
    return {
        "units": [_unit_json(f) for f in figures],
        "table": {"columns": columns, "rows": rows},
    }


def _unit_json(f: QuickFigure) -> dict[str, Any]:
    return {
        "kind": f.unit.kind.value, "id": f.unit.id, "name_id": f.unit.name_id, "name_en": f.unit.name_en,
        "period": f.period.key, "taps": f.taps, "faces": list(f.faces),
        "shares": [share_text(n, f.taps) for n in f.faces],
        "index": index_text(f.index) if f.index is not None else None,
        "discarded": f.discarded,
    }


# --- one unit: heatmap, weekly trend, faces ------------------------------------------------------------


def heatmap_table(f: QuickFigure, t: Translate, lang: str) -> tuple[list[str], list[list[str]]]:
    """Weekdays down, the office day's hours across, then every other hour in one column."""
    columns = [t("Day"), *[f"{h:02d}" for h in OFFICE_HOURS], t("Other hours")]
    rows = []
    for day, name in enumerate(WEEKDAYS):
        cells = [f.heatmap.get((day, h), 0) for h in OFFICE_HOURS]
        other = sum(n for (d, h), n in f.heatmap.items() if d == day and h not in OFFICE_HOURS)
        rows.append([t(name), *[shown(str(n), lang) for n in cells], shown(str(other), lang)])
    return columns, rows


def heatmap_chart(f: QuickFigure, t: Translate) -> dict[str, Any]:
    """All 24 hours by weekday: the chart may be wide; the table above keeps to the office day."""
    hours = [f"{h:02d}" for h in range(24)]
    days = [t(name) for name in WEEKDAYS]
    cells = [[h, d, n] for (d, h), n in sorted(f.heatmap.items())]
    return chart_specs.heatmap(hours, days, cells, max_value=max(f.heatmap.values(), default=0))


def weekly_table(f: QuickFigure, t: Translate, lang: str) -> tuple[list[str], list[list[str]]]:
    columns = [t("Week from (Monday)"), t("Taps"), t("Satisfaction index")]
    return columns, [[monday.isoformat(), shown(str(taps), lang), shown(index_text(index), lang)]
                     for monday, taps, index in f.weekly]


def weekly_chart(f: QuickFigure, t: Translate) -> dict[str, Any]:
    weeks = [monday.isoformat() for monday, _taps, _index in f.weekly]
    return chart_specs.line(weeks, [(t("Satisfaction index"), [float(i) if i is not None else None
                                                                for _m, _n, i in f.weekly])])


def faces_table(f: QuickFigure, t: Translate, lang: str) -> tuple[list[str], list[list[str]]]:
    columns = [t("Face"), t("Taps"), t("Share (%)")]
    return columns, [[name, shown(str(n), lang), shown(share_text(n, f.taps), lang)]
                     for name, n in zip(face_names(t), f.faces, strict=True)]


def faces_chart(f: QuickFigure, t: Translate) -> dict[str, Any]:
    return chart_specs.bar(face_names(t), [(t("Taps"), list(f.faces))])


def detail_tables(f: QuickFigure, t: Translate, lang: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    return {"heatmap": heatmap_table(f, t, lang), "weekly": weekly_table(f, t, lang), "faces": faces_table(f, t, lang)}


def detail_json(f: QuickFigure, t: Translate, lang: str) -> dict[str, Any]:
    tables = detail_tables(f, t, lang)
    return {
        "unit": _unit_json(f),
        "heatmap": [{"weekday": d, "hour": h, "taps": n} for (d, h), n in sorted(f.heatmap.items())],
        "weekly": [{"monday": m.isoformat(), "taps": n, "index": index_text(i) if i is not None else None}
                   for m, n, i in f.weekly],
        "tables": {name: {"columns": c, "rows": r} for name, (c, r) in tables.items()},
    }
