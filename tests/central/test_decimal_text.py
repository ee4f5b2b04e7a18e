"""Numbers as the dashboards show them (web/decimal_text.py)."""

from decimal import Decimal
from fractions import Fraction

from kiosk.central.web.decimal_text import fraction, number


def test_number_keeps_the_published_decimals_with_the_page_language_separator():
    assert number(Decimal("83.33"), "id") == "83,33"
    assert number(Decimal("83.30"), "en") == "83.30"
    assert number(None, "id") == "–"


def test_fraction_writes_exact_values_as_they_end_and_cuts_others_short():
    assert fraction(Fraction(40), "en") == "40.00"
    assert fraction(Fraction(875, 100), "id") == "8,75"
    assert fraction(Fraction(26667, 1000), "en") == "26.667"  # 0.30 x 88.89
    assert fraction(Fraction(4, 9) * 80, "en") == "35.5555…"  # 320/9 = 35.5555...: cut, not rounded
    assert fraction(Fraction(54999, 700), "en") == "78.57"  # 549.99 / 7 = 78.57 exactly (7 x 78.57 = 549.99)
    assert fraction(Fraction(100, 3), "id") == "33,3333…"
