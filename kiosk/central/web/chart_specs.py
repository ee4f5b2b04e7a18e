"""ECharts option dicts for the dashboard pages: bar, line, heatmap, pie. Pure functions, no HTTP.

A page builds its option here and hands it to ``charts.chart(...)`` (templates/staff/_charts.html),
which puts it in a JSON data island that ``static/js/charts.js`` draws. Every option is complete and
plain JSON (no JavaScript functions: the CSP forbids inline script, so nothing can be eval'd):

- no title (the figure has a heading), a tooltip, ``aria`` on (ECharts writes a description for
  screen readers) with decals, so bars and slices differ by pattern and not by colour alone;
- the Okabe-Ito palette, safe for the common colour-vision deficiencies;
- label and axis formatters as templates (``"{c}"``, ``"{c}%"``, ``"{value}%"``): charts.js turns them
  into functions that write numbers the page's way (``82,5`` in Indonesian, ``82.5`` in English).

Values may be int, float, Decimal or Fraction; ``None`` is "no data" (a gap, not a zero).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

# Okabe & Ito (2008), "Color Universal Design": told apart with protanopia, deuteranopia, tritanopia.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

# Lines carry no decal: their second cue is the marker's shape and the stroke's dash.
SYMBOLS = ("circle", "rect", "triangle", "diamond", "pin", "arrow")
DASHES = ("solid", "dashed", "dotted")

# A single-hue ramp (light to dark blue) for the heatmap: its order reads without colour vision, and
# every cell also prints its number.
HEAT_RAMP = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")

Series = Sequence[tuple[str, Sequence[Any]]]


def number(value: Any) -> int | float | None:
    """A value as JSON can hold it: None stays None (no data), ints stay ints, the rest to 2 decimals.
    NaN and infinity become None (JSON has no word for them and JSON.parse would fail on the page)."""
    if value is None:
        return None
    if isinstance(value, bool | str | bytes):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return value
    f = float(value)  # Decimal, Fraction, float; TypeError for anything else
    return round(f, 2) if math.isfinite(f) else None


def _base() -> dict[str, Any]:
    return {
        "color": list(PALETTE),
        "title": {"show": False},
        "aria": {"enabled": True, "decal": {"show": True}},
        "tooltip": {"confine": True},
        "textStyle": {"fontFamily": "Noto Sans, DejaVu Sans, sans-serif"},
        "animationDuration": 400,
    }


def _legend(names: Sequence[str]) -> dict[str, Any]:
    # One series needs no legend: the heading names it.
    return {"show": len(names) > 1, "type": "scroll", "top": 0, "data": list(names)}


def bar(categories: Sequence[str], series: Series, *, horizontal: bool = False, percent: bool = False,
        stack: bool = False) -> dict[str, Any]:
    """Bars per category, one colour and pattern per series. ``percent``: a 0-100 axis and "%" on labels;
    ``horizontal``: categories down the side (long unit names); ``stack``: series stacked."""
    names = [name for name, _ in series]
    value_axis: dict[str, Any] = {"type": "value"}
    if percent:
        value_axis.update(min=0, max=100, axisLabel={"formatter": "{value}%"})
    category_axis: dict[str, Any] = {
        "type": "category", "data": list(categories),
        "axisLabel": {"interval": 0, "width": 140 if horizontal else 90, "overflow": "break", "lineHeight": 16},
    }
    if horizontal:
        category_axis["inverse"] = True  # the first category at the top, as in the table
    suffix = "%" if percent else ""
    out = _base()
    out.update(
        legend=_legend(names),
        grid={"containLabel": True, "left": 8, "right": 40 if horizontal else 16,
              "top": 36 if len(names) > 1 else 16, "bottom": 8},
        tooltip={"confine": True, "trigger": "axis", "axisPointer": {"type": "shadow"},
                 "valueFormatter": "{value}" + suffix},
        xAxis=value_axis if horizontal else category_axis,
        yAxis=category_axis if horizontal else value_axis,
        series=[
            {"name": name, "type": "bar", "data": [number(v) for v in values],
             "label": {"show": not stack, "position": "right" if horizontal else "top", "formatter": "{c}" + suffix},
             **({"stack": "total"} if stack else {})}
            for name, values in series
        ],
    )
    return out


def line(categories: Sequence[str], series: Series) -> dict[str, Any]:
    """A line per series over ``categories`` (periods, days); gaps where a value is None."""
    names = [name for name, _ in series]
    out = _base()
    out.update(
        legend=_legend(names),
        grid={"containLabel": True, "left": 8, "right": 24, "top": 36 if len(names) > 1 else 16, "bottom": 8},
        tooltip={"confine": True, "trigger": "axis", "valueFormatter": "{value}"},
        xAxis={"type": "category", "data": list(categories), "boundaryGap": False},
        yAxis={"type": "value", "scale": True},
        series=[
            {"name": name, "type": "line", "data": [number(v) for v in values], "connectNulls": False,
             "symbol": SYMBOLS[i % len(SYMBOLS)], "symbolSize": 8,
             "lineStyle": {"width": 2, "type": DASHES[i % len(DASHES)]}}
            for i, (name, values) in enumerate(series)
        ],
    )
    return out


def heatmap(x_labels: Sequence[str], y_labels: Sequence[str], cells: Sequence[tuple[Any, Any, Any]], *,
            max_value: float) -> dict[str, Any]:
    """A grid of ``cells`` ``(x, y, value)``; x and y are labels (or their indices). Each cell prints its
    number; the shade runs from 0 to ``max_value``."""
    xs, ys = list(x_labels), list(y_labels)

    def at(labels: list[str], key: Any) -> int:
        if isinstance(key, int) and not isinstance(key, bool):
            if not 0 <= key < len(labels):
                raise ValueError(f"cell index {key} outside the {len(labels)} labels")
            return key
        return labels.index(key)  # ValueError for an unknown label: a bug of the page

    data = [[at(xs, x), at(ys, y), number(v)] for x, y, v in cells if v is not None]
    out = _base()
    # Patterns over shades would hide the printed numbers; the shade's order and the number suffice.
    out["aria"] = {"enabled": True, "decal": {"show": False}}
    out.update(
        grid={"containLabel": True, "left": 8, "right": 16, "top": 8, "bottom": 56},
        tooltip={"confine": True, "position": "top", "valueFormatter": "{value}"},
        xAxis={"type": "category", "data": xs, "splitArea": {"show": True},
               "axisLabel": {"interval": 0, "rotate": 30 if len(xs) > 8 else 0}},
        yAxis={"type": "category", "data": ys, "splitArea": {"show": True}, "inverse": True,
               "axisLabel": {"interval": 0, "width": 160, "overflow": "truncate"}},
        visualMap={"min": 0, "max": number(max_value), "calculable": False, "orient": "horizontal",
                   "left": "center", "bottom": 0, "itemWidth": 14, "inRange": {"color": list(HEAT_RAMP)}},
        series=[{"type": "heatmap", "data": data,
                 "label": {"show": True, "formatter": "{c}"},
                 "emphasis": {"itemStyle": {"borderColor": "#0b0c0c", "borderWidth": 2}}}],
    )
    return out


def pie(items: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """Shares of a whole: a ring of ``(name, value)`` slices, each named with its number."""
    names = [name for name, _ in items]
    out = _base()
    out.update(
        legend={"show": True, "type": "scroll", "bottom": 0, "data": names},
        tooltip={"confine": True, "trigger": "item", "valueFormatter": "{value}"},
        series=[{"type": "pie", "radius": ["35%", "65%"], "center": ["50%", "45%"],
                 "data": [{"name": name, "value": number(v)} for name, v in items],
                 "label": {"formatter": "{b}: {c}"}, "avoidLabelOverlap": True}],
    )
    return out
