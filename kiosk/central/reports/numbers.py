"""How the SKM report rounds and writes its numbers, the same way in the PDF, the XLSX and the CSV.

PermenPANRB 14/2017's tables print NRR and NRR tertimbang with three decimals and the IKM with two. The
figures keep exact Fractions; they are rounded once, half-up (as a spreadsheet's ROUND), when shown.
Indonesian writes the decimal comma ("3,125"), English the point.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

NRR_PLACES = 3
SCORE_PLACES = 2
PERCENT_PLACES = 1


def rounded(value: Fraction | Decimal | int, places: int) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, exactly (no float on the way)."""
    exact = Fraction(value)
    scaled = math.floor(exact * 10**places + Fraction(1, 2))
    return Decimal(scaled).scaleb(-places)


def text(value: Fraction | Decimal | int | None, places: int, lang: str = "id") -> str:
    """The number as the report prints it; a dash for no value."""
    if value is None:
        return "-"
    shown = f"{rounded(value, places):.{places}f}"
    return shown.replace(".", ",") if lang == "id" else shown


def share(part: int, whole: int) -> Fraction | None:
    """``part`` of ``whole`` as a percentage (exact); None when there is no whole."""
    return Fraction(100 * part, whole) if whole else None
