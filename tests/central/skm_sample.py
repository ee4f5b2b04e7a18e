"""A small SKM figure whose every number was worked out by hand, for the report tests.

Eight respondents of one service in the first quarter of 2026. Sums of the answers per element and
what follows from them (NRR = sum / 8, weighted NRR = NRR / 9, printed with three decimals, half-up):

    U1 25 -> 3.125  0.347      U4 32 -> 4.000  0.444      U7 27 -> 3.375  0.375
    U2 26 -> 3.250  0.361      U5 24 -> 3.000  0.333      U8 21 -> 2.625  0.292
    U3 22 -> 2.750  0.306      U6 25 -> 3.125  0.347      U9 23 -> 2.875  0.319

Sum of the sums 225, so the sum of the NRR is 225/8 = 28.125, the sum of the weighted NRR 28.125/9 =
3.125 exactly, and IKM = 3.125 x 25 = 78.125, which rounds half-up to 78.13: grade B (76.61-88.30), Baik.
Weakest: U8 (2.625), U3 (2.750), U9 (2.875). Yearly users 100: Krejcie-Morgan
3.841 x 100 x 0.25 / (0.0025 x 99 + 3.841 x 0.25) = 96.025 / 1.20775 = 79.5 -> 80 > 8: sample too small.
Profile (of 8): L 5 (62.5 %), P 3 (37.5 %); ages <20 1 (12.5), 20-29 3 (37.5), 60+ 2 (25.0), not given 2
(25.0); SMA 4 (50.0), S1 3 (37.5), not given 1 (12.5); PNS 2 (25.0), Swasta 6 (75.0).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from kiosk.central.analytics.figures import ElementFigure, IkmFigure, Unit, UnitKind
from kiosk.central.analytics.periods import Kind, Period
from kiosk.domain.ikm import BANDS, ELEMENTS

SUMS = {"U1": 25, "U2": 26, "U3": 22, "U4": 32, "U5": 24, "U6": 25, "U7": 27, "U8": 21, "U9": 23}
RESPONDENTS = 8
NRR_ID = {"U1": "3,125", "U2": "3,250", "U3": "2,750", "U4": "4,000", "U5": "3,000", "U6": "3,125", "U7": "3,375",
          "U8": "2,625", "U9": "2,875"}
WEIGHTED_ID = {"U1": "0,347", "U2": "0,361", "U3": "0,306", "U4": "0,444", "U5": "0,333", "U6": "0,347", "U7": "0,375",
               "U8": "0,292", "U9": "0,319"}
Q1_2026 = Period(Kind.QUARTER, date(2026, 1, 1), date(2026, 3, 31))


def sample_figure(*, unit: Unit | None = None, name: str = "Penerbitan Izin Usaha Mikro") -> IkmFigure:
    unit = unit or Unit(UnitKind.SERVICE, "izin-umk", name, "Micro business licence", "bappenda")
    elements = tuple(
        ElementFigure(e.code, e.name_id, e.name_en, RESPONDENTS, Fraction(SUMS[e.code], RESPONDENTS),
                      Fraction(SUMS[e.code], RESPONDENTS) / 9)
        for e in ELEMENTS
    )
    return IkmFigure(
        unit=unit, period=Q1_2026, respondents=RESPONDENTS, elements=elements,
        score=Decimal("78.13"), band=BANDS[1], population=400, min_sample=79, weakest=("U8", "U3", "U9"),
        profile={"jenis_kelamin": {"L": 5, "P": 3}, "usia": {"20-29": 3, "<20": 1, "60+": 2, "": 2},
                 "pendidikan": {"SMA": 4, "S1": 3, "": 1}, "pekerjaan": {"Swasta": 6, "PNS": 2}},
    )
