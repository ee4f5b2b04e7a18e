"""How the IKM pages write the figures (web/ikm_view.py): SKM rounding, half-up from the exact value, with
the reader's decimal mark; and why a unit with respondents has no IKM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from kiosk.central.analytics import periods
from kiosk.central.analytics.figures import ElementFigure, IkmFigure, Unit, UnitKind
from kiosk.central.web import ikm_view


@pytest.mark.parametrize("value, places, lang, shown", [
    (Fraction(2, 3), 3, "id", "0,667"),  # 0.6666.. up
    (Fraction(1, 3), 3, "en", "0.333"),
    (Fraction(2, 9), 3, "id", "0,222"),
    (Fraction(1, 8), 2, "en", "0.13"),  # 0.125: half-up, where float rounding gives 0.12
    (Fraction(5, 2000), 3, "en", "0.003"),  # 0.0025 -> 0.003
    (Decimal("72.22"), 2, "id", "72,22"),
    (Decimal("100.00"), 2, "en", "100.00"),
    (None, 2, "id", "–"),
])
def test_rounding_and_the_decimal_mark(value, places, lang, shown):
    assert ikm_view.fmt(value, places, lang) == shown


def test_counts_get_thousands_separators():
    assert (ikm_view.count(1204, "id"), ikm_view.count(1204, "en"), ikm_view.count(None, "id")) == ("1.204", "1,204", "–")


def _figure(answers: list[int], respondents: int = 3) -> IkmFigure:
    elements = tuple(ElementFigure(f"U{i + 1}", "", "", n, Fraction(3) if n else None, Fraction(1, 3) if n else None)
                     for i, n in enumerate(answers))
    return IkmFigure(Unit(UnitKind.SERVICE, "s", "S", "S"), periods.date_range(date(2026, 1, 1), date(2026, 1, 2)),
                     respondents, elements, None, None, None, None, ())


def test_the_elements_nobody_answered_explain_a_missing_index():
    assert ikm_view.missing_elements(_figure([3] * 7 + [0, 0])) == ["U8", "U9"]
    assert ikm_view.missing_elements(_figure([0] * 9, respondents=0)) == []  # no respondents: nothing to explain


def test_report_links_name_the_unit_and_period():
    links = dict(ikm_view.report_links(_figure([3] * 9)))
    assert links["pdf"] == "/staff/reports/skm.pdf?unit=service%3As&period=2026-01-01..2026-01-02"
    assert set(links) == {"pdf", "xlsx", "csv"}
