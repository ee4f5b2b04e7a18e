"""Compliance with the service standards (Ombudsman kepatuhan): iPLiK's score of the nine-aspect
checklist and the zone it falls in.

This is iPLiK's own reading of the checklist each agency keeps in the catalog, not the Ombudsman's
instrument (which weighs many more indicators): every one of the nine aspects counts ``ada`` (present) 1,
``sebagian`` (partly) 1/2, ``belum`` (missing) or not stated 0; the score is ``sum / 9 x 100``, exact
until one half-up rounding to two decimals. The zones are the Ombudsman's: hijau 81.00-100, kuning
51.00-80.99, merah 0-50.99. docs/analytics.md says the same for the reader of a dashboard.

Pure: plain strings in (the values of ``catalog.ComplianceStatus``), so nothing here imports the rest
of iPLiK; an official score could replace :func:`score` later without touching the zones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

ASPECT_COUNT = 9  # standar pelayanan, maklumat, ... atribut (catalog.ComplianceAspect)

# What one aspect adds to the sum, by its status; anything else (not stated) adds nothing.
STATUS_POINTS: dict[str, Fraction] = {"ada": Fraction(1), "sebagian": Fraction(1, 2), "belum": Fraction(0)}

HIJAU, KUNING, MERAH = "hijau", "kuning", "merah"
# The lowest score of each zone, best first (a score is in the first zone whose floor it reaches).
ZONE_FLOORS: tuple[tuple[str, Decimal], ...] = ((HIJAU, Decimal("81.00")), (KUNING, Decimal("51.00")),
                                                (MERAH, Decimal("0.00")))


def round_half_up(x: Fraction) -> Decimal:
    """Two decimals, half-up (as a spreadsheet's ROUND for these non-negative values), exactly."""
    return Decimal(math.floor(x * 100 + Fraction(1, 2))).scaleb(-2)


def score(statuses: Iterable[str]) -> Decimal:
    """The score of one agency from the statuses of the aspects it states (at most nine: one per
    aspect; the aspects it does not state count 0). 0.00..100.00."""
    points = [STATUS_POINTS.get(s, Fraction(0)) for s in statuses]
    if len(points) > ASPECT_COUNT:
        raise ValueError(f"at most {ASPECT_COUNT} aspects, got {len(points)}")
    return round_half_up(sum(points, Fraction(0)) / ASPECT_COUNT * 100)


def zone(value: Decimal) -> str:
    """``hijau``, ``kuning`` or ``merah`` for a score of 0..100 (two decimals, as published)."""
    if not isinstance(value, Decimal) or not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"a compliance score is a Decimal from 0 to 100, got {value!r}")
    # Graded as printed: 80.995 is published as 81.00 and is hijau.
    shown = round_half_up(Fraction(value))
    return next(name for name, floor in ZONE_FLOORS if shown >= floor)
