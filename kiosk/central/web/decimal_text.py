"""Exact numbers as a page shows them: two decimals as computed (never through a float), with the
decimal comma in Indonesian (83,33) and the point in English (83.33), as the kiosk shows its IKM."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def number(value: Decimal | None, lang: str, *, blank: str = "–") -> str:
    """``value`` as given (already rounded to what is published); ``blank`` for a missing one."""
    if value is None:
        return blank
    text = f"{value:f}"
    return text.replace(".", ",") if lang == "id" else text


def fraction(value: Fraction, lang: str, places: int = 4) -> str:
    """An exact non-negative intermediate of a worked example: as written when it ends within ``places``
    decimals (40.00, 26.667), else cut short there with "…" (4/9 x 80 = 35.5555…)."""
    scaled = value * 10**places
    cut = Decimal(math.floor(scaled)).scaleb(-places)
    if scaled.denominator != 1:
        return number(cut, lang) + "…"
    # Exact: as many decimals as it has, at least two (40.00, 8.75, 26.667).
    return number(cut.quantize(Decimal("0.01")) if cut == cut.quantize(Decimal("0.01")) else cut.normalize(), lang)
