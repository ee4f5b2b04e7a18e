"""What the complaints dashboard shows, built from the handling figures: the headline numbers, each
chart's ECharts option with the same numbers as a table, and the page's JSON twin.

No SQL and no HTTP: ``dashboard_complaints`` (the routes) reads the figures and passes them here. Numbers
are shown as people read them (``1.234``, ``66,7%`` in Indonesian; ``1,234``, ``66.7%`` in English),
rounded half up only here (the JSON twin has them unrounded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from babel.dates import format_date

from ...domain.complaint import (
    CLASS_LABELS,
    STANDARD_PART_LABELS,
    TOPIC_LABELS,
    ComplaintClass,
    StandardPart,
    Topic,
)
from ..analytics.figures import HandlingFigure
from ..analytics.handling import Series
from . import chart_specs

DASH = "–"
_BABEL_LOCALES = {"id": "id_ID", "en": "en_GB"}
# The parts of the published standard (Permenpan RB 15/2014) a complaint can name, in the standard's order.
PARTS = tuple(StandardPart)


# --- numbers as shown ----------------------------------------------------------------------------------


def _decimal(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _localise(text: str, lang: str) -> str:
    # Indonesian writes 1.234,5 where English writes 1,234.5.
    return text.translate(str.maketrans({",": ".", ".": ","})) if lang == "id" else text


def fmt_int(n: int, lang: str) -> str:
    return _localise(f"{n:,}", lang)


def fmt_number(value: Fraction | None, places: int, lang: str) -> str:
    return DASH if value is None else _localise(f"{_decimal(value, places):,.{places}f}", lang)


def fmt_percent(share: Fraction | None, lang: str) -> str:
    return DASH if share is None else fmt_number(share * 100, 1, lang) + "%"


def fmt_days(days: Fraction | None, lang: str) -> str:
    """A median of working days: whole, or with its half (the mean of two middle values)."""
    if days is None:
        return DASH
    return fmt_int(int(days), lang) if days.denominator == 1 else fmt_number(days, 1, lang)


# --- labels ---------------------------------------------------------------------------------------------


def _label(table: dict, enum, key: str, t: Callable[..., str]) -> str:
    try:
        return t(table[enum(key)])
    except (ValueError, KeyError):
        return key  # a value this release does not know: shown as stored


def topic_label(key: str, t) -> str:
    return _label(TOPIC_LABELS, Topic, key, t)


def class_label(key: str, t) -> str:
    return _label(CLASS_LABELS, ComplaintClass, key, t)


def part_label(key: str, t) -> str:
    return _label(STANDARD_PART_LABELS, StandardPart, key, t)


def bucket_label(day: date, step: str, lang: str) -> str:
    locale = _BABEL_LOCALES.get(lang, "id_ID")
    return format_date(day, "MMM y" if step == "month" else "d MMM", locale=locale)


def agency_name(figure: HandlingFigure, lang: str, t) -> str:
    if figure.unit.id == "":
        return t("No agency named")
    return figure.unit.name(lang)


# --- the page -------------------------------------------------------------------------------------------


def _whole(spec: dict[str, Any], *, horizontal: bool = False) -> dict[str, Any]:
    # Counts of complaints: no 0.5 on the value axis.
    spec["xAxis" if horizontal else "yAxis"]["minInterval"] = 1
    return spec


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    spec: dict[str, Any]
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Stat:
    label: str
    value: str
    note: str = ""
    now: bool = False  # a figure of today, not of the period


def headline(total: HandlingFigure, verify_days: int, answer_days: int, t, lang: str) -> list[Stat]:
    rating = DASH if total.citizen_rating is None else f"{fmt_number(total.citizen_rating, 2, lang)} / 4"
    return [
        Stat(t("Complaints received"), fmt_int(total.received, lang)),
        Stat(t("Verified on time"), fmt_percent(total.verified_on_time, lang),
             t("within {days} working days", days=verify_days)),
        Stat(t("Answered on time"), fmt_percent(total.answered_on_time, lang),
             t("within {days} working days", days=answer_days)),
        Stat(t("Median working days to verify"), fmt_days(total.median_days_to_verify, lang)),
        Stat(t("Median working days to answer"), fmt_days(total.median_days_to_answer, lang)),
        Stat(t("Backlog"), fmt_int(total.backlog, lang), t("open now"), now=True),
        Stat(t("Overdue"), fmt_int(total.overdue, lang), t("open and past the due day now"), now=True),
        Stat(t("Reopened"), fmt_percent(total.reopened, lang)),
        Stat(t("Citizens' rating of the answers"), rating, t("{count} ratings", count=fmt_int(total.citizen_ratings, lang))),
    ]


def series_chart(chart_id: str, title: str, series: Series, label: Callable[[str], str], t, lang: str) -> Chart:
    """Complaints over time, one stacked bar per bucket, one colour per key; the table has a row per bucket."""
    buckets = [bucket_label(day, series.step, lang) for day in series.buckets]
    keys = list(series.counts)
    spec = _whole(chart_specs.bar(buckets, [(label(k), list(series.counts[k])) for k in keys], stack=True))
    first = t("Month") if series.step == "month" else t("Week from")
    columns = [first] + [label(k) for k in keys] + [t("Total")]
    rows = []
    for i, name in enumerate(buckets):
        counts = [series.counts[k][i] for k in keys]
        rows.append([name] + [fmt_int(n, lang) for n in counts] + [fmt_int(sum(counts), lang)])
    return Chart(chart_id, title, spec, columns, rows)


def agency_series_chart(chart_id: str, title: str, series: Series, names: dict[str, str], t, lang: str) -> Chart:
    """Complaints per agency over time: stacked bars per bucket; the table has a row per agency (a column
    per bucket), since agencies outnumber the buckets."""
    buckets = [bucket_label(day, series.step, lang) for day in series.buckets]
    keys = list(series.counts)
    label = [names.get(k) or (t("No agency named") if k == "" else k) for k in keys]
    spec = _whole(chart_specs.bar(buckets, [(label[i], list(series.counts[k])) for i, k in enumerate(keys)],
                                  stack=True))
    columns = [t("Agency")] + buckets + [t("Total")]
    rows = [[label[i]] + [fmt_int(n, lang) for n in series.counts[k]] + [fmt_int(series.total(k), lang)]
            for i, k in enumerate(keys)]
    return Chart(chart_id, title, spec, columns, rows)


def agencies_chart(chart_id: str, title: str, figures: list[HandlingFigure], total: HandlingFigure,
                   total_name: str, t, lang: str) -> Chart:
    """Every agency's handling figures; the chart compares what was received with what is still open."""
    names = [agency_name(f, lang, t) for f in figures]
    spec = _whole(chart_specs.bar(names, [(t("Complaints received"), [f.received for f in figures]),
                                          (t("Backlog (now)"), [f.backlog for f in figures])], horizontal=True),
                  horizontal=True)
    columns = [t("Agency"), t("Received"), t("Verified on time"), t("Answered on time"),
               t("Median working days to verify"), t("Median working days to answer"), t("Backlog (now)"),
               t("Overdue (now)"), t("Reopened"), t("Citizens' rating"), t("Ratings")]

    def row(name: str, f: HandlingFigure) -> list[str]:
        return [name, fmt_int(f.received, lang), fmt_percent(f.verified_on_time, lang),
                fmt_percent(f.answered_on_time, lang), fmt_days(f.median_days_to_verify, lang),
                fmt_days(f.median_days_to_answer, lang), fmt_int(f.backlog, lang), fmt_int(f.overdue, lang),
                fmt_percent(f.reopened, lang), fmt_number(f.citizen_rating, 2, lang), fmt_int(f.citizen_ratings, lang)]

    rows = [row(n, f) for n, f in zip(names, figures, strict=True)] + [row(total_name, total)]
    return Chart(chart_id, title, spec, columns, rows,
                 t("Backlog and overdue are counted now, not over the period."))


