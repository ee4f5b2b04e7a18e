"""The ECharts options of web/chart_specs.py: their shape (what charts.js and ECharts read), the numbers
as given, and what keeps colour from being the only cue. Hand-made inputs; the expected values are
written out, not taken from the code."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from kiosk.central.web import chart_specs as specs

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def plain_json(option: dict) -> dict:
    """The option as the page's data island carries it (fails on NaN, functions, dates...)."""
    return json.loads(json.dumps(option, allow_nan=False))


def test_number_keeps_ints_rounds_the_rest_and_maps_no_data_to_none():
    assert specs.number(7) == 7 and isinstance(specs.number(7), int)
    assert specs.number(Fraction(1, 3)) == 0.33  # 0.333... to 2 decimals
    assert specs.number(Decimal("88.25")) == 88.25
    assert specs.number(2.0 / 3.0) == 0.67
    assert specs.number(None) is None
    assert specs.number(float("nan")) is None and specs.number(float("inf")) is None
    for bad in (True, "3", b"3", object()):
        with pytest.raises(TypeError):
            specs.number(bad)


def test_every_chart_has_aria_decals_palette_and_no_title():
    options = [
        specs.bar(["a"], [("s", [1])]), specs.line(["a"], [("s", [1])]),
        specs.heatmap(["x"], ["y"], [("x", "y", 1)], max_value=1), specs.pie([("a", 1)]),
    ]
    for option in options:
        plain_json(option)
        assert option["aria"]["enabled"] is True
        assert option["color"] == OKABE_ITO
        assert option["title"] == {"show": False}
        assert "tooltip" in option
    # Bars and slices carry patterns; the heatmap's cells print their numbers instead (patterns would
    # cover them).
    assert [o["aria"]["decal"]["show"] for o in options] == [True, True, False, True]


def test_vertical_bar_with_two_series():
    option = specs.bar(["Q1", "Q2", "Q3"], [("Kesehatan", [80, Decimal("82.5"), None]), ("Pendapatan", [70, 66, 63.5])])
    assert option["xAxis"]["type"] == "category" and option["xAxis"]["data"] == ["Q1", "Q2", "Q3"]
    assert option["yAxis"] == {"type": "value"}
    assert [s["name"] for s in option["series"]] == ["Kesehatan", "Pendapatan"]
    assert option["series"][0]["data"] == [80, 82.5, None]  # None: no bar, not a zero
    assert option["series"][1]["data"] == [70, 66, 63.5]
    assert all(s["type"] == "bar" and "stack" not in s for s in option["series"])
    assert option["series"][0]["label"] == {"show": True, "position": "top", "formatter": "{c}"}
    assert option["legend"]["show"] is True and option["legend"]["data"] == ["Kesehatan", "Pendapatan"]


def test_horizontal_percent_bar_with_one_series():
    option = specs.bar(["Dinkes", "Bappenda"], [("IKM", [88.25, 61])], horizontal=True, percent=True)
    assert option["yAxis"]["type"] == "category" and option["yAxis"]["data"] == ["Dinkes", "Bappenda"]
    assert option["yAxis"]["inverse"] is True  # first category on top, as in the table
    assert option["xAxis"] == {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}
    assert option["series"][0]["label"]["formatter"] == "{c}%"
    assert option["series"][0]["label"]["position"] == "right"
    assert option["tooltip"]["valueFormatter"] == "{value}%"
    assert option["legend"]["show"] is False  # one series: the heading names it


def test_stacked_bar_stacks_every_series_and_hides_labels():
    option = specs.bar(["Jan"], [("Selesai", [30]), ("Terlambat", [5])], stack=True)
    assert [s["stack"] for s in option["series"]] == ["total", "total"]
    assert [s["label"]["show"] for s in option["series"]] == [False, False]


def test_line_keeps_gaps_and_gives_each_series_its_own_marker_and_dash():
    option = specs.line(["Q1", "Q2", "Q3"], [("A", [1, None, 3]), ("B", [2, 2, 2]), ("C", [0, 0, 0]), ("D", [5, 5, 5])])
    assert option["xAxis"]["data"] == ["Q1", "Q2", "Q3"]
    assert option["series"][0]["data"] == [1, None, 3] and option["series"][0]["connectNulls"] is False
    assert [s["symbol"] for s in option["series"]] == ["circle", "rect", "triangle", "diamond"]
    assert [s["lineStyle"]["type"] for s in option["series"]] == ["solid", "dashed", "dotted", "solid"]


def test_heatmap_cells_by_label_or_index():
    option = specs.heatmap(["Sen", "Sel", "Rab"], ["08", "09"],
                           [("Sen", "08", 3), ("Sel", "09", 0), (2, 1, 7), ("Rab", "08", None)], max_value=12)
    # Sen=0, Sel=1, Rab=2; 08=0, 09=1. A cell with no value is left out (blank), a 0 stays.
    assert option["series"][0]["data"] == [[0, 0, 3], [1, 1, 0], [2, 1, 7]]
    assert option["xAxis"]["data"] == ["Sen", "Sel", "Rab"] and option["yAxis"]["data"] == ["08", "09"]
    assert option["visualMap"]["min"] == 0 and option["visualMap"]["max"] == 12
    assert option["series"][0]["label"]["show"] is True
    with pytest.raises(ValueError):
        specs.heatmap(["Sen"], ["08"], [("Kam", "08", 1)], max_value=1)
    with pytest.raises(ValueError):
        specs.heatmap(["Sen"], ["08"], [(1, 0, 1)], max_value=1)


def test_pie_slices_named_with_their_numbers():
    option = specs.pie([("Pungutan liar", 4), ("Pelayanan lambat", Fraction(9))])
    assert option["series"][0]["type"] == "pie"
    assert option["series"][0]["data"] == [{"name": "Pungutan liar", "value": 4}, {"name": "Pelayanan lambat", "value": 9.0}]
    assert option["series"][0]["label"]["formatter"] == "{b}: {c}"
    assert option["legend"]["show"] is True


def test_json_twin_makes_figures_plain():
    from dataclasses import dataclass
    from datetime import UTC, date, datetime

    from kiosk.central.analytics import periods
    from kiosk.central.analytics.figures import Unit, UnitKind
    from kiosk.central.web.dashboard_page import json_twin

    @dataclass(frozen=True)
    class Fig:
        unit: Unit
        ikm: Fraction | None
        agencies: frozenset

    fig = Fig(Unit(UnitKind.AGENCY, "dinkes", "Dinas Kesehatan", "Health Office", "dinkes"), Fraction(353, 4),
              frozenset({"b", "a"}))
    response = json_twin({"rows": [fig], "day": date(2026, 3, 31)}, period=periods.from_key("2026-Q1"),
                         as_of=datetime(2026, 12, 7, 1, 30, tzinfo=UTC))
    assert json.loads(response.body) == {
        "period": {"key": "2026-Q1", "kind": "quarter", "first": "2026-01-01", "last": "2026-03-31"},
        "as_of": "2026-12-07T01:30:00+00:00",
        "rows": [{"unit": {"kind": "agency", "id": "dinkes", "name_id": "Dinas Kesehatan", "name_en": "Health Office",
                           "agency_id": "dinkes"},
                  "ikm": 88.25,  # 353/4
                  "agencies": ["a", "b"]}],
        "day": "2026-03-31",
    }