def standard_chart(chart_id: str, title: str, figures: list[HandlingFigure], total: HandlingFigure,
                   total_name: str, t, lang: str) -> Chart:
    """Which part of the published service standard complaints say was breached, per agency."""
    shown = [f for f in figures if f.by_standard_part]
    names = [agency_name(f, lang, t) for f in shown]
    parts = [p.value for p in PARTS]
    extra = sorted({k for f in shown for k in f.by_standard_part} - set(parts))  # values of a newer release
    parts += extra
    # The chart draws the parts named at all (a legend of eight with five empty says nothing); the table
    # keeps every part, its zeros included.
    named = [p for p in parts if total.by_standard_part.get(p)]
    spec = _whole(chart_specs.bar(names, [(part_label(p, t), [f.by_standard_part.get(p, 0) for f in shown])
                                          for p in named], horizontal=True, stack=True), horizontal=True)
    columns = [t("Agency")] + [part_label(p, t) for p in parts] + [t("Total")]

    def row(name: str, f: HandlingFigure) -> list[str]:
        counts = [f.by_standard_part.get(p, 0) for p in parts]
        return [name] + [fmt_int(n, lang) for n in counts] + [fmt_int(sum(counts), lang)]

    rows = [row(n, f) for n, f in zip(names, shown, strict=True)] + [row(total_name, total)]
    return Chart(chart_id, title, spec, columns, rows,
                 t("Complaints that name the part of the service standard they say was not kept."))
